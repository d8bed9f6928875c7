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
use crate::oauth::Engine;
use crate::oauth::account_access::ACCOUNT_SCOPE;
use crate::oauth::error::{EndpointError, ErrorCode};

pub struct AccountHolder(pub Arc<User>);

fn challenged(status: StatusCode, title: &str, challenge: String) -> Response {
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
        let engine = Engine::from_ref(state);
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            });
        let Some(token) = token else {
            // §3.1: no error code when the request carried no credentials.
            return Err(challenged(
                StatusCode::UNAUTHORIZED,
                "A bearer token is required",
                format!("Bearer realm=\"portcullis\", scope=\"{ACCOUNT_SCOPE}\""),
            ));
        };
        match engine.account_holder(token.trim()).await {
            Ok(user) => Ok(Self(user)),
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
        }
    }
}
