//! OAuth scope tokens (RFC 6749 §3.3).

use serde::{Deserialize, Serialize};

use super::InvalidField;

/// One scope token: printable ASCII except space, '"' and '\' (RFC 6749 §3.3 `scope-token`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ScopeToken(String);

impl ScopeToken {
    /// The scopes a client gets when none are given at creation.
    pub const DEFAULTS: [&'static str; 4] = ["openid", "profile", "email", "offline_access"];

    pub fn parse(value: &str) -> Result<Self, InvalidField> {
        let valid = |c: char| c == '!' || ('#'..='[').contains(&c) || (']'..='~').contains(&c);
        if value.is_empty() || value.len() > 128 || !value.chars().all(valid) {
            return Err(InvalidField::new(
                "scope",
                format!("`{value}` is not a valid scope token"),
            ));
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::ScopeToken;

    #[test]
    fn scope_tokens_follow_rfc_6749_syntax() {
        assert!(ScopeToken::parse("openid").is_ok());
        assert!(ScopeToken::parse("api:read").is_ok());
        assert!(ScopeToken::parse("two words").is_err());
        assert!(ScopeToken::parse("quo\"te").is_err());
        assert!(ScopeToken::parse("back\\slash").is_err());
        assert!(ScopeToken::parse("").is_err());
    }
}
