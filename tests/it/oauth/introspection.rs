//! Introspection (RFC 7662): details for active tokens, exactly `{"active": false}` otherwise.

use serde_json::{Value, json};

use crate::support::oauth::TestClient;
use crate::support::{Backend, TestApp};

async fn introspect(app: &TestApp, caller: &TestClient, token: &str) -> Value {
    let response = app
        .post_form_basic("/introspect", caller, &[("token", token)])
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    response.json().await.unwrap()
}

async fn an_active_access_token_introspects_with_its_details(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let issuer_client = app.machine_client(&[]);
    let resource_server = app.machine_client(&[]);
    let token = app.client_credentials_token(&issuer_client).await;
    let answer = introspect(
        &app,
        &resource_server,
        token["access_token"].as_str().unwrap(),
    )
    .await;
    assert_eq!(answer["active"], true);
    assert_eq!(answer["client_id"], issuer_client.id.as_str());
    assert_eq!(answer["sub"], issuer_client.id.as_str());
    assert_eq!(answer["scope"], "api:read api:write");
    assert_eq!(answer["iss"], app.base_url);
    assert_eq!(answer["token_type"], "Bearer");
    assert!(answer["exp"].as_i64().unwrap() > answer["iat"].as_i64().unwrap());
    app.stop().await;
}

async fn anything_else_is_exactly_inactive(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let caller = app.machine_client(&[]);
    let short_lived = app.machine_client(&["--access-token-ttl", "1s"]);
    let expiring = app.client_credentials_token(&short_lived).await;
    let valid = app.client_credentials_token(&caller).await;
    let valid = valid["access_token"].as_str().unwrap();
    let mut tampered = valid.to_owned();
    tampered.replace_range(tampered.len() - 4.., "AAAA");
    let (header, rest) = valid.split_once('.').unwrap();
    let _ = header;
    let alg_none = format!(
        "{}.{}",
        base64_url(br#"{"alg":"none","typ":"at+jwt"}"#),
        rest.rsplit_once('.').unwrap().0
    ) + ".";
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    for token in [
        "garbage",
        "a.b.c",
        &tampered,
        &alg_none,
        expiring["access_token"].as_str().unwrap(),
    ] {
        assert_eq!(
            introspect(&app, &caller, token).await,
            json!({ "active": false }),
            "{token}"
        );
    }
    app.stop().await;
}

async fn only_authenticated_confidential_clients_may_introspect(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = app.machine_client(&[]);
    let token = app.client_credentials_token(&client).await;
    let token = token["access_token"].as_str().unwrap();
    let anonymous = app
        .http
        .post(app.url("/introspect"))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let public = app.create_client(&["--public", "--redirect-uri", "https://spa.example.com/cb"]);
    let as_public = app
        .http
        .post(app.url("/introspect"))
        .form(&[("token", token), ("client_id", public.id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(as_public.status(), 400);
    let body: Value = as_public.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    app.stop().await;
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

on_both_backends!(
    an_active_access_token_introspects_with_its_details,
    anything_else_is_exactly_inactive,
    only_authenticated_confidential_clients_may_introspect,
);
