//! `server.request_timeout`: a request that runs past it is abandoned (its future dropped, so an
//! open transaction rolls back and nothing it started takes effect) and answered like any other
//! outage, in the format of its path: OAuth JSON `temporarily_unavailable`, a page, or
//! problem+json, each with `Retry-After`.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::http::responses::Surface;
use crate::oauth::error::ErrorCode;

/// Seconds a client is asked to wait after a timeout.
const RETRY_AFTER_SECONDS: &str = "5";

pub async fn answer_in_time(
    State(limit): State<Duration>,
    request: Request,
    next: Next,
) -> Response {
    let surface = Surface::for_request(request.uri().path(), request.headers());
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(limit_ms = limit.as_millis() as u64, "request timed out");
            let mut response = surface.error(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::TemporarilyUnavailable,
                "Temporarily unavailable",
                "The service is temporarily unavailable. Please try again in a moment.",
            );
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from_static(RETRY_AFTER_SECONDS),
            );
            response
        }
    }
}
