//! End-user accounts: the email that identifies them, their status and their password input.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{InvalidField, RoleName, UserId};

/// An email address, trimmed and lower-cased so that uniqueness is case-insensitive on every
/// backend without collations.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(value: &str) -> Result<Self, InvalidField> {
        let value = value.trim().to_lowercase();
        let invalid =
            || InvalidField::new("email", "must be an email address like name@example.com");
        if value.len() > 254 || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        let (local, domain) = value.rsplit_once('@').ok_or_else(invalid)?;
        let domain_ok = !domain.is_empty()
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !domain.contains('@');
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(invalid());
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether an account may sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    Active,
    Suspended,
    /// Deleted by its owner: a tombstone keeping only the id, never active again.
    Deleted,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Deleted => "deleted",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "active" => Some(Self::Active),
            "suspended" => Some(Self::Suspended),
            "deleted" => Some(Self::Deleted),
            _ => None,
        }
    }
}

/// A stored user, without secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: UserId,
    pub email: Email,
    pub name: Option<String>,
    pub status: UserStatus,
    /// Whether the owner of the address proved they receive its mail (or an operator vouched).
    pub email_verified: bool,
    pub profile: super::Profile,
    pub roles: Vec<RoleName>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Whether the user has a confirmed second factor (TOTP), asked for at every sign-in.
    pub second_factor: bool,
    /// Why an administrator last set the status, if they said.
    pub status_reason: Option<String>,
    /// Moves on with every change of the row or its roles: the `ETag` of the API's answers, and
    /// what a write names to change only the version its caller saw.
    pub version: i64,
}

/// A user to insert. `password_hash` is a PHC string from `crypto::password`, never plaintext.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub id: UserId,
    pub email: Email,
    pub name: Option<String>,
    pub password_hash: Option<String>,
    /// False for a self-registered account until its owner verifies the address.
    pub email_verified: bool,
    pub roles: Vec<RoleName>,
    pub created_at: OffsetDateTime,
}

/// A plaintext password on its way to the hasher. `Debug` never shows it.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 8;
    /// Long enough for any passphrase, short enough that hashing cannot be used to burn CPU.
    pub const MAX_BYTES: usize = 1024;

    /// Accepts a new password: NIST SP 800-63B length rules, no composition rules.
    pub fn new(value: String) -> Result<Self, InvalidField> {
        if value.chars().count() < Self::MIN_CHARS {
            return Err(InvalidField::new(
                "password",
                format!("must be at least {} characters", Self::MIN_CHARS),
            ));
        }
        if value.len() > Self::MAX_BYTES {
            return Err(InvalidField::new(
                "password",
                format!("must be at most {} bytes", Self::MAX_BYTES),
            ));
        }
        Ok(Self(value))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([redacted])")
    }
}

/// Checks a display name: optional, trimmed, at most 200 characters, no control characters.
pub fn parse_display_name(value: Option<&str>) -> Result<Option<String>, InvalidField> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value.chars().count() > 200 || value.chars().any(char::is_control) {
        return Err(InvalidField::new(
            "name",
            "must be at most 200 characters without control characters",
        ));
    }
    Ok(Some(value.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_to_lower_case() {
        assert_eq!(
            Email::parse("  Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "ada@.com",
            "a b@example.com",
            "ada@ex..com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn passwords_have_length_limits_and_hide_in_debug() {
        assert!(Password::new("short".into()).is_err());
        assert!(Password::new("x".repeat(1025)).is_err());
        let password = Password::new("correct horse".into()).unwrap();
        assert!(!format!("{password:?}").contains("horse"));
    }
}
