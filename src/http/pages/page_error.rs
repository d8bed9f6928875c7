//! `PageError`: everything that ends a hosted page early, so handlers can use `?`. Each becomes
//! the page a person should see: an outage page (logged), the expired-form page, an error page
//! with the request id, or the answer the handler chose (a redirect to sign in, say).

use axum::response::{IntoResponse, Response};

use super::{csrf_failed, endpoint_failed, session_failed};
use crate::http::responses::ErrorPage;
use crate::identity::accounts::AccountError;
use crate::identity::second_factor::SecondFactorError;
use crate::oauth::error::EndpointError;
use crate::store::StoreError;

pub enum PageError {
    /// The session could not be read or written (almost always the database).
    Session(tower_sessions::session::Error),
    /// A use-case failed.
    Endpoint(EndpointError),
    /// The form's CSRF token is not this session's.
    Csrf,
    /// The request ends with this answer instead (an error page, a redirect to sign in).
    Answer(Response),
}

pub type PageResult<T = Response> = Result<T, PageError>;

impl From<tower_sessions::session::Error> for PageError {
    fn from(error: tower_sessions::session::Error) -> Self {
        Self::Session(error)
    }
}

impl From<EndpointError> for PageError {
    fn from(error: EndpointError) -> Self {
        Self::Endpoint(error)
    }
}

impl From<StoreError> for PageError {
    fn from(error: StoreError) -> Self {
        Self::Endpoint(error.into())
    }
}

impl From<AccountError> for PageError {
    fn from(error: AccountError) -> Self {
        match error {
            AccountError::Unavailable(source) => Self::Endpoint(EndpointError::Unavailable(source)),
            AccountError::Internal(source) => Self::Endpoint(EndpointError::Internal(source)),
            AccountError::RegistrationClosed => ErrorPage::new(
                axum::http::StatusCode::FORBIDDEN,
                "Registration is closed",
                "New accounts cannot be created here. Ask the administrator of this service.",
            )
            .into(),
            other => ErrorPage::new(
                axum::http::StatusCode::BAD_REQUEST,
                "The request cannot be completed",
                other.to_string(),
            )
            .into(),
        }
    }
}

impl From<SecondFactorError> for PageError {
    fn from(error: SecondFactorError) -> Self {
        match error {
            SecondFactorError::Unavailable(source) => {
                Self::Endpoint(EndpointError::Unavailable(source))
            }
            SecondFactorError::Internal(source) => Self::Endpoint(EndpointError::Internal(source)),
            other => ErrorPage::new(
                axum::http::StatusCode::BAD_REQUEST,
                "The request cannot be completed",
                other.to_string(),
            )
            .into(),
        }
    }
}

impl From<crate::limits::LimitError> for PageError {
    fn from(error: crate::limits::LimitError) -> Self {
        Self::Endpoint(error.into())
    }
}

impl From<ErrorPage> for PageError {
    fn from(page: ErrorPage) -> Self {
        Self::Answer(page.into_response())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            Self::Session(error) => session_failed(error),
            Self::Endpoint(error) => endpoint_failed(error),
            Self::Csrf => csrf_failed(),
            Self::Answer(response) => response,
        }
    }
}
