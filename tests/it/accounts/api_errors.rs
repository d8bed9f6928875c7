//! Bad input to the account API: a problem with a pointer per field, never a 500, nothing written.

use serde_json::json;

use super::spawn;
use crate::support::browser_flow::PASSWORD;
use crate::support::{Backend, TestApp};

async fn bad_registrations_answer_problems_naming_each_field(backend: Backend) {
    let (app, _smtp) = spawn(backend).await;
    let cases = [
        (
            json!({"email": "not-an-email", "password": PASSWORD}),
            vec!["#/email"],
        ),
        (
            json!({"email": "a@example.com", "password": "short"}),
            vec!["#/password"],
        ),
        (
            json!({"email": "nope", "password": "password"}),
            vec!["#/email", "#/password"],
        ),
        (
            json!({"email": "a@example.com", "password": PASSWORD, "name": "x".repeat(201)}),
            vec!["#/name"],
        ),
        (
            json!({"email": "a@example.com", "password": PASSWORD, "roles": ["admin"]}),
            vec!["#/roles"],
        ),
        (json!({"password": PASSWORD}), vec!["#/email"]),
        (
            json!({"email": "ada@example.com", "password": "Ada is 1 great name", "name": "Ada"}),
            vec!["#/password"],
        ),
    ];
    for (body, pointers) in cases {
        let (status, problem) = app.post_json("/api/v1/registrations", &body).await;
        assert_eq!(status, 422, "{body}: {problem}");
        let found: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["pointer"].as_str().unwrap())
            .collect();
        for pointer in pointers {
            assert!(
                found.contains(&pointer),
                "{body}: {pointer} not in {problem}"
            );
        }
    }
    // A very long password is refused on its length alone, before any hashing.
    let long = "Aa1".repeat(1000);
    let (status, problem) = app
        .post_json(
            "/api/v1/registrations",
            &json!({"email": "b@example.com", "password": long}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        problem["errors"][0]["detail"],
        "must be at most 128 characters"
    );
    // A body over the limit is 413; not JSON is 415; broken JSON is 400.
    // The 2 MB body is announced, not sent: the server answers from `Content-Length` and closes
    // the connection rather than read what it refuses (a client still writing would see a
    // broken pipe instead of the answer).
    let head = oversized_request(&app, 2 * 1024 * 1024).await;
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/problem+json"),
        "{head}"
    );
    let form = app
        .http
        .post(app.url("/api/v1/registrations"))
        .form(&[("email", "d@example.com")])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 415);
    assert_eq!(form.headers()["content-type"], "application/problem+json");
    let broken = app
        .http
        .post(app.url("/api/v1/registrations"))
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), 400);
    for email in [
        "a@example.com",
        "b@example.com",
        "c@example.com",
        "d@example.com",
        "ada@example.com",
    ] {
        assert_eq!(
            app.users_with_email(email).await,
            0,
            "{email}: nothing written"
        );
    }
    app.stop().await;
}

async fn bad_proofs_and_methods_are_field_errors(backend: Backend) {
    let (app, _smtp) = spawn(backend).await;
    let cases = [
        (
            "/api/v1/verifications",
            json!({"email": "a@example.com"}),
            "#/code",
        ),
        (
            "/api/v1/verifications",
            json!({"code": "123456"}),
            "#/email",
        ),
        (
            "/api/v1/verifications",
            json!({"token": "t", "code": "123456"}),
            "#/token",
        ),
        (
            "/api/v1/verifications",
            json!({"email": "a@example.com", "code": "12ab56"}),
            "#/code",
        ),
        (
            "/api/v1/recoveries",
            json!({"email": "a@example.com", "method": "sms"}),
            "#/method",
        ),
        ("/api/v1/recoveries", json!({"email": "@"}), "#/email"),
        ("/api/v1/verifications/resend", json!({}), "#/email"),
        (
            "/api/v1/recoveries/complete",
            json!({"token": "t"}),
            "#/new_password",
        ),
    ];
    for (path, body, pointer) in cases {
        let (status, problem) = app.post_json(path, &body).await;
        assert_eq!(status, 422, "{path} {body}: {problem}");
        assert_eq!(
            problem["errors"][0]["pointer"], pointer,
            "{path} {body}: {problem}"
        );
    }
    let (status, problem) = app
        .post_json(
            "/api/v1/recoveries/complete",
            &json!({"token": "made-up", "new_password": "Fine 9 password here"}),
        )
        .await;
    assert_eq!(
        (status, problem["title"].as_str()),
        (400, Some("Invalid code"))
    );
    let (status, _) = app.post_json("/api/v1/registrations/", &json!({})).await;
    assert_eq!(status, 404);
    let get = app.get("/api/v1/registrations").await;
    assert_eq!(get.status(), 405);
    assert_eq!(get.headers()["content-type"], "application/problem+json");
    app.stop().await;
}

on_both_backends!(
    bad_registrations_answer_problems_naming_each_field,
    bad_proofs_and_methods_are_field_errors,
);

/// Announces a JSON registration body of `length` bytes, sends its first byte, and answers the
/// response's head.
async fn oversized_request(app: &TestApp, length: usize) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let address = app.base_url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!(
        "POST /api/v1/registrations HTTP/1.1\r\nHost: {address}\r\n\
         Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n{{"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    let mut buffer = [0_u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let read = stream.read(&mut buffer).await.unwrap();
        assert!(read > 0, "the server closed without answering");
        head.extend_from_slice(&buffer[..read]);
    }
    String::from_utf8_lossy(&head).into_owned()
}
