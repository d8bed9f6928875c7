//! The fenced password grant: first-party confidential clients only, the login page's
//! enumeration resistance and lockout.

use serde_json::Value;

use crate::support::browser_flow::PASSWORD;
use crate::support::oauth::TestClient;
use crate::support::{Backend, TestApp};

async fn password_grant(
    app: &TestApp,
    client: &TestClient,
    username: &str,
    password: &str,
) -> reqwest::Response {
    app.post_form_basic(
        "/token",
        client,
        &[
            ("grant_type", "password"),
            ("username", username),
            ("password", password),
            ("scope", "openid offline_access"),
        ],
    )
    .await
}

async fn a_first_party_client_signs_a_user_in_with_a_password(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let user_id = app.create_user("ropc@example.com", &[]);
    let client = app.create_client(&[
        "--first-party",
        "--grant-type",
        "password",
        "--grant-type",
        "refresh_token",
    ]);
    let response = password_grant(&app, &client, "ROPC@example.com", PASSWORD).await;
    assert_eq!(response.status(), 200);
    let tokens: Value = response.json().await.unwrap();
    assert!(tokens["refresh_token"].as_str().is_some());
    let claims = app
        .verify_jwt(tokens["id_token"].as_str().unwrap(), &client.id)
        .await;
    assert_eq!(claims["sub"], user_id.as_str());
    app.stop().await;
}

async fn wrong_and_unknown_credentials_read_the_same_and_lock_out(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user("target@example.com", &[]);
    let client = app.create_client(&["--first-party", "--grant-type", "password"]);
    let wrong: Value = password_grant(&app, &client, "target@example.com", "not the password")
        .await
        .json()
        .await
        .unwrap();
    let unknown: Value = password_grant(&app, &client, "ghost@example.com", PASSWORD)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(wrong, unknown);
    assert_eq!(wrong["error"], "invalid_grant");
    for _ in 0..5 {
        password_grant(&app, &client, "target@example.com", "still wrong").await;
    }
    let locked = password_grant(&app, &client, "target@example.com", PASSWORD).await;
    assert_eq!(locked.status(), 400);
    let body: Value = locked.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("too many"),
        "{body}"
    );
    app.stop().await;
}

async fn clients_without_the_grant_are_unauthorized(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user("nogrant@example.com", &[]);
    let client = app.web_client(&["--first-party"]);
    let response = password_grant(&app, &client, "nogrant@example.com", PASSWORD).await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "unauthorized_client");
    app.stop().await;
}

on_both_backends!(
    a_first_party_client_signs_a_user_in_with_a_password,
    wrong_and_unknown_credentials_read_the_same_and_lock_out,
    clients_without_the_grant_are_unauthorized,
);
