//! The sensitive changes of `/api/v1/account`: a new address, confirmed by the code mailed to
//! it, and deleting the account; both need a recent sign-in (RFC 9470 step-up otherwise).

use std::sync::Arc;

use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::Barrier;

use super::{ACCOUNT_SCOPE, NEW_PASSWORD, account_client, spawn};
use crate::support::browser_flow::PASSWORD;
use crate::support::oauth::TestClient;
use crate::support::{Backend, TestApp};

/// Signs `email` in through a browser of its own; the token response.
async fn tokens_for(app: &mut TestApp, client: &TestClient, email: &str) -> Value {
    app.fresh_browser(email);
    app.code_flow(client, email, ACCOUNT_SCOPE).await
}

async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = app.http.request(method, app.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

/// `POST /api/v1/account/email` for `email`.
async fn start_change(app: &TestApp, token: &str, email: &str) -> reqwest::Response {
    let body = json!({ "email": email });
    call(
        app,
        Method::POST,
        "/api/v1/account/email",
        token,
        Some(body),
    )
    .await
}

fn access(tokens: &Value) -> &str {
    tokens["access_token"].as_str().unwrap()
}

async fn an_address_changes_only_once_the_new_one_confirms_it(backend: Backend) {
    let (mut app, smtp) = spawn(backend).await;
    app.create_user("old@example.com", &[]);
    app.create_user("taken@example.com", &[]);
    let client = account_client(&app);
    let tokens = tokens_for(&mut app, &client, "old@example.com").await;
    let token = access(&tokens);

    // The taken address first (its owner is told; no code), then the one that counts: each start
    // ends the one before, so the order matters, and each is awaited through its mail.
    let taken = start_change(&app, token, "taken@example.com").await;
    assert_eq!(taken.status(), 202);
    let taken: Value = taken.json().await.unwrap();
    let notice = smtp.mail_to("taken@example.com").await;
    assert!(
        notice
            .data
            .contains("Someone tried to move an account to your address")
    );
    assert!(
        !notice.data.contains("is your code"),
        "no code goes to a taken address"
    );
    let started = start_change(&app, token, "new@example.com").await;
    assert_eq!(started.status(), 202);
    assert_eq!(
        started.json::<Value>().await.unwrap(),
        taken,
        "a taken address answers alike"
    );

    let mail = smtp.mail_to("new@example.com").await;
    assert!(mail.link(&app.url("/confirm-email?token=")).len() > 60);
    let code = mail.code();
    let shown: Value = call(&app, Method::GET, "/api/v1/account", token, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        shown["email"], "old@example.com",
        "unchanged until confirmed"
    );

    let wrong = if code == "000000" { "111111" } else { "000000" };
    let refused = call(
        &app,
        Method::POST,
        "/api/v1/account/email/confirm",
        token,
        Some(json!({"code": wrong})),
    )
    .await;
    assert_eq!(refused.status(), 400);
    let confirmed = call(
        &app,
        Method::POST,
        "/api/v1/account/email/confirm",
        token,
        Some(json!({"code": code})),
    )
    .await;
    assert_eq!(confirmed.status(), 200);
    let confirmed: Value = confirmed.json().await.unwrap();
    assert_eq!(confirmed["email"], "new@example.com");
    assert_eq!(confirmed["email_verified"], true);
    let told = smtp.mail_to("old@example.com").await;
    assert!(
        told.data.contains("Your email address was changed")
            && told.data.contains("new@example.com")
    );
    assert_eq!(app.page_sign_in("old@example.com", PASSWORD).await, 401);
    assert_eq!(app.page_sign_in("new@example.com", PASSWORD).await, 200);
    let again = call(
        &app,
        Method::POST,
        "/api/v1/account/email/confirm",
        token,
        Some(json!({"code": code})),
    )
    .await;
    assert_eq!(again.status(), 400, "a code works once");
    let same = start_change(&app, token, "NEW@example.com").await;
    assert_eq!(same.status(), 422, "the account's own address");
    let bad = start_change(&app, token, "not an address").await;
    assert_eq!(bad.status(), 422);
    let problem: Value = bad.json().await.unwrap();
    assert_eq!(problem["errors"][0]["pointer"], "#/email", "{problem}");
    app.stop().await;
}

async fn a_stale_sign_in_must_step_up_before_sensitive_changes(backend: Backend) {
    let (mut app, _smtp) = spawn(backend).await;
    app.create_user("stale@example.com", &[]);
    let client = account_client(&app);
    let tokens = tokens_for(&mut app, &client, "stale@example.com").await;
    app.clock.advance(time::Duration::minutes(6));
    for (method, path, body) in [
        (Method::DELETE, "/api/v1/account", None),
        (
            Method::POST,
            "/api/v1/account/email",
            Some(json!({"email": "fresh@example.com"})),
        ),
    ] {
        let refused = call(&app, method, path, access(&tokens), body).await;
        assert_eq!(refused.status(), 401, "{path}");
        let challenge = refused.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(challenge.starts_with("Bearer "), "{challenge}");
        assert!(
            challenge.contains("error=\"insufficient_user_authentication\""),
            "{challenge}"
        );
        assert!(challenge.contains("max_age=\"300\""), "{challenge}");
    }
    let reading = call(&app, Method::GET, "/api/v1/account", access(&tokens), None).await;
    assert_eq!(reading.status(), 200, "reading needs no recent sign-in");
    assert_eq!(app.users_with_email("stale@example.com").await, 1);
    app.stop().await;
}

async fn deleting_the_account_erases_it_and_ends_every_token(backend: Backend) {
    let (mut app, smtp) = spawn(backend).await;
    app.create_user("leaving@example.com", &["--name", "Leaving Person"]);
    let client = account_client(&app);
    let tokens = tokens_for(&mut app, &client, "leaving@example.com").await;
    let token = access(&tokens).to_owned();
    let account: Value = call(&app, Method::GET, "/api/v1/account", &token, None)
        .await
        .json()
        .await
        .unwrap();
    let sub = account["sub"].as_str().unwrap().replace('-', "");
    let deleted = call(&app, Method::DELETE, "/api/v1/account", &token, None).await;
    assert_eq!(deleted.status(), 204);
    let goodbye = smtp.mail_to("leaving@example.com").await;
    assert!(goodbye.data.contains("Your account was deleted"));

    let refreshed = app
        .post_form_basic(
            "/token",
            &client,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ],
        )
        .await;
    assert_eq!(refreshed.status(), 400);
    assert_eq!(app.introspect(&client, &token).await["active"], false);
    assert_eq!(
        call(&app, Method::GET, "/api/v1/account", &token, None)
            .await
            .status(),
        401
    );
    // Its guess counters went with it (a sign-in attempt below starts a new one).
    assert_eq!(
        app.db
            .scalar(
                "select count(*) from login_failures where key like $1",
                "%leaving@example.com"
            )
            .await,
        Some(0)
    );
    assert_eq!(app.page_sign_in("leaving@example.com", PASSWORD).await, 401);
    let db = &app.db;
    assert_eq!(
        db.scalar(
            "select count(*) from users where email = $1",
            "leaving@example.com"
        )
        .await,
        Some(0)
    );
    assert_eq!(
        db.scalar("select count(*) from users where status = 'deleted' and name is null and password_hash is null and email like $1", "deleted-%@deleted.invalid").await,
        Some(1),
        "a tombstone keeps the id"
    );
    assert_eq!(
        db.scalar(
            "select count(*) from users where email like $1",
            &format!("%{sub}%")
        )
        .await,
        Some(0),
        "the tombstone's address cannot be guessed from the id (and registered first)"
    );
    for table in [
        "browser_sessions",
        "consents",
        "account_tokens",
        "user_roles",
    ] {
        let sql = format!(
            "select count(*) from {table} where user_id in (select id from users where status = $1)"
        );
        assert_eq!(db.scalar(&sql, "deleted").await, Some(0), "{table}");
    }
    assert_eq!(
        db.scalar("select count(*) from grants where revoked_at is null and user_id in (select id from users where status = $1)", "deleted").await,
        Some(0)
    );

    // The address is free again: a new, separate account.
    app.register("leaving@example.com", NEW_PASSWORD).await;
    assert_eq!(app.users_with_email("leaving@example.com").await, 1);
    app.stop().await;
}

