//! The vocabulary of the server, free of I/O: identifiers, users, clients, roles and scopes, each
//! with a parse constructor that is the one place its rules live. Depends on std, serde, uuid and
//! time only.

pub mod client;
pub mod grant;
pub mod ids;
pub mod mail;
pub mod role;
pub mod scope;
pub mod signing_key;
pub mod time;
pub mod user;
pub mod web_origin;

pub use client::{
    Client, ClientKind, GrantType, MAX_ACCESS_TOKEN_TTL_SECONDS, NewClient, RedirectUri,
};
pub use grant::{
    Admission, AuthorizationCode, Grant, NewRefreshToken, Redemption, RefreshTokenRecord, Rotation,
    TokenHash,
};
pub use ids::{ClientId, UserId};
pub use mail::{ClaimedMail, MailKind, OutgoingMail};
pub use role::RoleName;
pub use scope::ScopeToken;
pub use signing_key::{SigningAlgorithm, StoredSigningKey};
pub use user::{Email, NewUser, Password, User, UserStatus};
pub use web_origin::WebOrigin;

/// Why a value was refused by a parse constructor: the field it belongs to and a message fit to
/// show the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct InvalidField {
    pub field: &'static str,
    pub message: String,
}

impl InvalidField {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}
