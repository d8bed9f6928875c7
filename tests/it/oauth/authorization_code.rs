//! The authorization code flow end to end: sign-in page, consent, code, tokens.

use crate::support::browser_flow::{AuthRequest, PASSWORD, location, param};
use crate::support::oauth::jwt_header;
use crate::support::{Backend, TestApp};

async fn a_first_party_client_gets_tokens_without_a_consent_page(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let user_id = app.create_user(
        "ada@example.com",
        &["--name", "Ada Lovelace", "--role", "admin"],
    );
    let client = app.web_client(&["--first-party"]);
    let tokens = app
        .code_flow(
            &client,
            "ada@example.com",
            "openid profile email offline_access",
        )
        .await;
    assert_eq!(tokens["token_type"], "Bearer");
    assert!(
        tokens["refresh_token"]
            .as_str()
            .is_some_and(|t| t.len() >= 43)
    );
    let id_token = tokens["id_token"].as_str().unwrap();
    assert_eq!(jwt_header(id_token).alg, jsonwebtoken::Algorithm::RS256);
    let claims = app.verify_jwt(id_token, &client.id).await;
    assert_eq!(claims["sub"], user_id.as_str());
    assert_eq!(claims["azp"], client.id.as_str());
    assert_eq!(claims["email"], "ada@example.com");
    assert_eq!(claims["name"], "Ada Lovelace");
    assert_eq!(claims["amr"], serde_json::json!(["pwd"]));
    assert!(claims["auth_time"].as_i64().is_some() && claims["sid"].as_str().is_some());
    assert!(claims["at_hash"].as_str().is_some() && claims["nonce"].as_str().is_some());

    let access = app
        .verify_jwt(tokens["access_token"].as_str().unwrap(), &app.base_url)
        .await;
    assert_eq!(access["sub"], user_id.as_str());
    assert_eq!(access["roles"], serde_json::json!(["admin"]));
    assert_eq!(access["scope"], "email offline_access openid profile");
    app.stop().await;
}

async fn a_third_party_client_needs_consent_once_and_deny_is_access_denied(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user("grace@example.com", &[]);
    let client = app.web_client(&[]);
    let request = AuthRequest::to_callback(&client, "openid email");
    let start = app.start_authorization(&request).await;
    let login = app
        .submit_login(&location(&start), "grace@example.com", PASSWORD)
        .await;
    let consent_url = location(&login);
    assert!(
        consent_url.starts_with("/consent?request="),
        "{consent_url}"
    );
    let denied = app.submit_consent(&consent_url, "deny").await;
    let callback = location(&denied);
    assert_eq!(param(&callback, "error").as_deref(), Some("access_denied"));
    assert_eq!(
        param(&callback, "state").as_deref(),
        Some(request.state.as_str())
    );
    assert_eq!(
        param(&callback, "iss").as_deref(),
        Some(app.base_url.as_str())
    );

    // Allow once; the next request for the same scopes goes straight back with a code.
    let again = app.start_authorization(&request).await;
    let consent_url = location(&again);
    assert!(consent_url.starts_with("/consent"), "{consent_url}");
    let allowed = app.submit_consent(&consent_url, "allow").await;
    assert!(param(&location(&allowed), "code").is_some());
    let remembered = app.start_authorization(&request).await;
    let callback = location(&remembered);
    assert!(
        param(&callback, "code").is_some(),
        "consent remembered: {callback}"
    );
    assert_eq!(
        param(&callback, "iss").as_deref(),
        Some(app.base_url.as_str())
    );
    app.stop().await;
}

async fn sso_skips_the_login_page_and_prompt_none_reports_login_required(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user("sso@example.com", &[]);
    let client = app.web_client(&["--first-party"]);
    app.assert_no_session(&client).await;

    let request = AuthRequest::to_callback(&client, "openid");
    app.sign_in_through(&request, "sso@example.com").await;
    let silent = AuthRequest::to_callback(&client, "openid").with("prompt", "none");
    let response = app.start_authorization(&silent).await;
    assert!(
        param(&location(&response), "code").is_some(),
        "signed in: no page"
    );
    let forced = AuthRequest::to_callback(&client, "openid").with("prompt", "login");
    let response = app.start_authorization(&forced).await;
    assert!(
        location(&response).starts_with("/login"),
        "prompt=login shows the page again"
    );
    // A moment after signing in, in the same second: max_age=0 still asks again.
    let max_age = AuthRequest::to_callback(&client, "openid").with("max_age", "0");
    let response = app.start_authorization(&max_age).await;
    let login = location(&response);
    assert!(
        login.starts_with("/login"),
        "max_age=0 demands a fresh sign-in"
    );
    let signed_in = app.submit_login(&login, "sso@example.com", PASSWORD).await;
    assert!(
        param(&location(&signed_in), "code").is_some(),
        "and the sign-in done for it satisfies it"
    );
    let recent = AuthRequest::to_callback(&client, "openid").with("max_age", "60");
    let response = app.start_authorization(&recent).await;
    assert!(
        param(&location(&response), "code").is_some(),
        "within max_age"
    );
    app.clock.advance(time::Duration::seconds(61));
    let response = app.start_authorization(&recent).await;
    assert!(
        location(&response).starts_with("/login"),
        "older than max_age"
    );
    app.stop().await;
}

