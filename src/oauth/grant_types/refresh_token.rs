//! The refresh_token grant type (RFC 6749 §6) with strict rotation: every use consumes the token and
//! issues its successor in one transaction; reuse of a consumed token revokes the grant.

use super::super::Engine;
use super::super::error::{EndpointError, ErrorCode};
use super::super::id_token::Authentication;
use super::super::issue::TokenResponse;
use super::super::issue::{self, UserTokens};
use super::super::params::Params;
use super::super::scope::Scope;
use crate::crypto::token::PlaintextToken;
use crate::domain::{Client, Rotation, UserStatus};

fn invalid_grant(description: &str) -> EndpointError {
    EndpointError::oauth(ErrorCode::InvalidGrant, description)
}

pub async fn exchange(
    engine: &Engine,
    client: &Client,
    params: &Params,
) -> Result<TokenResponse, EndpointError> {
    let presented = PlaintextToken::from_presented(params.require("refresh_token")?);
    let hash = engine.hasher.hash(&presented);
    let now = engine.now();
    let Some(record) = engine.store.find_refresh_token(&hash).await? else {
        return Err(invalid_grant("the refresh token is invalid"));
    };
    // Bound to its client (RFC 6749 §6): another client's token is refused and left alone.
    if record.grant.client_id != client.id {
        return Err(invalid_grant(
            "the refresh token was issued to another client",
        ));
    }
    let granted = Scope::parse(&record.grant.scope)?;
    let scope = match params.get("scope") {
        Some(requested) => {
            let requested = Scope::parse(requested)?;
            if !requested.is_subset(&granted) {
                return Err(EndpointError::oauth(
                    ErrorCode::InvalidScope,
                    "the scope may be narrowed, never widened",
                ));
            }
            requested
        }
        None => granted,
    };
    let user = match engine.user(record.grant.user_id).await? {
        Some(user) if user.status == UserStatus::Active => user,
        _ => return Err(invalid_grant("the user can no longer sign in")),
    };
    let (next, new_token) =
        issue::successor_refresh_token(engine, &presented, record.grant.expires_at, now)?;
    let retry_window =
        time::Duration::try_from(engine.config.tokens.refresh_token_retry_window.get())
            .map_err(EndpointError::internal)?;
    let retry_since = (!retry_window.is_zero()).then(|| now - retry_window);
    let grant = match engine
        .store
        .rotate_refresh_token(&hash, now, new_token, retry_since)
        .await?
    {
        Rotation::Rotated(grant) => grant,
        Rotation::Retried(grant) => {
            tracing::info!(client_id = %client.id, "refresh retried: same successor");
            grant
        }
        Rotation::Reused => {
            engine.grant_revoked(record.grant.id, now);
            engine.metrics.refresh_reuse_detected();
            let event = crate::audit::event(
                "token.refresh_reuse_detected",
                crate::domain::audit::AuditActor::Client(client.id.as_str().to_owned()),
                now,
            )
            .subject(record.grant.user_id)
            .client(client.id.as_str())
            .detail(format!("grant_revoked:{}", record.grant.id));
            engine.store.record_audit_event(&event).await?;
            tracing::warn!(client_id = %client.id, "refresh token reused: grant revoked");
            return Err(invalid_grant(
                "the refresh token was already used; the grant is revoked",
            ));
        }
        Rotation::Invalid => return Err(invalid_grant("the refresh token is invalid or expired")),
    };
    issue::user_tokens(
        engine,
        UserTokens {
            client,
            user: &user,
            scope: &scope,
            grant_id: grant.id,
            authentication: Authentication {
                auth_time: grant.auth_time.unix_timestamp(),
                nonce: None,
                sid: grant.sid.clone(),
                amr: &grant.amr,
            },
            refresh_token: Some(next),
        },
        now,
    )
}
