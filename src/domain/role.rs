//! Role names for role-based access control.

use serde::{Deserialize, Serialize};

use super::InvalidField;
use super::permission::{BuiltinRole, PermissionSet};

/// A role name: 1-64 characters of lower-case letters, digits, '-', '_', '.' or ':'.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RoleName(String);

impl RoleName {
    pub fn parse(value: &str) -> Result<Self, InvalidField> {
        let valid_char = |c: char| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.' | ':')
        };
        if value.is_empty() || value.len() > 64 || !value.chars().all(valid_char) {
            return Err(InvalidField::new(
                "role",
                format!(
                    "`{value}` must be 1-64 characters of lower-case letters, digits, '-', '_', '.' or ':'"
                ),
            ));
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The built-in role of this name, if it is one.
    pub fn builtin(&self) -> Option<BuiltinRole> {
        BuiltinRole::of(self)
    }
}

/// A role as the admin API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub name: RoleName,
    pub description: String,
    /// One of [`BuiltinRole`]'s: its permissions are the code's, and it cannot be changed.
    pub builtin: bool,
    pub permissions: PermissionSet,
    /// Moves on with every change (the API's `ETag`).
    pub version: i64,
    pub created_at: time::OffsetDateTime,
}

impl std::fmt::Display for RoleName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::RoleName;

    #[test]
    fn role_names_are_lower_case_identifiers() {
        assert!(RoleName::parse("admin").is_ok());
        assert!(RoleName::parse("billing:read").is_ok());
        assert!(RoleName::parse("Admin").is_err());
        assert!(RoleName::parse("").is_err());
        assert!(RoleName::parse("a b").is_err());
    }
}
