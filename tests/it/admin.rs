//! The admin REST API (`/admin/v1`) over HTTP: who may call it (tokens for its audience only,
//! permissions re-read on every request), users and roles, versions (`ETag`/`If-Match`) and the
//! guards against raising anyone above the caller.

mod access;
mod audit;
mod audit_issuance;
mod clients;
mod openapi;
mod roles;
mod users;

use reqwest::Method;
use serde_json::Value;

use crate::support::TestApp;
use crate::support::oauth::TestClient;

/// The scope an admin console asks for.
pub const ADMIN_SCOPE: &str = "openid admin offline_access";

/// A first-party admin console allowed the admin scope.
pub fn console(app: &TestApp) -> TestClient {
    app.web_client(&[
        "--name",
        "Admin console",
        "--first-party",
        "--scope",
        "openid",
        "--scope",
        "admin",
        "--scope",
        "offline_access",
        "--scope",
        "account",
    ])
}

/// An admin API token for `email`, signed in through the console in a fresh browser.
pub async fn token_for(app: &mut TestApp, console: &TestClient, email: &str) -> String {
    app.fresh_browser("admin console");
    let tokens = app.code_flow(console, email, ADMIN_SCOPE).await;
    tokens["access_token"].as_str().unwrap().to_owned()
}

/// An answer of the admin API: status, `ETag` and body (`Null` when there is none).
pub struct Answer {
    pub status: u16,
    pub etag: Option<String>,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

/// Calls the admin API with `token`; `if_match` goes in `If-Match`.
pub async fn call(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
    if_match: Option<&str>,
) -> Answer {
    let mut request = app.http.request(method, app.url(path)).bearer_auth(token);
    if let Some(version) = if_match {
        request = request.header("if-match", version);
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    if status >= 400 {
        assert_eq!(
            headers["content-type"], "application/problem+json",
            "errors of the admin API are problems"
        );
    }
    let etag = headers.get("etag").map(|v| v.to_str().unwrap().to_owned());
    let text = response.text().await.unwrap();
    Answer {
        status,
        etag,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
    }
}

pub async fn get(app: &TestApp, token: &str, path: &str) -> Answer {
    call(app, token, Method::GET, path, None, None).await
}
