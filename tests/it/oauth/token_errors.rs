//! Token endpoint errors, exactly per RFC 6749 §5.2.

use serde_json::Value;

use crate::support::oauth::TestClient;
use crate::support::{Backend, TestApp};

async fn expect_error(
    response: reqwest::Response,
    status: u16,
    error: &str,
) -> reqwest::header::HeaderMap {
    let headers = response.headers().clone();
    let actual = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(actual.as_u16(), status, "{body}");
    assert_eq!(body["error"], error, "{body}");
    assert!(
        body["error_description"]
            .as_str()
            .is_some_and(|d| !d.is_empty()),
        "{body}"
    );
    assert_eq!(headers["cache-control"], "no-store");
    headers
}

async fn client_authentication_failures_are_invalid_client(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = app.machine_client(&[]);
    let wrong_secret = TestClient {
        id: client.id.clone(),
        secret: Some("wrong".into()),
    };
    let form = [("grant_type", "client_credentials")];

    let basic = app.post_form_basic("/token", &wrong_secret, &form).await;
    let headers = expect_error(basic, 401, "invalid_client").await;
    assert!(
        headers["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic"),
        "RFC 6749 §5.2"
    );

    let unknown = TestClient {
        id: "no-such-client".into(),
        secret: Some("x".into()),
    };
    expect_error(
        app.post_form_basic("/token", &unknown, &form).await,
        401,
        "invalid_client",
    )
    .await;

    let post = app
        .http
        .post(app.url("/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &client.id),
            ("client_secret", "wrong"),
        ])
        .send()
        .await
        .unwrap();
    expect_error(post, 400, "invalid_client").await;

    let anonymous = app
        .http
        .post(app.url("/token"))
        .form(&form)
        .send()
        .await
        .unwrap();
    expect_error(anonymous, 401, "invalid_client").await;

    let no_secret = app
        .http
        .post(app.url("/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &client.id),
        ])
        .send()
        .await
        .unwrap();
    expect_error(no_secret, 400, "invalid_client").await;
    app.stop().await;
}

async fn grant_and_scope_problems_have_their_own_codes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let machine = app.machine_client(&[]);
    let web = app.create_client(&["--redirect-uri", "https://app.example.com/cb"]);

    let missing = app
        .post_form_basic("/token", &machine, &[("scope", "api:read")])
        .await;
    expect_error(missing, 400, "invalid_request").await;
    let unknown = app
        .post_form_basic("/token", &machine, &[("grant_type", "implicit")])
        .await;
    expect_error(unknown, 400, "unsupported_grant_type").await;
    let not_allowed = app
        .post_form_basic("/token", &web, &[("grant_type", "client_credentials")])
        .await;
    expect_error(not_allowed, 400, "unauthorized_client").await;
    let malformed = app
        .post_form_basic(
            "/token",
            &machine,
            &[("grant_type", "client_credentials"), ("scope", "api\\read")],
        )
        .await;
    expect_error(malformed, 400, "invalid_scope").await;
    let repeated = app
        .post_form_basic(
            "/token",
            &machine,
            &[
                ("grant_type", "client_credentials"),
                ("grant_type", "client_credentials"),
            ],
        )
        .await;
    expect_error(repeated, 400, "invalid_request").await;
    app.stop().await;
}

async fn malformed_requests_are_invalid_request_never_a_500(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = app.machine_client(&[]);
    let json = app
        .http
        .post(app.url("/token"))
        .basic_auth(&client.id, client.secret.as_deref())
        .json(&serde_json::json!({ "grant_type": "client_credentials" }))
        .send()
        .await
        .unwrap();
    expect_error(json, 400, "invalid_request").await;

    let invalid_utf8 = app
        .http
        .post(app.url("/token"))
        .basic_auth(&client.id, client.secret.as_deref())
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&scope=%FF%FE")
        .send()
        .await
        .unwrap();
    expect_error(invalid_utf8, 400, "invalid_request").await;

    // A fresh connection: the server closes one whose oversize body it did not read.
    let oversize = reqwest::Client::new()
        .post(app.url("/token"))
        .basic_auth(&client.id, client.secret.as_deref())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=client_credentials&scope={}",
            "a".repeat(200_000)
        ))
        .send()
        .await
        .unwrap();
    expect_error(oversize, 400, "invalid_request").await;

    let garbage_basic = app
        .http
        .post(app.url("/token"))
        .header("authorization", "Basic %%%not-base64")
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    expect_error(garbage_basic, 401, "invalid_client").await;

    let wrong_method = app.get("/token").await;
    assert_eq!(wrong_method.status(), 405);
    let body: Value = wrong_method.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
    app.stop().await;
}

on_both_backends!(
    client_authentication_failures_are_invalid_client,
    grant_and_scope_problems_have_their_own_codes,
    malformed_requests_are_invalid_request_never_a_500,
);
