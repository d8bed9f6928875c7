//! `GET|POST /userinfo`: a bearer token in the Authorization header, or (POST) in the form body
//! (RFC 6750 §2.1, §2.2), never both.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::token::no_store;
use crate::http::middleware::cors::CorsClient;
use crate::http::responses::oauth_error::{Challenge, OAuthErrorResponse, from_endpoint_error};
use crate::oauth::Engine;
use crate::oauth::error::{ErrorCode, OAuthError};

fn missing_token() -> Response {
    // RFC 6750 §3.1: no error code when the request carried no credentials at all.
    let mut response = (StatusCode::UNAUTHORIZED, Json(serde_json::json!({ "error": "invalid_request", "error_description": "a bearer token is required" }))).into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"portcullis\""),
    );
    no_store(response)
}

fn invalid_request(description: &str) -> Response {
    OAuthErrorResponse::new(
        OAuthError::new(ErrorCode::InvalidRequest, description),
        Challenge::Bearer,
    )
    .into_response()
}

pub async fn userinfo(
    State(engine): State<Engine>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    let Ok(body) = body else {
        return invalid_request("the body is too large");
    };
    let from_header = match headers.get(header::AUTHORIZATION) {
        Some(value) => match value.to_str().ok().and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        }) {
            Some(token) => Some(token.trim().to_owned()),
            None => return invalid_request("the Authorization header must use the Bearer scheme"),
        },
        None => None,
    };
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let from_body = if is_form {
        url::form_urlencoded::parse(&body)
            .find(|(name, _)| name == "access_token")
            .map(|(_, v)| v.into_owned())
    } else {
        None
    };
    let token = match (from_header, from_body) {
        (Some(_), Some(_)) => {
            return invalid_request("send the token once, in the header or the body");
        }
        (Some(token), None) | (None, Some(token)) => token,
        (None, None) => return missing_token(),
    };
    match engine.userinfo(&token).await {
        Ok(claims) => {
            let client = claims.client_id.clone();
            let mut response = no_store(Json(claims).into_response());
            response.extensions_mut().insert(CorsClient(client));
            response
        }
        Err(error) => from_endpoint_error(error, None).into_response(),
    }
}
