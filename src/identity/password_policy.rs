//! What a new password must be (sign-up, reset, change, and passwords an operator sets): long
//! enough and not too long (checked before anything is hashed), the character classes the
//! configuration asks for, not one of the most common passwords, and not containing the
//! account's email address or name. A password is taken exactly as typed: never trimmed, never
//! case-folded (the common-password and containment checks compare case-insensitively).

use std::collections::HashSet;
use std::sync::LazyLock;

use crate::config::PasswordConfig;
use crate::domain::{InvalidField, Password};

/// Common passwords (see `common_passwords.LICENSE` for the source); the check cannot be turned
/// off. Only entries at least as long as the shortest allowed password are kept.
static COMMON: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| include_str!("common_passwords.txt").lines().collect());

#[derive(Debug, Clone)]
pub struct PasswordPolicy {
    min_length: usize,
    max_length: usize,
    require_uppercase: bool,
    require_lowercase: bool,
    require_digit: bool,
    require_symbol: bool,
}

fn broken(message: impl Into<String>) -> InvalidField {
    InvalidField::new("password", message)
}

impl PasswordPolicy {
    pub fn new(config: &PasswordConfig) -> Self {
        Self {
            min_length: config.min_length,
            max_length: config.max_length,
            require_uppercase: config.require_uppercase,
            require_lowercase: config.require_lowercase,
            require_digit: config.require_digit,
            require_symbol: config.require_symbol,
        }
    }

    /// The rules in a sentence, for the form that asks for a new password.
    pub fn describe(&self) -> String {
        let mut classes = Vec::new();
        if self.require_uppercase {
            classes.push("an uppercase letter");
        }
        if self.require_lowercase {
            classes.push("a lowercase letter");
        }
        if self.require_digit {
            classes.push("a digit");
        }
        if self.require_symbol {
            classes.push("a symbol");
        }
        let with = match classes.as_slice() {
            [] => String::new(),
            [one] => format!(", with {one}"),
            [rest @ .., last] => format!(", with {} and {last}", rest.join(", ")),
        };
        format!(
            "{} to {} characters{with}; not a common password, and not your email or name.",
            self.min_length, self.max_length
        )
    }

    /// Checks a new password for the account with `email` and `name`: every rule it breaks,
    /// each as a message for the field `password`. A password over the maximum is refused on
    /// that alone, before it is looked at further.
    pub fn check(
        &self,
        candidate: String,
        email: &str,
        name: Option<&str>,
    ) -> Result<Password, Vec<InvalidField>> {
        let length = candidate.chars().count();
        if length > self.max_length {
            return Err(vec![broken(format!(
                "must be at most {} characters",
                self.max_length
            ))]);
        }
        let mut problems = Vec::new();
        if length < self.min_length {
            problems.push(broken(format!(
                "must be at least {} characters",
                self.min_length
            )));
        }
        let has = |class: fn(&char) -> bool| candidate.chars().any(|c| class(&c));
        if self.require_uppercase && !has(|c| c.is_uppercase()) {
            problems.push(broken("must contain an uppercase letter"));
        }
        if self.require_lowercase && !has(|c| c.is_lowercase()) {
            problems.push(broken("must contain a lowercase letter"));
        }
        if self.require_digit && !has(|c| c.is_numeric()) {
            problems.push(broken("must contain a digit"));
        }
        if self.require_symbol && !has(|c| !c.is_alphanumeric()) {
            problems.push(broken(
                "must contain a character that is not a letter or digit",
            ));
        }
        let folded = candidate.to_lowercase();
        if COMMON.contains(folded.as_str()) {
            problems.push(broken(
                "is one of the most common passwords; choose another",
            ));
        }
        if personal_parts(email, name).any(|part| folded.contains(&part)) {
            problems.push(broken("must not contain your email address or name"));
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Password::new(candidate).map_err(|e| vec![e])
    }
}

/// The pieces of an account a password must not contain: the email's local part and each word
/// of the name, lower-cased, when at least 3 characters long (shorter ones occur by chance).
fn personal_parts<'a>(email: &'a str, name: Option<&'a str>) -> impl Iterator<Item = String> + 'a {
    let local = email.split('@').next().unwrap_or_default();
    std::iter::once(local)
        .chain(name.unwrap_or_default().split_whitespace())
        .map(str::to_lowercase)
        .filter(|part| part.chars().count() >= 3)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_policy() -> PasswordPolicy {
        PasswordPolicy::new(
            &crate::config::Config::load(&Default::default())
                .unwrap()
                .password,
        )
    }

    fn messages(result: Result<Password, Vec<InvalidField>>) -> Vec<String> {
        result
            .err()
            .unwrap_or_default()
            .iter()
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn the_default_asks_for_eight_characters_an_uppercase_letter_and_a_digit() {
        let policy = default_policy();
        assert!(
            policy
                .check("Tangerine7 sky".into(), "ada@example.com", None)
                .is_ok()
        );
        let problems = messages(policy.check("short".into(), "ada@example.com", None));
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("at least 8")));
        assert!(problems.iter().any(|p| p.contains("uppercase")));
        assert!(problems.iter().any(|p| p.contains("digit")));
    }

    #[test]
    fn an_overlong_password_is_refused_on_its_length_alone() {
        let problems = messages(default_policy().check("A1".repeat(65), "a@example.com", None));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("at most 128"));
        // 128 characters of four bytes each are still one allowed password.
        let wide = format!("A1{}", "𝔸".repeat(126));
        assert!(default_policy().check(wide, "a@example.com", None).is_ok());
    }

    #[test]
    fn common_passwords_are_refused_whatever_their_case() {
        let problems = messages(default_policy().check("Password1".into(), "a@example.com", None));
        assert!(
            problems.iter().any(|p| p.contains("most common")),
            "{problems:?}"
        );
        assert!(COMMON.len() > 8_000);
        assert!(COMMON.iter().all(|p| p.chars().count() >= 8));
    }

    #[test]
    fn the_email_and_the_name_must_not_be_in_it() {
        let policy = default_policy();
        for (password, name) in [("Adalovelace9!", None), ("Byron2024xyz", Some("Ada Byron"))] {
            let problems = messages(policy.check(password.into(), "ADALOVELACE@example.com", name));
            assert!(
                problems.iter().any(|p| p.contains("email address or name")),
                "{password}"
            );
        }
        // Passwords are not trimmed: the spaces are part of it.
        assert!(
            policy
                .check("  Tangerine7  ".into(), "x@example.com", Some("Al Bo"))
                .is_ok()
        );
    }
}
