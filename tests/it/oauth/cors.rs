//! CORS on the endpoints browser apps call: readable only from the client's own web origins,
//! preflights answered for registered origins, never a reflected arbitrary origin, and nothing
//! on introspection or the pages.

use crate::support::{Backend, TestApp};

const APP: &str = "http://127.0.0.1:7001";
const OTHER: &str = "https://other.example";

async fn post_token(app: &TestApp, origin: &str, client_id: &str) -> reqwest::Response {
    app.http
        .post(app.url("/token"))
        .header("origin", origin)
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", "no-such-code"),
            ("client_id", client_id),
        ])
        .send()
        .await
        .unwrap()
}

fn allowed_origin(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get("access-control-allow-origin")
        .map(|v| v.to_str().unwrap().to_owned())
}

async fn preflight(app: &TestApp, path: &str, origin: &str) -> reqwest::Response {
    app.http
        .request(reqwest::Method::OPTIONS, app.url(path))
        .header("origin", origin)
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "authorization")
        .send()
        .await
        .unwrap()
}

async fn only_a_clients_own_origins_may_read_its_answers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let spa = app.create_client(&["--public", "--redirect-uri", &format!("{APP}/cb")]);
    let other = app.create_client(&[
        "--public",
        "--redirect-uri",
        "https://other.example/cb",
        "--web-origin",
        OTHER,
        "--web-origin",
        "https://second.example",
    ]);

    let response = post_token(&app, APP, &spa.id).await;
    assert_eq!(response.status(), 400);
    assert_eq!(allowed_origin(&response).as_deref(), Some(APP));
    assert!(
        response
            .headers()
            .get("access-control-allow-credentials")
            .is_none()
    );
    assert_eq!(response.headers()["vary"], "origin");
    // Another client's origin, for this client: not readable.
    assert_eq!(
        allowed_origin(&post_token(&app, OTHER, &spa.id).await),
        None
    );
    assert_eq!(
        allowed_origin(&post_token(&app, "https://second.example", &other.id).await).as_deref(),
        Some("https://second.example"),
        "an explicit list replaces the default"
    );
    assert_eq!(
        allowed_origin(&post_token(&app, "https://evil.example", &spa.id).await),
        None
    );
    assert_eq!(
        allowed_origin(&post_token(&app, "null", &spa.id).await),
        None
    );

    for path in ["/userinfo", "/token", "/revoke"] {
        let answer = preflight(&app, path, APP).await;
        assert_eq!(answer.status(), 204, "{path}");
        assert_eq!(allowed_origin(&answer).as_deref(), Some(APP), "{path}");
        let headers = answer.headers();
        assert!(
            headers["access-control-allow-headers"]
                .to_str()
                .unwrap()
                .contains("authorization")
        );
        assert!(
            headers["access-control-allow-methods"]
                .to_str()
                .unwrap()
                .contains("GET")
        );
        let refused = preflight(&app, path, "https://evil.example").await;
        assert_eq!(allowed_origin(&refused), None, "{path}");
    }
    let userinfo = app
        .http
        .get(app.url("/userinfo"))
        .header("origin", APP)
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(userinfo.status(), 401);
    assert_eq!(
        allowed_origin(&userinfo).as_deref(),
        Some(APP),
        "errors before the client is known are readable from registered origins"
    );
    app.stop().await;
}

async fn introspection_and_pages_have_no_cors(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_client(&["--public", "--redirect-uri", &format!("{APP}/cb")]);
    let introspect = preflight(&app, "/introspect", APP).await;
    assert_eq!(allowed_origin(&introspect), None);
    let introspect = app
        .http
        .post(app.url("/introspect"))
        .header("origin", APP)
        .form(&[("token", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(allowed_origin(&introspect), None);
    for path in ["/login", "/authorize", "/end_session"] {
        let page = app
            .http
            .get(app.url(path))
            .header("origin", APP)
            .send()
            .await
            .unwrap();
        assert_eq!(allowed_origin(&page), None, "{path}");
    }
    let discovery = app
        .http
        .get(app.url("/.well-known/openid-configuration"))
        .header("origin", APP)
        .send()
        .await
        .unwrap();
    assert_eq!(allowed_origin(&discovery).as_deref(), Some("*"));
    let jwks = app
        .http
        .get(app.url("/jwks"))
        .header("origin", APP)
        .send()
        .await
        .unwrap();
    assert_eq!(allowed_origin(&jwks).as_deref(), Some("*"));
    app.stop().await;
}

on_both_backends!(
    only_a_clients_own_origins_may_read_its_answers,
    introspection_and_pages_have_no_cors,
);
