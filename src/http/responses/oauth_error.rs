//! RFC 6749 §5.2 / RFC 6750 §3 error responses: JSON `{error, error_description}`, never cached,
//! with the status and `WWW-Authenticate` each code calls for.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::oauth::error::{ErrorCode, OAuthError};

/// How the client presented credentials, which decides the `WWW-Authenticate` challenge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Challenge {
    #[default]
    None,
    /// The client used HTTP Basic: `invalid_client` answers 401 with a Basic challenge.
    Basic,
    /// A protected resource (userinfo): RFC 6750 Bearer challenge.
    Bearer,
}

#[derive(Debug)]
pub struct OAuthErrorResponse {
    pub error: OAuthError,
    pub status: StatusCode,
    pub challenge: Challenge,
}

#[derive(Serialize)]
struct Body<'a> {
    error: ErrorCode,
    #[serde(skip_serializing_if = "str::is_empty")]
    error_description: &'a str,
}

impl OAuthErrorResponse {
    pub fn new(error: OAuthError, challenge: Challenge) -> Self {
        let status = status_for(error.code, challenge);
        Self {
            error,
            status,
            challenge,
        }
    }

    pub fn with_status(status: StatusCode, error: OAuthError) -> Self {
        Self {
            error,
            status,
            challenge: Challenge::None,
        }
    }
}

/// The status an error code is answered with (RFC 6749 §5.2, RFC 6750 §3.1, RFC 7009 §2.2.1).
pub fn status_for(code: ErrorCode, challenge: Challenge) -> StatusCode {
    match code {
        ErrorCode::InvalidClient if challenge == Challenge::Basic => StatusCode::UNAUTHORIZED,
        ErrorCode::InvalidToken => StatusCode::UNAUTHORIZED,
        ErrorCode::InsufficientScope
        | ErrorCode::InsufficientAuthorization
        | ErrorCode::RedirectToWeb => StatusCode::FORBIDDEN,
        ErrorCode::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_REQUEST,
    }
}

impl IntoResponse for OAuthErrorResponse {
    fn into_response(self) -> Response {
        let body = Body {
            error: self.error.code,
            error_description: &self.error.description,
        };
        let mut response = (self.status, Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        let challenge = match self.challenge {
            Challenge::Basic if self.status == StatusCode::UNAUTHORIZED => {
                Some("Basic realm=\"portcullis\"".to_owned())
            }
            Challenge::Bearer => Some(format!(
                "Bearer realm=\"portcullis\", error=\"{}\"",
                self.error.code.as_str()
            )),
            _ => None,
        };
        if let Some(value) = challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
            headers.insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }
}

/// Renders an engine failure: the client's error as is, an outage as 503
/// `temporarily_unavailable`, anything of ours as a logged 500 `server_error`.
pub fn from_endpoint_error(
    error: crate::oauth::error::EndpointError,
    method: Option<crate::oauth::client_auth::AuthMethod>,
) -> OAuthErrorResponse {
    use crate::oauth::client_auth::AuthMethod;
    use crate::oauth::error::EndpointError;
    match error {
        EndpointError::OAuth(error) => {
            let challenge = match (error.code, method) {
                (ErrorCode::InvalidClient, Some(AuthMethod::Basic)) => Challenge::Basic,
                (ErrorCode::InvalidToken | ErrorCode::InsufficientScope, _) => Challenge::Bearer,
                _ => Challenge::None,
            };
            OAuthErrorResponse::new(error, challenge)
        }
        EndpointError::Unavailable(source) => {
            super::internal::log_unavailable(&source);
            OAuthErrorResponse::new(
                OAuthError::new(
                    ErrorCode::TemporarilyUnavailable,
                    "the service is temporarily unavailable; retry shortly",
                ),
                Challenge::None,
            )
        }
        EndpointError::Internal(source) => {
            super::internal::log(source.as_ref());
            OAuthErrorResponse::new(
                OAuthError::new(ErrorCode::ServerError, "internal error"),
                Challenge::None,
            )
        }
        // RFC 6749 has no code for this; `temporarily_unavailable` (§4.1.2.1) is the one clients
        // already treat as "retry later", and the 429 with Retry-After says when.
        EndpointError::RateLimited(retry_after) => OAuthErrorResponse::with_status(
            StatusCode::TOO_MANY_REQUESTS,
            OAuthError::new(
                ErrorCode::TemporarilyUnavailable,
                format!("too many requests; retry after {retry_after} seconds"),
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_specs() {
        let cases = [
            (ErrorCode::InvalidRequest, Challenge::None, 400),
            (ErrorCode::InvalidClient, Challenge::None, 400),
            (ErrorCode::InvalidClient, Challenge::Basic, 401),
            (ErrorCode::InvalidGrant, Challenge::Basic, 400),
            (ErrorCode::UnsupportedGrantType, Challenge::None, 400),
            (ErrorCode::InvalidToken, Challenge::Bearer, 401),
            (ErrorCode::InsufficientScope, Challenge::Bearer, 403),
            (ErrorCode::TemporarilyUnavailable, Challenge::None, 503),
            (ErrorCode::ServerError, Challenge::None, 500),
        ];
        for (code, challenge, status) in cases {
            assert_eq!(
                status_for(code, challenge).as_u16(),
                status,
                "{code:?} {challenge:?}"
            );
        }
    }

    #[test]
    fn basic_auth_failures_carry_a_basic_challenge_and_no_store() {
        let error = OAuthError::new(ErrorCode::InvalidClient, "client authentication failed");
        let response = OAuthErrorResponse::new(error, Challenge::Basic).into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(
            response.headers()[header::WWW_AUTHENTICATE]
                .to_str()
                .unwrap()
                .starts_with("Basic ")
        );
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    }

    #[test]
    fn unavailable_answers_503_with_retry_after() {
        let error = OAuthError::new(ErrorCode::TemporarilyUnavailable, "try again");
        let response = OAuthErrorResponse::new(error, Challenge::None).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(response.headers().contains_key(header::RETRY_AFTER));
    }

    #[test]
    fn descriptions_are_limited_to_the_allowed_characters() {
        let error = OAuthError::new(ErrorCode::InvalidRequest, "bad \"quote\" and \\ slash é");
        assert_eq!(error.description, "bad quote and  slash ");
    }
}
