//! `POST /introspect`.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::token::no_store;
use crate::http::extract::oauth_request::OAuthRequest;
use crate::http::responses::oauth_error::from_endpoint_error;
use crate::oauth::Engine;

pub async fn introspect(State(engine): State<Engine>, request: OAuthRequest) -> Response {
    let credentials = match request.require_client() {
        Ok(credentials) => credentials,
        Err(rejection) => return rejection.into_response(),
    };
    match engine.introspect(credentials, &request.params).await {
        Ok(answer) => no_store(Json(answer).into_response()),
        Err(error) => from_endpoint_error(error, Some(credentials.method)).into_response(),
    }
}
