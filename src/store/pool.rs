//! One method body for both databases: a backend hands out its pool as a [`PoolRef`], and
//! [`with_pool!`] pastes the body into one match arm per driver, so each arm is type-checked
//! against its own driver (vaultwarden's `db_run!` idea over sqlx). Statements that really differ
//! live in each backend's `dialect` module and are picked with [`dialect!`].

use sqlx::postgres::PgPool;
use sqlx::sqlite::SqlitePool;

pub(super) enum PoolRef<'a> {
    Postgres(&'a PgPool),
    Sqlite(&'a SqlitePool),
}

/// A write transaction: PostgreSQL's `begin`; SQLite's `begin immediate`, which takes the write
/// lock at once (a deferred transaction that reads first can fail to upgrade under contention).
pub(super) trait BeginWrite {
    type Db: sqlx::Database;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>;
}

impl BeginWrite for PgPool {
    type Db = sqlx::Postgres;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error> {
        self.begin().await
    }
}

impl BeginWrite for SqlitePool {
    type Db = sqlx::Sqlite;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error> {
        self.begin_with("begin immediate").await
    }
}

/// A backend whose concerns are implemented once, over its pool.
pub(super) trait SqlBackend: Send + Sync {
    fn pool(&self) -> PoolRef<'_>;
}

/// `with_pool!(self, pool => body)`: `body` runs with `pool` bound to the driver's pool.
macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match $crate::store::pool::SqlBackend::pool($store) {
            $crate::store::pool::PoolRef::Postgres($pool) => $body,
            $crate::store::pool::PoolRef::Sqlite($pool) => $body,
        }
    };
}

/// `dialect!(self, NAME)`: the backend's own statement `NAME` from its `dialect` module.
macro_rules! dialect {
    ($store:expr, $name:ident) => {
        match $crate::store::pool::SqlBackend::pool($store) {
            $crate::store::pool::PoolRef::Postgres(_) => $crate::store::postgres::dialect::$name,
            $crate::store::pool::PoolRef::Sqlite(_) => $crate::store::sqlite::dialect::$name,
        }
    };
}

pub(super) use {dialect, with_pool};