async fn the_last_active_administrator_cannot_delete_themselves_even_in_a_race(backend: Backend) {
    let (mut app, _smtp) = spawn(backend).await;
    let client = account_client(&app);
    app.create_user("admin-0@example.com", &["--role", "admin"]);
    let mut survivor = (
        "admin-0@example.com".to_owned(),
        tokens_for(&mut app, &client, "admin-0@example.com").await,
    );
    for round in 1..=4 {
        let newcomer = format!("admin-{round}@example.com");
        app.create_user(&newcomer, &["--role", "admin"]);
        let newcomer_tokens = tokens_for(&mut app, &client, &newcomer).await;
        let contenders = [survivor.clone(), (newcomer, newcomer_tokens)];
        let barrier = Arc::new(Barrier::new(2));
        let app_ref = &app;
        let statuses = futures_util::future::join_all(contenders.iter().map(|(_, tokens)| {
            let barrier = barrier.clone();
            async move {
                barrier.wait().await;
                call(
                    app_ref,
                    Method::DELETE,
                    "/api/v1/account",
                    access(tokens),
                    None,
                )
                .await
                .status()
                .as_u16()
            }
        }))
        .await;
        let mut sorted = statuses.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, [204, 409], "round {round}: exactly one may go");
        let active_admins = app
            .db
            .scalar("select count(*) from users u join user_roles r on r.user_id = u.id where r.role_name = 'admin' and u.status = $1", "active")
            .await;
        assert_eq!(active_admins, Some(1), "round {round}");
        let kept = statuses.iter().position(|s| *s == 409).unwrap();
        survivor = contenders[kept].clone();
    }
    app.stop().await;
}

