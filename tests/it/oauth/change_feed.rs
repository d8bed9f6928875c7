//! Revocations, users and clients are held in memory by every instance. On PostgreSQL a change on
//! one instance reaches the others through LISTEN/NOTIFY in milliseconds; everywhere, memory is
//! never older than `keys.reload_interval`.

use std::time::Duration;

use portcullis::domain::{UserId, UserStatus, time as clock};
use serde_json::{Value, json};

use crate::support::app::test_config;
use crate::support::eventually::eventually;
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

/// Suspends a user straight in the database, as an admin tool or another process would.
async fn suspend_elsewhere(app: &TestApp, user_id: &str) {
    let store = crate::support::connect_store(&app.db.config())
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
    assert_eq!(second.introspect(&machine, token).await["active"], true);
    let revoked = first
        .post_form_basic("/revoke", &machine, &[("token", token)])
        .await;
    assert_eq!(revoked.status(), 200);
    eventually(
        Duration::from_secs(3),
        "access-token revocation",
        || async { second.introspect(&machine, token).await == json!({ "active": false }) },
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
    suspend_elsewhere(&first, &user_id).await;
    eventually(Duration::from_secs(3), "user suspension", || async {
        userinfo_status(&second, access).await == 401
    })
    .await;
    second.stop().await;
    first.stop().await;
}

/// A cached user changed elsewhere: through the feed on PostgreSQL, and within
/// `keys.reload_interval` (the cache's lifetime) on SQLite.
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
    suspend_elsewhere(&app, &user_id).await;
    eventually(Duration::from_secs(4), "user suspension", || async {
        userinfo_status(&app, access).await == 401
    })
    .await;
    app.stop().await;
}

on_both_backends!(a_suspended_users_tokens_stop_reading_userinfo);

/// The `jti` and expiry of an access token, read without verifying (the test issued it).
fn jti_and_expiry(token: &str) -> (String, time::OffsetDateTime) {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    (
        claims["jti"].as_str().unwrap().to_owned(),
        time::OffsetDateTime::from_unix_timestamp(claims["exp"].as_i64().unwrap()).unwrap(),
    )
}

/// A revocation written by another process (no feed on SQLite) is honoured within
/// `keys.reload_interval`.
async fn revocations_from_elsewhere_arrive_with_the_periodic_reload(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| {
        config.keys.reload_interval = portcullis::config::Duration::from_secs(1);
    })
    .await;
    let machine = app.machine_client(&[]);
    let token = app.client_credentials_token(&machine).await;
    let token = token["access_token"].as_str().unwrap();
    assert_eq!(app.introspect(&machine, token).await["active"], true);
    let (jti, expires_at) = jti_and_expiry(token);
    let store = crate::support::connect_store(&app.db.config())
        .await
        .unwrap();
    store.revoke_access_token(&jti, expires_at).await.unwrap();
    store.close().await;
    eventually(Duration::from_secs(4), "revocation by reload", || async {
        app.introspect(&machine, token).await == json!({ "active": false })
    })
    .await;
    app.stop().await;
}

on_both_backends!(revocations_from_elsewhere_arrive_with_the_periodic_reload);

/// When the feed's connection is cut, changes made meanwhile are lost as notifications; once the
/// database answers again the instance reloads at once, not at its next periodic reload.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_feed_is_cut_revocations_made_meanwhile_are_reloaded_at_once() {
    use crate::support::TestDatabase;
    use crate::support::proxy::{TcpProxy, postgres_address};
    let proxy = TcpProxy::start(postgres_address(), true).await;
    let db = TestDatabase::new(Backend::Postgres).await;
    let direct = db.config();
    let mut config = test_config(&db);
    config.database.url = portcullis::config::DatabaseUrl::parse(&proxy.route(&db.url)).unwrap();
    config.database.acquire_timeout = portcullis::config::Duration::from_secs(1);
    config.keys.reload_interval = portcullis::config::Duration::from_secs(NO_RELOAD.as_secs());
    let app = TestApp::spawn_on(db, config).await;
    let machine = app.machine_client(&[]);
    let token = app.client_credentials_token(&machine).await;
    let token = token["access_token"].as_str().unwrap();
    assert_eq!(app.introspect(&machine, token).await["active"], true);

    let refused_before = proxy.refused();
    proxy.go_down();
    let (jti, expires_at) = jti_and_expiry(token);
    let store = crate::support::connect_store(&direct).await.unwrap();
    store.revoke_access_token(&jti, expires_at).await.unwrap();
    store.close().await;
    // The outage lasts until the feed has noticed it: it tries to reconnect and is refused (it
    // is the only client of the proxy that reconnects meanwhile).
    eventually(
        Duration::from_secs(10),
        "the feed noticed the cut",
        || async { proxy.refused() > refused_before },
    )
    .await;
    proxy.come_up();

    eventually(
        Duration::from_secs(6),
        "reload after the outage",
        || async { app.introspect(&machine, token).await == json!({ "active": false }) },
    )
    .await;
    app.stop().await;
}
