//! Page headers, cookies and CSRF over plain HTTP.

use crate::support::browser_flow::{AuthRequest, PASSWORD, hidden_field, location};
use crate::support::{Backend, TestApp};

async fn login_page(app: &TestApp) -> (reqwest::Response, String) {
    let client = app.web_client(&[]);
    let request = AuthRequest::to_callback(&client, "openid");
    let start = app.start_authorization(&request).await;
    let url = location(&start);
    (app.http.get(app.url(&url)).send().await.unwrap(), url)
}

async fn pages_forbid_framing_caching_and_inline_script(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (page, _) = login_page(&app).await;
    let headers = page.headers();
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(csp.contains("base-uri 'none'"), "{csp}");
    // The sign-in form may answer with the redirect to the client: its origin, and only it.
    assert!(
        csp.contains("form-action 'self' https://app.example.com;"),
        "{csp}"
    );
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    let cookie = headers["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("portcullis_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"),
        "{cookie}"
    );
    app.stop().await;
}

async fn pages_without_a_pending_request_post_only_to_us(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for path in ["/login", "/consent", "/login?request=unknown"] {
        let page = app.get(path).await;
        let csp = page.headers()["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("form-action 'self';"), "{path}: {csp}");
    }
    app.stop().await;
}

async fn a_login_without_the_csrf_token_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user("csrf@example.com", &[]);
    let (page, _) = login_page(&app).await;
    let html = page.text().await.unwrap();
    let request = hidden_field(&html, "request").unwrap();
    let forged = app
        .http
        .post(app.url("/login"))
        .form(&[
            ("email", "csrf@example.com"),
            ("password", PASSWORD),
            ("request", request.as_str()),
            ("csrf_token", "guess"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert!(forged.text().await.unwrap().contains("expired"));
    app.stop().await;
}

async fn the_session_id_changes_at_sign_in(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user("fixation@example.com", &[]);
    let (page, url) = login_page(&app).await;
    let before = page.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let login = app
        .submit_login(&url, "fixation@example.com", PASSWORD)
        .await;
    let after = login.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert_ne!(before, after, "a new session id after sign-in");
    app.stop().await;
}

async fn production_cookies_are_host_prefixed_and_secure(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| {
        config.server.issuer = "https://id.example.com".parse().unwrap();
    })
    .await;
    let (page, _) = login_page(&app).await;
    let cookie = page.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("__Host-portcullis_session="), "{cookie}");
    assert!(
        cookie.contains("Secure") && !cookie.contains("Domain="),
        "{cookie}"
    );
    app.stop().await;
}

async fn the_lockout_is_shared_by_the_login_page_and_the_password_grant(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user("shared@example.com", &[]);
    let ropc = app.create_client(&["--first-party", "--grant-type", "password"]);
    for _ in 0..5 {
        app.post_form_basic(
            "/token",
            &ropc,
            &[
                ("grant_type", "password"),
                ("username", "shared@example.com"),
                ("password", "wrong!!!"),
            ],
        )
        .await;
    }
    let (_, url) = login_page(&app).await;
    let response = app.submit_login(&url, "shared@example.com", PASSWORD).await;
    assert_eq!(response.status(), 429);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Too many failed attempts")
    );
    app.stop().await;
}

/// A person who opens the server's address gets a page saying what it is, with the page policy,
/// and the browser's favicon request is answered.
async fn the_landing_page_says_what_this_is(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let home = app.get("/").await;
    assert_eq!(home.status(), 200);
    let csp = home.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("form-action 'self'"),
        "{csp}"
    );
    let html = home.text().await.unwrap();
    assert!(html.contains(&app.base_url), "names the issuer: {html}");
    assert!(html.contains(r#"href="/login""#), "{html}");
    assert!(
        html.contains(r#"href="/.well-known/openid-configuration""#),
        "{html}"
    );
    assert!(html.contains(r#"rel="icon" href="/favicon.svg""#), "{html}");
    for path in ["/favicon.ico", "/favicon.svg"] {
        let icon = app.get(path).await;
        assert_eq!(icon.status(), 200, "{path}");
        assert_eq!(icon.headers()["content-type"], "image/svg+xml", "{path}");
        assert!(icon.text().await.unwrap().starts_with("<svg"), "{path}");
    }
    app.stop().await;
}

on_both_backends!(
    the_landing_page_says_what_this_is,
    pages_forbid_framing_caching_and_inline_script,
    pages_without_a_pending_request_post_only_to_us,
    a_login_without_the_csrf_token_is_refused,
    the_session_id_changes_at_sign_in,
    production_cookies_are_host_prefixed_and_secure,
    the_lockout_is_shared_by_the_login_page_and_the_password_grant,
);
