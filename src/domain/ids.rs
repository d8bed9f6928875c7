//! Identifiers. User ids are UUIDv7 (time-ordered, so indexes stay compact); client ids are
//! strings chosen by the operator or generated.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::InvalidField;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(Uuid);

impl UserId {
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }

    pub fn from_uuid(id: Uuid) -> Self {
        Self(id)
    }

    pub fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl Default for UserId {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Display for UserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// An OAuth `client_id`: 1 to 128 characters from the URL-safe set, so it never needs escaping
/// in a query string, a Basic credential or a log line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ClientId(String);

impl ClientId {
    pub fn parse(value: &str) -> Result<Self, InvalidField> {
        let valid_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~');
        if value.is_empty() || value.len() > 128 || !value.chars().all(valid_char) {
            return Err(InvalidField::new(
                "client_id",
                "must be 1-128 characters of letters, digits, '-', '_', '.' or '~'",
            ));
        }
        // RFC 9700 §4.15: a client_id must never be mistaken for a user's `sub` (a UUID).
        if value.len() == 36 && Uuid::parse_str(value).is_ok() {
            return Err(InvalidField::new(
                "client_id",
                "must not have the form of a user id (a hyphenated UUID)",
            ));
        }
        Ok(Self(value.to_owned()))
    }

    /// A fresh random client id.
    pub fn generate() -> Self {
        Self(Uuid::new_v4().simple().to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ClientId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::ClientId;

    #[test]
    fn client_ids_are_url_safe() {
        assert!(ClientId::parse("my-app_1.0~x").is_ok());
        assert!(ClientId::parse("").is_err());
        assert!(ClientId::parse("has space").is_err());
        assert!(ClientId::parse("a:b").is_err());
        assert!(ClientId::parse(&"a".repeat(129)).is_err());
        assert!(ClientId::parse("0190a3b2-7c1d-7e8f-9a0b-1c2d3e4f5a6b").is_err());
        assert_eq!(ClientId::generate().as_str().len(), 32);
    }
}
