//! `/api/v1/account`: the token's own user, read with an ETag and changed by merge patch; the
//! profile reaches apps as OpenID Connect claims by scope.

use serde_json::{Value, json};

use super::spawn;
use crate::support::oauth::TestClient;
use crate::support::{Backend, TestApp};

/// A first-party app that may ask for the account scope, and a user signed in through it.
async fn signed_in(app: &TestApp) -> (TestClient, String) {
    app.create_user("self@example.com", &["--name", "Ada Lovelace"]);
    let client = app.web_client(&[
        "--first-party",
        "--scope",
        "openid",
        "--scope",
        "profile",
        "--scope",
        "email",
        "--scope",
        "phone",
        "--scope",
        "account",
        "--scope",
        "offline_access",
    ]);
    let tokens = app
        .code_flow(
            &client,
            "self@example.com",
            "openid profile email phone account",
        )
        .await;
    (client, tokens["access_token"].as_str().unwrap().to_owned())
}

async fn call(
    app: &TestApp,
    method: reqwest::Method,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = app.http.request(method, app.url("/api/v1/account"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/merge-patch+json")
            .body(body.to_string());
    }
    request.send().await.unwrap()
}

async fn the_account_api_needs_a_users_token_with_the_account_scope(backend: Backend) {
    let (app, _smtp) = spawn(backend).await;
    let (client, token) = signed_in(&app).await;
    let missing = call(&app, reqwest::Method::GET, None, &[], None).await;
    assert_eq!(missing.status(), 401);
    assert!(
        missing.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    assert_eq!(
        missing.headers()["content-type"],
        "application/problem+json"
    );
    let garbage = call(&app, reqwest::Method::GET, Some("not-a-token"), &[], None).await;
    assert_eq!(garbage.status(), 401);
    assert!(
        garbage.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );
    let narrow = app
        .code_flow(&client, "self@example.com", "openid profile")
        .await;
    let narrow = call(
        &app,
        reqwest::Method::GET,
        narrow["access_token"].as_str(),
        &[],
        None,
    )
    .await;
    assert_eq!(narrow.status(), 403);
    assert!(
        narrow.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("insufficient_scope")
    );
    let machine = app.machine_client(&["--scope", "account"]);
    let machine = app.client_credentials_token(&machine).await;
    let machine = call(
        &app,
        reqwest::Method::GET,
        machine["access_token"].as_str(),
        &[],
        None,
    )
    .await;
    assert!(
        matches!(machine.status().as_u16(), 401 | 403),
        "a client's own token has no user"
    );

    let shown = call(&app, reqwest::Method::GET, Some(&token), &[], None).await;
    assert_eq!(shown.status(), 200);
    let etag = shown.headers()["etag"].to_str().unwrap().to_owned();
    let body: Value = shown.json().await.unwrap();
    assert_eq!(body["email"], "self@example.com");
    assert_eq!(body["name"], "Ada Lovelace");
    assert_eq!(body["email_verified"], true);
    let same = call(
        &app,
        reqwest::Method::GET,
        Some(&token),
        &[("if-none-match", &etag)],
        None,
    )
    .await;
    assert_eq!(same.status(), 304);
    app.stop().await;
}

async fn a_merge_patch_changes_the_profile_and_the_claims_follow(backend: Backend) {
    let (app, _smtp) = spawn(backend).await;
    let (_client, token) = signed_in(&app).await;
    let before = call(&app, reqwest::Method::GET, Some(&token), &[], None).await;
    let etag = before.headers()["etag"].to_str().unwrap().to_owned();
    let patch = json!({
        "given_name": "Ada", "family_name": "Lovelace", "phone_number": "+442071234567",
        "locale": "en-GB", "zoneinfo": "Europe/London", "picture": "https://img.example/ada.png",
        "gender": "female", "name": null
    });
    let changed = call(
        &app,
        reqwest::Method::PATCH,
        Some(&token),
        &[("if-match", &etag)],
        Some(patch),
    )
    .await;
    assert_eq!(changed.status(), 200);
    let new_etag = changed.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(new_etag, etag);
    let body: Value = changed.json().await.unwrap();
    assert_eq!(body["given_name"], "Ada");
    assert_eq!(body["phone_number"], "+442071234567");
    assert_eq!(body["phone_number_verified"], false);
    assert_eq!(body["name"], Value::Null);
    // The version named is gone now: a stale If-Match is refused and changes nothing.
    let stale = call(
        &app,
        reqwest::Method::PATCH,
        Some(&token),
        &[("if-match", &etag)],
        Some(json!({"gender": "other"})),
    )
    .await;
    assert_eq!(stale.status(), 412);
    let removed = call(
        &app,
        reqwest::Method::PATCH,
        Some(&token),
        &[],
        Some(json!({"gender": null})),
    )
    .await;
    assert_eq!(removed.status(), 200);
    let body: Value = removed.json().await.unwrap();
    assert_eq!(body["gender"], Value::Null);
    assert_eq!(body["locale"], "en-GB");

    let userinfo: Value = app
        .http
        .get(app.url("/userinfo"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(userinfo["given_name"], "Ada");
    assert_eq!(userinfo["zoneinfo"], "Europe/London");
    assert_eq!(userinfo["phone_number"], "+442071234567");
    assert_eq!(userinfo["phone_number_verified"], false);
    assert!(
        userinfo.get("gender").is_none(),
        "removed claims are left out"
    );
    assert!(userinfo["updated_at"].as_i64().is_some());
    app.stop().await;
}

async fn fields_that_are_not_the_profiles_are_refused_by_name(backend: Backend) {
    let (app, _smtp) = spawn(backend).await;
    let (_client, token) = signed_in(&app).await;
    let etag = |r: &reqwest::Response| r.headers()["etag"].to_str().unwrap().to_owned();
    let before = etag(&call(&app, reqwest::Method::GET, Some(&token), &[], None).await);
    let patch = json!({
        "email": "other@example.com", "roles": ["admin"], "status": "active",
        "email_verified": true, "shoe_size": "42", "locale": "english", "phone_number": 44,
        "given_name": "Fine"
    });
    let refused = call(&app, reqwest::Method::PATCH, Some(&token), &[], Some(patch)).await;
    assert_eq!(refused.status(), 422);
    assert_eq!(
        refused.headers()["content-type"],
        "application/problem+json"
    );
    let problem: Value = refused.json().await.unwrap();
    let pointers: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    for pointer in [
        "#/email",
        "#/roles",
        "#/status",
        "#/email_verified",
        "#/shoe_size",
        "#/locale",
        "#/phone_number",
    ] {
        assert!(pointers.contains(&pointer), "{pointer} not in {problem}");
    }
    assert!(!pointers.contains(&"#/given_name"));
    let after = call(&app, reqwest::Method::GET, Some(&token), &[], None).await;
    assert_eq!(etag(&after), before, "a refused patch changes nothing");
    let body: Value = after.json().await.unwrap();
    assert_eq!(body["email"], "self@example.com");
    assert_eq!(body["given_name"], Value::Null);
    for (body, content_type, status) in [
        ("not json", "application/merge-patch+json", 400),
        ("[1, 2]", "application/merge-patch+json", 422),
        ("{}", "text/plain", 415),
    ] {
        let response = app
            .http
            .patch(app.url("/api/v1/account"))
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{body} as {content_type}");
    }
    app.stop().await;
}

async fn a_password_change_needs_the_current_one_and_ends_every_session(backend: Backend) {
    let (app, smtp) = spawn(backend).await;
    let (client, token) = signed_in(&app).await;
    let tokens = app
        .code_flow(&client, "self@example.com", "openid offline_access account")
        .await;
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let change = |current: &str, new: &str| {
        let body = serde_json::json!({"current_password": current, "new_password": new});
        let request = app
            .http
            .post(app.url("/api/v1/account/password"))
            .bearer_auth(&token)
            .json(&body);
        async move { request.send().await.unwrap() }
    };
    let wrong = change("Not my 1 password", super::NEW_PASSWORD).await;
    assert_eq!(wrong.status(), 403);
    let problem: Value = wrong.json().await.unwrap();
    assert_eq!(problem["errors"][0]["pointer"], "#/current_password");
    let weak = change(crate::support::browser_flow::PASSWORD, "password1").await;
    assert_eq!(weak.status(), 422);
    let problem: Value = weak.json().await.unwrap();
    assert_eq!(problem["errors"][0]["pointer"], "#/new_password");
    assert_eq!(
        app.page_sign_in("self@example.com", crate::support::browser_flow::PASSWORD)
            .await,
        200
    );

    let changed = change(crate::support::browser_flow::PASSWORD, super::NEW_PASSWORD).await;
    assert_eq!(changed.status(), 200);
    let body: Value = changed.json().await.unwrap();
    assert_eq!(body["status"], "password_changed");
    assert!(body["revoked_grants"].as_u64().unwrap() >= 2);
    assert_eq!(
        app.page_sign_in("self@example.com", crate::support::browser_flow::PASSWORD)
            .await,
        401
    );
    assert_eq!(
        app.page_sign_in("self@example.com", super::NEW_PASSWORD)
            .await,
        200
    );
    let refreshed = app
        .post_form_basic(
            "/token",
            &client,
            &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
        )
        .await;
    assert_eq!(
        refreshed.status(),
        400,
        "refresh tokens died with the old password"
    );
    let after = call(&app, reqwest::Method::GET, Some(&token), &[], None).await;
    assert_eq!(
        after.status(),
        401,
        "so did the access token used to change it"
    );
    app.assert_no_session(&client).await;
    let notice = smtp.mail_to("self@example.com").await;
    assert_eq!(
        notice.header("Subject").unwrap(),
        "Your password was changed"
    );
    app.stop().await;
}

on_both_backends!(
    a_password_change_needs_the_current_one_and_ends_every_session,
    the_account_api_needs_a_users_token_with_the_account_scope,
    a_merge_patch_changes_the_profile_and_the_claims_follow,
    fields_that_are_not_the_profiles_are_refused_by_name,
);
