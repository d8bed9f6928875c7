//! Storage: one trait per concern, each beside its one implementation in `store/<concern>.rs`,
//! written once for both databases (`pool`), composed into [`Store`]. The backend is chosen by
//! the database URL's scheme; `postgres` and `sqlite` hold what differs. Every method is one
//! transaction, named for the domain step it performs. The only module that names sqlx.

mod accounts;
pub(crate) mod audit;
mod browser_sessions;
pub mod by_time;
mod clients;
mod consents;
mod database;
mod error;
mod grants;
mod keys;
mod login_failures;
mod outbox;
mod pictures;
mod pool;
mod postgres;
mod rate_limits;
mod roles;
mod rows;
mod second_factors;
mod sqlite;
mod timestamp;
mod user_admin;
mod users;

use std::sync::Arc;

use crate::config::{Backend, DatabaseConfig};
use crate::crypto::audit::AuditKeys;

pub use accounts::AccountStore;
pub use audit::{AuditQuery, AuditStore, ChainHead};
pub use browser_sessions::{BrowserSessionStore, SessionOwner, UserBrowserSession};
pub use clients::ClientStore;
pub use consents::{ConnectedApp, ConsentStore};
pub use database::{Change, ChangeFeed, Database, OutboxStatus, PoolStatus, SchemaVersion};
pub use error::{Conflict, StoreError};
pub use grants::{GrantStore, Revocations};
pub use keys::KeyStore;
pub use login_failures::{LoginCounter, LoginFailureStore};
pub use outbox::OutboxStore;
pub use pictures::PictureStore;
pub use rate_limits::{RateLimitStore, WindowCount};
pub use roles::RoleStore;
pub use second_factors::{PendingConfirmation, SecondFactorStore};
pub use user_admin::{UserAdminStore, UserOrder, UserPosition, UserQuery};
pub use users::UserStore;

pub type StoreResult<T> = Result<T, StoreError>;

/// Everything the server stores.
pub trait Store:
    Database
    + UserStore
    + RoleStore
    + ClientStore
    + KeyStore
    + GrantStore
    + ConsentStore
    + LoginFailureStore
    + BrowserSessionStore
    + OutboxStore
    + AccountStore
    + PictureStore
    + SecondFactorStore
    + UserAdminStore
    + AuditStore
    + RateLimitStore
{
}
impl<T> Store for T where
    T: Database
        + UserStore
        + RoleStore
        + ClientStore
        + KeyStore
        + GrantStore
        + ConsentStore
        + LoginFailureStore
        + BrowserSessionStore
        + OutboxStore
        + AccountStore
        + PictureStore
        + SecondFactorStore
        + UserAdminStore
        + AuditStore
        + RateLimitStore
{
}

/// Opens a pool to the configured database (one attempt; the caller decides about retrying).
/// Every audit event written through it is MACed with `audit`.
pub async fn connect(config: &DatabaseConfig, audit: AuditKeys) -> StoreResult<Arc<dyn Store>> {
    Ok(Arc::new(match config.url.backend() {
        Backend::Postgres => postgres::connect(config, audit).await?,
        Backend::Sqlite => sqlite::connect(config, audit).await?,
    }))
}

fn migrator(backend: Backend) -> &'static sqlx::migrate::Migrator {
    match backend {
        Backend::Postgres => &postgres::MIGRATOR,
        Backend::Sqlite => &sqlite::MIGRATOR,
    }
}

/// The migration names this binary carries for a backend, in order (tests compare the two lists).
pub fn migration_names(backend: Backend) -> Vec<String> {
    migrator(backend)
        .iter()
        .map(|m| format!("{:04}_{}", m.version, m.description.replace(' ', "_")))
        .collect()
}
