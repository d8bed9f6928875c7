//! Refresh tokens: strict rotation, reuse revokes the grant, scope narrows but never widens,
//! bound to the client, a retry after a lost response gets the same successor, and at most one
//! successor ever exists under concurrency.

use serde_json::{Value, json};

use crate::support::oauth::TestClient;
use crate::support::oauth::oauth_error;
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

async fn every_refresh_rotates_and_reuse_revokes_the_grant(backend: Backend) {
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

    // The successor is used; the original coming back now is a reuse.
    let third: Value = refresh(&app, &client, rotated, None)
        .await
        .json()
        .await
        .unwrap();
    let newest = third["refresh_token"].as_str().unwrap();
    assert_eq!(
        oauth_error(refresh(&app, &client, original, None).await).await,
        "invalid_grant"
    );
    assert_eq!(
        oauth_error(refresh(&app, &client, newest, None).await).await,
        "invalid_grant",
        "the grant is revoked"
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
        oauth_error(refresh(&app, &client, token, Some("openid profile")).await).await,
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
        oauth_error(refresh(&app, &other, token, None).await).await,
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
        oauth_error(refresh(&app, &client, "garbage", None).await).await,
        "invalid_grant"
    );
    app.stop().await;
}

async fn refresh_tokens_introspect_and_revoking_one_ends_the_grant(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user("grant@example.com", &[]);
    let client = app.web_client(&["--first-party"]);
    let tokens = app
        .code_flow(&client, "grant@example.com", "openid offline_access")
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
        "access tokens of the grant die with it"
    );
    assert_eq!(
        oauth_error(refresh(&app, &client, token, None).await).await,
        "invalid_grant"
    );
    app.stop().await;
}

/// A client that lost the response retries with the same token: it gets the same successor and
/// the grant survives, while that successor is unused and within the window.
async fn a_retry_after_a_lost_response_gets_the_same_successor(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user("retry@example.com", &[]);
    let client = app.web_client(&["--first-party"]);
    let other = app.web_client(&["--first-party"]);
    let tokens = app
        .code_flow(&client, "retry@example.com", "openid offline_access")
        .await;
    let original = tokens["refresh_token"].as_str().unwrap();
    let lost: Value = refresh(&app, &client, original, None)
        .await
        .json()
        .await
        .unwrap();
    app.clock.advance(time::Duration::seconds(20));
    let retried = refresh(&app, &client, original, None).await;
    assert_eq!(retried.status(), 200);
    let retried: Value = retried.json().await.unwrap();
    assert_eq!(retried["refresh_token"], lost["refresh_token"]);
    assert_ne!(retried["access_token"], lost["access_token"]);
    assert_eq!(
        oauth_error(refresh(&app, &other, original, None).await).await,
        "invalid_grant",
        "another client is never a retry"
    );
    let successor = retried["refresh_token"].as_str().unwrap();
    let next = refresh(&app, &client, successor, None).await;
    assert_eq!(next.status(), 200, "the grant survived the retry");
    let next: Value = next.json().await.unwrap();

    // The window passes: the next token retried now is a reuse, and ends the grant.
    let latest = next["refresh_token"].as_str().unwrap();
    let after: Value = refresh(&app, &client, latest, None)
        .await
        .json()
        .await
        .unwrap();
    app.clock.advance(time::Duration::seconds(31));
    assert_eq!(
        oauth_error(refresh(&app, &client, latest, None).await).await,
        "invalid_grant"
    );
    assert_eq!(
        oauth_error(
            refresh(
                &app,
                &client,
                after["refresh_token"].as_str().unwrap(),
                None
            )
            .await
        )
        .await,
        "invalid_grant",
        "the grant is revoked"
    );
    app.stop().await;
}

/// Parallel retries of one token: every answer carries the one successor, and the store holds
/// exactly one.
async fn concurrent_refreshes_of_one_token_share_one_successor(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user("share@example.com", &[]);
    let client = app.web_client(&["--first-party"]);
    for round in 0..5 {
        let tokens = app
            .code_flow(&client, "share@example.com", "openid offline_access")
            .await;
        let token = tokens["refresh_token"].as_str().unwrap();
        let attempts = (0..8).map(|_| refresh(&app, &client, token, None));
        let mut successors = std::collections::BTreeSet::new();
        for response in futures_util::future::join_all(attempts).await {
            assert_eq!(response.status(), 200, "round {round}");
            let body: Value = response.json().await.unwrap();
            successors.insert(body["refresh_token"].as_str().unwrap().to_owned());
        }
        assert_eq!(successors.len(), 1, "round {round}: {successors:?}");
        let stored = app
            .db
            .scalar(
                "select count(*) from refresh_tokens where consumed_at is null and $1 <> ''",
                "x",
            )
            .await;
        assert_eq!(
            stored,
            Some(round + 1),
            "one live successor per grant (round {round})"
        );
    }
    app.stop().await;
}

/// With retries turned off, rotation is strictly one winner.
async fn concurrent_refreshes_of_one_token_have_exactly_one_winner(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| {
        config.tokens.refresh_token_retry_window = portcullis::config::Duration::from_secs(0);
    })
    .await;
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
    every_refresh_rotates_and_reuse_revokes_the_grant,
    scope_can_be_narrowed_never_widened,
    refresh_tokens_are_bound_to_their_client_and_need_offline_access,
    refresh_tokens_introspect_and_revoking_one_ends_the_grant,
    concurrent_refreshes_of_one_token_have_exactly_one_winner,
    concurrent_refreshes_of_one_token_share_one_successor,
    a_retry_after_a_lost_response_gets_the_same_successor,
);
