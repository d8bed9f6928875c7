//! The statements that find rows by time use their indexes on both databases: timestamps
//! compare as stored, without a function around the column (which would scan the table).

use portcullis::store::by_time::{INDEXED, IndexedByTime};
use sqlx::Connection as _;

use crate::support::{Backend, TestDatabase};

/// The plan SQLite chooses for `statement`, one line per step.
async fn sqlite_plan(db: &TestDatabase, statement: &str) -> String {
    let mut connection = sqlx::sqlite::SqliteConnection::connect(&db.url)
        .await
        .unwrap();
    let rows: Vec<(i64, i64, i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "explain query plan {statement}"
    )))
    .bind("2026-12-01T10:00:00.000000Z")
    .fetch_all(&mut connection)
    .await
    .unwrap();
    connection.close().await.ok();
    rows.into_iter()
        .map(|(_, _, _, detail)| detail)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The plan PostgreSQL chooses with sequential scans priced out (on a near-empty table it
/// would rightly scan): whether an index *can* serve the statement.
async fn postgres_plan(db: &TestDatabase, statement: &str) -> String {
    let mut connection = sqlx::postgres::PgConnection::connect(&db.url)
        .await
        .unwrap();
    sqlx::raw_sql("set enable_seqscan = off")
        .execute(&mut connection)
        .await
        .unwrap();
    let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("explain {statement}")))
        .bind(portcullis::domain::time::now())
        .fetch_all(&mut connection)
        .await
        .unwrap();
    connection.close().await.ok();
    rows.join("\n")
}

async fn plan(db: &TestDatabase, statement: &str) -> String {
    match db.backend {
        Backend::Sqlite => sqlite_plan(db, statement).await,
        Backend::Postgres => postgres_plan(db, statement).await,
    }
}

async fn queries_by_time_use_their_indexes(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    let store = crate::support::connect_store(&db.config()).await.unwrap();
    store.migrate().await.unwrap();
    for IndexedByTime { statement, index } in INDEXED {
        let plan = plan(&db, statement).await;
        assert!(
            plan.contains(index),
            "{statement}\ndoes not use {index}:\n{plan}"
        );
    }
    if backend == Backend::Sqlite {
        // The control: a function around the column, as the statements had before, scans.
        let wrapped = "delete from browser_sessions
             where unixepoch(expires_at, 'subsec') <= unixepoch($1, 'subsec')";
        let plan = plan(&db, wrapped).await;
        assert!(
            plan.contains("SCAN browser_sessions") && !plan.contains("browser_sessions_expires_at"),
            "{plan}"
        );
    }
    store.close().await;
}

on_both_backends!(queries_by_time_use_their_indexes);

/// The admin listing's `q` (a prefix of the address or the name, as the ranges the store writes)
/// is served by the prefix indexes, not by reading every user.
async fn a_user_prefix_uses_its_indexes(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    let store = crate::support::connect_store(&db.config()).await.unwrap();
    store.migrate().await.unwrap();
    let order = match backend {
        Backend::Postgres => " collate \"C\"",
        Backend::Sqlite => "",
    };
    let statement = format!(
        "select u.id from users u where (lower(u.email){order} >= 'ada' and lower(u.email){order} < 'adb') \
         or (lower(u.name){order} >= 'ada' and lower(u.name){order} < 'adb')"
    );
    let plan = plan(&db, &statement).await;
    let (email_index, name_index) = match backend {
        Backend::Postgres => ("users_email_prefix", "users_name_prefix"),
        Backend::Sqlite => ("users_email_key", "users_name_prefix"),
    };
    assert!(
        plan.contains(email_index) && plan.contains(name_index),
        "{plan}"
    );
    store.close().await;
}

on_both_backends!(a_user_prefix_uses_its_indexes);
