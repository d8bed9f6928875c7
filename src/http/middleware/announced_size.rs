//! A request whose `Content-Length` already says its body is over the limit is answered `413`
//! at once, in its surface's format, without reading a byte of the body: the client is told
//! before it has sent much, instead of having its connection closed under it while it writes
//! (which it would see as a broken pipe, not as an answer). Bodies without a length, or that
//! lie about it, are still cut off at the limit as they are read (`DefaultBodyLimit`).

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::domain::MAX_PICTURE_BYTES;
use crate::http::paths;
use crate::http::responses::Surface;
use crate::oauth::error::ErrorCode;

pub async fn refuse_oversized(
    State(body_limit): State<usize>,
    request: Request,
    next: Next,
) -> Response {
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let path = request.uri().path();
    // The one route with a larger limit of its own (see the router).
    let limit = if path == paths::API_ACCOUNT_PICTURE {
        MAX_PICTURE_BYTES
    } else {
        body_limit
    };
    match announced {
        Some(length) if length > limit as u64 => Surface::for_request(path, request.headers())
            .error(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::InvalidRequest,
                "Request body too large",
                &format!("The body may be at most {limit} bytes."),
            ),
        _ => next.run(request).await,
    }
}
