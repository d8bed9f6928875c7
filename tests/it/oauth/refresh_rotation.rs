//! Refresh tokens: strict rotation, reuse revokes the family, scope narrows but never widens,
//! bound to the client, and one winner under concurrency.

use serde_json::{Value, json};

use crate::support::oauth::TestClient;
use crate::support::{Backend, TestApp};

async fn refresh(
    app: &TestApp,
    client: &TestClient,
    token: &str,
    scope: Option<&str>,
) -> reqwest::Response {
    let mut form = vec![("grant_type", "refresh_token"), ("refresh_token", token)];
    if let Some(scope) = scope {
        form.push(("scope", scope));
    }
    app.post_form_basic("/token", client, &form).await
}

async fn error_of(response: reqwest::Response) -> String {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 400, "{body}");
    body["error"].as_str().unwrap().to_owned()
}

async fn every_refresh_rotates_and_reuse_revokes_the_family(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let user_id = app.create_user("rotate@example.com", &[]);
    let client = app.web_client(&["--first-party"]);
    let first = app
        .code_flow(&client, "rotate@example.com", "openid offline_access")
        .await;
    let original = first["refresh_token"].as_str().unwrap();

    let response = refresh(&app, &client, original, None).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let second: Value = response.json().await.unwrap();
    let rotated = second["refresh_token"].as_str().unwrap();
    assert_ne!(rotated, original);
    let id_token = app
        .verify_jwt(second["id_token"].as_str().unwrap(), &client.id)
        .await;
    assert_eq!(
        id_token["sub"],
        user_id.as_str(),
        "same subject after refresh"
    );

    assert_eq!(
        error_of(refresh(&app, &client, original, None).await).await,
        "invalid_grant"
    );
    assert_eq!(
        error_of(refresh(&app, &client, rotated, None).await).await,
        "invalid_grant",
        "the family is revoked"
    );
    for access in [&first["access_token"], &second["access_token"]] {
        let answer: Value = app
            .post_form_basic(
                "/introspect",
                &client,
                &[("token", access.as_str().unwrap())],
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(answer, json!({ "active": false }));
    }
    app.stop().await;
}

async fn scope_can_be_narrowed_never_widened(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user("narrow@example.com", &[]);
    let client = app.web_client(&["--first-party"]);
    let tokens = app
        .code_flow(&client, "narrow@example.com", "openid email offline_access")
        .await;
    let token = tokens["refresh_token"].as_str().unwrap();
    assert_eq!(
        error_of(refresh(&app, &client, token, Some("openid profile")).await).await,
        "invalid_scope"
    );
    let narrowed = refresh(&app, &client, token, Some("openid")).await;
    assert_eq!(
        narrowed.status(),
        200,
        "a refused widening consumed nothing"
    );
    let narrowed: Value = narrowed.json().await.unwrap();
    assert_eq!(narrowed["scope"], "openid");
    let next = refresh(
        &app,
        &client,
        narrowed["refresh_token"].as_str().unwrap(),
        None,
    )
    .await;
    let next: Value = next.json().await.unwrap();
    assert_eq!(
        next["scope"], "email offline_access openid",
        "the grant keeps its original scope"
    );
    app.stop().await;
}

async fn refresh_tokens_are_bound_to_their_client_and_need_offline_access(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user("bound@example.com", &[]);
    let client = app.web_client(&["--first-party"]);
    let other = app.web_client(&["--first-party"]);
    let tokens = app
        .code_flow(&client, "bound@example.com", "openid offline_access")
        .await;
    let token = tokens["refresh_token"].as_str().unwrap();
    assert_eq!(
        error_of(refresh(&app, &other, token, None).await).await,
        "invalid_grant"
    );
    assert_eq!(
        refresh(&app, &client, token, None).await.status(),
        200,
        "untouched by the other client's attempt"
    );
    let online = app.code_flow(&client, "bound@example.com", "openid").await;
    assert!(
        online.get("refresh_token").is_none(),
        "no offline_access, no refresh token"
    );
    assert_eq!(
        error_of(refresh(&app, &client, "garbage", None).await).await,
        "invalid_grant"
    );
    app.stop().await;
}

async fn refresh_tokens_introspect_and_revoking_one_ends_the_family(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user("family@example.com", &[]);
    let client = app.web_client(&["--first-party"]);
    let tokens = app
        .code_flow(&client, "family@example.com", "openid offline_access")
        .await;
    let token = tokens["refresh_token"].as_str().unwrap();
    let answer: Value = app
        .post_form_basic("/introspect", &client, &[("token", token)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(answer["active"], true);
    assert_eq!(answer["token_type"], "refresh_token");
    assert_eq!(answer["client_id"], client.id.as_str());
    let revoked = app
        .post_form_basic(
            "/revoke",
            &client,
            &[("token", token), ("token_type_hint", "refresh_token")],
        )
        .await;
    assert_eq!(revoked.status(), 200);
    let answer: Value = app
        .post_form_basic("/introspect", &client, &[("token", token)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(answer, json!({ "active": false }));
    let access: Value = app
        .post_form_basic(
            "/introspect",
            &client,
            &[("token", tokens["access_token"].as_str().unwrap())],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        access,
        json!({ "active": false }),
        "access tokens of the family die with it"
    );
    assert_eq!(
        error_of(refresh(&app, &client, token, None).await).await,
        "invalid_grant"
    );
    app.stop().await;
}

async fn concurrent_refreshes_of_one_token_have_exactly_one_winner(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user("race-refresh@example.com", &[]);
    let client = app.web_client(&["--first-party"]);
    let tokens = app
        .code_flow(&client, "race-refresh@example.com", "openid offline_access")
        .await;
    let token = tokens["refresh_token"].as_str().unwrap();
    let attempts = (0..8).map(|_| refresh(&app, &client, token, None));
    let statuses: Vec<u16> = futures_util::future::join_all(attempts)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 400),
        "{statuses:?}"
    );
    app.stop().await;
}

on_both_backends!(
    every_refresh_rotates_and_reuse_revokes_the_family,
    scope_can_be_narrowed_never_widened,
    refresh_tokens_are_bound_to_their_client_and_need_offline_access,
    refresh_tokens_introspect_and_revoking_one_ends_the_family,
    concurrent_refreshes_of_one_token_have_exactly_one_winner,
);
