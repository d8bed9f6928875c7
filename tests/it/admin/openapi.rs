//! The OpenAPI document: served, valid by an independent validator (openapi-spec-validator,
//! PyPI), the documentation page served from the binary; and every admin route it lists
//! refuses a caller without its permission (403) or without a token (401), so a route added
//! later is covered without anyone remembering to.

use reqwest::Method;
use serde_json::{Map, Value, json};

use super::{console, token_for};
use crate::accounts::spawn;
use crate::support::Backend;

/// A JSON value of the schema's shape: every required property, each of its type.
fn instance(schema: &Value, document: &Value) -> Value {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        return instance(&document["components"]["schemas"][name], document);
    }
    let kind = match &schema["type"] {
        Value::Array(kinds) => kinds
            .iter()
            .find(|k| *k != "null")
            .cloned()
            .unwrap_or(Value::Null),
        other => other.clone(),
    };
    match kind.as_str() {
        Some("string") => json!("x"),
        Some("boolean") => json!(false),
        Some("integer") | Some("number") => json!(1),
        Some("array") => json!([]),
        _ => {
            let mut object = Map::new();
            for name in schema["required"].as_array().into_iter().flatten() {
                let name = name.as_str().unwrap();
                object.insert(
                    name.to_owned(),
                    instance(&schema["properties"][name], document),
                );
            }
            Value::Object(object)
        }
    }
}

async fn the_document_is_valid_and_every_admin_route_checks_permissions(backend: Backend) {
    let (mut app, _smtp) = spawn(backend).await;
    app.create_user("plain@example.com", &[]);
    let console = console(&app);
    let plain = token_for(&mut app, &console, "plain@example.com").await;

    let served = app.get("/openapi.json").await;
    assert_eq!(served.status(), 200);
    let document: Value = served.json().await.unwrap();
    assert_eq!(document["openapi"].as_str().map(|v| &v[..3]), Some("3.1"));
    let file = app.db.dir().join("openapi.json");
    std::fs::write(&file, document.to_string()).unwrap();
    let validated = std::process::Command::new("openapi-spec-validator")
        .arg(&file)
        .output()
        .expect("openapi-spec-validator (pip install openapi-spec-validator; scripts/test does)");
    assert!(
        validated.status.success(),
        "{}{}",
        String::from_utf8_lossy(&validated.stdout),
        String::from_utf8_lossy(&validated.stderr)
    );

    let paths = document["paths"].as_object().unwrap();
    for expected in [
        "/api/v1/account",
        "/api/v1/registrations",
        "/authorize-challenge",
        "/admin/v1/users",
        "/admin/v1/audit-events/verification",
    ] {
        assert!(paths.contains_key(expected), "{expected} is documented");
    }
    let mut checked = 0;
    for (path, item) in paths.iter().filter(|(p, _)| p.starts_with("/admin/")) {
        for (method, operation) in item.as_object().unwrap() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            assert_eq!(
                operation["security"][0]["admin_token"],
                json!([]),
                "{method} {path} declares the admin token"
            );
            let url = path
                .replace("{id}", &uuid::Uuid::new_v4().to_string())
                .replace("{name}", "x")
                .replace("{client_id}", "x")
                .replace("{sid}", "x");
            let body = operation["requestBody"]["content"]
                .as_object()
                .and_then(|content| content.values().next())
                .map(|media| instance(&media["schema"], &document));
            let request = |token: Option<&str>| {
                let mut request = app
                    .http
                    .request(method.clone(), app.url(&url))
                    .header("if-match", "\"1\"");
                if let Some(token) = token {
                    request = request.bearer_auth(token);
                }
                if let Some(body) = &body {
                    request = request
                        .header("content-type", "application/json")
                        .body(body.to_string());
                }
                request.send()
            };
            let anonymous = request(None).await.unwrap();
            assert_eq!(anonymous.status(), 401, "{method} {path} without a token");
            assert!(anonymous.headers().contains_key("www-authenticate"));
            let refused = request(Some(&plain)).await.unwrap();
            assert_eq!(
                refused.status(),
                403,
                "{method} {path} without the permission"
            );
            assert_eq!(
                refused.headers()["content-type"],
                "application/problem+json"
            );
            checked += 1;
        }
    }
    assert!(checked >= 29, "{checked} admin operations");

    let docs = app.get("/docs/").await;
    assert_eq!(docs.status(), 200);
    let csp = docs.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-eval"),
        "{csp}"
    );
    assert!(docs.text().await.unwrap().contains("swagger-ui-bundle.js"));
    let bundle = app.get("/docs/swagger-ui-bundle.js").await;
    assert_eq!(bundle.status(), 200, "served from the binary, no CDN");
}

on_both_backends!(the_document_is_valid_and_every_admin_route_checks_permissions);

/// Swagger UI works in a real browser under its CSP: the operations of the document are drawn,
/// and nothing was blocked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_docs_page_draws_the_api_in_a_browser() {
    let (app, _smtp) = spawn(Backend::Sqlite).await;
    let browser = crate::support::browser::Browser::start().await;
    browser.goto(&app.url("/docs/")).await;
    // Waiting for the browser to run Swagger UI's scripts (another program's work, not a rule
    // of ours that time could be moved for).
    crate::support::eventually::eventually(
        std::time::Duration::from_secs(15),
        "Swagger UI draws the document's operations",
        || async {
            browser
                .execute("return document.querySelectorAll('.opblock').length")
                .await
                .as_u64()
                .unwrap_or(0)
                >= 50
        },
    )
    .await;
    browser.assert_no_csp_violation().await;
    browser.quit().await;
}
