//! Security headers on every response (OWASP secure headers; RFC 9700 §4.16 against framing).

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The policy for HTML we render: our own styles and images only, no script unless a page opts in
/// with a nonce of its own, forms post only to us, and no framing.
pub const HTML_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// [`HTML_CSP`] for a page whose form may end in a redirect to `target` (a CSP source
/// expression): browsers apply `form-action` to every redirect a form submission follows
/// (Chromium does; CSP Level 3 §6.3.1.3 leaves it open), so a sign-in, consent or logout form
/// that answers 303 to a client must allow that client's origin too.
pub fn html_csp_with_form_target(target: &str) -> String {
    format!(
        "default-src 'none'; style-src 'self'; img-src 'self' data:; \
         form-action 'self' {target}; frame-ancestors 'none'; base-uri 'none'"
    )
}

/// `hsts`: this server terminates TLS itself, so it sends `Strict-Transport-Security`.
pub async fn apply(State(hsts): State<bool>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if hsts {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html {
        if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(HTML_CSP),
            );
        }
        if !headers.contains_key(header::CACHE_CONTROL) {
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
    }
    response
}
