//! Revocations, users and clients are held in memory by every instance. On PostgreSQL a change on
//! one instance reaches the others through LISTEN/NOTIFY in milliseconds; everywhere, memory is
//! never older than `keys.reload_interval`.

use std::time::{Duration, Instant};

use portcullis::domain::{UserId, UserStatus, time as clock};
use serde_json::{Value, json};

use crate::support::app::test_config;
use crate::support::{Backend, TestApp};

/// Longer than any test: only the change feed can explain what a sibling sees in time.
const NO_RELOAD: Duration = Duration::from_secs(3600);

async fn sibling_without_reload(first: &TestApp) -> TestApp {
    let shared = first.db.share();
    let mut config = test_config(&shared);
    config.server.issuer = first.base_url.parse().unwrap();
    config.keys.reload_interval = portcullis::config::Duration::from_secs(NO_RELOAD.as_secs());
    TestApp::spawn_on(shared, config).await
}

/// Polls `check` until it holds, for at most `within`.
async fn eventually<F, Fut>(within: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    while !check().await {
        assert!(Instant::now() < deadline, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn introspect(
    app: &TestApp,
    client: &crate::support::oauth::TestClient,
    token: &str,
) -> Value {
    app.post_form_basic("/introspect", client, &[("token", token)])
        .await
        .json()
        .await
        .unwrap()
}

async fn userinfo_status(app: &TestApp, token: &str) -> u16 {
    app.http
        .get(app.url("/userinfo"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocations_and_user_changes_reach_other_instances_at_once() {
    let first = TestApp::spawn_with(Backend::Postgres, |config| {
        config.keys.reload_interval = portcullis::config::Duration::from_secs(NO_RELOAD.as_secs());
    })
    .await;
    let second = sibling_without_reload(&first).await;
    let machine = first.machine_client(&[]);

    // An access token revoked on the first instance.
    let token = first.client_credentials_token(&machine).await;
    let token = token["access_token"].as_str().unwrap();
    assert_eq!(introspect(&second, &machine, token).await["active"], true);
    let revoked = first
        .post_form_basic("/revoke", &machine, &[("token", token)])
        .await;
    assert_eq!(revoked.status(), 200);
    eventually(
        Duration::from_secs(3),
        "access-token revocation",
        || async { introspect(&second, &machine, token).await == json!({ "active": false }) },
    )
    .await;

    // A grant revoked on the first instance (through its refresh token) ends its access tokens
    // on the second.
    let user_id = first.create_user("feed@example.com", &[]);
    let web = first.web_client(&["--first-party"]);
    let tokens = first
        .code_flow(&web, "feed@example.com", "openid offline_access")
        .await;
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();
    assert_eq!(userinfo_status(&second, access).await, 200);
    let revoked = first
        .post_form_basic("/revoke", &web, &[("token", refresh)])
        .await;
    assert_eq!(revoked.status(), 200);
    eventually(Duration::from_secs(3), "grant revocation", || async {
        userinfo_status(&second, access).await == 401
    })
    .await;

    // A user suspended in the database (as an admin or the CLI would) stops reading userinfo
    // on an instance that had cached them.
    let tokens = first.code_flow(&web, "feed@example.com", "openid").await;
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(userinfo_status(&second, access).await, 200, "now cached");
    let store = portcullis::store::connect(&first.db.config())
        .await
        .unwrap();
    store
        .set_user_status(
            UserId::from_uuid(user_id.parse().unwrap()),
            UserStatus::Suspended,
            clock::now(),
        )
        .await
        .unwrap();
    store.close().await;
    eventually(Duration::from_secs(3), "user suspension", || async {
        userinfo_status(&second, access).await == 401
    })
    .await;
    second.stop().await;
    first.stop().await;
}

/// Without a feed (SQLite, or a change the feed missed) memory catches up within
/// `keys.reload_interval`.
async fn a_suspended_users_tokens_stop_reading_userinfo(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| {
        config.keys.reload_interval = portcullis::config::Duration::from_secs(1);
    })
    .await;
    let user_id = app.create_user("suspend-me@example.com", &[]);
    let web = app.web_client(&["--first-party"]);
    let tokens = app
        .code_flow(&web, "suspend-me@example.com", "openid")
        .await;
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(userinfo_status(&app, access).await, 200);
    let store = portcullis::store::connect(&app.db.config()).await.unwrap();
    store
        .set_user_status(
            UserId::from_uuid(user_id.parse().unwrap()),
            UserStatus::Suspended,
            clock::now(),
        )
        .await
        .unwrap();
    store.close().await;
    eventually(Duration::from_secs(4), "user suspension", || async {
        userinfo_status(&app, access).await == 401
    })
    .await;
    app.stop().await;
}

on_both_backends!(a_suspended_users_tokens_stop_reading_userinfo);
