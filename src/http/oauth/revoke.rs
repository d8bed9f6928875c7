//! `POST /revoke`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::token::no_store;
use crate::http::extract::oauth_request::OAuthRequest;
use crate::http::middleware::cors::CorsClient;
use crate::http::responses::oauth_error::from_endpoint_error;
use crate::oauth::Engine;

pub async fn revoke(State(engine): State<Engine>, request: OAuthRequest) -> Response {
    let credentials = match request.require_client() {
        Ok(credentials) => credentials,
        Err(rejection) => return rejection.into_response(),
    };
    let cors = crate::domain::ClientId::parse(&credentials.client_id)
        .ok()
        .map(CorsClient);
    let mut response = match engine.revoke(credentials, &request.params).await {
        Ok(()) => no_store(StatusCode::OK.into_response()),
        Err(error) => from_endpoint_error(error, Some(credentials.method)).into_response(),
    };
    if let Some(cors) = cors {
        response.extensions_mut().insert(cors);
    }
    response
}
