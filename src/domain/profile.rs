//! The standard claims a person keeps about themselves (OpenID Connect Core §5.1), each with the
//! rule its value must follow.

use serde::Serialize;

use super::InvalidField;

/// Profile claims beyond the display name (which `User::name` holds).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Profile {
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    /// An https URL.
    pub picture: Option<String>,
    pub gender: Option<String>,
    /// E.164, e.g. `+14155550123`.
    pub phone_number: Option<String>,
    pub phone_number_verified: bool,
    /// A BCP 47 language tag, e.g. `en-US`.
    pub locale: Option<String>,
    /// An IANA time zone name, e.g. `Europe/Paris`.
    pub zoneinfo: Option<String>,
}

/// A field a person may change on their own profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileField {
    Name,
    GivenName,
    FamilyName,
    Picture,
    Gender,
    PhoneNumber,
    Locale,
    Zoneinfo,
}

impl ProfileField {
    pub const ALL: [Self; 8] = [
        Self::Name,
        Self::GivenName,
        Self::FamilyName,
        Self::Picture,
        Self::Gender,
        Self::PhoneNumber,
        Self::Locale,
        Self::Zoneinfo,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::GivenName => "given_name",
            Self::FamilyName => "family_name",
            Self::Picture => "picture",
            Self::Gender => "gender",
            Self::PhoneNumber => "phone_number",
            Self::Locale => "locale",
            Self::Zoneinfo => "zoneinfo",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|field| field.name() == name)
    }

    /// The value as stored: trimmed, `None` when empty, refused when it breaks the field's rule.
    pub fn check(self, value: Option<&str>) -> Result<Option<String>, InvalidField> {
        let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
            return Ok(None);
        };
        let field = self.name();
        let refuse = |message: &str| Err(InvalidField::new(field, message));
        let plain =
            |max: usize| value.chars().count() <= max && !value.chars().any(char::is_control);
        let valid = match self {
            Self::Name => plain(200),
            Self::GivenName | Self::FamilyName => plain(100),
            Self::Gender => plain(50),
            Self::Picture => is_https_url(value),
            Self::PhoneNumber => is_e164(value),
            Self::Locale => is_language_tag(value),
            Self::Zoneinfo => is_zone_name(value),
        };
        if valid {
            return Ok(Some(value.to_owned()));
        }
        match self {
            Self::Name => refuse("must be at most 200 characters without control characters"),
            Self::GivenName | Self::FamilyName => {
                refuse("must be at most 100 characters without control characters")
            }
            Self::Gender => refuse("must be at most 50 characters without control characters"),
            Self::Picture => refuse("must be an https URL of at most 2048 characters"),
            Self::PhoneNumber => refuse("must be in E.164 form, like +14155550123"),
            Self::Locale => refuse("must be a BCP 47 language tag, like en or en-US"),
            Self::Zoneinfo => refuse("must be an IANA time zone, like Europe/Paris"),
        }
    }
}

fn is_https_url(value: &str) -> bool {
    value.len() <= 2048
        && url::Url::parse(value)
            .is_ok_and(|url| url.scheme() == "https" && url.host_str().is_some())
}

/// `+`, then 2 to 15 digits, the first not 0 (ITU-T E.164).
fn is_e164(value: &str) -> bool {
    let Some(digits) = value.strip_prefix('+') else {
        return false;
    };
    (2..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

/// A language of 2-3 letters, then subtags of 1-8 letters or digits, joined by `-` (the shape
/// of RFC 5646, not its registry).
fn is_language_tag(value: &str) -> bool {
    let mut parts = value.split('-');
    let language = parts.next().unwrap_or_default();
    (2..=3).contains(&language.len())
        && language.bytes().all(|b| b.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
        && value.len() <= 35
}

/// `UTC`, or `Area/Location` (up to three parts) of letters, digits, `_`, `-` and `+`, as the
/// IANA database names its zones.
fn is_zone_name(value: &str) -> bool {
    let parts: Vec<&str> = value.split('/').collect();
    value.len() <= 64
        && (1..=3).contains(&parts.len())
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.starts_with(|c: char| c.is_ascii_alphabetic())
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_-+".contains(&b))
        })
        && (parts.len() > 1 || matches!(value, "UTC" | "GMT"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_field_keeps_good_values_and_refuses_bad_ones() {
        let ok = |field: ProfileField, value: &str| field.check(Some(value)).unwrap();
        assert_eq!(
            ok(ProfileField::PhoneNumber, "+14155550123").as_deref(),
            Some("+14155550123")
        );
        assert_eq!(ok(ProfileField::Locale, "en-US").as_deref(), Some("en-US"));
        assert_eq!(
            ok(ProfileField::Zoneinfo, "America/Argentina/Buenos_Aires").as_deref(),
            Some("America/Argentina/Buenos_Aires")
        );
        assert_eq!(ok(ProfileField::Zoneinfo, "UTC").as_deref(), Some("UTC"));
        assert_eq!(
            ok(ProfileField::Picture, "https://img.example/a.png").as_deref(),
            Some("https://img.example/a.png")
        );
        assert_eq!(
            ok(ProfileField::GivenName, "  Ada ").as_deref(),
            Some("Ada")
        );
        assert_eq!(ProfileField::Gender.check(Some("  ")).unwrap(), None);
        for (field, bad) in [
            (ProfileField::PhoneNumber, "4155550123"),
            (ProfileField::PhoneNumber, "+0123"),
            (ProfileField::PhoneNumber, "+1 415 555"),
            (ProfileField::Locale, "english"),
            (ProfileField::Locale, "en_US"),
            (ProfileField::Zoneinfo, "Paris"),
            (ProfileField::Zoneinfo, "../etc/passwd"),
            (ProfileField::Picture, "http://img.example/a.png"),
            (ProfileField::Picture, "javascript:alert(1)"),
            (ProfileField::GivenName, "a\u{7}b"),
        ] {
            let refused = field.check(Some(bad)).unwrap_err();
            assert_eq!(refused.field, field.name(), "{bad}");
        }
    }
}
