//! PostgreSQL going away: fast 503s while it is gone, recovery without a restart, and a bounded
//! wait for it at start-up. The database is taken away through a proxy owned by the test, so no
//! other test is disturbed.

use std::time::{Duration, Instant};

use crate::support::app::test_config;
use crate::support::binary::{self, command_for};
use crate::support::eventually::eventually;
use crate::support::proxy::{TcpProxy, postgres_address};
use crate::support::{Backend, TestApp, TestDatabase};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_fails_fast_while_postgres_is_gone_and_recovers_without_a_restart() {
    let proxy = TcpProxy::start(postgres_address(), true).await;
    let db = TestDatabase::new(Backend::Postgres).await;
    let mut config = test_config(&db);
    config.database.url = portcullis::config::DatabaseUrl::parse(&proxy.route(&db.url)).unwrap();
    config.database.acquire_timeout = portcullis::config::Duration::from_secs(1);
    let app = TestApp::spawn_on(db, config).await;
    assert_eq!(app.get("/health/ready").await.status(), 200);

    proxy.go_down();
    for _ in 0..3 {
        let started = Instant::now();
        let response = app.get("/health/ready").await;
        assert_eq!(response.status(), 503);
        assert!(response.headers().contains_key("retry-after"));
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "took {:?}",
            started.elapsed()
        );
    }
    assert_eq!(
        app.get("/health/live").await.status(),
        200,
        "the process itself stays up"
    );

    proxy.come_up();
    eventually(
        Duration::from_secs(10),
        "service resumed after the database returned",
        || async { app.get("/health/ready").await.status() == 200 },
    )
    .await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_up_waits_for_a_database_that_arrives_late() {
    let proxy = TcpProxy::start(postgres_address(), false).await;
    let db = TestDatabase::new(Backend::Postgres).await;
    let mut config = test_config(&db);
    config.database.url = portcullis::config::DatabaseUrl::parse(&proxy.route(&db.url)).unwrap();
    config.database.startup_timeout = portcullis::config::Duration::from_secs(20);
    let arrive = tokio::spawn(async move {
        // The database arrives once the server has tried, been refused and tried again.
        eventually(Duration::from_secs(15), "the server retried", || async {
            proxy.refused() >= 2
        })
        .await;
        proxy.come_up();
        proxy
    });
    let app = TestApp::spawn_on(db, config).await;
    let _proxy = arrive.await.unwrap();
    assert_eq!(app.get("/health/ready").await.status(), 200);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_up_gives_up_after_the_startup_timeout_with_a_clear_message() {
    let proxy = TcpProxy::start(postgres_address(), false).await;
    let db = TestDatabase::new(Backend::Postgres).await;
    let mut serve = command_for(&db);
    serve
        .env("DATABASE_URL", proxy.route(&db.url))
        .env("PORTCULLIS_LISTEN", "127.0.0.1:0")
        .env("PORTCULLIS_DATABASE__STARTUP_TIMEOUT", "2s");
    let started = Instant::now();
    let run = tokio::task::spawn_blocking(move || binary::run(serve, None))
        .await
        .unwrap();
    run.assert_clean_failure();
    assert!(
        run.stderr.contains("cannot open the database"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains(":5432/") || !run.stderr.contains("password"),
        "{}",
        run.stderr
    );
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_sqlite_folder_is_created_but_an_unwritable_path_fails_cleanly() {
    let db = TestDatabase::new(Backend::Sqlite).await;
    let mut serve = command_for(&db);
    serve
        .env(
            "DATABASE_URL",
            "sqlite:///proc/portcullis-cannot-write-here/portcullis.db",
        )
        .env("PORTCULLIS_LISTEN", "127.0.0.1:0")
        .env("PORTCULLIS_DATABASE__STARTUP_TIMEOUT", "1s");
    let run = tokio::task::spawn_blocking(move || binary::run(serve, None))
        .await
        .unwrap();
    run.assert_clean_failure();
    assert!(
        run.stderr.contains("cannot open the database"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_answer_an_html_503_while_postgres_is_gone_and_sign_in_works_after() {
    use crate::support::browser_flow::{AuthRequest, PASSWORD, location};
    let proxy = TcpProxy::start(postgres_address(), true).await;
    let db = TestDatabase::new(Backend::Postgres).await;
    let mut config = test_config(&db);
    config.database.url = portcullis::config::DatabaseUrl::parse(&proxy.route(&db.url)).unwrap();
    config.database.acquire_timeout = portcullis::config::Duration::from_secs(1);
    let app = TestApp::spawn_on(db, config).await;
    app.create_user("outage@example.com", &[]);
    let client = app.web_client(&["--first-party"]);
    let request = AuthRequest::to_callback(&client, "openid");
    let start = app.start_authorization(&request).await;
    let login_url = location(&start);

    proxy.go_down();
    for response in [
        app.start_authorization(&request).await,
        app.submit_login_raw(&login_url, "outage@example.com", PASSWORD)
            .await,
    ] {
        assert_eq!(response.status(), 503);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(response.headers().contains_key("retry-after"));
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("temporarily unavailable")
        );
    }

    proxy.come_up();
    eventually(
        Duration::from_secs(10),
        "service resumed after the database returned",
        || async { app.get("/health/ready").await.status() == 200 },
    )
    .await;
    let callback = app.sign_in_through(&request, "outage@example.com").await;
    assert!(callback.contains("code="), "{callback}");
    app.stop().await;
}

/// The reproduction: two connections, the refresh-token table locked by another
/// session, requests running past `server.request_timeout`. Each answers in its surface's format,
/// and nothing the abandoned requests started takes effect.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_past_the_timeout_answer_in_their_format_and_change_nothing() {
    use sqlx::Connection as _;
    let app = TestApp::spawn_with(Backend::Postgres, |config| {
        config.database.max_connections = 2;
        config.database.acquire_timeout = portcullis::config::Duration::from_secs(30);
        config.server.request_timeout = portcullis::config::Duration::from_secs(2);
    })
    .await;
    app.create_user("slow@example.com", &[]);
    let client = app.web_client(&["--first-party"]);
    let tokens = app
        .code_flow(&client, "slow@example.com", "openid offline_access")
        .await;
    let token = tokens["refresh_token"].as_str().unwrap().to_owned();

    let mut locker = sqlx::postgres::PgConnection::connect(&app.db.url)
        .await
        .unwrap();
    sqlx::raw_sql("begin; lock table refresh_tokens, browser_sessions in access exclusive mode")
        .execute(&mut locker)
        .await
        .unwrap();
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", token.as_str()),
    ];
    let refreshes = (0..6).map(|_| app.post_form_basic("/token", &client, &form));
    for response in futures_util::future::join_all(refreshes).await {
        assert_eq!(response.status(), 503);
        let headers = response.headers().clone();
        assert_eq!(headers["retry-after"], "5");
        assert_eq!(headers["cache-control"], "no-store");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"], "temporarily_unavailable", "{body}");
    }
    // A new visitor: the page's session has to be written, and its table is locked.
    let page = reqwest::Client::new()
        .get(app.url("/login"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 503);
    assert!(page.headers().contains_key("retry-after"));
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("Temporarily unavailable")
    );
    sqlx::raw_sql("rollback")
        .execute(&mut locker)
        .await
        .unwrap();

    let consumed = app
        .db
        .scalar(
            "select count(*) from refresh_tokens where consumed_at is not null or $1 = ''",
            "x",
        )
        .await;
    assert_eq!(consumed, Some(0), "no abandoned rotation took effect");
    let after = app.post_form_basic("/token", &client, &form).await;
    assert_eq!(after.status(), 200, "the token still rotates once");
    let after: serde_json::Value = after.json().await.unwrap();

    // Now only writes wait: the rotating statement itself is sent and stuck when the request is
    // abandoned, and PostgreSQL may still run it once the lock goes. The client's retry with the
    // same token then gets the same successor: the grant survives, with one live successor.
    let token = after["refresh_token"].as_str().unwrap().to_owned();
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", token.as_str()),
    ];
    sqlx::raw_sql("begin; lock table refresh_tokens in exclusive mode")
        .execute(&mut locker)
        .await
        .unwrap();
    let stuck = app.post_form_basic("/token", &client, &form).await;
    assert_eq!(stuck.status(), 503);
    sqlx::raw_sql("rollback")
        .execute(&mut locker)
        .await
        .unwrap();
    let retried = app.post_form_basic("/token", &client, &form).await;
    assert_eq!(retried.status(), 200);
    let retried: serde_json::Value = retried.json().await.unwrap();
    let next = [
        ("grant_type", "refresh_token"),
        ("refresh_token", retried["refresh_token"].as_str().unwrap()),
    ];
    assert_eq!(
        app.post_form_basic("/token", &client, &next).await.status(),
        200,
        "the grant is alive"
    );
    let live = app
        .db
        .scalar(
            "select count(*) from refresh_tokens where consumed_at is null and $1 <> ''",
            "x",
        )
        .await;
    assert_eq!(live, Some(1), "one live refresh token");
    locker.close().await.ok();
    app.stop().await;
}
