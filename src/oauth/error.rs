//! OAuth error codes: only the registered ones (RFC 6749 §4.1.2.1 and §5.2, RFC 6750 §3.1,
//! RFC 7009 §2.2.1, OpenID Connect Core §3.1.2.6). Control flow the specs do not name never
//! becomes one of these.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    InvalidScope,
    AccessDenied,
    UnsupportedResponseType,
    ServerError,
    TemporarilyUnavailable,
    InvalidToken,
    InsufficientScope,
    UnsupportedTokenType,
    InteractionRequired,
    LoginRequired,
    ConsentRequired,
    AccountSelectionRequired,
    InvalidRequestUri,
    InvalidRequestObject,
    RequestNotSupported,
    RequestUriNotSupported,
    RegistrationNotSupported,
    /// OAuth 2.0 for First-Party Applications §5.2.2.1: more authentication is needed (403).
    InsufficientAuthorization,
    /// The same: the `auth_session` is invalid, expired or otherwise not acceptable.
    InvalidSession,
    /// The same: the user must continue in a browser (403).
    RedirectToWeb,
}

impl ErrorCode {
    /// The registered name, as it appears in `error` and in `WWW-Authenticate`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::AccessDenied => "access_denied",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::InvalidToken => "invalid_token",
            Self::InsufficientScope => "insufficient_scope",
            Self::UnsupportedTokenType => "unsupported_token_type",
            Self::InteractionRequired => "interaction_required",
            Self::LoginRequired => "login_required",
            Self::ConsentRequired => "consent_required",
            Self::AccountSelectionRequired => "account_selection_required",
            Self::InvalidRequestUri => "invalid_request_uri",
            Self::InvalidRequestObject => "invalid_request_object",
            Self::RequestNotSupported => "request_not_supported",
            Self::RequestUriNotSupported => "request_uri_not_supported",
            Self::RegistrationNotSupported => "registration_not_supported",
            Self::InsufficientAuthorization => "insufficient_authorization",
            Self::InvalidSession => "invalid_session",
            Self::RedirectToWeb => "redirect_to_web",
        }
    }
}

/// An error to send to an OAuth client: a registered code and a human-readable description
/// (RFC 6749 §5.2 `error_description`: printable ASCII, no '"' or '\').
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code:?}: {description}")]
pub struct OAuthError {
    pub code: ErrorCode,
    pub description: String,
}

impl OAuthError {
    pub fn new(code: ErrorCode, description: impl Into<String>) -> Self {
        let description = description
            .into()
            .chars()
            .filter(|c| matches!(c, ' ' | '!' | '#'..='[' | ']'..='~'))
            .collect();
        Self { code, description }
    }
}

/// How an OAuth endpoint call can fail: an error for the client, or one that is ours.
#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    #[error(transparent)]
    OAuth(#[from] OAuthError),
    /// The database cannot be reached: 503 `temporarily_unavailable`, never a false answer.
    #[error("storage unavailable")]
    Unavailable(#[source] crate::store::StoreError),
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Over a rate limit: 429, retry after this many seconds.
    #[error("rate limited")]
    RateLimited(u64),
}

impl From<crate::limits::LimitError> for EndpointError {
    fn from(error: crate::limits::LimitError) -> Self {
        match error {
            crate::limits::LimitError::Unavailable(source) => source.into(),
            limited @ crate::limits::LimitError::Limited(_) => {
                Self::RateLimited(limited.retry_after())
            }
        }
    }
}

impl From<crate::store::StoreError> for EndpointError {
    fn from(error: crate::store::StoreError) -> Self {
        if error.is_unavailable() {
            Self::Unavailable(error)
        } else {
            Self::Internal(Box::new(error))
        }
    }
}

impl EndpointError {
    pub fn oauth(code: ErrorCode, description: impl Into<String>) -> Self {
        Self::OAuth(OAuthError::new(code, description))
    }

    pub fn internal(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Internal(Box::new(error))
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    #[test]
    fn names_match_the_serialised_form() {
        for code in [
            ErrorCode::InvalidRequest,
            ErrorCode::LoginRequired,
            ErrorCode::RequestUriNotSupported,
        ] {
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        }
    }
}
