//! Authorization request errors: about the client or redirect URI, a page and never a redirect;
//! anything else, a redirect with `error`, `state` and `iss`.

use crate::support::browser_flow::CALLBACK;
use crate::support::browser_flow::{AuthRequest, location, param, pkce_pair};
use crate::support::{Backend, TestApp};

async fn expect_page(app: &TestApp, url: String) {
    let response = app.http.get(url.clone()).send().await.unwrap();
    assert_eq!(response.status(), 400, "{url}");
    assert!(
        response.headers().get("location").is_none(),
        "never redirect: {url}"
    );
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
}

async fn unknown_clients_and_unregistered_redirect_uris_get_a_page_never_a_redirect(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let client = app.web_client(&[]);
    let good = AuthRequest::to_callback(&client, "openid");
    let mut unknown = good.clone();
    unknown.client_id = "no-such-client".into();
    expect_page(&app, unknown.url(&app)).await;
    let without_client: Vec<(String, String)> = good
        .pairs()
        .into_iter()
        .filter(|(k, _)| k != "client_id")
        .collect();
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(without_client)
        .finish();
    expect_page(&app, app.url(&format!("/authorize?{query}"))).await;
    for variant in [
        "https://app.example.com/callback/",
        "https://app.example.com/callback?x=1",
        "https://app.example.com/Callback",
        "https://APP.example.com/callback",
        "https://evil.example.com/callback",
        "https://app.example.com.evil.com/callback",
        "https://app.example.com@evil.com/callback",
        "https://evil.com/callback#@app.example.com",
        "http://app.example.com/callback",
        "https://app.example.com:443/callback",
    ] {
        let mut request = good.clone();
        request.redirect_uri = variant.into();
        expect_page(&app, request.url(&app)).await;
    }
    let repeated = format!("{}&state=second", good.url(&app));
    expect_page(&app, repeated).await;
    app.stop().await;
}

async fn other_errors_go_back_to_the_client_with_state_and_iss(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = app.web_client(&[]);
    let base = AuthRequest::to_callback(&client, "openid");
    let strip = |name: &str| {
        let pairs: Vec<(String, String)> = base
            .pairs()
            .into_iter()
            .filter(|(k, _)| k != name)
            .collect();
        app.url(&format!(
            "/authorize?{}",
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish()
        ))
    };
    let replace = |name: &str, value: &str| {
        let pairs: Vec<(String, String)> = base
            .pairs()
            .into_iter()
            .map(|(k, v)| {
                if k == name {
                    (k, value.to_owned())
                } else {
                    (k, v)
                }
            })
            .collect();
        app.url(&format!(
            "/authorize?{}",
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish()
        ))
    };
    let cases = [
        (strip("response_type"), "invalid_request"),
        (
            replace("response_type", "token"),
            "unsupported_response_type",
        ),
        (strip("code_challenge"), "invalid_request"),
        (replace("code_challenge_method", "plain"), "invalid_request"),
        (strip("code_challenge_method"), "invalid_request"),
        (replace("code_challenge", "too-short"), "invalid_request"),
        (replace("scope", "admin"), "invalid_scope"),
        (strip("scope"), "invalid_scope"),
        (
            format!("{}&request=eyJhbGciOiJub25lIn0.e30.", base.url(&app)),
            "request_not_supported",
        ),
        (
            format!("{}&request_uri=https://evil.example.com/r", base.url(&app)),
            "request_uri_not_supported",
        ),
        (format!("{}&max_age=-1", base.url(&app)), "invalid_request"),
        (
            format!("{}&prompt=none%20login", base.url(&app)),
            "invalid_request",
        ),
    ];
    for (url, error) in cases {
        let response = app.http.get(url.clone()).send().await.unwrap();
        assert_eq!(response.status(), 303, "{url}");
        let target = location(&response);
        assert!(target.starts_with(CALLBACK), "{target}");
        assert_eq!(
            param(&target, "error").as_deref(),
            Some(error),
            "{url} -> {target}"
        );
        assert_eq!(
            param(&target, "state").as_deref(),
            Some(base.state.as_str())
        );
        assert_eq!(
            param(&target, "iss").as_deref(),
            Some(app.base_url.as_str())
        );
    }
    app.stop().await;
}

async fn unknown_and_display_parameters_are_accepted_and_post_works(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = app.web_client(&[]);
    let request = AuthRequest::to_callback(&client, "openid")
        .with("ui_locales", "fr-CA fr en")
        .with("claims_locales", "fr")
        .with("display", "page")
        .with("acr_values", "urn:example:loa:1")
        .with("login_hint", "someone@example.com")
        .with("something_new", "ignored");
    let response = app.start_authorization(&request).await;
    assert_eq!(response.status(), 303);
    assert!(location(&response).starts_with("/login?request="));
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none(),
        "no CORS on /authorize"
    );
    let login = app
        .http
        .get(app.url(&location(&response)))
        .send()
        .await
        .unwrap();
    let html = login.text().await.unwrap();
    assert!(
        html.contains("value=\"someone@example.com\""),
        "login_hint prefills the email"
    );

    let posted = app
        .http
        .post(app.url("/authorize"))
        .form(&request.pairs())
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 303);
    assert!(location(&posted).starts_with("/login?request="));
    app.stop().await;
}

async fn a_loopback_redirect_uri_may_use_any_port(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = app.create_client(&["--public", "--redirect-uri", "http://127.0.0.1/callback"]);
    let (_, challenge) = pkce_pair();
    let request = AuthRequest::new(
        &client,
        "http://127.0.0.1:49152/callback",
        "openid",
        &challenge,
    );
    let response = app.start_authorization(&request).await;
    assert_eq!(response.status(), 303);
    assert!(location(&response).starts_with("/login"));
    let other_path = AuthRequest::new(
        &client,
        "http://127.0.0.1:49152/other",
        "openid",
        &challenge,
    );
    expect_page(&app, other_path.url(&app)).await;
    app.stop().await;
}

on_both_backends!(
    unknown_clients_and_unregistered_redirect_uris_get_a_page_never_a_redirect,
    other_errors_go_back_to_the_client_with_state_and_iss,
    unknown_and_display_parameters_are_accepted_and_post_works,
    a_loopback_redirect_uri_may_use_any_port,
);
