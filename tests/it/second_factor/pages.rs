//! The second factor on the hosted pages: the sign-in's second step (over HTTP, and in Chromium
//! with the app on its own origin), set-up at sign-in when the policy requires a factor, the
//! account page's enrolment, and a password reset that leaves the factor in place.

use serde_json::json;

use super::{
    EMAIL, at_step, code_for, last_used_step, next_step, totp_at, user_with_factor, wrong_code,
};
use crate::accounts::{NEW_PASSWORD, eventually_text, spawn, spawn_with};
use crate::support::browser::Browser;
use crate::support::browser_flow::{
    AuthRequest, CALLBACK, PASSWORD, hidden_field, location, param, pkce_pair,
};
use crate::support::client_app::ClientApp;
use crate::support::{Backend, TestApp};

/// The text of the element with `id` in `html` (the first one).
fn element_text(html: &str, id: &str) -> Option<String> {
    let start = html.find(&format!("id=\"{id}\""))?;
    let open = start + html[start..].find('>')? + 1;
    let close = open + html[open..].find('<')?;
    Some(html[open..close].trim().to_owned())
}

async fn post_form(app: &TestApp, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    app.http
        .post(app.url(path))
        .form(form)
        .send()
        .await
        .unwrap()
}

/// Posts `code` to the second-step page with its CSRF token.
async fn answer_page(app: &TestApp, code: &str) -> reqwest::Response {
    let page = app.get("/login/second-factor").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let csrf = hidden_field(&html, "csrf_token").unwrap();
    post_form(
        app,
        "/login/second-factor",
        &[("csrf_token", &csrf), ("code", code)],
    )
    .await
}

async fn the_sign_in_page_asks_for_a_code_before_anyone_is_signed_in(backend: Backend) {
    let mut app = TestApp::spawn(backend).await;
    let (secret, _codes) = user_with_factor(&mut app, EMAIL).await;
    app.fresh_browser("second step");
    let client = app.web_client(&["--first-party", "--scope", "openid"]);
    let (verifier, challenge) = pkce_pair();
    let request = AuthRequest::new(&client, CALLBACK, "openid", &challenge);
    let start = app.start_authorization(&request).await;
    let login = location(&start);
    let password = app.submit_login(&login, EMAIL, PASSWORD).await;
    assert_eq!(password.status(), 303);
    assert_eq!(location(&password), "/login/second-factor");
    app.assert_no_session(&client).await;

    let page = app.get("/login/second-factor").await;
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("form-action 'self' https://app.example.com"),
        "{csp}"
    );
    let html = page.text().await.unwrap();
    assert!(html.contains("autocomplete=\"one-time-code\""));
    // The set-up code's step was spent when the factor was turned on: with the clock one step
    // on from it, its code is inside the window and still refused.
    let setup_step = last_used_step(&app, EMAIL).await;
    at_step(&app, setup_step + 1);
    let setup = code_for(&app, &secret, -1);
    let refused = answer_page(&app, &setup).await;
    assert_eq!(refused.status(), 401);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("That code is not valid")
    );
    app.assert_no_session(&client).await;

    let passed = answer_page(&app, &code_for(&app, &secret, 0)).await;
    assert_eq!(passed.status(), 303);
    let callback = location(&passed);
    assert!(callback.starts_with(CALLBACK), "{callback}");
    let code = param(&callback, "code").unwrap();
    let tokens = app.exchange_code(&client, &code, CALLBACK, &verifier).await;
    assert_eq!(tokens.status(), 200);
    let tokens: serde_json::Value = tokens.json().await.unwrap();
    let claims = app
        .verify_jwt(tokens["id_token"].as_str().unwrap(), &client.id)
        .await;
    let amr = claims["amr"].as_array().unwrap();
    assert!(
        amr.contains(&"otp".into()) && amr.contains(&"pwd".into()),
        "{amr:?}"
    );
    app.stop().await;
}

async fn five_wrong_codes_end_the_sign_in(backend: Backend) {
    let mut app = TestApp::spawn(backend).await;
    let (secret, _codes) = user_with_factor(&mut app, EMAIL).await;
    app.fresh_browser("guesser");
    let signed = app.submit_login("/login", EMAIL, PASSWORD).await;
    assert_eq!(location(&signed), "/login/second-factor");
    for _ in 1..5 {
        assert_eq!(
            answer_page(&app, &wrong_code(&app, &secret)).await.status(),
            401
        );
    }
    let last = answer_page(&app, &wrong_code(&app, &secret)).await;
    assert_eq!(last.status(), 303);
    assert_eq!(location(&last), "/login", "back to the password");
    let gone = app.get("/login/second-factor").await;
    assert_eq!(location(&gone), "/login");
    // A right code needs a new sign-in with the password.
    let signed = app.submit_login("/login", EMAIL, PASSWORD).await;
    assert_eq!(location(&signed), "/login/second-factor");
    assert_eq!(
        answer_page(&app, &code_for(&app, &secret, 0))
            .await
            .status(),
        200
    );
    app.stop().await;
}

