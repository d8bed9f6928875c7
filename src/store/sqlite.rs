//! The embedded SQLite backend (one file, write-ahead logging, created and migrated on first
//! start): connecting, the migrations, the statements it says differently (`dialect`) and its
//! refresh-rotation algorithm (`rotation`). Every concern is implemented once for both backends
//! in `store/<concern>.rs`.

pub(super) mod dialect;
pub(super) mod rotation;

use std::str::FromStr;

use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::pool::SqlStore;
use super::{StoreError, StoreResult};
use crate::config::DatabaseConfig;
use crate::crypto::audit::AuditKeys;

pub(super) static MIGRATOR: Migrator = sqlx::migrate!("migrations/sqlite");

pub(super) async fn connect(config: &DatabaseConfig, audit: AuditKeys) -> StoreResult<SqlStore> {
    let options = SqliteConnectOptions::from_str(config.url.expose())
        .map_err(StoreError::Other)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // With WAL, NORMAL loses no committed transaction on a process crash.
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(config.acquire_timeout.get())
        .foreign_keys(true);
    if let Some(folder) = options.get_filename().parent()
        && !folder.as_os_str().is_empty()
    {
        std::fs::create_dir_all(folder).map_err(|e| StoreError::Unavailable(e.into()))?;
    }
    let pool = SqlitePoolOptions::new()
        .max_connections(config.max_connections)
        .acquire_timeout(config.acquire_timeout.get())
        // An embedded file does not drop connections; the ping would only cost a round trip
        // to the connection's worker thread per query.
        .test_before_acquire(false)
        .connect_with(options)
        .await?;
    Ok(SqlStore::Sqlite { pool, audit })
}
