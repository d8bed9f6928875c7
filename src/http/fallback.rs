//! Answers for unknown paths (404) and wrong methods (405), in the format the caller expects.

use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::Response;

use super::responses::Surface;
use crate::oauth::error::ErrorCode;

pub async fn not_found(request: Request) -> Response {
    let surface = Surface::for_request(request.uri().path(), request.headers());
    surface.error(
        StatusCode::NOT_FOUND,
        ErrorCode::InvalidRequest,
        "Not found",
        "There is nothing at this address.",
    )
}

pub async fn method_not_allowed(request: Request) -> Response {
    let surface = Surface::for_request(request.uri().path(), request.headers());
    let detail = format!("The method {} is not allowed here.", request.method());
    surface.error(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::InvalidRequest,
        "Method not allowed",
        &detail,
    )
}