async fn an_account_that_must_have_a_factor_sets_one_up_at_sign_in(backend: Backend) {
    let (mut app, _smtp) = spawn_with(backend, |config| {
        config.mfa.policy = portcullis::config::MfaPolicy::RequiredForRoles;
    })
    .await;
    app.create_user("boss@example.com", &["--role", "admin"]);
    app.create_user("staff@example.com", &[]);
    let client = app.web_client(&["--first-party", "--scope", "openid"]);
    // Without a required role, the password is enough.
    assert_eq!(app.page_sign_in("staff@example.com", PASSWORD).await, 200);
    // At the challenge endpoint an administrator without a factor must go to a browser.
    let (_, challenge) = pkce_pair();
    let (status, body) =
        super::challenge_password(&app, &client, "boss@example.com", PASSWORD, &challenge).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("redirect_to_web"))
    );

    app.fresh_browser("boss");
    let (verifier, challenge) = pkce_pair();
    let request = AuthRequest::new(&client, CALLBACK, "openid", &challenge);
    let start = app.start_authorization(&request).await;
    let signed = app
        .submit_login(&location(&start), "boss@example.com", PASSWORD)
        .await;
    assert_eq!(location(&signed), "/login/two-step-setup");
    app.assert_no_session(&client).await;
    let page = app.get("/login/two-step-setup").await.text().await.unwrap();
    assert!(page.contains("must use two-step verification"));
    let secret = element_text(&page, "totp-secret").expect("the key is shown");
    assert!(page.contains("<svg"), "a QR code");
    let csrf = hidden_field(&page, "csrf_token").unwrap();
    next_step(&app);
    let wrong = totp_at(&secret, app.clock.now().unix_timestamp() + 120);
    let refused = post_form(
        &app,
        "/login/two-step-setup",
        &[
            ("csrf_token", &csrf),
            ("action", "confirm"),
            ("code", &wrong),
        ],
    )
    .await;
    assert_eq!(refused.status(), 422);
    let again = refused.text().await.unwrap();
    assert_eq!(
        element_text(&again, "totp-secret").as_deref(),
        Some(secret.as_str())
    );
    let right = code_for(&app, &secret, 0);
    let codes = post_form(
        &app,
        "/login/two-step-setup",
        &[
            ("csrf_token", &csrf),
            ("action", "confirm"),
            ("code", &right),
        ],
    )
    .await;
    assert_eq!(codes.status(), 200);
    let html = codes.text().await.unwrap();
    assert_eq!(html.matches("<li><code>").count(), 10, "{html}");
    app.assert_no_session(&client).await;
    let done = post_form(
        &app,
        "/login/two-step-setup",
        &[("csrf_token", &csrf), ("action", "continue")],
    )
    .await;
    assert_eq!(done.status(), 303);
    let callback = location(&done);
    let code = param(&callback, "code").expect("the app gets its code");
    let tokens = app.exchange_code(&client, &code, CALLBACK, &verifier).await;
    assert_eq!(tokens.status(), 200);
    // The policy's factor cannot be turned off (the page offers no button; a forged form is
    // refused and the factor stays).
    let page = app.get("/account").await.text().await.unwrap();
    assert!(page.contains("Make new recovery codes") && !page.contains("Turn off two-step"));
    next_step(&app);
    let code = code_for(&app, &secret, 0);
    let csrf = hidden_field(&page, "csrf_token").unwrap();
    let refused = post_form(
        &app,
        "/account/two-step",
        &[("csrf_token", &csrf), ("action", "remove"), ("code", &code)],
    )
    .await;
    assert_eq!(refused.status(), 400);
    let factors = app
        .db
        .scalar(
            "select count(*) from second_factors f join users u on u.id = f.user_id
             where u.email = $1",
            "boss@example.com",
        )
        .await;
    assert_eq!(factors, Some(1));
    app.stop().await;
}

async fn a_password_reset_leaves_the_factor_in_place(backend: Backend) {
    let (mut app, smtp) = spawn(backend).await;
    user_with_factor(&mut app, EMAIL).await;
    let start = json!({"email": EMAIL, "method": "code"});
    assert_eq!(app.post_json("/api/v1/recoveries", &start).await.0, 202);
    let code = smtp.nth_mail_to(EMAIL, 2).await.code();
    let complete = json!({"email": EMAIL, "code": code, "new_password": NEW_PASSWORD});
    let (status, body) = app
        .post_json("/api/v1/recoveries/complete", &complete)
        .await;
    assert_eq!(status, 200, "{body}");
    app.fresh_browser("after reset");
    let signed = app.submit_login("/login", EMAIL, NEW_PASSWORD).await;
    assert_eq!(location(&signed), "/login/second-factor");
    app.stop().await;
}

