//! The registration, verification and recovery pages: in headless Chromium with the app on its
//! own origin, and their forms over HTTP.

use super::{NEW_PASSWORD, eventually_text, spawn};
use crate::support::Backend;
use crate::support::browser::Browser;
use crate::support::browser_flow::{AuthRequest, PASSWORD, hidden_field, location, pkce_pair};
use crate::support::client_app::ClientApp;

async fn prompt_create_registers_verifies_and_returns_to_the_app(backend: Backend) {
    let (app, smtp) = spawn(backend).await;
    let rp = ClientApp::start().await;
    let callback = rp.url("/cb");
    let client = app.create_client(&[
        "--name",
        "Garden Planner",
        "--first-party",
        "--redirect-uri",
        &callback,
    ]);
    let (verifier, challenge) = pkce_pair();
    let request = AuthRequest::new(&client, &callback, "openid email profile", &challenge)
        .with("prompt", "create");

    let browser = Browser::start().await;
    browser.goto(&request.url(&app)).await;
    browser.wait_for_url(&app.url("/register")).await;
    let page = browser.source().await;
    assert!(
        page.contains("Garden Planner"),
        "the page names the application"
    );
    assert!(page.contains("<label for=\"email\">") && page.contains("<label for=\"password\">"));
    // A weak password is refused beside its field, and what was typed stays.
    browser.type_into("#name", "Ada Lovelace").await;
    browser.sign_in("ada@example.com", "password").await;
    browser.wait_for_url(&app.url("/register")).await;
    let refused = browser.source().await;
    assert!(refused.contains("id=\"password-error\""), "{refused}");
    assert!(refused.contains("value=\"ada@example.com\""));
    browser.screenshot("register-refused").await;
    browser.type_into("#password", PASSWORD).await;
    browser.click("button[type=submit]").await;

    browser.wait_for_url(&app.url("/verify-email")).await;
    assert!(browser.source().await.contains("ada@example.com"));
    let code = smtp.mail_to("ada@example.com").await.code();
    browser.type_into("#code", &code).await;
    browser.click("button[value=verify]").await;

    let received = rp.wait_for("/cb").await;
    assert_eq!(received.param("state"), Some(request.state.as_str()));
    let code = received
        .param("code")
        .expect("a code at the app")
        .to_owned();
    browser.assert_no_csp_violation().await;
    let tokens = app
        .exchange_code(&client, &code, &callback, &verifier)
        .await;
    assert_eq!(tokens.status(), 200);
    let tokens: serde_json::Value = tokens.json().await.unwrap();
    let id_token = app
        .verify_jwt(tokens["id_token"].as_str().unwrap(), &client.id)
        .await;
    assert_eq!(id_token["email"], "ada@example.com");
    assert_eq!(id_token["email_verified"], true);
    assert_eq!(id_token["name"], "Ada Lovelace");
    browser.quit().await;
    app.stop().await;
}

async fn forgotten_password_by_link_then_sign_in_with_the_new_one(backend: Backend) {
    let (app, smtp) = spawn(backend).await;
    let rp = ClientApp::start().await;
    app.create_user("forgetful@example.com", &[]);
    let callback = rp.url("/cb");
    let client = app.create_client(&["--first-party", "--redirect-uri", &callback]);
    let (_, challenge) = pkce_pair();
    let request = AuthRequest::new(&client, &callback, "openid", &challenge);

    let browser = Browser::start().await;
    browser.goto(&request.url(&app)).await;
    browser.wait_for_url(&app.url("/login")).await;
    browser.click("a[href='/recover']").await;
    browser.wait_for_url(&app.url("/recover")).await;
    browser.type_into("#email", "forgetful@example.com").await;
    browser.click("button[type=submit]").await;
    eventually_text(&browser, "Check your email").await;
    let link = smtp
        .mail_to("forgetful@example.com")
        .await
        .link(&app.url("/reset-password?token="));
    browser.goto(&link).await;
    browser.type_into("#new_password", NEW_PASSWORD).await;
    browser.click("button[type=submit]").await;
    eventually_text(&browser, "Password changed").await;
    browser.assert_no_csp_violation().await;

    browser.goto(&request.url(&app)).await;
    browser.wait_for_url(&app.url("/login")).await;
    browser.sign_in("forgetful@example.com", NEW_PASSWORD).await;
    let received = rp.wait_for("/cb").await;
    assert!(received.param("code").is_some(), "{received:?}");
    browser.quit().await;
    app.stop().await;
}

async fn an_unverified_sign_in_is_sent_to_confirm_and_the_code_signs_it_in(backend: Backend) {
    let (app, smtp) = spawn(backend).await;
    app.register("late@example.com", PASSWORD).await;
    let first = smtp.mail_to("late@example.com").await.code();
    let client = app.web_client(&["--first-party"]);
    let request = AuthRequest::to_callback(&client, "openid");
    let start = app.start_authorization(&request).await;
    let login = location(&start);
    let answer = app.submit_login(&login, "late@example.com", PASSWORD).await;
    assert_eq!(answer.status(), 303);
    assert_eq!(location(&answer), "/verify-email");
    let page = app.get("/verify-email").await;
    let html = page.text().await.unwrap();
    assert!(html.contains("late@example.com"));
    let csrf = hidden_field(&html, "csrf_token").unwrap();
    // The first code still works (a resend within the minute sent nothing new).
    let confirmed = app
        .http
        .post(app.url("/verify-email"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", "late@example.com"),
            ("code", first.as_str()),
            ("action", "verify"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(confirmed.status(), 303, "{:?}", confirmed.text().await);
    let at_app = location(&confirmed);
    assert!(
        at_app.starts_with(crate::support::browser_flow::CALLBACK),
        "{at_app}"
    );
    assert!(at_app.contains("code="));
    assert_eq!(smtp.mails_to("late@example.com").len(), 1);
    app.stop().await;
}

async fn account_forms_refuse_a_foreign_csrf_token(backend: Backend) {
    let (app, _smtp) = spawn(backend).await;
    for path in ["/register", "/verify-email", "/recover", "/reset-password"] {
        let page = app.get(path).await;
        assert_eq!(page.status(), 200, "{path}");
        let html = page.text().await.unwrap();
        assert!(hidden_field(&html, "csrf_token").is_some(), "{path}");
        let forged = app
            .http
            .post(app.url(path))
            .form(&[
                ("csrf_token", "forged"),
                ("email", "x@example.com"),
                ("password", PASSWORD),
                ("code", "123456"),
                ("new_password", NEW_PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), 403, "{path}");
    }
    assert_eq!(app.users_with_email("x@example.com").await, 0);
    let login = app.get("/login").await.text().await.unwrap();
    assert!(login.contains("href=\"/register\"") && login.contains("href=\"/recover\""));
    app.stop().await;
}

on_both_backends!(
    prompt_create_registers_verifies_and_returns_to_the_app,
    forgotten_password_by_link_then_sign_in_with_the_new_one,
    an_unverified_sign_in_is_sent_to_confirm_and_the_code_signs_it_in,
    account_forms_refuse_a_foreign_csrf_token,
);
