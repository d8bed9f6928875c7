//! A fresh database per test. PostgreSQL: `CREATE DATABASE … TEMPLATE` from a template migrated
//! once per migration set, dropped when the test ends. SQLite: a file in a temporary folder.

use std::path::{Path, PathBuf};

use portcullis::config::{Backend, DatabaseConfig, DatabaseUrl, Duration};
use sqlx::Connection as _;
use sqlx::postgres::PgConnection;

const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
/// Serialises template creation across test threads and processes.
const TEMPLATE_LOCK: i64 = 0x706f_7274_6375;

/// The server-level URL tests connect to for creating databases.
pub fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_owned())
}

pub struct TestDatabase {
    pub backend: Backend,
    pub url: String,
    /// A scratch folder for the test (SQLite file, data_dir); removed on drop.
    pub dir: PathBuf,
    pg_name: Option<String>,
    /// False for a second handle on another test's database: dropping it removes nothing.
    owned: bool,
}

impl TestDatabase {
    /// Another handle on the same database (for a second server instance); it owns nothing.
    pub fn share(&self) -> Self {
        Self {
            backend: self.backend,
            url: self.url.clone(),
            dir: self.dir.clone(),
            pg_name: None,
            owned: false,
        }
    }

    pub async fn new(backend: Backend) -> Self {
        let dir =
            std::env::temp_dir().join(format!("portcullis-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        match backend {
            Backend::Sqlite => Self {
                backend,
                url: format!("sqlite://{}", dir.join("portcullis.db").display()),
                dir,
                pg_name: None,
                owned: true,
            },
            Backend::Postgres => {
                let name = format!("portcullis_test_{}", uuid::Uuid::new_v4().simple());
                let mut admin = admin_connection().await;
                let template = ensure_template(&mut admin).await;
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "create database {name} template {template}"
                )))
                .execute(&mut admin)
                .await
                .unwrap();
                admin.close().await.ok();
                Self {
                    backend,
                    url: database_url(&name),
                    dir,
                    pg_name: Some(name),
                    owned: true,
                }
            }
        }
    }

    pub fn config(&self) -> DatabaseConfig {
        DatabaseConfig {
            url: DatabaseUrl::parse(&self.url).unwrap(),
            max_connections: 5,
            acquire_timeout: Duration::from_secs(2),
            startup_timeout: Duration::from_secs(5),
            migrate: true,
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Runs SQL behind the server's back (a test playing an intruder with database access).
    pub async fn execute(&self, sql: &str) {
        match self.backend {
            Backend::Postgres => {
                let mut connection = PgConnection::connect(&self.url).await.unwrap();
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
                    .execute(&mut connection)
                    .await
                    .unwrap();
                connection.close().await.ok();
            }
            Backend::Sqlite => {
                let mut connection = sqlx::sqlite::SqliteConnection::connect(&self.url)
                    .await
                    .unwrap();
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
                    .execute(&mut connection)
                    .await
                    .unwrap();
                connection.close().await.ok();
            }
        }
    }

    /// Runs a query returning one integer (or no row) with one text parameter, to check an
    /// invariant in the database itself.
    pub async fn scalar(&self, sql: &str, param: &str) -> Option<i64> {
        match self.backend {
            Backend::Postgres => {
                let mut connection = PgConnection::connect(&self.url).await.unwrap();
                let value = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
                    .bind(param)
                    .fetch_optional(&mut connection)
                    .await
                    .unwrap();
                connection.close().await.ok();
                value
            }
            Backend::Sqlite => {
                let mut connection = sqlx::sqlite::SqliteConnection::connect(&self.url)
                    .await
                    .unwrap();
                let value = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
                    .bind(param)
                    .fetch_optional(&mut connection)
                    .await
                    .unwrap();
                connection.close().await.ok();
                value
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if !self.owned {
            return;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some(name) = self.pg_name.take() {
            // Drop runs inside the test's runtime; do the async work on a thread of its own.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                runtime.block_on(async move {
                    let mut admin = PgConnection::connect(&admin_url()).await.ok()?;
                    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                        "drop database if exists {name} with (force)"
                    )))
                    .execute(&mut admin)
                    .await
                    .ok()?;
                    admin.close().await.ok()
                })
            })
            .join();
        }
    }
}

async fn admin_connection() -> PgConnection {
    let url = admin_url();
    match PgConnection::connect(&url).await {
        Ok(connection) => connection,
        Err(error) => panic!(
            "PostgreSQL is needed for the Postgres half of the tests and did not answer at {url}: \
             {error}. Start one (for example `pg_ctlcluster 15 main start`) or point \
             TEST_DATABASE_URL at a server where this user may create databases."
        ),
    }
}

/// A URL for database `name` on the admin server.
pub fn database_url(name: &str) -> String {
    let mut url = url::Url::parse(&admin_url()).unwrap();
    url.set_path(&format!("/{name}"));
    url.to_string()
}

/// Creates the migrated template for the current migration files if it does not exist yet.
async fn ensure_template(admin: &mut PgConnection) -> String {
    let name = format!("portcullis_tpl_{}", migrations_fingerprint());
    sqlx::query("select pg_advisory_lock($1)")
        .bind(TEMPLATE_LOCK)
        .execute(&mut *admin)
        .await
        .unwrap();
    let exists: bool =
        sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
            .bind(&name)
            .fetch_one(&mut *admin)
            .await
            .unwrap();
    if !exists {
        // Build under a temporary name and rename, so a crash never leaves a half-made template.
        let building = format!("{name}_building");
        for sql in [
            format!("drop database if exists {building} with (force)"),
            format!("create database {building}"),
        ] {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut *admin)
                .await
                .unwrap();
        }
        let config = DatabaseConfig {
            url: DatabaseUrl::parse(&database_url(&building)).unwrap(),
            max_connections: 1,
            acquire_timeout: Duration::from_secs(5),
            startup_timeout: Duration::from_secs(5),
            migrate: true,
        };
        let store = crate::support::connect_store(&config).await.unwrap();
        store.migrate().await.unwrap();
        store.close().await;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "alter database {building} rename to {name}"
        )))
        .execute(&mut *admin)
        .await
        .unwrap();
    }
    sqlx::query("select pg_advisory_unlock($1)")
        .bind(TEMPLATE_LOCK)
        .execute(&mut *admin)
        .await
        .unwrap();
    name
}

/// A short hash of the Postgres migration files, so a changed migration gets a new template.
fn migrations_fingerprint() -> String {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut context = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    for file in files {
        context.update(file.file_name().unwrap().as_encoded_bytes());
        context.update(&std::fs::read(&file).unwrap());
    }
    context.finish().as_ref()[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
