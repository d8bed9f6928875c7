//! The connection itself: health, schema and lifecycle, and the change feed.

use async_trait::async_trait;
use sqlx::postgres::PgPoolOptions;
use time::OffsetDateTime;

use super::pool::{SqlStore, dialect, fetch, scalar, with_pool};
use super::{StoreError, StoreResult, postgres};
use crate::config::Backend;
use crate::domain::{ClientId, UserId};

/// The schema as found in the database, against what this binary knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaVersion {
    /// Highest migration applied in the database (0 for an empty database).
    pub applied: i64,
    /// Highest migration this binary carries.
    pub supported: i64,
}

/// A change committed by some instance, as the database announces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    AccessTokenRevoked {
        jti: String,
        expires_at: OffsetDateTime,
    },
    GrantRevoked {
        id: uuid::Uuid,
        revoked_at: OffsetDateTime,
    },
    /// The user, or their roles, changed.
    User(UserId),
    Client(ClientId),
    /// The feed lost its connection and may have missed changes: whoever caches must reload.
    Lost,
}

/// Changes as they commit, from every instance on the same database.
#[async_trait]
pub trait ChangeFeed: Send {
    /// The next change; an error means the database is unreachable for now (call again later).
    async fn next(&mut self) -> StoreResult<Change>;
}

/// The connection itself: health, schema and lifecycle.
#[async_trait]
pub trait Database: Send + Sync {
    fn backend(&self) -> Backend;
    /// One round trip to the database.
    async fn ping(&self) -> StoreResult<()>;
    async fn schema_version(&self) -> StoreResult<SchemaVersion>;
    /// Applies pending migrations; safe to run from several instances at once.
    async fn migrate(&self) -> StoreResult<()>;
    /// Subscribes to changes as they commit; `None` where the backend cannot announce them
    /// (SQLite: one process owns the file, and periodic reloads cover the CLI).
    async fn change_feed(&self) -> StoreResult<Option<Box<dyn ChangeFeed>>>;
    /// Waits for pooled connections to close.
    async fn close(&self);
    /// The pool as it is now, for metrics.
    fn pool_status(&self) -> PoolStatus;
    /// Mail in the outbox, for metrics and readiness.
    async fn outbox_status(&self) -> StoreResult<OutboxStatus>;
    /// Audit events not chained yet, and when the oldest of them happened.
    async fn unsealed_audit_events(&self) -> StoreResult<(u64, Option<OffsetDateTime>)>;
}

/// Connections of this instance's pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStatus {
    pub size: u32,
    pub idle: u32,
    pub max: u32,
}

/// The outbox's unfinished and given-up messages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxStatus {
    /// Not sent yet (due now or later).
    pub pending: i64,
    /// Of those, the ones that failed at least once and wait for a retry.
    pub retrying: i64,
    /// Given up (still within `email.retention`).
    pub given_up: i64,
}

const OUTBOX_STATUS: &str = "select
         coalesce(sum(case when sent_at is null and failed_at is null then 1 else 0 end), 0)
             as pending,
         coalesce(sum(case when sent_at is null and failed_at is null and attempts > 0
                           then 1 else 0 end), 0) as retrying,
         coalesce(sum(case when failed_at is not null then 1 else 0 end), 0) as given_up
     from mail_outbox";

#[derive(sqlx::FromRow)]
struct Unsealed {
    count: i64,
    oldest: Option<OffsetDateTime>,
}

#[async_trait]
impl Database for SqlStore {
    fn backend(&self) -> Backend {
        match self {
            SqlStore::Postgres { .. } => Backend::Postgres,
            SqlStore::Sqlite { .. } => Backend::Sqlite,
        }
    }

    async fn ping(&self) -> StoreResult<()> {
        scalar!(self, fetch_one, i32, "select 1")?;
        Ok(())
    }

    async fn schema_version(&self) -> StoreResult<SchemaVersion> {
        // Two queries: the second cannot even be prepared before the table exists.
        let tracked = scalar!(self, fetch_one, bool, dialect!(self, MIGRATIONS_TRACKED))?;
        let applied = if tracked {
            let sql = "select coalesce(max(version), 0) from _sqlx_migrations where success";
            scalar!(self, fetch_one, i64, sql)?
        } else {
            0
        };
        let supported = super::migrator(self.backend())
            .iter()
            .map(|m| m.version)
            .max();
        Ok(SchemaVersion {
            applied,
            supported: supported.unwrap_or(0),
        })
    }

    async fn migrate(&self) -> StoreResult<()> {
        let migrator = super::migrator(self.backend());
        with_pool!(self, pool => migrator.run(pool).await).map_err(StoreError::Migration)
    }

    async fn change_feed(&self) -> StoreResult<Option<Box<dyn ChangeFeed>>> {
        let SqlStore::Postgres {
            options,
            acquire_timeout,
            ..
        } = self
        else {
            return Ok(None);
        };
        // Its own connection, so that LISTEN never takes one from the requests' pool.
        let own = PgPoolOptions::new()
            .max_connections(1)
            .min_connections(0)
            .max_lifetime(None)
            .idle_timeout(None)
            .acquire_timeout(*acquire_timeout)
            .connect_lazy_with((**options).clone());
        Ok(Some(Box::new(postgres::PgChangeFeed::listen(own).await?)))
    }

    async fn close(&self) {
        with_pool!(self, pool => pool.close().await);
    }

    fn pool_status(&self) -> PoolStatus {
        with_pool!(self, pool => PoolStatus {
            size: pool.size(),
            idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
            max: pool.options().get_max_connections(),
        })
    }

    async fn outbox_status(&self) -> StoreResult<OutboxStatus> {
        Ok(fetch!(self, fetch_one, OutboxStatus, OUTBOX_STATUS)?)
    }

    async fn unsealed_audit_events(&self) -> StoreResult<(u64, Option<OffsetDateTime>)> {
        let sql = "select count(*) as count, min(occurred_at) as oldest from audit_events
             where seq is null";
        let row = fetch!(self, fetch_one, Unsealed, sql)?;
        Ok((u64::try_from(row.count).unwrap_or(0), row.oldest))
    }
}
