//! The HTML error page: what a person sees when something goes wrong, with the request id to
//! quote, and never a JSON dump or a blank page.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::http::middleware::request_id::RequestId;
use crate::http::paths;

#[derive(Template)]
#[template(path = "pages/error.html")]
struct ErrorTemplate<'a> {
    title: &'a str,
    message: &'a str,
    status: u16,
    request_id: String,
    stylesheet: &'static str,
}

#[derive(Debug, Clone)]
pub struct ErrorPage {
    pub status: StatusCode,
    pub title: String,
    pub message: String,
}

impl ErrorPage {
    pub fn new(status: StatusCode, title: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status,
            title: title.into(),
            message: message.into(),
        }
    }
}

impl IntoResponse for ErrorPage {
    fn into_response(self) -> Response {
        let template = ErrorTemplate {
            title: &self.title,
            message: &self.message,
            status: self.status.as_u16(),
            request_id: RequestId::current()
                .map(|id| id.as_str().to_owned())
                .unwrap_or_default(),
            stylesheet: paths::STYLESHEET,
        };
        let mut response = match template.render() {
            Ok(html) => (self.status, Html(html)).into_response(),
            Err(error) => {
                tracing::error!(%error, "error page failed to render");
                let text = format!("{} {}\n{}", self.status.as_u16(), self.title, self.message);
                (self.status, text).into_response()
            }
        };
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn renders_escaped_html_with_the_status() {
        let page = ErrorPage::new(
            StatusCode::NOT_FOUND,
            "Not found",
            "<script>alert(1)</script>",
        );
        let response = page.into_response();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert!(
            response.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let body = axum::body::to_bytes(response.into_body(), 65536)
            .await
            .unwrap();
        let html = String::from_utf8(body.to_vec()).unwrap();
        assert!(html.contains("Not found"));
        assert!(!html.contains("<script>alert"));
    }
}
