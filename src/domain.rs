//! The vocabulary of the server, free of I/O: identifiers, users, clients, roles and scopes, each
//! with a parse constructor that is the one place its rules live. Depends on std, serde, uuid and
//! time only.

pub mod account_token;
pub mod audit;
pub mod client;
pub mod grant;
pub mod ids;
pub mod mail;
pub mod permission;
pub mod picture;
pub mod profile;
pub mod role;
pub mod scope;
pub mod second_factor;
pub mod signing_key;
pub mod time;
pub mod user;
pub mod web_origin;

pub use account_token::{AccountToken, NewAccountToken, SignOut, TokenPurpose};
pub use client::{
    Client, ClientKind, GrantType, MAX_ACCESS_TOKEN_TTL_SECONDS, NewClient, RedirectUri,
};
pub use grant::{
    Admission, AuthorizationCode, Grant, NewRefreshToken, Redemption, RefreshTokenRecord, Rotation,
    TokenHash,
};
pub use ids::{ClientId, UserId};
pub use mail::{ClaimedMail, MailKind, OutgoingMail};
pub use permission::{BuiltinRole, Permission, PermissionSet};
pub use picture::{MAX_PICTURE_BYTES, Picture, PictureType};
pub use profile::{Profile, ProfileField};
pub use role::{Role, RoleName};
pub use scope::ScopeToken;
pub use second_factor::{ChallengeFor, FailureBudget, SecondFactor, SecondFactorChallenge};
pub use signing_key::{SigningAlgorithm, StoredSigningKey};
pub use user::{Email, NewUser, Password, User, UserStatus};
pub use web_origin::WebOrigin;

/// Why a value was refused by a parse constructor: the field it belongs to and a message fit to
/// show the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct InvalidField {
    pub field: &'static str,
    /// Which entry of a list field, when the field is a list.
    pub index: Option<usize>,
    pub message: String,
}

impl InvalidField {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            index: None,
            message: message.into(),
        }
    }

    /// The same problem, located at entry `index` of a list field.
    pub fn at(mut self, index: usize) -> Self {
        self.index = Some(index);
        self
    }
}

/// Collects field errors so that a caller hears about every problem at once.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<InvalidField>);

impl FieldErrors {
    /// The value, or `None` with its problem noted.
    pub fn check<T>(&mut self, result: Result<T, InvalidField>) -> Option<T> {
        result.map_err(|e| self.0.push(e)).ok()
    }

    /// Every value parsed; the ones refused are noted.
    pub fn check_all<T>(
        &mut self,
        values: &[String],
        parse: impl Fn(&str) -> Result<T, InvalidField>,
    ) -> Vec<T> {
        values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| self.check(parse(v).map_err(|e| e.at(i))))
            .collect()
    }

    pub fn push(&mut self, problem: InvalidField) {
        self.0.push(problem);
    }

    pub fn extend(&mut self, problems: impl IntoIterator<Item = InvalidField>) {
        self.0.extend(problems);
    }

    /// `Err` with every problem noted, if any.
    pub fn finish(self) -> Result<(), Vec<InvalidField>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}