async fn the_account_page_turns_the_factor_on_and_off(backend: Backend) {
    let (app, smtp) = spawn(backend).await;
    app.create_user(EMAIL, &[]);
    assert_eq!(location(&app.get("/account").await), "/login");
    let signed = app.submit_login("/login", EMAIL, PASSWORD).await;
    assert_eq!(location(&signed), "/account");
    let page = app.get("/account").await.text().await.unwrap();
    assert!(page.contains("Set up two-step verification"));
    let csrf = hidden_field(&page, "csrf_token").unwrap();
    let started = post_form(
        &app,
        "/account/two-step",
        &[("csrf_token", &csrf), ("action", "start")],
    )
    .await;
    assert_eq!(started.status(), 200);
    let secret = element_text(&started.text().await.unwrap(), "totp-secret").unwrap();
    next_step(&app);
    let code = code_for(&app, &secret, 0);
    let confirmed = post_form(
        &app,
        "/account/two-step",
        &[
            ("csrf_token", &csrf),
            ("action", "confirm"),
            ("code", &code),
        ],
    )
    .await;
    assert_eq!(confirmed.status(), 200);
    let html = confirmed.text().await.unwrap();
    assert_eq!(html.matches("<li><code>").count(), 10);
    let page = app.get("/account").await.text().await.unwrap();
    assert!(page.contains("10 recovery codes left"), "{page}");
    assert!(
        smtp.mail_to(EMAIL)
            .await
            .text()
            .contains("two-step verification was turned on")
    );

    // Turning it off takes a code of the factor (the sign-in is recent: no password).
    let refused = post_form(
        &app,
        "/account/two-step",
        &[
            ("csrf_token", &csrf),
            ("action", "remove"),
            ("code", &wrong_code(&app, &secret)),
        ],
    )
    .await;
    assert_eq!(refused.status(), 403);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("id=\"two_step_code-error\"")
    );
    next_step(&app);
    let code = code_for(&app, &secret, 0);
    let removed = post_form(
        &app,
        "/account/two-step",
        &[("csrf_token", &csrf), ("action", "remove"), ("code", &code)],
    )
    .await;
    assert_eq!(removed.status(), 200);
    assert!(
        removed
            .text()
            .await
            .unwrap()
            .contains("Two-step verification is off.")
    );
    app.stop().await;
}

async fn in_a_browser_a_person_enrols_then_signs_in_with_a_code_to_an_app_elsewhere(
    backend: Backend,
) {
    let (app, _smtp) = spawn(backend).await;
    let rp = ClientApp::start().await;
    app.create_user(EMAIL, &[]);
    let callback = rp.url("/cb");
    let client = app.create_client(&[
        "--first-party",
        "--redirect-uri",
        &callback,
        "--scope",
        "openid",
    ]);
    let browser = Browser::start().await;
    browser.goto(&app.url("/account")).await;
    browser.wait_for_url(&app.url("/login")).await;
    browser.sign_in(EMAIL, PASSWORD).await;
    browser.wait_for_url(&app.url("/account")).await;
    browser
        .click("form[action='/account/two-step'] button.primary")
        .await;
    eventually_text(&browser, "totp-secret").await;
    let secret = element_text(&browser.source().await, "totp-secret").unwrap();
    next_step(&app);
    browser
        .type_into("#code", &code_for(&app, &secret, 0))
        .await;
    browser.click("form button.primary").await;
    eventually_text(&browser, "Save your recovery codes").await;
    browser.click("form button.primary").await;
    browser.wait_for_url(&app.url("/account")).await;
    browser
        .click("form[action='/logout'] button[type=submit]")
        .await;
    eventually_text(&browser, "You are signed out.").await;

    let (verifier, challenge) = pkce_pair();
    let request = AuthRequest::new(&client, &callback, "openid", &challenge);
    browser.goto(&request.url(&app)).await;
    browser.wait_for_url(&app.url("/login")).await;
    browser.sign_in(EMAIL, PASSWORD).await;
    browser.wait_for_url(&app.url("/login/second-factor")).await;
    next_step(&app);
    browser
        .type_into("#code", &code_for(&app, &secret, 0))
        .await;
    browser.click("button[type=submit]").await;
    let received = rp.wait_for("/cb").await;
    let code = received
        .param("code")
        .expect("a code at the app")
        .to_owned();
    let tokens = app
        .exchange_code(&client, &code, &callback, &verifier)
        .await;
    assert_eq!(tokens.status(), 200);
    browser.assert_no_csp_violation().await;
    browser.quit().await;
    app.stop().await;
}

on_both_backends!(
    the_sign_in_page_asks_for_a_code_before_anyone_is_signed_in,
    five_wrong_codes_end_the_sign_in,
    an_account_that_must_have_a_factor_sets_one_up_at_sign_in,
    a_password_reset_leaves_the_factor_in_place,
    the_account_page_turns_the_factor_on_and_off,
    in_a_browser_a_person_enrols_then_signs_in_with_a_code_to_an_app_elsewhere,
);
