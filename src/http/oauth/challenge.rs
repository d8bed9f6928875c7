//! `POST /authorize-challenge`: the Authorization Challenge Endpoint
//! (draft-ietf-oauth-first-party-apps-04 §4.1, §5). Success is `{"authorization_code": …}`;
//! `insufficient_authorization` (403) carries the `auth_session` to answer with and our
//! extension member `factors`, the parameters a second factor may be sent in.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::token::no_store;
use crate::http::extract::client_address::ClientAddress;
use crate::http::extract::oauth_request::OAuthRequest;
use crate::http::responses::oauth_error::from_endpoint_error;
use crate::oauth::Engine;
use crate::oauth::challenge::{ChallengeFailure, FACTORS};
use crate::oauth::error::ErrorCode;

#[derive(Serialize, utoipa::ToSchema)]
struct Issued<'a> {
    authorization_code: &'a str,
}

#[derive(Serialize, utoipa::ToSchema)]
struct SecondFactorRequired<'a> {
    /// `insufficient_authorization`.
    #[schema(value_type = String)]
    error: ErrorCode,
    error_description: &'a str,
    auth_session: &'a str,
    factors: [&'static str; 2],
}

/// The form the endpoint takes (documentation: the handler reads the form as OAuth parameters).
/// Step 1: `client_id` (or client authentication), `username`, `password`, `code_challenge`
/// (S256), `scope`; step 2: `auth_session` with `totp` or `recovery_code`.
#[derive(utoipa::ToSchema)]
#[allow(
    dead_code,
    reason = "documentation only: the handler reads the form as parameters"
)]
struct ChallengeForm {
    client_id: Option<String>,
    /// `code`, or absent.
    response_type: Option<String>,
    username: Option<String>,
    password: Option<String>,
    scope: Option<String>,
    code_challenge: Option<String>,
    /// `S256`.
    code_challenge_method: Option<String>,
    auth_session: Option<String>,
    totp: Option<String>,
    recovery_code: Option<String>,
}

#[utoipa::path(
    post,
    operation_id = "challenge_challenge",
    path = crate::http::paths::AUTHORIZATION_CHALLENGE,
    tag = "first-party sign-in",
    request_body(content = ChallengeForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "An authorization code to redeem at `/token`", body = Issued), (status = 400, description = "An RFC 6749 error (`invalid_request`, `invalid_session`, ...)"), (status = 401, description = "`invalid_client`"), (status = 403, description = "`insufficient_authorization` with an `auth_session` (a second factor is needed), or `redirect_to_web`", body = SecondFactorRequired)),
)]
pub async fn challenge(
    State(engine): State<Engine>,
    ClientAddress(address): ClientAddress,
    request: OAuthRequest,
) -> Response {
    let credentials = match request.require_client() {
        Ok(credentials) => credentials,
        Err(rejection) => return rejection.into_response(),
    };
    let answer = engine
        .authorization_challenge(credentials, &request.params, address)
        .await;
    match answer {
        Ok(code) => no_store(
            Json(Issued {
                authorization_code: code.expose(),
            })
            .into_response(),
        ),
        Err(ChallengeFailure::SecondFactorRequired {
            auth_session,
            description,
        }) => no_store(
            (
                StatusCode::FORBIDDEN,
                Json(SecondFactorRequired {
                    error: ErrorCode::InsufficientAuthorization,
                    error_description: description,
                    auth_session: auth_session.expose(),
                    factors: FACTORS,
                }),
            )
                .into_response(),
        ),
        Err(ChallengeFailure::Endpoint(error)) => {
            from_endpoint_error(error, Some(credentials.method)).into_response()
        }
    }
}
