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
    let feed = match backend {
        Backend::Postgres => "ok",
        Backend::Sqlite => "not_used",
    };
    assert_eq!(body["status"], "ready");
    assert_eq!(body["database"], expected);
    assert_eq!(body["checks"]["database"]["status"], "ok");
    assert_eq!(body["checks"]["change_feed"]["status"], feed, "{body}");
    assert_eq!(
        body["checks"]["mail"],
        serde_json::json!({ "status": "ok", "transport": "files", "pending": 0 })
    );
    app.stop().await;
}

/// An SMTP server that refuses connections shows in readiness as mail waiting for a retry,
/// without the server's address or any reply in the answer; the instance stays ready.
async fn readiness_reports_mail_that_cannot_be_delivered(backend: Backend) {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let smtp = format!("smtp://127.0.0.1:{port}");
    let app = TestApp::spawn_with(backend, |config| {
        config.email.smtp_url = portcullis::config::SecretString::new(smtp.clone());
    })
    .await;
    let (status, _) = app
        .post_json(
            "/api/v1/registrations",
            &serde_json::json!({ "email": "new@example.com", "password": "Correct horse battery staple 9" }),
        )
        .await;
    assert_eq!(status, 202);
    let ready_body = || async {
        let ready = app.get("/health/ready").await;
        assert_eq!(ready.status(), 200);
        ready.json::<serde_json::Value>().await.unwrap()
    };
    crate::support::eventually::eventually(
        std::time::Duration::from_secs(10),
        "the failed delivery shows in readiness",
        || async { ready_body().await["checks"]["mail"]["status"] == "retrying" },
    )
    .await;
    let body = ready_body().await;
    let mail = &body["checks"]["mail"];
    assert_eq!(mail["transport"], "smtp");
    assert_eq!(mail["pending"], 1);
    assert!(!body.to_string().contains(&port.to_string()), "{body}");
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
    readiness_reports_mail_that_cannot_be_delivered,
);
