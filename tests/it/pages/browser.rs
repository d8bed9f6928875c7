//! Signing in through the real pages in headless Chromium.

use crate::support::browser::Browser;
use crate::support::browser_flow::{AuthRequest, PASSWORD, param, pkce_pair};
use crate::support::{Backend, TestApp};

async fn a_person_signs_in_consents_and_the_app_gets_a_code(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user("browser@example.com", &["--name", "Browser User"]);
    let callback = app.url("/health/live");
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
    browser.type_into("#email", "browser@example.com").await;
    browser.type_into("#password", PASSWORD).await;
    browser.click("button[type=submit]").await;

    browser.wait_for_url(&app.url("/consent")).await;
    let consent = browser.source().await;
    assert!(
        consent.contains("See your email address"),
        "scopes are explained"
    );
    browser.screenshot("consent").await;
    browser.click("button[value=allow]").await;

    let landed = browser.wait_for_url(&callback).await;
    assert_eq!(
        param(&landed, "state").as_deref(),
        Some(request.state.as_str())
    );
    assert_eq!(
        param(&landed, "iss").as_deref(),
        Some(app.base_url.as_str())
    );
    let code = param(&landed, "code").expect("a code on the redirect URI");
    browser.quit().await;

    let tokens = app
        .exchange_code(&client, &code, &callback, &verifier)
        .await;
    assert_eq!(tokens.status(), 200);
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
        "const framed = document.createElement('iframe'); framed.id = 'framed'; framed.src = '{login_url}';
         const control = document.createElement('iframe'); control.id = 'control';
         control.srcdoc = '<input name=email>';
         document.body.append(framed, control); return true;"
    );
    browser.execute(&script).await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
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
    a_person_signs_in_consents_and_the_app_gets_a_code,
    the_login_page_cannot_be_framed_and_loads_only_our_assets,
);
