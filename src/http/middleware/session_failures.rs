//! tower-sessions answers a failed session save (the database went away after the handler ran)
//! with an empty 500. People get our 503 page instead, with the request id and `Retry-After`.

use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub async fn render_as_page(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let bare_failure = response.status().is_server_error()
        && !response.headers().contains_key(header::CONTENT_TYPE);
    if bare_failure {
        tracing::warn!(status = %response.status(), "the session could not be saved");
        return crate::http::pages::unavailable().into_response();
    }
    response
}
