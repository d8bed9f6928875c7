//! Storage errors, and the one place sqlx errors are classified for both drivers.

/// What went wrong in the store, in terms the layers above can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no such record")]
    NotFound,
    #[error("conflicts with an existing {0}")]
    Conflict(Conflict),
    /// The database cannot be reached or is overloaded: retryable, answered 503.
    #[error("database unavailable")]
    Unavailable(#[source] sqlx::Error),
    #[error(
        "database schema is at version {applied}, newer than this binary supports ({supported}); upgrade Portcullis"
    )]
    SchemaTooNew { applied: i64, supported: i64 },
    #[error(
        "database schema is at version {applied}, this binary needs {supported}; run `portcullis migrate`"
    )]
    SchemaTooOld { applied: i64, supported: i64 },
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error("migration failed")]
    Migration(#[source] sqlx::migrate::MigrateError),
    #[error("database error")]
    Other(#[source] sqlx::Error),
}

/// Which uniqueness rule a write broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    #[error("email")]
    Email,
    #[error("client id")]
    ClientId,
    /// The change would leave no active administrator.
    #[error("last active administrator")]
    LastAdmin,
    #[error("role name")]
    RoleName,
    /// The row moved on from the version the write named.
    #[error("newer version")]
    Version,
    /// A role named in the write does not exist (any more).
    #[error("unknown role")]
    UnknownRole,
}

impl StoreError {
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

/// Sorts a driver error into unavailable (retry later) or other (a bug or bad data), so that `?`
/// classifies every driver error the same way.
impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        classify(error)
    }
}

fn classify(error: sqlx::Error) -> StoreError {
    let unavailable = match &error {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed
        // A connection cut mid-handshake surfaces as a protocol error, not an I/O error.
        | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            // Postgres: class 08 connection exceptions, 57P01-57P03 shutdown / cannot connect
            // now, 53300 too many connections. SQLite: 5 SQLITE_BUSY, 6 SQLITE_LOCKED.
            code.starts_with("08")
                || code.starts_with("57P")
                || code == "53300"
                || code == "5"
                || code == "6"
        }),
        _ => false,
    };
    if unavailable {
        StoreError::Unavailable(error)
    } else {
        StoreError::Other(error)
    }
}

/// Like [`classify`], but a unique violation becomes the given conflict.
pub(super) fn classify_conflict(error: sqlx::Error, conflict: Conflict) -> StoreError {
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(conflict),
        _ => classify(error),
    }
}
