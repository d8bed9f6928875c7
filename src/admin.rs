//! Management use-cases, shared by the CLI and (later) the admin REST API: creating users and
//! clients with every rule checked before anything is written.

pub mod clients;
pub mod users;

use crate::domain::InvalidField;
use crate::store::{Conflict, StoreError};

/// Why a management action failed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// One or more inputs were refused; nothing was written.
    #[error("invalid input: {}", describe(.0))]
    Invalid(Vec<InvalidField>),
    #[error("a user with this email already exists")]
    EmailTaken,
    #[error("a client with this client_id already exists")]
    ClientIdTaken,
    #[error("not found")]
    NotFound,
    #[error("the database is unavailable")]
    Unavailable(#[source] StoreError),
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

fn describe(fields: &[InvalidField]) -> String {
    fields
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl From<StoreError> for AdminError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict(Conflict::Email) => Self::EmailTaken,
            StoreError::Conflict(Conflict::ClientId) => Self::ClientIdTaken,
            StoreError::NotFound => Self::NotFound,
            error if error.is_unavailable() => Self::Unavailable(error),
            error => Self::Internal(Box::new(error)),
        }
    }
}
