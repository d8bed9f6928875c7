//! The real server, built from the library on a random port against a fresh database.

use std::sync::Once;

use portcullis::config::{Config, Sources};
use portcullis::{App, telemetry};
use tokio::sync::oneshot;

use super::{Backend, TestDatabase};

/// A fixed test key, so CLI subprocesses and the server hash client secrets alike.
pub const TEST_HASH_KEY: &str = "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXk=";
/// A fixed key-encryption key, for the same reason.
pub const TEST_KEK: &str = "a2VrLWtlay1rZWsta2VrLWtlay1rZWsta2VrLWtlay1rZWs=";

pub struct TestApp {
    pub base_url: String,
    /// Keeps cookies, never follows redirects.
    pub http: reqwest::Client,
    /// Dropped with the app: the database lives exactly as long as the test.
    pub db: TestDatabase,
    /// The server's clock: move it with `clock.advance(..)` instead of sleeping.
    pub clock: portcullis::domain::time::Clock,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

/// The configuration every test starts from: the built-in defaults with the test's database, a
/// free port and a scratch data folder.
pub fn test_config(db: &TestDatabase) -> Config {
    let env = vec![
        ("DATABASE_URL".to_owned(), db.url.clone()),
        ("PORTCULLIS_LISTEN".to_owned(), "127.0.0.1:0".to_owned()),
        (
            "PORTCULLIS_SECRETS__HASH_KEY".to_owned(),
            TEST_HASH_KEY.to_owned(),
        ),
        (
            "PORTCULLIS_KEYS__ENCRYPTION_KEY".to_owned(),
            TEST_KEK.to_owned(),
        ),
        (
            "PORTCULLIS_SERVER__DATA_DIR".to_owned(),
            db.dir().display().to_string(),
        ),
    ];
    let mut config = Config::load(&Sources { file: None, env }).unwrap();
    config.database = db.config();
    // Every test's requests come from one loopback address, and many tests send bursts or long
    // scripted runs that the shipped budgets would rightly refuse; the limits are tested with
    // the shipped defaults and on their own in `tests/it/limits.rs`.
    config.rate_limits.enabled = false;
    config
}

fn init_test_logging() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            let config = Config::load(&Sources::default()).unwrap();
            telemetry::init(&config.log);
        }
    });
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Spawns with a configuration changed by `adjust` (after the database is set).
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Self {
        let db = TestDatabase::new(backend).await;
        let mut config = test_config(&db);
        adjust(&mut config);
        Self::spawn_on(db, config).await
    }

    /// Spawns on a database and configuration the test prepared itself.
    pub async fn spawn_on(db: TestDatabase, mut config: Config) -> Self {
        init_test_logging();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let base_url = format!("http://{address}");
        // A test that sets its own issuer (https, or a sibling's) keeps it; the default becomes the
        // real address.
        if config.server.issuer.as_str() == "http://127.0.0.1:8080/" {
            config.server.issuer = base_url.parse().unwrap();
        }
        let app = App::build_on(config, listener).await.unwrap();
        let clock = app.clock();
        let (shutdown, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(app.run(async move {
            let _ = stopped.await;
        }));
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .build()
            .unwrap();
        Self {
            base_url,
            http,
            db,
            clock,
            shutdown: Some(shutdown),
            server: Some(server),
        }
    }

    /// A second instance on the same database (several stateless instances, one database).
    pub async fn sibling(&self) -> TestApp {
        self.sibling_with(|_| {}).await
    }

    /// A second instance with a configuration changed by `adjust`.
    pub async fn sibling_with(&self, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let shared = self.db.share();
        let mut config = test_config(&shared);
        config.server.issuer = self.base_url.parse().unwrap();
        adjust(&mut config);
        Self::spawn_on(shared, config).await
    }

    /// Forgets this client's cookies: later requests come from a new browser, which says it is
    /// `user_agent`.
    pub fn fresh_browser(&mut self, user_agent: &str) {
        self.http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .user_agent(user_agent)
            .build()
            .unwrap();
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(self.url(path)).send().await.unwrap()
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.unwrap().unwrap();
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}
