//! The client_credentials grant type (RFC 6749 §4.4): a confidential client acting for itself. No
//! refresh token and no ID token; `sub` is the client.

use super::super::Engine;
use super::super::access_token;
use super::super::error::{EndpointError, ErrorCode};
use super::super::issue::TokenResponse;
use super::super::params::Params;
use super::super::scope::Scope;
use crate::domain::{Client, ClientKind};

/// Scopes that describe a user and mean nothing for a client acting for itself.
const USER_SCOPES: [&str; 6] = [
    "openid",
    "profile",
    "email",
    "phone",
    "offline_access",
    crate::oauth::account_access::ACCOUNT_SCOPE,
];

pub fn exchange(
    engine: &Engine,
    client: &Client,
    params: &Params,
) -> Result<TokenResponse, EndpointError> {
    if client.kind != ClientKind::Confidential {
        return Err(EndpointError::oauth(
            ErrorCode::UnauthorizedClient,
            "public clients cannot use client_credentials",
        ));
    }
    let allowed = Scope::from_tokens(
        client
            .scopes
            .iter()
            .map(|s| s.as_str())
            .filter(|s| !USER_SCOPES.contains(s)),
    );
    // Scopes that need an end-user, or that the client may not have, are dropped and the token
    // carries what remains, possibly nothing (RFC 6749 §3.3: the server may issue a different
    // scope, and says so in the response). Client libraries send their configured user scopes on
    // every grant type. Only a malformed scope is refused.
    let scope = match params.get("scope") {
        Some(requested) => Scope::parse(requested)?.intersection(&allowed),
        None => allowed,
    };
    let subject = access_token::Subject {
        client,
        sub: client.id.as_str(),
        scope: &scope,
        roles: Vec::new(),
        auth_time: None,
        amr: &[],
        grant_id: None,
    };
    let minted = access_token::mint(engine, subject, engine.now())?;
    Ok(TokenResponse {
        subject: minted.claims.sub,
        access_token: minted.token,
        token_type: "Bearer",
        expires_in: minted.expires_in,
        scope: scope.to_string(),
        refresh_token: None,
        id_token: None,
    })
}
