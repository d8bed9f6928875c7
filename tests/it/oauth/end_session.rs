//! RP-Initiated Logout: a valid hint ends the session and follows a registered redirect; anything
//! doubtful asks the user or refuses.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::support::browser_flow::{AuthRequest, hidden_field, location, param};
use crate::support::{Backend, TestApp};

/// `GET /end_session` with these parameters.
async fn end_session(app: &TestApp, pairs: &[(&str, &str)]) -> reqwest::Response {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    app.http
        .get(app.url(&format!("/end_session?{query}")))
        .send()
        .await
        .unwrap()
}

async fn a_valid_hint_signs_out_and_returns_to_the_registered_uri(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user("bye@example.com", &[]);
    let client = app.web_client(&["--first-party"]);
    let tokens = app.code_flow(&client, "bye@example.com", "openid").await;
    let hint = tokens["id_token"].as_str().unwrap();
    let response = end_session(
        &app,
        &[
            ("id_token_hint", hint),
            (
                "post_logout_redirect_uri",
                "https://app.example.com/signed-out",
            ),
            ("state", "xyz"),
        ],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        location(&response),
        "https://app.example.com/signed-out?state=xyz"
    );

    app.assert_no_session(&client).await;
    app.stop().await;
}

async fn unregistered_redirects_and_forged_hints_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user("forge@example.com", &[]);
    let client = app.web_client(&["--first-party"]);
    let tokens = app.code_flow(&client, "forge@example.com", "openid").await;
    let hint = tokens["id_token"].as_str().unwrap();
    let response = end_session(
        &app,
        &[
            ("id_token_hint", hint),
            ("post_logout_redirect_uri", "https://evil.example.com/"),
        ],
    )
    .await;
    assert_eq!(response.status(), 400);
    assert!(response.headers().get("location").is_none());

    let payload = hint.split('.').nth(1).unwrap();
    let forged = format!(
        "{}.{payload}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#)
    );
    let response = end_session(&app, &[("id_token_hint", &forged)]).await;
    assert_eq!(response.status(), 400);
    app.stop().await;
}

async fn without_a_hint_the_user_confirms_with_a_csrf_protected_form(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user("confirm@example.com", &[]);
    let client = app.web_client(&["--first-party"]);
    app.code_flow(&client, "confirm@example.com", "openid")
        .await;
    let page = app.get("/end_session").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let csrf = hidden_field(&html, "csrf_token").unwrap();
    let forged = app
        .http
        .post(app.url("/logout"))
        .form(&[("csrf_token", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let confirmed = app
        .http
        .post(app.url("/logout"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(confirmed.status(), 200);
    assert!(confirmed.text().await.unwrap().contains("signed out"));
    app.assert_no_session(&client).await;
    app.stop().await;
}

/// Every token we issue is signed by the same keys; only an ID token may end a session without
/// asking. Nothing else given as the hint ends it.
async fn only_an_id_token_is_taken_as_the_hint(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user("hint@example.com", &[]);
    let client = app.web_client(&["--first-party"]);
    let tokens = app
        .code_flow(&client, "hint@example.com", "openid offline_access")
        .await;
    let machine = app.machine_client(&[]);
    let machine_token = app.client_credentials_token(&machine).await;
    let hints = [
        tokens["access_token"].as_str().unwrap(),
        tokens["refresh_token"].as_str().unwrap(),
        machine_token["access_token"].as_str().unwrap(),
        "garbage",
        "a.b.c",
    ];
    for hint in hints {
        let response = end_session(&app, &[("id_token_hint", hint)]).await;
        assert_ne!(response.status(), 303, "{hint}");
        let silent = AuthRequest::to_callback(&client, "openid").with("prompt", "none");
        let answer = location(&app.start_authorization(&silent).await);
        assert!(
            param(&answer, "code").is_some(),
            "the session survived the hint {hint}: {answer}"
        );
    }
    app.stop().await;
}

on_both_backends!(
    only_an_id_token_is_taken_as_the_hint,
    a_valid_hint_signs_out_and_returns_to_the_registered_uri,
    unregistered_redirects_and_forged_hints_are_refused,
    without_a_hint_the_user_confirms_with_a_csrf_protected_form,
);
