//! The query strings of the admin listings: each parameter read by its own rule, every problem
//! collected, and the whole answered at once as a 400 naming each parameter.

use time::OffsetDateTime;

use crate::admin::AdminError;
use crate::domain::InvalidField;
use crate::http::responses::Problem;

/// A query string being read.
#[derive(Default)]
pub struct QueryParams {
    problems: Vec<InvalidField>,
}

impl QueryParams {
    /// The pairs of `query`, decoded.
    pub fn pairs(query: Option<&str>) -> Vec<(String, String)> {
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .map(|(key, value)| (key.into_owned(), value.into_owned()))
            .collect()
    }

    /// A page size: clamped by the use-case; only what cannot be a count is refused.
    pub fn limit(&mut self, value: &str) -> Option<u32> {
        match value.parse::<u64>() {
            Ok(limit) => Some(u32::try_from(limit).unwrap_or(u32::MAX)),
            Err(_) => self.refuse("limit", "must be a whole number from 1 to 200"),
        }
    }

    /// An RFC 3339 time.
    pub fn time(&mut self, field: &'static str, value: &str) -> Option<OffsetDateTime> {
        match OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339) {
            Ok(at) => Some(at),
            Err(_) => self.refuse(field, "must be an RFC 3339 time like 2026-01-31T12:00:00Z"),
        }
    }

    /// `true` or `false`.
    pub fn flag(&mut self, field: &'static str, value: &str) -> Option<bool> {
        match value.parse() {
            Ok(flag) => Some(flag),
            Err(_) => self.refuse(field, "must be true or false"),
        }
    }

    /// A parameter the listing does not have.
    pub fn unknown(&mut self, key: &str) {
        let message = format!("`{key}` is not a parameter of this listing");
        self.problems.push(InvalidField::new("query", message));
    }

    fn refuse<T>(&mut self, field: &'static str, message: &str) -> Option<T> {
        self.problems.push(InvalidField::new(field, message));
        None
    }

    /// `value` if every parameter was readable, else the 400 naming each one that was not.
    pub fn finish<T>(self, value: T) -> Result<T, Problem> {
        if self.problems.is_empty() {
            Ok(value)
        } else {
            Err(AdminError::BadQuery(self.problems).into())
        }
    }
}
