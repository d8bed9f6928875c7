//! The user of `/api/v1/account`: from a bearer access token with the `account` scope in the
//! `Authorization` header (RFC 6750 §2.1). A missing or bad token is a 401 problem with a
//! `WWW-Authenticate: Bearer` challenge (§3), a token without the scope a 403.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::domain::User;
use crate::http::responses::Problem;
use crate::identity::accounts::Accounts;
use crate::oauth::Engine;
use crate::oauth::account_access::{ACCOUNT_SCOPE, AccountAccess};
use crate::oauth::error::{EndpointError, ErrorCode};

pub struct AccountHolder(pub Arc<User>);

/// The user of `/api/v1/account` for a sensitive change (email, deletion): as [`AccountHolder`],
/// and signed in within `account.reauth_max_age`. An older sign-in is a 401 step-up challenge
/// (RFC 9470 §3): `error="insufficient_user_authentication"` with the `max_age` to sign in
/// again with.
pub struct RecentAccountHolder(pub Arc<User>);

pub(super) fn challenged(status: StatusCode, title: &str, challenge: String) -> Response {
    let mut response = Problem::new(status, title).into_response();
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

impl<S> FromRequestParts<S> for AccountHolder
where
    S: Send + Sync,
    Engine: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let access = access(parts, &Engine::from_ref(state)).await?;
        Ok(Self(access.user))
    }
}

impl<S> FromRequestParts<S> for RecentAccountHolder
where
    S: Send + Sync,
    Engine: FromRef<S>,
    Accounts: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let access = access(parts, &Engine::from_ref(state)).await?;
        let accounts = Accounts::from_ref(state);
        if access
            .auth_time
            .is_some_and(|at| accounts.recently_signed_in(at))
        {
            return Ok(Self(access.user));
        }
        let max_age = accounts.reauth_max_age_seconds();
        Err(challenged(
            StatusCode::UNAUTHORIZED,
            "A more recent sign-in is required",
            format!(
                "Bearer error=\"insufficient_user_authentication\", \
                 error_description=\"sign in again to do this\", max_age=\"{max_age}\""
            ),
        ))
    }
}

/// The token's user and sign-in time, or the rejection the surface answers.
async fn access(parts: &Parts, engine: &Engine) -> Result<AccountAccess, Response> {
    let Some(token) = bearer(parts) else {
        // §3.1: no error code when the request carried no credentials.
        return Err(challenged(
            StatusCode::UNAUTHORIZED,
            "A bearer token is required",
            format!("Bearer realm=\"portcullis\", scope=\"{ACCOUNT_SCOPE}\""),
        ));
    };
    match engine.account_holder(token).await {
        Ok(access) => Ok(access),
        Err(EndpointError::OAuth(error)) if error.code == ErrorCode::InsufficientScope => {
            Err(challenged(
                StatusCode::FORBIDDEN,
                "The token lacks the account scope",
                format!("Bearer error=\"insufficient_scope\", scope=\"{ACCOUNT_SCOPE}\""),
            ))
        }
        Err(EndpointError::OAuth(_)) => Err(challenged(
            StatusCode::UNAUTHORIZED,
            "The access token is invalid or expired",
            "Bearer error=\"invalid_token\"".to_owned(),
        )),
        Err(EndpointError::Unavailable(source)) => Err(Problem::from(
            crate::identity::accounts::AccountError::Unavailable(source),
        )
        .into_response()),
        Err(EndpointError::Internal(source)) => Err(Problem::from(
            crate::identity::accounts::AccountError::Internal(source),
        )
        .into_response()),
        Err(EndpointError::RateLimited(seconds)) => {
            Err(Problem::too_many_requests(seconds).into_response())
        }
    }
}

/// The bearer token of the `Authorization` header (RFC 6750 §2.1), if there is one.
pub(super) fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
}
