//! Signing in through the real pages in headless Chromium.

use crate::support::browser::Browser;
use crate::support::browser_flow::{AuthRequest, PASSWORD, pkce_pair};
use crate::support::client_app::{ClientApp, SpaConfig};
use crate::support::eventually::eventually;
use crate::support::{Backend, TestApp};

/// Fills in and sends the sign-in form the browser is showing.
async fn sign_in(browser: &Browser, app: &TestApp, email: &str) {
    browser.wait_for_url(&app.url("/login")).await;
    browser.sign_in(email, PASSWORD).await;
}

async fn consent_allow_and_deny_reach_the_app_on_its_own_origin(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let rp = ClientApp::start().await;
    app.create_user("browser@example.com", &["--name", "Browser User"]);
    let callback = rp.url("/cb");
    let client = app.create_client(&["--name", "Photo Album", "--redirect-uri", &callback]);
    let (verifier, challenge) = pkce_pair();
    let request = AuthRequest::new(&client, &callback, "openid email profile", &challenge);

    let browser = Browser::start().await;
    browser.goto(&request.url(&app)).await;
    browser.wait_for_url(&app.url("/login")).await;
    let login = browser.source().await;
    assert!(
        login.contains("Photo Album"),
        "the page names the application"
    );
    assert!(login.contains("<label for=\"email\">") && login.contains("<label for=\"password\">"));
    browser.screenshot("login").await;
    sign_in(&browser, &app, "browser@example.com").await;

    browser.wait_for_url(&app.url("/consent")).await;
    let consent = browser.source().await;
    assert!(
        consent.contains("See your email address"),
        "scopes are explained"
    );
    browser.screenshot("consent").await;
    browser.click("button[value=allow]").await;

    let received = rp.wait_for("/cb").await;
    assert_eq!(received.param("state"), Some(request.state.as_str()));
    assert_eq!(received.param("iss"), Some(app.base_url.as_str()));
    let code = received
        .param("code")
        .expect("a code at the app")
        .to_owned();
    browser.wait_for_url(&callback).await;
    browser.assert_no_csp_violation().await;
    let tokens = app
        .exchange_code(&client, &code, &callback, &verifier)
        .await;
    assert_eq!(tokens.status(), 200);

    // Asked again, the user says no: the app hears access_denied.
    let again =
        AuthRequest::new(&client, &callback, "openid email", &challenge).with("prompt", "consent");
    browser.goto(&again.url(&app)).await;
    browser.wait_for_url(&app.url("/consent")).await;
    browser.click("button[value=deny]").await;
    let denied = rp
        .wait_for_matching("/cb", |r| r.param("state") == Some(again.state.as_str()))
        .await;
    assert_eq!(denied.param("error"), Some("access_denied"));
    assert_eq!(denied.param("code"), None);
    browser.assert_no_csp_violation().await;
    browser.quit().await;
    app.stop().await;
}

async fn first_party_sign_in_silent_sign_in_and_logout_reach_the_app(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let rp = ClientApp::start().await;
    app.create_user("first@example.com", &[]);
    let callback = rp.url("/cb");
    let signed_out = rp.url("/signed-out");
    let client = app.create_client(&[
        "--first-party",
        "--redirect-uri",
        &callback,
        "--post-logout-redirect-uri",
        &signed_out,
    ]);
    let (verifier, challenge) = pkce_pair();
    let request = AuthRequest::new(&client, &callback, "openid", &challenge);

    let browser = Browser::start().await;
    browser.goto(&request.url(&app)).await;
    sign_in(&browser, &app, "first@example.com").await;
    // No consent page: the sign-in form's answer goes straight to the app.
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

    // The session signs the user in silently.
    let silent = AuthRequest::new(&client, &callback, "openid", &challenge).with("prompt", "none");
    browser.goto(&silent.url(&app)).await;
    let silently = rp
        .wait_for_matching("/cb", |r| r.param("state") == Some(silent.state.as_str()))
        .await;
    assert!(silently.param("code").is_some(), "{silently:?}");

    // Signing out without a hint asks first, then sends the browser back to the app.
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", &client.id)
        .append_pair("post_logout_redirect_uri", &signed_out)
        .append_pair("state", "bye-42")
        .finish();
    browser
        .goto(&app.url(&format!("/end_session?{query}")))
        .await;
    browser.click("button[type=submit]").await;
    let bye = rp.wait_for("/signed-out").await;
    assert_eq!(bye.param("state"), Some("bye-42"));
    browser.assert_no_csp_violation().await;

    // The session is over: a silent request now answers login_required, at the app.
    let after = AuthRequest::new(&client, &callback, "openid", &challenge).with("prompt", "none");
    browser.goto(&after.url(&app)).await;
    let refused = rp
        .wait_for_matching("/cb", |r| r.param("state") == Some(after.state.as_str()))
        .await;
    assert_eq!(refused.param("error"), Some("login_required"));
    browser.quit().await;
    app.stop().await;
}

