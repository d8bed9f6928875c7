//! `PUT|DELETE /api/v1/account/picture` and `GET /pictures/{id}`: an uploaded picture is checked
//! by its bytes, served back with its own type and `nosniff`, and forgotten when replaced.

use reqwest::Method;
use serde_json::{Value, json};

use super::spawn;
use crate::support::{Backend, TestApp};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-not-decoded-only-sniffed";

async fn token_for(app: &TestApp) -> String {
    app.create_user("pictured@example.com", &[]);
    let client = app.web_client(&["--first-party", "--scope", "openid", "--scope", "account"]);
    let tokens = app
        .code_flow(&client, "pictured@example.com", "openid account")
        .await;
    tokens["access_token"].as_str().unwrap().to_owned()
}

async fn upload(app: &TestApp, token: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
    let response = app
        .http
        .put(app.url("/api/v1/account/picture"))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn served(app: &TestApp, url: &str) -> (u16, String, Vec<u8>) {
    let response = app.http.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    if status == 200 {
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    }
    (status, kind, response.bytes().await.unwrap().to_vec())
}

async fn a_picture_is_checked_by_its_bytes_served_back_and_forgotten_when_replaced(
    backend: Backend,
) {
    let (app, _smtp) = spawn(backend).await;
    let token = token_for(&app).await;

    let (status, account) = upload(&app, &token, "image/png", PNG.to_vec()).await;
    assert_eq!(status, 200, "{account}");
    let first = account["picture"].as_str().unwrap().to_owned();
    assert!(first.starts_with(&app.url("/pictures/")), "{first}");
    assert_eq!(
        served(&app, &first).await,
        (200, "image/png".to_owned(), PNG.to_vec())
    );

    // Declared types do not count: an SVG (script-capable) sent as a PNG is refused.
    let svg = b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>".to_vec();
    let (status, problem) = upload(&app, &token, "image/png", svg).await;
    assert_eq!(status, 422);
    assert_eq!(problem["errors"][0]["pointer"], "#/picture", "{problem}");
    let (status, _) = upload(&app, &token, "image/png", Vec::new()).await;
    assert_eq!(status, 422);

    // Exactly 1 MB is accepted, one byte more is not even read.
    let mut jpeg = vec![0xff, 0xd8, 0xff, 0xe0];
    jpeg.resize(1024 * 1024, 0);
    let (status, account) = upload(&app, &token, "application/octet-stream", jpeg.clone()).await;
    assert_eq!(status, 200);
    let second = account["picture"].as_str().unwrap().to_owned();
    assert_eq!(served(&app, &second).await.1, "image/jpeg");
    assert_eq!(
        served(&app, &first).await.0,
        404,
        "a replaced picture is gone"
    );
    jpeg.push(0);
    let (status, _) = upload(&app, &token, "image/jpeg", jpeg).await;
    assert_eq!(status, 413);
    assert_eq!(
        served(&app, &second).await.0,
        200,
        "a refused upload changes nothing"
    );

    let export: Value = app
        .http
        .get(app.url("/api/v1/account/export"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(export["uploaded_picture"]["content_type"], "image/jpeg");

    // A link instead of the upload forgets the upload.
    let linked = app
        .http
        .request(Method::PATCH, app.url("/api/v1/account"))
        .bearer_auth(&token)
        .header("content-type", "application/merge-patch+json")
        .body(json!({"picture": "https://images.example.com/me.png"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(linked.status(), 200);
    assert_eq!(served(&app, &second).await.0, 404);

    let webp = b"RIFF\x0c\0\0\0WEBPVP8 \0\0".to_vec();
    let (_, account) = upload(&app, &token, "image/webp", webp).await;
    let third = account["picture"].as_str().unwrap().to_owned();
    assert_eq!(served(&app, &third).await.1, "image/webp");
    let removed = app
        .http
        .delete(app.url("/api/v1/account/picture"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 200);
    let removed: Value = removed.json().await.unwrap();
    assert!(
        removed.get("picture").is_none_or(Value::is_null),
        "{removed}"
    );
    assert_eq!(served(&app, &third).await.0, 404);
    assert_eq!(served(&app, &app.url("/pictures/not-an-id")).await.0, 404);
    let stored = app
        .db
        .scalar("select count(*) from pictures where content_type <> $1", "")
        .await;
    assert_eq!(stored, Some(0));
    app.stop().await;
}

on_both_backends!(a_picture_is_checked_by_its_bytes_served_back_and_forgotten_when_replaced);
