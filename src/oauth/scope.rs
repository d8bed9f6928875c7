//! Scope strings: space-delimited, unordered sets of scope tokens (RFC 6749 §3.3).

use std::collections::BTreeSet;

use super::error::{ErrorCode, OAuthError};
use crate::domain::ScopeToken;

/// Kept in a browser session as the space-delimited string, so it reads back through [`Scope::parse`].
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Scope(BTreeSet<String>);

impl Scope {
    pub fn parse(value: &str) -> Result<Self, OAuthError> {
        let mut set = BTreeSet::new();
        for token in value.split(' ').filter(|t| !t.is_empty()) {
            ScopeToken::parse(token)
                .map_err(|_| OAuthError::new(ErrorCode::InvalidScope, "the scope is malformed"))?;
            set.insert(token.to_owned());
        }
        Ok(Self(set))
    }

    pub fn from_tokens<'a>(tokens: impl IntoIterator<Item = &'a str>) -> Self {
        Self(tokens.into_iter().map(str::to_owned).collect())
    }

    pub fn contains(&self, token: &str) -> bool {
        self.0.contains(token)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn is_subset(&self, other: &Scope) -> bool {
        self.0.is_subset(&other.0)
    }

    /// What a client asking for `requested` directly (no consent page) gets: the requested
    /// scopes it may have, the rule /authorize follows (scopes it may not have are dropped, and
    /// only a request left with none is refused); everything it may have when it names none.
    pub fn requested_within(requested: Option<&str>, allowed: &Scope) -> Result<Self, OAuthError> {
        let Some(requested) = requested else {
            return Ok(allowed.clone());
        };
        let scope = Scope::parse(requested)?.intersection(allowed);
        if scope.is_empty() {
            return Err(OAuthError::new(
                ErrorCode::InvalidScope,
                "none of the requested scopes is allowed for this client",
            ));
        }
        Ok(scope)
    }

    /// The tokens of this scope that `allowed` also holds.
    pub fn intersection(&self, allowed: &Scope) -> Self {
        Self(self.0.intersection(&allowed.0).cloned().collect())
    }

    pub fn without(&self, token: &str) -> Self {
        Self(self.0.iter().filter(|t| *t != token).cloned().collect())
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}

impl From<Scope> for String {
    fn from(scope: Scope) -> Self {
        scope.to_string()
    }
}

impl TryFrom<String> for Scope {
    type Error = OAuthError;
    fn try_from(value: String) -> Result<Self, OAuthError> {
        Self::parse(&value)
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let joined: Vec<&str> = self.iter().collect();
        f.write_str(&joined.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_sets_printed_in_order() {
        let scope = Scope::parse("email  openid email").unwrap();
        assert_eq!(scope.to_string(), "email openid");
        assert!(scope.is_subset(&Scope::parse("openid email profile").unwrap()));
        assert!(!Scope::parse("admin").unwrap().is_subset(&scope));
        assert_eq!(
            Scope::parse("bad\"scope").unwrap_err().code,
            ErrorCode::InvalidScope
        );
    }
}
