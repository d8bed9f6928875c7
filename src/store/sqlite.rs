//! The embedded SQLite backend (one file, write-ahead logging, created and migrated on first
//! start): connection pool, schema checks and migrations, the statements it says
//! differently (`dialect`), its refresh-rotation algorithm (`rotation`). Every
//! concern is implemented once for both backends in `store/<concern>.rs`.

pub(super) mod dialect;
pub(super) mod rotation;

use std::str::FromStr;

use async_trait::async_trait;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::error::classify;
use super::{ChangeFeed, Database, SchemaVersion, StoreError, StoreResult};
use crate::config::{Backend, DatabaseConfig};

pub(super) static MIGRATOR: Migrator = sqlx::migrate!("migrations/sqlite");

pub(super) struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    pub async fn connect(config: &DatabaseConfig) -> StoreResult<Self> {
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
            .await
            .map_err(classify)?;
        Ok(Self { pool })
    }
}

impl super::pool::SqlBackend for SqliteStore {
    fn pool(&self) -> super::pool::PoolRef<'_> {
        super::pool::PoolRef::Sqlite(&self.pool)
    }
}

#[async_trait]
impl Database for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("select 1")
            .execute(&self.pool)
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn schema_version(&self) -> StoreResult<SchemaVersion> {
        // Two queries: the second cannot even be prepared before the table exists.
        let tracked: bool = sqlx::query_scalar("select exists (select 1 from sqlite_master where type = 'table' and name = '_sqlx_migrations')")
            .fetch_one(&self.pool)
            .await
            .map_err(classify)?;
        let applied: i64 = if tracked {
            sqlx::query_scalar(
                "select coalesce(max(version), 0) from _sqlx_migrations where success",
            )
            .fetch_one(&self.pool)
            .await
            .map_err(classify)?
        } else {
            0
        };
        Ok(SchemaVersion {
            applied,
            supported: MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0),
        })
    }

    async fn migrate(&self) -> StoreResult<()> {
        MIGRATOR
            .run(&self.pool)
            .await
            .map_err(StoreError::Migration)
    }

    async fn change_feed(&self) -> StoreResult<Option<Box<dyn ChangeFeed>>> {
        Ok(None)
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
