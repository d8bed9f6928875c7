//! `POST /token`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::http::extract::client_address::ClientAddress;
use crate::http::extract::oauth_request::OAuthRequest;
use crate::http::middleware::cors::CorsClient;
use crate::http::responses::oauth_error::from_endpoint_error;
use crate::oauth::Engine;

pub async fn token(
    State(engine): State<Engine>,
    ClientAddress(address): ClientAddress,
    request: OAuthRequest,
) -> Response {
    let credentials = match request.require_client() {
        Ok(credentials) => credentials,
        Err(rejection) => return rejection.into_response(),
    };
    let cors = crate::domain::ClientId::parse(&credentials.client_id)
        .ok()
        .map(CorsClient);
    let mut response = match engine.exchange(credentials, &request.params, address).await {
        Ok(tokens) => no_store(Json(tokens).into_response()),
        Err(error) => from_endpoint_error(error, Some(credentials.method)).into_response(),
    };
    if let Some(cors) = cors {
        response.extensions_mut().insert(cors);
    }
    response
}

/// RFC 6749 §5.1: token responses are never cached.
pub fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}
