//! The authorization_code grant type (RFC 6749 §4.1.3, RFC 7636 §4.6). Any failed check burns the
//! code; a code used twice revokes everything issued from it.

use super::super::Engine;
use super::super::error::{EndpointError, ErrorCode};
use super::super::id_token::Authentication;
use super::super::issue::TokenResponse;
use super::super::issue::{self, UserTokens};
use super::super::params::Params;
use super::super::pkce;
use super::super::scope::Scope;
use crate::crypto::token::PlaintextToken;
use crate::domain::{Client, Redemption, UserStatus};

fn invalid_grant(description: &str) -> EndpointError {
    EndpointError::oauth(ErrorCode::InvalidGrant, description)
}

pub async fn exchange(
    engine: &Engine,
    client: &Client,
    params: &Params,
) -> Result<TokenResponse, EndpointError> {
    let code = params.require("code")?;
    let hash = engine.hasher.hash(&PlaintextToken::from_presented(code));
    let now = engine.now();
    let Some((record, _consumed)) = engine.store.find_authorization_code(&hash).await? else {
        return Err(invalid_grant(
            "the authorization code is invalid or expired",
        ));
    };
    let checks = if record.client_id != client.id {
        Err("the authorization code was issued to another client")
    } else if params.get("redirect_uri") != expected_redirect_uri(&record) {
        Err("redirect_uri does not match the authorization request")
    } else {
        match params.get("code_verifier") {
            None => Err("code_verifier is required (PKCE)"),
            Some(verifier) if !pkce::verify_s256(verifier, &record.code_challenge) => {
                Err("the code_verifier does not match the code_challenge")
            }
            Some(_) => Ok(()),
        }
    };
    if let Err(description) = checks {
        engine.store.burn_authorization_code(&hash, now).await?;
        return Err(invalid_grant(description));
    }
    let scope = Scope::parse(&record.scope)?;
    let new_grant = issue::new_grant(
        engine,
        client,
        record.user_id,
        &scope,
        (record.auth_time, record.sid.clone(), record.amr.clone()),
        now,
    )?;
    let (refresh_token, new_refresh) = new_grant.refresh_token.unzip();
    let grant = match engine
        .store
        .redeem_authorization_code(&hash, now, new_grant.grant, new_refresh)
        .await?
    {
        Redemption::Granted(grant) => grant,
        Redemption::Replayed { revoked } => {
            if let Some(grant) = revoked {
                engine.grant_revoked(grant, now);
            }
            return Err(invalid_grant("the authorization code was already used"));
        }
        Redemption::Invalid => {
            return Err(invalid_grant(
                "the authorization code is invalid or expired",
            ));
        }
    };
    let user = match engine.store.find_user(grant.user_id).await? {
        Some(user) if user.status == UserStatus::Active => user,
        _ => {
            engine.revoke_grant(grant.id, now).await?;
            return Err(invalid_grant("the user can no longer sign in"));
        }
    };
    issue::user_tokens(
        engine,
        UserTokens {
            client,
            user: &user,
            scope: &scope,
            grant_id: grant.id,
            authentication: Authentication {
                auth_time: record.auth_time.unix_timestamp(),
                nonce: record.nonce.clone(),
                sid: record.sid.clone(),
                amr: &record.amr,
            },
            refresh_token,
        },
        now,
    )
}

/// The `redirect_uri` the token request must repeat: the authorization request's, or none for a
/// code from the authorization challenge endpoint (which has no redirect).
fn expected_redirect_uri(record: &crate::domain::AuthorizationCode) -> Option<&str> {
    Some(record.redirect_uri.as_str()).filter(|uri| !uri.is_empty())
}
