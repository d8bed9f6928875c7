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

#[derive(Serialize)]
struct Issued<'a> {
    authorization_code: &'a str,
}

#[derive(Serialize)]
struct SecondFactorRequired<'a> {
    error: ErrorCode,
    error_description: &'a str,
    auth_session: &'a str,
    factors: [&'static str; 2],
}

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
