//! The account page (`/account` and its forms): profile, new address, new password, signed-in
//! browsers, data download and deletion, over HTTP and in headless Chromium with the app on its
//! own origin.

use super::{NEW_PASSWORD, eventually_text, spawn};
use crate::support::browser::Browser;
use crate::support::browser_flow::{AuthRequest, PASSWORD, hidden_field, location, pkce_pair};
use crate::support::client_app::ClientApp;
use crate::support::{Backend, TestApp};

async fn the_account_page_signs_in_first_and_edits_the_profile(backend: Backend) {
    let (app, _smtp) = spawn(backend).await;
    app.create_user("page@example.com", &["--name", "Page Owner"]);
    let first = app.get("/account").await;
    assert_eq!(first.status(), 303);
    assert_eq!(location(&first), "/login");
    let signed_in = app
        .submit_login("/login", "page@example.com", PASSWORD)
        .await;
    assert_eq!(
        signed_in.status(),
        303,
        "back to the account page after signing in"
    );
    assert_eq!(location(&signed_in), "/account");
    let page = app.get("/account").await.text().await.unwrap();
    assert!(page.contains("page@example.com") && page.contains("value=\"Page Owner\""));
    assert!(page.contains("<label for=\"phone_number\">"));
    let csrf = hidden_field(&page, "csrf_token").unwrap();
    let form = |phone: &str| {
        vec![
            ("csrf_token", csrf.clone()),
            ("name", "Page Owner".to_owned()),
            ("given_name", "Page".to_owned()),
            ("phone_number", phone.to_owned()),
            ("zoneinfo", "Europe/Paris".to_owned()),
        ]
    };
    let refused = app
        .http
        .post(app.url("/account"))
        .form(&form("12345"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let refused = refused.text().await.unwrap();
    assert!(refused.contains("id=\"phone_number-error\""), "{refused}");
    assert!(refused.contains("value=\"12345\""), "what was typed stays");
    let saved = app
        .http
        .post(app.url("/account"))
        .form(&form("+33123456789"))
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 200);
    assert!(
        saved
            .text()
            .await
            .unwrap()
            .contains("Your profile is saved.")
    );
    let stored = app
        .db
        .scalar("select count(*) from users where email = $1 and phone_number = '+33123456789' and given_name = 'Page'", "page@example.com")
        .await;
    assert_eq!(stored, Some(1));
    app.stop().await;
}

/// Signs `app`'s browser in on the sign-in page, which brings it back to the account page; the
/// account page's HTML.
async fn account_page(app: &TestApp, email: &str, password: &str) -> String {
    let first = app.get("/account").await;
    assert_eq!(first.status(), 303);
    let signed_in = app.submit_login("/login", email, password).await;
    assert_eq!(location(&signed_in), "/account");
    app.get("/account").await.text().await.unwrap()
}

async fn post_form(app: &TestApp, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let response = app
        .http
        .post(app.url(path))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

async fn the_account_page_signs_other_browsers_out_and_changes_the_password(backend: Backend) {
    let (mut app, smtp) = spawn(backend).await;
    app.create_user("secure@example.com", &[]);
    app.fresh_browser("Old tablet");
    let tablet_page = account_page(&app, "secure@example.com", PASSWORD).await;
    assert!(tablet_page.contains("Old tablet"));
    let tablet = app.http.clone();
    app.fresh_browser("Desk computer");
    let page = account_page(&app, "secure@example.com", PASSWORD).await;
    assert!(
        page.contains("Old tablet")
            && page.contains("<strong>Desk computer</strong> · this browser")
    );
    let csrf = hidden_field(&page, "csrf_token").unwrap();

    // Sign the tablet out from here.
    let tablet_sid = hidden_field(&tablet_page, "sid").expect("the tablet's sign-out form");
    assert!(page.contains(&format!("value=\"{tablet_sid}\"")));
    let (status, shown) = post_form(
        &app,
        "/account/sessions",
        &[("csrf_token", &csrf), ("sid", &tablet_sid)],
    )
    .await;
    assert_eq!(status, 200);
    assert!(shown.contains("That browser is signed out."));
    assert!(!shown.contains("Old tablet"));
    let tablet_now = tablet.get(app.url("/account")).send().await.unwrap();
    assert_eq!(tablet_now.status(), 303, "the tablet must sign in again");

    // A wrong current password, then a weak new one, are refused beside their fields.
    let (status, refused) = post_form(
        &app,
        "/account/password",
        &[
            ("csrf_token", &csrf),
            ("current_password", "Not-the-password-9"),
            ("new_password", NEW_PASSWORD),
        ],
    )
    .await;
    assert_eq!(status, 403);
    assert!(refused.contains("id=\"current_password-error\""));
    let (status, refused) = post_form(
        &app,
        "/account/password",
        &[
            ("csrf_token", &csrf),
            ("current_password", PASSWORD),
            ("new_password", "short"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(refused.contains("id=\"new_password-error\""));
    let (status, changed) = post_form(
        &app,
        "/account/password",
        &[
            ("csrf_token", &csrf),
            ("current_password", PASSWORD),
            ("new_password", NEW_PASSWORD),
        ],
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert!(changed.contains("Your password is changed."));
    assert_eq!(
        app.get("/account").await.status(),
        200,
        "this browser stays signed in"
    );
    assert!(
        smtp.mail_to("secure@example.com")
            .await
            .data
            .contains("password")
    );
    assert_eq!(app.page_sign_in("secure@example.com", PASSWORD).await, 401);
    assert_eq!(
        app.page_sign_in("secure@example.com", NEW_PASSWORD).await,
        200
    );

    // The copy of one's data downloads from the page.
    let export = app.get("/account/export").await;
    assert_eq!(export.status(), 200);
    let export: serde_json::Value = export.json().await.unwrap();
    assert_eq!(export["account"]["email"], "secure@example.com");

    // Forms without this session's CSRF token change nothing.
    for path in ["/account/password", "/account/sessions", "/account/apps"] {
        let (status, _) = post_form(
            &app,
            path,
            &[
                ("csrf_token", "forged"),
                ("sid", "others"),
                ("current_password", NEW_PASSWORD),
                ("new_password", "Another-fine-pass-42"),
            ],
        )
        .await;
        assert_eq!(status, 403, "{path}");
    }
    app.stop().await;
}

async fn the_account_page_changes_the_address_and_deletes_the_account(backend: Backend) {
    let (mut app, smtp) = spawn(backend).await;
    app.create_user("first@example.com", &[]);
    app.fresh_browser("Home computer");
    let page = account_page(&app, "first@example.com", PASSWORD).await;
    assert!(
        !page.contains("id=\"delete_current_password\""),
        "a fresh sign-in is not asked again"
    );
    let csrf = hidden_field(&page, "csrf_token").unwrap();

    // By the code, typed in on the account page.
    let (status, started) = post_form(
        &app,
        "/account/email",
        &[
            ("csrf_token", &csrf),
            ("action", "start"),
            ("email", "second@example.com"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        started.contains("Code sent to second@example.com"),
        "{started}"
    );
    let code = smtp.mail_to("second@example.com").await.code();
    let (status, changed) = post_form(
        &app,
        "/account/email",
        &[
            ("csrf_token", &csrf),
            ("action", "confirm"),
            ("code", &code),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(changed.contains("Your email address is changed."));
    assert!(changed.contains("<strong>second@example.com</strong>"));
    assert!(
        smtp.mail_to("first@example.com")
            .await
            .data
            .contains("second@example.com")
    );

    // By the link, after the sign-in has aged: the password is asked for.
    app.clock.advance(time::Duration::minutes(6));
    let page = app.get("/account").await.text().await.unwrap();
    assert!(page.contains("id=\"email_current_password\""));
    let (status, refused) = post_form(
        &app,
        "/account/email",
        &[
            ("csrf_token", &csrf),
            ("action", "start"),
            ("email", "third@example.com"),
        ],
    )
    .await;
    assert_eq!(status, 403);
    assert!(refused.contains("id=\"email_current_password-error\""));
    let (status, _) = post_form(
        &app,
        "/account/email",
        &[
            ("csrf_token", &csrf),
            ("action", "start"),
            ("email", "third@example.com"),
            ("current_password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let link = smtp
        .mail_to("third@example.com")
        .await
        .link(&app.url("/confirm-email?token="));
    assert_eq!(app.get("/confirm-email?token=made-up").await.status(), 400);
    let confirm = app.http.get(&link).send().await.unwrap();
    assert_eq!(
        confirm.status(),
        200,
        "opening the link changes nothing yet"
    );
    let confirm = confirm.text().await.unwrap();
    assert_eq!(app.users_with_email("second@example.com").await, 1);
    let (status, done) = post_form(
        &app,
        "/confirm-email",
        &[
            ("csrf_token", &hidden_field(&confirm, "csrf_token").unwrap()),
            ("token", &hidden_field(&confirm, "token").unwrap()),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(done.contains("third@example.com"));
    assert_eq!(app.users_with_email("third@example.com").await, 1);

    // Deletion: the box must be ticked; the password was given a moment ago, so not asked again.
    let (status, refused) = post_form(&app, "/account/delete", &[("csrf_token", &csrf)]).await;
    assert_eq!(status, 422);
    assert!(refused.contains("id=\"confirm-error\""));
    assert!(!refused.contains("id=\"delete_current_password\""));
    let (status, gone) = post_form(
        &app,
        "/account/delete",
        &[("csrf_token", &csrf), ("confirm", "delete")],
    )
    .await;
    assert_eq!(status, 200);
    assert!(gone.contains("Your account is deleted"));
    assert_eq!(app.get("/account").await.status(), 303, "signed out");
    assert_eq!(app.users_with_email("third@example.com").await, 0);
    let goodbye = smtp.nth_mail_to("third@example.com", 2).await;
    assert!(goodbye.data.contains("Your account was deleted"));
    app.stop().await;
}

async fn in_a_browser_the_account_page_changes_everything_then_deletes_the_account(
    backend: Backend,
) {
    let (app, smtp) = spawn(backend).await;
    let rp = ClientApp::start().await;
    app.create_user("browser@example.com", &[]);
    let callback = rp.url("/cb");
    let client = app.create_client(&[
        "--first-party",
        "--redirect-uri",
        &callback,
        "--scope",
        "openid",
        "--scope",
        "offline_access",
    ]);
    let (verifier, challenge) = pkce_pair();
    let request = AuthRequest::new(&client, &callback, "openid offline_access", &challenge);
    let browser = Browser::start().await;
    browser.goto(&request.url(&app)).await;
    browser.wait_for_url(&app.url("/login")).await;
    browser.sign_in("browser@example.com", PASSWORD).await;
    let received = rp.wait_for("/cb").await;
    let code = received
        .param("code")
        .expect("a code at the app")
        .to_owned();
    let tokens = app
        .exchange_code(&client, &code, &callback, &verifier)
        .await;
    let tokens: serde_json::Value = tokens.json().await.unwrap();
    let refresh_token = tokens["refresh_token"].as_str().unwrap().to_owned();

    browser.goto(&app.url("/account")).await;
    browser.wait_for_url(&app.url("/account")).await;
    let page = browser.source().await;
    assert!(
        page.contains("· this browser"),
        "the browser finds itself in the list"
    );
    assert!(page.contains("Connected apps"));
    browser.type_into("#given_name", "Grace").await;
    browser
        .click("form[action='/account'] button[type=submit]")
        .await;
    eventually_text(&browser, "Your profile is saved.").await;

    browser.type_into("#new_email", "moved@example.com").await;
    browser
        .click("form[action='/account/email'] button[type=submit]")
        .await;
    eventually_text(&browser, "Code sent to moved@example.com").await;
    let code = smtp.mail_to("moved@example.com").await.code();
    browser.type_into("#code", &code).await;
    browser
        .click("form[action='/account/email'] button.primary")
        .await;
    eventually_text(&browser, "Your email address is changed.").await;

    browser.type_into("#current_password", PASSWORD).await;
    browser.type_into("#new_password", NEW_PASSWORD).await;
    browser
        .click("form[action='/account/password'] button[type=submit]")
        .await;
    eventually_text(&browser, "Your password is changed.").await;
    let refreshed = app
        .post_form_basic(
            "/token",
            &client,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &refresh_token),
            ],
        )
        .await;
    assert_eq!(refreshed.status(), 400, "the app must sign in again");
    browser.screenshot("account-changed").await;

    browser.click("#confirm").await;
    browser
        .click("form[action='/account/delete'] button[type=submit]")
        .await;
    eventually_text(&browser, "Your account is deleted").await;
    browser.assert_no_csp_violation().await;
    assert_eq!(app.users_with_email("moved@example.com").await, 0);
    browser.goto(&request.url(&app)).await;
    browser.wait_for_url(&app.url("/login")).await;
    browser.quit().await;
    app.stop().await;
}

on_both_backends!(
    the_account_page_signs_in_first_and_edits_the_profile,
    the_account_page_signs_other_browsers_out_and_changes_the_password,
    the_account_page_changes_the_address_and_deletes_the_account,
    in_a_browser_the_account_page_changes_everything_then_deletes_the_account,
);
