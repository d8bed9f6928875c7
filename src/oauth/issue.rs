//! Issuing a user's tokens: the access token, an ID token when `openid` was granted,
//! and the refresh token when one was made.

use serde::Serialize;
use time::OffsetDateTime;

use super::Engine;
use super::access_token;
use super::error::EndpointError;
use super::id_token::{self, Authentication};
use super::scope::Scope;
use crate::crypto::token::PlaintextToken;
use crate::domain::{Client, Grant, NewRefreshToken, User, UserId};

/// RFC 6749 §5.1 successful response (plus `id_token` from OpenID Connect Core §3.1.3.3).
#[derive(Debug, Clone, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    /// Always sent, even when it equals the request (RFC 6749 §5.1 requires it only when it
    /// differs); an empty string means the token carries no scope.
    pub scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    /// Whom the tokens are for (the `sub` of the access token), for the audit log; not sent.
    #[serde(skip)]
    pub subject: String,
}

pub struct UserTokens<'a> {
    pub client: &'a Client,
    pub user: &'a User,
    /// Scope of these tokens (possibly narrower than the grant's).
    pub scope: &'a Scope,
    pub grant_id: uuid::Uuid,
    pub authentication: Authentication<'a>,
    pub refresh_token: Option<PlaintextToken>,
}

pub fn user_tokens(
    engine: &Engine,
    tokens: UserTokens<'_>,
    now: OffsetDateTime,
) -> Result<TokenResponse, EndpointError> {
    let auth_time = tokens.authentication.auth_time;
    let minted = access_token::mint(
        engine,
        access_token::Subject {
            client: tokens.client,
            sub: &tokens.user.id.to_string(),
            scope: tokens.scope,
            roles: tokens
                .user
                .roles
                .iter()
                .map(|r| r.as_str().to_owned())
                .collect(),
            auth_time: Some(auth_time),
            amr: tokens.authentication.amr,
            grant_id: Some(tokens.grant_id),
        },
        now,
    )?;
    let id_token = if tokens.scope.contains("openid") {
        Some(id_token::mint(
            engine,
            tokens.client,
            tokens.user,
            tokens.scope,
            tokens.authentication,
            &minted.token,
            now,
        )?)
    } else {
        None
    };
    Ok(TokenResponse {
        subject: minted.claims.sub,
        access_token: minted.token,
        token_type: "Bearer",
        expires_in: minted.expires_in,
        scope: tokens.scope.to_string(),
        refresh_token: tokens.refresh_token.map(|t| t.expose().to_owned()),
        id_token,
    })
}

/// Whether a grant gets a refresh token: the client may refresh and `offline_access` was granted.
pub fn wants_refresh_token(client: &Client, scope: &Scope) -> bool {
    client
        .grant_types
        .contains(&crate::domain::GrantType::RefreshToken)
        && scope.contains("offline_access")
}

/// A refresh token to hand out and its stored form: idle expiry, never past the grant's end.
pub fn refresh_token(
    engine: &Engine,
    grant_expires_at: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<(PlaintextToken, NewRefreshToken), EndpointError> {
    stored_refresh_token(engine, PlaintextToken::generate(), grant_expires_at, now)
}

/// The successor of a presented refresh token (derived from it: see [`TokenHasher::successor`]).
///
/// [`TokenHasher::successor`]: crate::crypto::token::TokenHasher::successor
pub fn successor_refresh_token(
    engine: &Engine,
    presented: &PlaintextToken,
    grant_expires_at: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<(PlaintextToken, NewRefreshToken), EndpointError> {
    let token = engine.hasher.successor(presented);
    stored_refresh_token(engine, token, grant_expires_at, now)
}

fn stored_refresh_token(
    engine: &Engine,
    token: PlaintextToken,
    grant_expires_at: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<(PlaintextToken, NewRefreshToken), EndpointError> {
    let idle = time::Duration::try_from(engine.config.tokens.refresh_token_idle_ttl.get())
        .map_err(EndpointError::internal)?;
    let stored = NewRefreshToken {
        token_hash: engine.hasher.hash(&token),
        created_at: now,
        expires_at: (now + idle).min(grant_expires_at),
    };
    Ok((token, stored))
}

/// A new grant and, when the client gets one, its first refresh token.
pub struct NewGrant {
    pub grant: Grant,
    pub refresh_token: Option<(PlaintextToken, NewRefreshToken)>,
}

pub fn new_grant(
    engine: &Engine,
    client: &Client,
    user: UserId,
    scope: &Scope,
    signed_in: (OffsetDateTime, Option<String>, Vec<String>),
    now: OffsetDateTime,
) -> Result<NewGrant, EndpointError> {
    let absolute = time::Duration::try_from(engine.config.tokens.refresh_token_absolute_ttl.get())
        .map_err(EndpointError::internal)?;
    let (auth_time, sid, amr) = signed_in;
    let grant = Grant {
        id: uuid::Uuid::now_v7(),
        client_id: client.id.clone(),
        user_id: user,
        scope: scope.to_string(),
        auth_time,
        sid,
        amr,
        created_at: now,
        expires_at: now + absolute,
        revoked_at: None,
    };
    let refresh_token = if wants_refresh_token(client, scope) {
        Some(refresh_token(engine, grant.expires_at, now)?)
    } else {
        None
    };
    Ok(NewGrant {
        grant,
        refresh_token,
    })
}
