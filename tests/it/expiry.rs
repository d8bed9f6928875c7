//! Time-based rules, checked by moving the server's clock forward (never by sleeping): refresh
//! tokens past their idle and absolute lifetimes, a sign-in session past its absolute timeout,
//! and a lockout that ends.

use serde_json::Value;
use time::Duration;

use crate::support::browser_flow::{AuthRequest, PASSWORD, location, param};
use crate::support::oauth::TestClient;
use crate::support::{Backend, TestApp};

async fn refresh(app: &TestApp, client: &TestClient, token: &str) -> (u16, Value) {
    let response = app
        .post_form_basic(
            "/token",
            client,
            &[("grant_type", "refresh_token"), ("refresh_token", token)],
        )
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn refresh_tokens_expire_when_idle_and_at_the_grant_s_end(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| {
        config.tokens.refresh_token_idle_ttl = portcullis::config::Duration::from_secs(3600);
        config.tokens.refresh_token_absolute_ttl =
            portcullis::config::Duration::from_secs(3 * 3600);
    })
    .await;
    app.create_user("expiry@example.com", &[]);
    let client = app.web_client(&["--first-party"]);

    let idle = app
        .code_flow(&client, "expiry@example.com", "openid offline_access")
        .await;
    app.clock.advance(Duration::minutes(61));
    let (status, body) = refresh(&app, &client, idle["refresh_token"].as_str().unwrap()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // Used every 50 minutes it never idles out, but the grant ends 3 hours after sign-in.
    let tokens = app
        .code_flow(&client, "expiry@example.com", "openid offline_access")
        .await;
    let mut token = tokens["refresh_token"].as_str().unwrap().to_owned();
    for _ in 0..3 {
        app.clock.advance(Duration::minutes(50));
        let (status, body) = refresh(&app, &client, &token).await;
        assert_eq!(status, 200, "{body}");
        token = body["refresh_token"].as_str().unwrap().to_owned();
    }
    app.clock.advance(Duration::minutes(31));
    let (status, body) = refresh(&app, &client, &token).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    app.stop().await;
}

async fn a_sign_in_session_ends_at_its_absolute_timeout(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user("long@example.com", &[]);
    let client = app.web_client(&["--first-party"]);
    app.code_flow(&client, "long@example.com", "openid").await;
    let silent = || AuthRequest::to_callback(&client, "openid").with("prompt", "none");
    app.clock.advance(Duration::hours(11));
    let answer = location(&app.start_authorization(&silent()).await);
    assert!(
        param(&answer, "code").is_some(),
        "still signed in: {answer}"
    );
    // sessions.absolute_timeout is 12 h after the sign-in, however active the session.
    app.clock.advance(Duration::hours(1) + Duration::seconds(1));
    app.assert_no_session(&client).await;
    app.stop().await;
}

async fn a_lockout_ends_and_the_right_password_works_again(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user("patient@example.com", &[]);
    let client = app.create_client(&["--first-party", "--grant-type", "password"]);
    let grant = |password: &'static str| {
        let app = &app;
        let client = &client;
        async move {
            let response = app
                .post_form_basic(
                    "/token",
                    client,
                    &[
                        ("grant_type", "password"),
                        ("username", "patient@example.com"),
                        ("password", password),
                    ],
                )
                .await;
            let body: Value = response.json().await.unwrap();
            body
        }
    };
    for _ in 0..5 {
        grant("wrong").await;
    }
    let locked = grant(PASSWORD).await;
    assert_eq!(
        locked["error_description"],
        "too many failed attempts; try again later"
    );
    // login.lockout is 30 s for the first lockout.
    app.clock.advance(Duration::seconds(29));
    assert_eq!(
        grant(PASSWORD).await["error"],
        "invalid_grant",
        "still locked"
    );
    app.clock.advance(Duration::seconds(2));
    let signed_in = grant(PASSWORD).await;
    assert!(signed_in["access_token"].is_string(), "{signed_in}");
    app.stop().await;
}

on_both_backends!(
    refresh_tokens_expire_when_idle_and_at_the_grant_s_end,
    a_sign_in_session_ends_at_its_absolute_timeout,
    a_lockout_ends_and_the_right_password_works_again,
);
