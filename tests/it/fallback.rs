//! Unknown paths and wrong methods answer in the caller's format, never with an empty body.

use crate::support::{Backend, TestApp};

async fn unknown_paths_are_problem_json_for_programs_and_a_page_for_browsers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app.get("/api/nothing-here").await;
    assert_eq!(response.status(), 404);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], 404);
    assert_eq!(body["title"], "Not found");
    assert_eq!(body["instance"], format!("urn:request-id:{request_id}"));

    let page = app
        .http
        .get(app.url("/nothing-here"))
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 404);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    let request_id = page.headers()["x-request-id"].to_str().unwrap().to_owned();
    let html = page.text().await.unwrap();
    assert!(html.contains("Not found"));
    assert!(
        html.contains(&request_id),
        "the page shows the request id to quote"
    );
    app.stop().await;
}

async fn oauth_paths_answer_rfc_6749_json(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app
        .http
        .post(app.url("/token/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
    assert!(
        body["error_description"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    );
    app.stop().await;
}

async fn a_wrong_method_is_405_with_allow_and_a_body(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app
        .http
        .delete(app.url("/health/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "GET,HEAD");
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], 405);
    assert!(body["detail"].as_str().unwrap().contains("DELETE"));
    app.stop().await;
}

on_both_backends!(
    unknown_paths_are_problem_json_for_programs_and_a_page_for_browsers,
    oauth_paths_answer_rfc_6749_json,
    a_wrong_method_is_405_with_allow_and_a_body,
);

async fn malformed_page_requests_get_html_pages_not_framework_text(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (path, status) in [
        ("/consent", 400),
        ("/consent?request=unknown", 400),
        ("/login?request=%FF", 400),
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), status, "{path}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{path}"
        );
    }
    // A fresh connection: the server closes one whose oversize body it did not read.
    let huge = reqwest::Client::new()
        .post(app.url("/authorize"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("a".repeat(200_000))
        .send()
        .await
        .unwrap();
    assert_eq!(huge.status(), 413);
    assert!(
        huge.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let not_a_form = app
        .http
        .post(app.url("/login"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(not_a_form.status(), 400);
    assert!(
        not_a_form.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    app.stop().await;
}

on_both_backends!(malformed_page_requests_get_html_pages_not_framework_text);
