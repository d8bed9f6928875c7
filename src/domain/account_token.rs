//! One-time codes and links mailed to a user: to verify an address, or to recover an account.

use time::OffsetDateTime;
use uuid::Uuid;

use super::{Email, InvalidField, TokenHash, UserId};

/// What a mailed code or link lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenPurpose {
    VerifyEmail,
    RecoverPassword,
    /// Confirms a new address (the token's `email`) before it replaces the account's.
    ChangeEmail,
}

impl TokenPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::RecoverPassword => "recover_password",
            Self::ChangeEmail => "change_email",
        }
    }

    pub fn parse(value: &str) -> Result<Self, InvalidField> {
        match value {
            "verify_email" => Ok(Self::VerifyEmail),
            "recover_password" => Ok(Self::RecoverPassword),
            "change_email" => Ok(Self::ChangeEmail),
            _ => Err(InvalidField::new("purpose", "is not a purpose of ours")),
        }
    }
}

/// A code and a link to store, both as keyed hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccountToken {
    pub id: Uuid,
    pub user_id: UserId,
    pub purpose: TokenPurpose,
    /// The address the mail goes to.
    pub email: Email,
    pub code_hash: TokenHash,
    pub link_hash: TokenHash,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// A stored code and link, as the checks need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountToken {
    pub id: Uuid,
    pub user_id: UserId,
    pub purpose: TokenPurpose,
    pub email: Email,
    pub code_hash: TokenHash,
    /// Wrong codes tried against it so far.
    pub attempts: u32,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub consumed: bool,
}

impl AccountToken {
    /// Usable at `now`: not consumed and not expired.
    pub fn is_live(&self, now: OffsetDateTime) -> bool {
        !self.consumed && self.expires_at > now
    }
}

/// What ending sessions did (a new password, a device signed out, an app disconnected, an
/// account deleted), so the caller can drop what it caches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignOut {
    /// The user's grants this revoked (their refresh tokens stop, their access tokens go inactive).
    pub revoked_grants: Vec<Uuid>,
    /// Browser sessions ended.
    pub ended_sessions: u64,
}