async fn scopes_the_client_may_not_have_are_dropped_not_granted(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user("scopes@example.com", &[]);
    let client = app.web_client(&["--first-party", "--scope", "openid", "--scope", "email"]);
    let tokens = app
        .code_flow(&client, "scopes@example.com", "openid email phone admin")
        .await;
    assert_eq!(tokens["scope"], "email openid");
    let access = app
        .verify_jwt(tokens["access_token"].as_str().unwrap(), &app.base_url)
        .await;
    assert_eq!(access["scope"], "email openid");
    app.stop().await;
}

async fn form_post_renders_an_auto_submitting_form(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user("post@example.com", &[]);
    let client = app.web_client(&["--first-party"]);
    let plain = AuthRequest::to_callback(&client, "openid");
    app.sign_in_through(&plain, "post@example.com").await;
    let request = plain.clone().with("response_mode", "form_post");
    let response = app.start_authorization(&request).await;
    assert_eq!(response.status(), 200);
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'nonce-"), "{csp}");
    assert!(csp.contains("form-action https://app.example.com"), "{csp}");
    let html = response.text().await.unwrap();
    assert!(html.contains("action=\"https://app.example.com/callback\""));
    assert!(html.contains("name=\"code\""));
    assert!(html.contains(&format!("name=\"state\" value=\"{}\"", request.state)));
    assert!(html.contains("<noscript>"), "usable without JavaScript");
    app.stop().await;
}

async fn wrong_credentials_get_one_answer_whatever_the_cause(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user("known@example.com", &[]);
    let client = app.web_client(&["--first-party"]);
    let request = AuthRequest::to_callback(&client, "openid");
    let start = app.start_authorization(&request).await;
    let login_url = location(&start);
    let mut answers = Vec::new();
    for (email, password) in [
        ("known@example.com", "wrong password!"),
        ("nobody@example.com", PASSWORD),
    ] {
        let response = app.submit_login(&login_url, email, password).await;
        let status = response.status();
        let html = response.text().await.unwrap();
        let alert = html
            .split("role=\"alert\"")
            .nth(1)
            .unwrap()
            .split("</p>")
            .next()
            .unwrap()
            .to_owned();
        answers.push((status, alert));
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0].0, 401);
    app.stop().await;
}

on_both_backends!(
    a_first_party_client_gets_tokens_without_a_consent_page,
    a_third_party_client_needs_consent_once_and_deny_is_access_denied,
    sso_skips_the_login_page_and_prompt_none_reports_login_required,
    scopes_the_client_may_not_have_are_dropped_not_granted,
    form_post_renders_an_auto_submitting_form,
    wrong_credentials_get_one_answer_whatever_the_cause,
);

async fn a_suspended_account_gets_the_same_answer_as_a_wrong_password(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let user_id = app.create_user("suspended@example.com", &[]);
    app.create_user("active@example.com", &[]);
    let store = crate::support::connect_store(&app.db.config())
        .await
        .unwrap();
    let id = portcullis::domain::UserId::from_uuid(user_id.parse().unwrap());
    store
        .set_user_status(
            id,
            portcullis::domain::UserStatus::Suspended,
            portcullis::domain::time::now(),
        )
        .await
        .unwrap();
    store.close().await;
    let client = app.web_client(&["--first-party"]);
    let request = AuthRequest::to_callback(&client, "openid");
    let login_url = location(&app.start_authorization(&request).await);
    let mut answers = Vec::new();
    for (email, password) in [
        ("suspended@example.com", PASSWORD),
        ("active@example.com", "wrong password!"),
    ] {
        let response = app.submit_login(&login_url, email, password).await;
        let status = response.status();
        let html = response.text().await.unwrap();
        let alert = html
            .split("role=\"alert\"")
            .nth(1)
            .unwrap()
            .split("</p>")
            .next()
            .unwrap()
            .to_owned();
        answers.push((status, alert));
    }
    assert_eq!(
        answers[0], answers[1],
        "the right password of a suspended account reveals nothing"
    );
    app.stop().await;
}

on_both_backends!(a_suspended_account_gets_the_same_answer_as_a_wrong_password);
