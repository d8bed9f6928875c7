//! Migrations: the same names on both dialects, and schema versions the binary refuses.

use sqlx::Connection as _;

use crate::support::binary::{self, command_for};
use crate::support::{Backend, TestDatabase};

#[test]
fn both_dialects_carry_the_same_migration_names() {
    let postgres = portcullis::store::migration_names(Backend::Postgres);
    let sqlite = portcullis::store::migration_names(Backend::Sqlite);
    assert!(!postgres.is_empty());
    assert_eq!(postgres, sqlite);
    let on_disk = |dialect: &str| {
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(dialect);
        let mut names: Vec<String> = std::fs::read_dir(folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(on_disk("postgres"), on_disk("sqlite"));
}

/// Rows SQLite stored before 0007 (RFC 3339, the fraction's trailing zeros cut) are rewritten
/// into the one sortable form, and still read back as the same instants.
#[tokio::test]
async fn sqlite_timestamps_from_before_0007_become_sortable_and_read_back_the_same() {
    let db = TestDatabase::new(Backend::Sqlite).await;
    let store = crate::support::connect_store(&db.config()).await.unwrap();
    store.migrate().await.unwrap();
    let mut connection = sqlx::sqlite::SqliteConnection::connect(&db.url)
        .await
        .unwrap();
    for (id, stamp) in [
        ("whole", "2026-12-01T10:00:00Z"),
        ("half", "2026-12-01T10:00:00.5Z"),
        ("micros", "2026-12-01T10:00:00.123456Z"),
    ] {
        sqlx::query(
            "insert into browser_sessions (id_hash, data, expires_at) values ($1, '{}', $2)",
        )
        .bind(id)
        .bind(stamp)
        .execute(&mut connection)
        .await
        .unwrap();
    }
    let rewrite = include_str!("../../../migrations/sqlite/0007_sortable_timestamps.sql");
    sqlx::raw_sql(sqlx::AssertSqlSafe(rewrite))
        .execute(&mut connection)
        .await
        .unwrap();
    let rows: Vec<(String, String)> =
        sqlx::query_as("select id_hash, expires_at from browser_sessions order by expires_at")
            .fetch_all(&mut connection)
            .await
            .unwrap();
    let expected = [
        ("whole", "2026-12-01T10:00:00.000000Z"),
        ("micros", "2026-12-01T10:00:00.123456Z"),
        ("half", "2026-12-01T10:00:00.500000Z"),
    ];
    let rows: Vec<(&str, &str)> = rows.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    assert_eq!(rows, expected, "in time order as text");
    connection.close().await.ok();
    let whole = portcullis::crypto::token::TokenHash::from_stored("whole".to_owned());
    let (_, expires_at) = store.load_browser_session(&whole).await.unwrap().unwrap();
    assert_eq!(expires_at, time::macros::datetime!(2026-12-01 10:00:00 UTC));
    store.close().await;
}

/// Records a migration from the future, as a newer Portcullis would have.
async fn pretend_a_newer_binary_migrated(db: &TestDatabase) {
    let sql =
        "insert into _sqlx_migrations (version, description, success, checksum, execution_time)
               values (99999, 'from the future', true, $1, 0)";
    match db.backend {
        Backend::Postgres => {
            let mut connection = sqlx::PgConnection::connect(&db.url).await.unwrap();
            sqlx::query(sql)
                .bind(vec![0_u8; 4])
                .execute(&mut connection)
                .await
                .unwrap();
            connection.close().await.unwrap();
        }
        Backend::Sqlite => {
            let mut connection = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
            sqlx::query(sql)
                .bind(vec![0_u8; 4])
                .execute(&mut connection)
                .await
                .unwrap();
            connection.close().await.unwrap();
        }
    }
}

async fn a_schema_newer_than_the_binary_is_refused_with_a_clear_message(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    let mut migrate = command_for(&db);
    migrate.arg("migrate");
    binary::run(migrate, None).assert_success();
    pretend_a_newer_binary_migrated(&db).await;

    let mut serve = command_for(&db);
    serve.arg("serve").env("PORTCULLIS_LISTEN", "127.0.0.1:0");
    let run = binary::run(serve, None);
    run.assert_clean_failure();
    assert!(
        run.stderr.contains("newer than this binary supports"),
        "{}",
        run.stderr
    );
}

async fn no_migrate_refuses_a_schema_that_is_behind(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    if backend == Backend::Postgres {
        // The test template is already migrated; start from an empty database instead.
        let mut admin = sqlx::PgConnection::connect(&crate::support::db::admin_url())
            .await
            .unwrap();
        let name = db.url.rsplit('/').next().unwrap().to_owned();
        for sql in [
            format!("drop database {name} with (force)"),
            format!("create database {name}"),
        ] {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut admin)
                .await
                .unwrap();
        }
        admin.close().await.unwrap();
    }
    let mut serve = command_for(&db);
    serve
        .args(["serve", "--no-migrate"])
        .env("PORTCULLIS_LISTEN", "127.0.0.1:0");
    let run = binary::run(serve, None);
    run.assert_clean_failure();
    assert!(run.stderr.contains("portcullis migrate"), "{}", run.stderr);
}

on_both_backends!(
    a_schema_newer_than_the_binary_is_refused_with_a_clear_message,
    no_migrate_refuses_a_schema_that_is_behind,
);
