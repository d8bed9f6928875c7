//! The three error surfaces, one adapter each: RFC 6749 JSON for OAuth endpoints, an HTML page for
//! people, RFC 9457 problem+json for the REST APIs.

pub mod error_page;
pub mod internal;
pub mod oauth_error;
pub mod problem;

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::paths;
use crate::oauth::error::{ErrorCode, OAuthError};

pub use error_page::ErrorPage;
pub use oauth_error::OAuthErrorResponse;
pub use problem::Problem;

/// Which error format a request expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    OAuth,
    Problem,
    Page,
}

impl Surface {
    /// By path for our APIs; otherwise by `Accept`: browsers get a page, programs problem+json.
    pub fn for_request(path: &str, headers: &HeaderMap) -> Self {
        if paths::OAUTH_JSON_PREFIXES
            .iter()
            .any(|prefix| path.starts_with(prefix))
        {
            return Self::OAuth;
        }
        if paths::PROBLEM_JSON_PREFIXES
            .iter()
            .any(|prefix| path.starts_with(prefix))
        {
            return Self::Problem;
        }
        let accepts_html = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"));
        if accepts_html {
            Self::Page
        } else {
            Self::Problem
        }
    }

    /// One error, rendered in this surface's format. `code` is used by the OAuth surface only.
    pub fn error(self, status: StatusCode, code: ErrorCode, title: &str, detail: &str) -> Response {
        match self {
            Self::OAuth => OAuthErrorResponse::with_status(status, OAuthError::new(code, detail))
                .into_response(),
            Self::Problem => Problem::new(status, title).detail(detail).into_response(),
            Self::Page => ErrorPage::new(status, title, detail).into_response(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn surfaces_are_chosen_by_path_then_accept() {
        let mut browser = HeaderMap::new();
        browser.insert(
            header::ACCEPT,
            HeaderValue::from_static("text/html,*/*;q=0.8"),
        );
        let program = HeaderMap::new();
        assert_eq!(Surface::for_request("/token", &browser), Surface::OAuth);
        assert_eq!(
            Surface::for_request("/.well-known/openid-configuration", &program),
            Surface::OAuth
        );
        assert_eq!(
            Surface::for_request("/api/account", &browser),
            Surface::Problem
        );
        assert_eq!(Surface::for_request("/nowhere", &browser), Surface::Page);
        assert_eq!(Surface::for_request("/nowhere", &program), Surface::Problem);
    }
}
