//! One method body for both databases: [`SqlStore`] holds either driver's pool, and
//! [`with_pool!`] pastes a body into one match arm per driver, so each arm is type-checked
//! against its own driver (vaultwarden's `db_run!` idea over sqlx). [`execute!`], [`fetch!`] and
//! [`scalar!`] are the one-statement bodies most methods are. Statements that really differ live
//! in each backend's `dialect` module and are picked with [`dialect!`].

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool};
use sqlx::sqlite::SqlitePool;

use crate::crypto::audit::AuditKeys;

/// The store: every concern (`store/<concern>.rs`) is implemented once for it.
pub(super) enum SqlStore {
    Postgres {
        pool: PgPool,
        /// For connections outside the pool (the change feed's LISTEN).
        options: Box<PgConnectOptions>,
        acquire_timeout: Duration,
        audit: AuditKeys,
    },
    Sqlite {
        pool: SqlitePool,
        audit: AuditKeys,
    },
}

impl SqlStore {
    /// The keys every audit event is MACed with as it is written.
    pub(super) fn audit_keys(&self) -> &AuditKeys {
        match self {
            Self::Postgres { audit, .. } | Self::Sqlite { audit, .. } => audit,
        }
    }
}

/// A write transaction: PostgreSQL's `begin`; SQLite's `begin immediate`, which takes the write
/// lock at once (a deferred transaction that reads first can fail to upgrade under contention).
pub(super) trait BeginWrite {
    type Db: sqlx::Database;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>;
}

impl BeginWrite for PgPool {
    type Db = sqlx::Postgres;
    /// In a task of its own: sqlx 0.9's PostgreSQL `begin` is not cancel-safe. A caller dropped
    /// after `BEGIN` reached the server but before its answer (a client that gave up, a request
    /// timeout) left the connection inside a transaction nothing would end, and the pool handed
    /// it out again: every later statement on it joined that transaction and kept its row locks,
    /// which stalled sign-ins for 30 s in a benchmark run (transact-rs/sqlx#4393, fixed upstream
    /// after 0.9.0). Run to its end here, the `Transaction` exists and, if our caller is gone,
    /// is dropped and rolls back as every other abandoned transaction does.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error> {
        let pool = self.clone();
        tokio::spawn(async move { pool.begin().await })
            .await
            .map_err(|failed| sqlx::Error::Protocol(format!("begin task failed: {failed}")))?
    }
}

impl BeginWrite for SqlitePool {
    type Db = sqlx::Sqlite;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error> {
        self.begin_with("begin immediate").await
    }
}

/// `with_pool!(store, pool => body)`: `body` runs with `pool` bound to the driver's pool.
macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store {
            $crate::store::pool::SqlStore::Postgres { pool: $pool, .. } => $body,
            $crate::store::pool::SqlStore::Sqlite { pool: $pool, .. } => $body,
        }
    };
}

/// `dialect!(store, NAME)`: the backend's own statement `NAME` from its `dialect` module.
macro_rules! dialect {
    ($store:expr, $name:ident) => {
        match $store {
            $crate::store::pool::SqlStore::Postgres { .. } => {
                $crate::store::postgres::dialect::$name
            }
            $crate::store::pool::SqlStore::Sqlite { .. } => $crate::store::sqlite::dialect::$name,
        }
    };
}

/// `execute!(store, SQL, binds…)` runs one statement on the pool and gives the number of rows it
/// affected; `execute!(in executor, SQL, binds…)` runs it on a transaction.
macro_rules! execute {
    (in $executor:expr, $sql:expr $(, $bind:expr)* $(,)?) => {
        sqlx::query($sql)
            $(.bind($bind))*
            .execute($executor)
            .await
            .map(|done| done.rows_affected())
    };
    ($store:expr, $sql:expr $(, $bind:expr)* $(,)?) => {
        $crate::store::pool::with_pool!($store, pool => $crate::store::pool::execute!(in pool, $sql $(, $bind)*))
    };
}

/// `fetch!(store, fetch_one | fetch_optional | fetch_all, Row, SQL, binds…)`: rows decoded as
/// `Row` (a `FromRow` struct or a tuple); `fetch!(in executor, …)` on a transaction.
macro_rules! fetch {
    (in $executor:expr, $fetch:ident, $row:ty, $sql:expr $(, $bind:expr)* $(,)?) => {
        sqlx::query_as::<_, $row>($sql)
            $(.bind($bind))*
            .$fetch($executor)
            .await
    };
    ($store:expr, $fetch:ident, $row:ty, $sql:expr $(, $bind:expr)* $(,)?) => {
        $crate::store::pool::with_pool!(
            $store, pool => $crate::store::pool::fetch!(in pool, $fetch, $row, $sql $(, $bind)*)
        )
    };
}

/// `scalar!(…)`: like [`fetch!`], for a single column of type `T`.
macro_rules! scalar {
    (in $executor:expr, $fetch:ident, $ty:ty, $sql:expr $(, $bind:expr)* $(,)?) => {
        sqlx::query_scalar::<_, $ty>($sql)
            $(.bind($bind))*
            .$fetch($executor)
            .await
    };
    ($store:expr, $fetch:ident, $ty:ty, $sql:expr $(, $bind:expr)* $(,)?) => {
        $crate::store::pool::with_pool!(
            $store, pool => $crate::store::pool::scalar!(in pool, $fetch, $ty, $sql $(, $bind)*)
        )
    };
}

pub(super) use {dialect, execute, fetch, scalar, with_pool};
