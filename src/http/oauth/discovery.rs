//! Discovery and JWKS documents: served from memory, cacheable for `keys.jwks_max_age`.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::oauth::Engine;

fn cached_json(body: std::sync::Arc<str>, max_age: u64) -> Response {
    let mut response = body.to_string().into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("public, max-age={max_age}")) {
        headers.insert(header::CACHE_CONTROL, value);
    }
    // Metadata and keys may be read by browser-based clients (RFC 9700 §2.6 allows CORS here).
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

pub async fn openid_configuration(State(engine): State<Engine>) -> Response {
    cached_json(
        engine.discovery(),
        engine.config.keys.jwks_max_age.get().as_secs(),
    )
}

pub async fn jwks(State(engine): State<Engine>) -> Response {
    let response = cached_json(
        engine.keys().jwks(),
        engine.config.keys.jwks_max_age.get().as_secs(),
    );
    let (mut parts, body) = response.into_parts();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/jwk-set+json"),
    );
    Response::from_parts(parts, body)
}
