//! Management use-cases, shared by the CLI and the admin REST API: users, roles and clients,
//! with every rule checked before anything is written, and who may do what (`access`).

pub mod access;
pub mod audit_log;
pub mod clients;
mod cursor;
pub mod keys;
pub mod roles;
pub mod user_management;
pub mod users;

use std::sync::Arc;

use crate::config::AuditConfig;
use crate::crypto::audit::AuditKeys;
use crate::crypto::token::TokenHasher;
use crate::domain::time::Clock;
use crate::identity::accounts::{AccountError, Accounts};
use crate::jobs::key_rotation::KeyRotation;
use crate::store::Store;

pub use access::{Actor, Caller};
pub use user_management::{UserListing, UserPage};

/// The management use-cases of the admin API; one per server process, cheap to clone.
#[derive(Clone)]
pub struct Admin(Arc<Inner>);

struct Inner {
    store: Arc<dyn Store>,
    accounts: Accounts,
    clock: Clock,
    /// Authenticates listing cursors and hashes client secrets.
    hasher: TokenHasher,
    rotation: Arc<KeyRotation>,
    audit_keys: AuditKeys,
    audit: AuditConfig,
}

/// What [`Admin::new`] needs.
pub struct AdminSetup {
    pub store: Arc<dyn Store>,
    pub accounts: Accounts,
    pub clock: Clock,
    pub hasher: TokenHasher,
    pub rotation: Arc<KeyRotation>,
    pub audit_keys: AuditKeys,
    pub audit: AuditConfig,
}

impl Admin {
    pub fn new(setup: AdminSetup) -> Self {
        Self(Arc::new(Inner {
            store: setup.store,
            accounts: setup.accounts,
            clock: setup.clock,
            hasher: setup.hasher,
            rotation: setup.rotation,
            audit_keys: setup.audit_keys,
            audit: setup.audit,
        }))
    }
}

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
    /// The caller lacks a permission, or the target holds permissions the caller lacks.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The resource moved on from the version the caller named (`If-Match`).
    #[error("changed meanwhile")]
    Changed,
    /// The change would leave no active administrator.
    #[error("the last active administrator cannot be suspended, deleted or demoted")]
    LastAdmin,
    /// Paging, sorting or filtering parameters that cannot be used.
    #[error("bad query: {}", describe(.0))]
    BadQuery(Vec<InvalidField>),
    #[error("a role with this name already exists")]
    RoleNameTaken,
    /// Built-in roles are the code's and cannot be changed or deleted.
    #[error("built-in roles cannot be changed")]
    BuiltinRole,
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
            StoreError::Conflict(Conflict::RoleName) => Self::RoleNameTaken,
            StoreError::Conflict(Conflict::Version) => Self::Changed,
            StoreError::Conflict(Conflict::LastAdmin) => Self::LastAdmin,
            StoreError::Conflict(Conflict::UnknownRole) => Self::Invalid(vec![InvalidField::new(
                "roles",
                "names a role that does not exist",
            )]),
            StoreError::NotFound => Self::NotFound,
            error if error.is_unavailable() => Self::Unavailable(error),
            error => Self::Internal(Box::new(error)),
        }
    }
}

impl From<AccountError> for AdminError {
    fn from(error: AccountError) -> Self {
        match error {
            AccountError::Invalid(fields) => Self::Invalid(fields),
            AccountError::NotFound => Self::NotFound,
            AccountError::Changed => Self::Changed,
            AccountError::LastAdmin => Self::LastAdmin,
            AccountError::Unavailable(source) => Self::Unavailable(source),
            other => Self::Internal(Box::new(other)),
        }
    }
}
