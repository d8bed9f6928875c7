//! UserInfo: claims by scope for a valid bearer token; RFC 6750 errors otherwise.

use serde_json::Value;

use crate::support::{Backend, TestApp};

async fn userinfo_returns_the_scoped_claims_of_the_tokens_user(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user("info@example.com", &["--name", "Info Person"]);
    let client = app.web_client(&["--first-party"]);
    let tokens = app
        .code_flow(&client, "info@example.com", "openid email")
        .await;
    let access = tokens["access_token"].as_str().unwrap();
    let id_token = app
        .verify_jwt(tokens["id_token"].as_str().unwrap(), &client.id)
        .await;

    let response = app
        .http
        .get(app.url("/userinfo"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let claims: Value = response.json().await.unwrap();
    assert_eq!(claims["sub"], id_token["sub"]);
    assert_eq!(claims["email"], "info@example.com");
    assert!(claims.get("name").is_none(), "no profile scope, no name");

    let posted = app
        .http
        .post(app.url("/userinfo"))
        .form(&[("access_token", access)])
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 200);
    app.stop().await;
}

async fn bad_or_missing_tokens_get_rfc_6750_challenges(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let missing = app.get("/userinfo").await;
    assert_eq!(missing.status(), 401);
    let challenge = missing.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        challenge.starts_with("Bearer") && !challenge.contains("error="),
        "{challenge}"
    );

    let garbage = app
        .http
        .get(app.url("/userinfo"))
        .bearer_auth("not.a.token")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), 401);
    assert!(
        garbage.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("error=\"invalid_token\"")
    );

    let machine = app.machine_client(&[]);
    let token = app.client_credentials_token(&machine).await;
    let no_openid = app
        .http
        .get(app.url("/userinfo"))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(no_openid.status(), 403);
    assert!(
        no_openid.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("insufficient_scope")
    );
    app.stop().await;
}

async fn a_revoked_access_token_no_longer_reads_userinfo(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user("revoked-info@example.com", &[]);
    let client = app.web_client(&["--first-party"]);
    let tokens = app
        .code_flow(&client, "revoked-info@example.com", "openid")
        .await;
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(
        app.post_form_basic("/revoke", &client, &[("token", access)])
            .await
            .status(),
        200
    );
    let response = app
        .http
        .get(app.url("/userinfo"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    app.stop().await;
}

on_both_backends!(
    userinfo_returns_the_scoped_claims_of_the_tokens_user,
    bad_or_missing_tokens_get_rfc_6750_challenges,
    a_revoked_access_token_no_longer_reads_userinfo,
);
