//! Redeeming codes: every check binds the code, a failed check burns it, a replay revokes what
//! it issued, and under concurrency exactly one redemption wins.

use serde_json::{Value, json};

use crate::support::browser_flow::{AuthRequest, param, pkce_pair};
use crate::support::oauth::TestClient;
use crate::support::oauth::oauth_error;
use crate::support::{Backend, TestApp};

const CALLBACK: &str = "https://app.example.com/callback";

async fn fresh_code(
    app: &TestApp,
    client: &TestClient,
    email: &str,
    scope: &str,
) -> (String, String) {
    let (verifier, challenge) = pkce_pair();
    let request = AuthRequest::new(client, CALLBACK, scope, &challenge);
    let callback = app.sign_in_through(&request, email).await;
    (param(&callback, "code").unwrap(), verifier)
}

async fn a_replayed_code_is_refused_and_revokes_its_tokens(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user("replay@example.com", &[]);
    let client = app.web_client(&["--first-party"]);
    let (code, verifier) =
        fresh_code(&app, &client, "replay@example.com", "openid offline_access").await;
    let first = app.exchange_code(&client, &code, CALLBACK, &verifier).await;
    assert_eq!(first.status(), 200);
    let tokens: Value = first.json().await.unwrap();
    let second = app.exchange_code(&client, &code, CALLBACK, &verifier).await;
    assert_eq!(oauth_error(second).await, "invalid_grant");

    let access = tokens["access_token"].as_str().unwrap();
    let introspected: Value = app
        .post_form_basic("/introspect", &client, &[("token", access)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        introspected,
        json!({ "active": false }),
        "the access token from the code is revoked"
    );
    let refresh = app
        .post_form_basic(
            "/token",
            &client,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ],
        )
        .await;
    assert_eq!(oauth_error(refresh).await, "invalid_grant");
    app.stop().await;
}

async fn every_binding_is_checked_and_a_failed_check_burns_the_code(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user("bind@example.com", &[]);
    let client = app.web_client(&["--first-party"]);
    let other = app.web_client(&["--first-party"]);
    let (_, unrelated_verifier) = pkce_pair();
    let failures: [(&str, BuildForm); 5] = [
        (
            "wrong verifier",
            Box::new(move |code, _| exchange_form(code, CALLBACK, Some(&unrelated_verifier))),
        ),
        (
            "no verifier",
            Box::new(|code, _| exchange_form(code, CALLBACK, None)),
        ),
        (
            "plain verifier",
            Box::new(|code, _| exchange_form(code, CALLBACK, Some("not-even-43-characters"))),
        ),
        (
            "other redirect",
            Box::new(|code, verifier| {
                exchange_form(code, "https://app.example.com/other", Some(verifier))
            }),
        ),
        (
            "no redirect",
            Box::new(|code, verifier| {
                exchange_form(code, CALLBACK, Some(verifier))
                    .into_iter()
                    .filter(|(k, _)| k != "redirect_uri")
                    .collect()
            }),
        ),
    ];
    for (name, form) in failures {
        let (code, verifier) = fresh_code(&app, &client, "bind@example.com", "openid").await;
        let bad = app
            .http
            .post(app.url("/token"))
            .basic_auth(&client.id, client.secret.as_deref())
            .form(&form(&code, &verifier))
            .send()
            .await
            .unwrap();
        assert_eq!(oauth_error(bad).await, "invalid_grant", "{name}");
        let good = app.exchange_code(&client, &code, CALLBACK, &verifier).await;
        assert_eq!(
            oauth_error(good).await,
            "invalid_grant",
            "{name}: the code is burned"
        );
    }
    let (code, verifier) = fresh_code(&app, &client, "bind@example.com", "openid").await;
    let stolen = app.exchange_code(&other, &code, CALLBACK, &verifier).await;
    assert_eq!(
        oauth_error(stolen).await,
        "invalid_grant",
        "another client's code"
    );
    app.stop().await;
}

/// Builds a token request form from a code and its verifier.
type BuildForm = Box<dyn Fn(&str, &str) -> Vec<(String, String)>>;

fn exchange_form(code: &str, redirect_uri: &str, verifier: Option<&str>) -> Vec<(String, String)> {
    let mut form = vec![
        ("grant_type".to_owned(), "authorization_code".to_owned()),
        ("code".to_owned(), code.to_owned()),
        ("redirect_uri".to_owned(), redirect_uri.to_owned()),
    ];
    if let Some(verifier) = verifier {
        form.push(("code_verifier".to_owned(), verifier.to_owned()));
    }
    form
}

async fn an_expired_code_is_invalid_grant(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user("slow@example.com", &[]);
    let client = app.web_client(&["--first-party"]);
    let (code, verifier) = fresh_code(&app, &client, "slow@example.com", "openid").await;
    // tokens.authorization_code_ttl is 60 s.
    app.clock.advance(time::Duration::seconds(61));
    let late = app.exchange_code(&client, &code, CALLBACK, &verifier).await;
    assert_eq!(oauth_error(late).await, "invalid_grant");
    app.stop().await;
}

async fn concurrent_redemptions_of_one_code_have_exactly_one_winner(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user("race@example.com", &[]);
    let client = app.web_client(&["--first-party"]);
    let (code, verifier) =
        fresh_code(&app, &client, "race@example.com", "openid offline_access").await;
    let attempts = (0..8).map(|_| app.exchange_code(&client, &code, CALLBACK, &verifier));
    let responses = futures_join_all(attempts).await;
    let winners = responses.iter().filter(|status| **status == 200).count();
    assert_eq!(winners, 1, "{responses:?}");
    assert!(
        responses
            .iter()
            .all(|status| *status == 200 || *status == 400),
        "{responses:?}"
    );
    app.stop().await;
}

/// Runs the requests at once and returns their statuses.
async fn futures_join_all<F>(requests: impl Iterator<Item = F>) -> Vec<u16>
where
    F: std::future::Future<Output = reqwest::Response>,
{
    let responses = futures_util::future::join_all(requests).await;
    responses.iter().map(|r| r.status().as_u16()).collect()
}

on_both_backends!(
    a_replayed_code_is_refused_and_revokes_its_tokens,
    every_binding_is_checked_and_a_failed_check_burns_the_code,
    an_expired_code_is_invalid_grant,
    concurrent_redemptions_of_one_code_have_exactly_one_winner,
);