async fn only_the_latest_address_change_counts_and_a_new_password_ends_it(backend: Backend) {
    let (mut app, smtp) = spawn(backend).await;
    app.create_user("mover@example.com", &[]);
    app.create_user("occupied@example.com", &[]);
    let client = account_client(&app);
    let tokens = tokens_for(&mut app, &client, "mover@example.com").await;
    let token = access(&tokens);
    let start = |email: &'static str| {
        let app = &app;
        async move { assert_eq!(start_change(app, token, email).await.status(), 202) }
    };
    let link_of = |mail: crate::support::smtp::Mail| mail.link(&app.url("/confirm-email?token="));
    start("typo@exmaple.com").await;
    let typo_link = link_of(smtp.mail_to("typo@exmaple.com").await);
    // Corrected at once, to an address that turns out to have an account: the typo's link dies
    // all the same, so it tells nothing about the second address.
    start("occupied@example.com").await;
    smtp.mail_to("occupied@example.com").await;
    assert_eq!(app.http.get(&typo_link).send().await.unwrap().status(), 400);
    start("right@example.com").await;
    let right_link = link_of(smtp.mail_to("right@example.com").await);
    assert_eq!(
        app.http.get(&right_link).send().await.unwrap().status(),
        200
    );
    // A new password (the owner taking the account back) ends the pending change.
    let changed = call(
        &app,
        Method::POST,
        "/api/v1/account/password",
        token,
        Some(json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD})),
    )
    .await;
    assert_eq!(changed.status(), 200);
    assert_eq!(
        app.http.get(&right_link).send().await.unwrap().status(),
        400
    );
    assert_eq!(app.users_with_email("mover@example.com").await, 1);
    app.stop().await;
}

on_both_backends!(
    an_address_changes_only_once_the_new_one_confirms_it,
    a_stale_sign_in_must_step_up_before_sensitive_changes,
    deleting_the_account_erases_it_and_ends_every_token,
    the_last_active_administrator_cannot_delete_themselves_even_in_a_race,
    only_the_latest_address_change_counts_and_a_new_password_ends_it,
);
