//! Revocation (RFC 7009): a revoked access token introspects inactive; unknown tokens answer 200;
//! a database outage answers 503, never a false 200.

use serde_json::{Value, json};

use crate::support::app::test_config;
use crate::support::eventually::eventually;
use crate::support::proxy::{TcpProxy, postgres_address};
use crate::support::{Backend, TestApp, TestDatabase};

async fn a_revoked_access_token_becomes_inactive(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = app.machine_client(&[]);
    let token = app.client_credentials_token(&client).await;
    let token = token["access_token"].as_str().unwrap();
    let revoked = app
        .post_form_basic(
            "/revoke",
            &client,
            &[("token", token), ("token_type_hint", "access_token")],
        )
        .await;
    assert_eq!(revoked.status(), 200);
    let again = app
        .post_form_basic("/revoke", &client, &[("token", token)])
        .await;
    assert_eq!(again.status(), 200, "revoking twice is fine");
    let answer: Value = app
        .post_form_basic("/introspect", &client, &[("token", token)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(answer, json!({ "active": false }));
    app.stop().await;
}

async fn unknown_tokens_answer_200_and_other_clients_tokens_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.machine_client(&[]);
    let other = app.machine_client(&[]);
    let unknown = app
        .post_form_basic("/revoke", &owner, &[("token", "not-a-token-we-issued")])
        .await;
    assert_eq!(unknown.status(), 200);
    let token = app.client_credentials_token(&owner).await;
    let token = token["access_token"].as_str().unwrap();
    let refused = app
        .post_form_basic("/revoke", &other, &[("token", token)])
        .await;
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "unauthorized_client");
    let still: Value = app
        .post_form_basic("/introspect", &owner, &[("token", token)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(still["active"], true);
    let missing = app.post_form_basic("/revoke", &owner, &[]).await;
    assert_eq!(missing.status(), 400);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocation_answers_503_while_the_database_is_down_never_200() {
    let proxy = TcpProxy::start(postgres_address(), true).await;
    let db = TestDatabase::new(Backend::Postgres).await;
    let mut config = test_config(&db);
    config.database.url = portcullis::config::DatabaseUrl::parse(&proxy.route(&db.url)).unwrap();
    config.database.acquire_timeout = portcullis::config::Duration::from_secs(1);
    let app = TestApp::spawn_on(db, config).await;
    let client = app.machine_client(&[]);
    let token = app.client_credentials_token(&client).await;
    let token = token["access_token"].as_str().unwrap();

    proxy.go_down();
    let response = app
        .post_form_basic("/revoke", &client, &[("token", token)])
        .await;
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable");
    let token_request = app
        .post_form_basic("/token", &client, &[("grant_type", "client_credentials")])
        .await;
    assert_eq!(
        token_request.status(),
        200,
        "client_credentials needs no database once the client is cached: it keeps working"
    );
    let stranger = crate::support::oauth::TestClient {
        id: "never-seen".into(),
        secret: Some("x".into()),
    };
    let unknown = app
        .post_form_basic("/token", &stranger, &[("grant_type", "client_credentials")])
        .await;
    assert_eq!(
        unknown.status(),
        503,
        "an uncached client needs the database: 503, not invalid_client"
    );

    proxy.come_up();
    eventually(
        std::time::Duration::from_secs(10),
        "revocation working again",
        || async {
            let response = app
                .post_form_basic("/revoke", &client, &[("token", token)])
                .await;
            response.status() == 200
        },
    )
    .await;
    let answer: Value = app
        .post_form_basic("/introspect", &client, &[("token", token)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(answer, json!({ "active": false }));
    app.stop().await;
}

on_both_backends!(
    a_revoked_access_token_becomes_inactive,
    unknown_tokens_answer_200_and_other_clients_tokens_are_refused,
);
