//! Hosted pages: the authorization endpoint's browser side, sign-in, consent and sign-out. Each
//! handler sits beside its template; errors are HTML pages with the request id.

pub mod account;
pub mod account_changes;
pub mod account_security;
pub mod account_two_step;
pub mod authorize;
pub mod consent;
pub mod home;
pub mod login;
pub mod logout;
mod page_error;
pub mod recover;
pub mod register;
pub mod second_factor;
pub mod session;
pub mod verify_email;

pub use page_error::{PageError, PageResult};

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::{middleware, paths};

use super::responses::{ErrorPage, internal};
use crate::oauth::authorize::{AuthorizationResponse, ResponseMode};
use crate::oauth::error::EndpointError;

/// Field problems as a form shows them: each beside its field.
#[derive(Debug, Default)]
pub struct FieldMessages(Vec<crate::domain::InvalidField>);

impl FieldMessages {
    pub fn new(problems: Vec<crate::domain::InvalidField>) -> Self {
        Self(problems)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every message for `field`, joined.
    pub fn error(&self, field: &str) -> Option<String> {
        let messages: Vec<&str> = self
            .0
            .iter()
            .filter(|p| p.field == field)
            .map(|p| p.message.as_str())
            .collect();
        (!messages.is_empty()).then(|| messages.join("; "))
    }
}

/// Renders a page template (no caching, as for every page).
pub fn render(template: &impl Template, status: StatusCode) -> Response {
    match template.render() {
        Ok(html) => {
            let mut response = (status, Html(html)).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(error) => {
            internal::log(&error);
            ErrorPage::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                internal::MESSAGE,
            )
            .into_response()
        }
    }
}

/// The session could not be read or written: almost always the database.
pub fn session_failed(error: tower_sessions::session::Error) -> Response {
    internal::log_unavailable(&error);
    unavailable()
}

pub fn unavailable() -> Response {
    ErrorPage::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "Temporarily unavailable",
        "The service is temporarily unavailable. Please try again in a moment.",
    )
    .into_response()
}

/// An engine failure, shown to a person.
pub fn endpoint_failed(error: EndpointError) -> Response {
    match error {
        EndpointError::OAuth(error) => ErrorPage::new(
            StatusCode::BAD_REQUEST,
            "The request cannot be completed",
            error.description,
        )
        .into_response(),
        EndpointError::Unavailable(source) => {
            internal::log_unavailable(&source);
            unavailable()
        }
        EndpointError::Internal(source) => {
            internal::log(source.as_ref());
            ErrorPage::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                internal::MESSAGE,
            )
            .into_response()
        }
        EndpointError::RateLimited(retry_after) => ErrorPage::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many requests",
            format!("Too many requests came from here. Wait {retry_after} seconds and try again."),
        )
        .into_response(),
    }
}

/// Refuses a form whose CSRF token is not this session's.
pub async fn check_csrf(session: &tower_sessions::Session, presented: &str) -> PageResult<()> {
    if session::csrf_matches(session, presented).await? {
        Ok(())
    } else {
        Err(PageError::Csrf)
    }
}

pub fn csrf_failed() -> Response {
    ErrorPage::new(
        StatusCode::FORBIDDEN,
        "Form expired",
        "This form has expired or was not sent from this site. Go back, reload the page and try again.",
    )
    .into_response()
}

#[derive(Template)]
#[template(path = "pages/form_post.html")]
struct FormPostTemplate<'a> {
    action: &'a str,
    fields: &'a [(String, String)],
    nonce: String,
    stylesheet: &'static str,
}

/// Sends an authorization response to the client: a 303 for `query`, an auto-submitting form for
/// `form_post` (OAuth 2.0 Form Post Response Mode), whose one inline script carries a nonce.
pub fn deliver(response: &AuthorizationResponse) -> Response {
    match response.mode {
        ResponseMode::Query => Redirect::to(&response.location()).into_response(),
        ResponseMode::FormPost => {
            let nonce = crate::crypto::token::PlaintextToken::generate()
                .expose()
                .to_owned();
            let template = FormPostTemplate {
                action: &response.redirect_uri,
                fields: &response.params,
                nonce: nonce.clone(),
                stylesheet: paths::STYLESHEET,
            };
            let mut page = render(&template, StatusCode::OK);
            let csp = format!(
                "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'self'; form-action {}; \
                 frame-ancestors 'none'; base-uri 'none'",
                form_action_source(&response.redirect_uri)
            );
            if let Ok(value) = HeaderValue::from_str(&csp) {
                page.headers_mut()
                    .insert(header::CONTENT_SECURITY_POLICY, value);
            }
            page
        }
    }
}

/// A page whose form may end in a redirect to `target` (a client's redirect URI or
/// post-logout redirect URI): its `form-action` allows that target's origin besides our own.
pub fn allowing_form_redirect_to(mut page: Response, target: &str) -> Response {
    let csp = middleware::security_headers::html_csp_with_form_target(&form_action_source(target));
    if let Ok(value) = HeaderValue::from_str(&csp) {
        page.headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    page
}

/// The CSP source expression for a redirect target: its origin (`https://app.example`), or for
/// a native app's private-use scheme (`com.example.app:/cb`, RFC 8252 §7.1) that scheme.
fn form_action_source(target: &str) -> String {
    match url::Url::parse(target) {
        Ok(url) => match url.origin() {
            origin @ url::Origin::Tuple(..) => origin.ascii_serialization(),
            url::Origin::Opaque(_) => format!("{}:", url.scheme()),
        },
        Err(_) => "'none'".to_owned(),
    }
}
