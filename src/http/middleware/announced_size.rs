//! A REST API request whose `Content-Length` already says its body is over the limit is answered
//! `413` problem+json at once, without reading a byte of the body: the client is told before it
//! has sent much, instead of having its connection closed under it while it writes (which it
//! would see as a broken pipe, not as an answer). Bodies without a length, or that lie about it,
//! are still cut off at the limit as they are read (`DefaultBodyLimit`); the OAuth endpoints
//! and the pages answer an oversized body in their own terms as they read it (`400
//! invalid_request`, an error page).

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};

use crate::domain::MAX_PICTURE_BYTES;
use crate::http::paths;
use crate::http::responses::Problem;

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
    if !paths::PROBLEM_JSON_PREFIXES
        .iter()
        .any(|prefix| path.starts_with(prefix))
    {
        return next.run(request).await;
    }
    // The one route with a larger limit of its own (see the router).
    let limit = if path == paths::API_ACCOUNT_PICTURE {
        MAX_PICTURE_BYTES
    } else {
        body_limit
    };
    match announced {
        Some(length) if length > limit as u64 => {
            let mut response =
                Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large")
                    .detail(format!("The body may be at most {limit} bytes."))
                    .into_response();
            // The unread body makes the connection unusable for another request: say so, or a
            // client would send its next request on a connection about to close.
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            response
        }
        _ => next.run(request).await,
    }
}