async fn form_post_delivers_the_code_to_the_app(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let rp = ClientApp::start().await;
    app.create_user("post@example.com", &[]);
    let callback = rp.url("/cb");
    let client = app.create_client(&["--first-party", "--redirect-uri", &callback]);
    let (_, challenge) = pkce_pair();
    let request = AuthRequest::new(&client, &callback, "openid", &challenge)
        .with("response_mode", "form_post");
    let browser = Browser::start().await;
    browser.goto(&request.url(&app)).await;
    sign_in(&browser, &app, "post@example.com").await;
    let received = rp.wait_for("/cb").await;
    assert_eq!(received.method, axum::http::Method::POST);
    assert_eq!(received.param("state"), Some(request.state.as_str()));
    assert!(received.param("code").is_some(), "{received:?}");
    browser.assert_no_csp_violation().await;
    browser.quit().await;
    app.stop().await;
}

async fn the_login_page_cannot_be_framed_and_loads_only_our_assets(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = app.web_client(&[]);
    let request = AuthRequest::to_callback(&client, "openid");
    let browser = Browser::start().await;
    browser.goto(&request.url(&app)).await;
    let login_url = browser.wait_for_url(&app.url("/login")).await;
    let resources = browser
        .execute("return performance.getEntriesByType('resource').map(e => e.name).concat([location.href]);")
        .await;
    let resources: Vec<String> = serde_json::from_value(resources).unwrap();
    assert!(
        resources
            .iter()
            .any(|r| r.ends_with("/static/css/portcullis.css")),
        "{resources:?}"
    );
    for resource in &resources {
        assert!(
            resource.starts_with(&app.base_url),
            "third-party resource {resource}"
        );
    }

    // Frame it from a page of the same origin that has no policy of its own: only the login
    // page's own headers can stop it. A srcdoc frame, which no header covers, is the control.
    browser.goto(&app.url("/health/live")).await;
    let script = format!(
        "window.framesLoaded = 0;
         const framed = document.createElement('iframe'); framed.id = 'framed'; framed.src = '{login_url}';
         const control = document.createElement('iframe'); control.id = 'control';
         control.srcdoc = '<input name=email>';
         for (const frame of [framed, control]) frame.onload = () => window.framesLoaded += 1;
         document.body.append(framed, control); return true;"
    );
    browser.execute(&script).await;
    // Both frames have finished (a refused frame loads the browser's error page).
    eventually(
        std::time::Duration::from_secs(15),
        "both frames loaded",
        || async { browser.execute("return window.framesLoaded;").await == serde_json::json!(2) },
    )
    .await;
    let outcome = browser
        .execute(
            "const read = id => { try { const d = document.getElementById(id).contentDocument;
               return d && d.querySelector('input[name=email]') ? 'loaded' : 'blocked'; } catch (e) { return 'blocked'; } };
             return [read('framed'), read('control')];",
        )
        .await;
    assert_eq!(outcome, serde_json::json!(["blocked", "loaded"]));
    browser.quit().await;
    app.stop().await;
}

on_both_backends!(
    consent_allow_and_deny_reach_the_app_on_its_own_origin,
    a_browser_app_on_its_own_origin_signs_in_and_calls_the_api,
    first_party_sign_in_silent_sign_in_and_logout_reach_the_app,
    form_post_delivers_the_code_to_the_app,
    the_login_page_cannot_be_framed_and_loads_only_our_assets,
);

/// A single-page app with a public client, on its own origin: the code flow with PKCE, then
/// `/token`, `/userinfo` and `/revoke` with `fetch`. A page on an origin no client lists can
/// read none of those answers.
async fn a_browser_app_on_its_own_origin_signs_in_and_calls_the_api(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let spa = ClientApp::start().await;
    let stranger = ClientApp::start().await;
    let user_id = app.create_user("spa@example.com", &[]);
    let client = app.create_client(&[
        "--public",
        "--first-party",
        "--redirect-uri",
        &spa.url("/spa"),
    ]);
    let config = SpaConfig {
        issuer: app.base_url.clone(),
        client_id: client.id.clone(),
        scope: "openid offline_access".to_owned(),
    };
    spa.serve_spa(config.clone());
    stranger.serve_spa(config);

    let browser = Browser::start().await;
    browser.goto(&spa.url("/spa")).await;
    sign_in(&browser, &app, "spa@example.com").await;
    let token = spa.spa_report("token").await;
    assert_eq!(token["status"], 200, "{token}");
    let tokens: serde_json::Value = serde_json::from_str(token["body"].as_str().unwrap()).unwrap();
    let userinfo = spa.spa_report("userinfo").await;
    assert_eq!(userinfo["status"], 200, "{userinfo}");
    let claims: serde_json::Value =
        serde_json::from_str(userinfo["body"].as_str().unwrap()).unwrap();
    assert_eq!(claims["sub"], user_id.as_str());
    let revoke = spa.spa_report("revoke").await;
    assert_eq!(revoke["status"], 200, "{revoke}");
    spa.spa_report("done").await;
    browser.assert_no_csp_violation().await;
    let refreshed = app
        .http
        .post(app.url("/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ("client_id", client.id.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refreshed.status(), 400, "the app's revocation took effect");

    let access_token = tokens["access_token"].as_str().unwrap();
    browser
        .goto(&stranger.url(&format!("/spa?probe={access_token}")))
        .await;
    for step in ["probe-token", "probe-userinfo"] {
        let probed = stranger.spa_report(step).await;
        assert!(
            probed["error"]
                .as_str()
                .is_some_and(|e| e.contains("Failed to fetch")),
            "{step} was readable from an origin no client lists: {probed}"
        );
    }
    browser.quit().await;
    app.stop().await;
}
