//! Liveness, readiness and the headers every response carries.

use crate::support::{Backend, TestApp};

async fn live_and_ready_answer_200_with_the_backend_name(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let live = app.get("/health/live").await;
    assert_eq!(live.status(), 200);
    assert_eq!(live.headers()["cache-control"], "no-store");
    let ready = app.get("/health/ready").await;
    assert_eq!(ready.status(), 200);
    let body: serde_json::Value = ready.json().await.unwrap();
    let expected = match backend {
        Backend::Postgres => "postgres",
        Backend::Sqlite => "sqlite",
    };
    assert_eq!(
        body,
        serde_json::json!({ "status": "ready", "database": expected })
    );
    app.stop().await;
}

async fn every_response_has_security_headers_and_a_request_id(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for path in ["/health/live", "/no-such-page"] {
        let response = app.get(path).await;
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        let id = headers["x-request-id"].to_str().unwrap();
        assert_eq!(uuid::Uuid::parse_str(id).unwrap().get_version_num(), 4);
    }
    let a = app.get("/health/live").await.headers()["x-request-id"].clone();
    let b = app.get("/health/live").await.headers()["x-request-id"].clone();
    assert_ne!(a, b, "each request gets its own id");
    app.stop().await;
}

async fn a_well_formed_incoming_request_id_is_kept_and_a_hostile_one_replaced(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let kept = app
        .http
        .get(app.url("/health/live"))
        .header("x-request-id", "proxy-1234.abc")
        .send()
        .await
        .unwrap();
    assert_eq!(kept.headers()["x-request-id"], "proxy-1234.abc");
    let replaced = app
        .http
        .get(app.url("/health/live"))
        .header("x-request-id", "evil\tinjected log line")
        .send()
        .await
        .unwrap();
    assert_ne!(
        replaced.headers()["x-request-id"],
        "evil\tinjected log line"
    );
    app.stop().await;
}

on_both_backends!(
    live_and_ready_answer_200_with_the_backend_name,
    every_response_has_security_headers_and_a_request_id,
    a_well_formed_incoming_request_id_is_kept_and_a_hostile_one_replaced,
);
