//! No log line at any level carries a secret: the real binary runs at `trace` with JSON logs,
//! a flow uses a password, a client secret, tokens, a session cookie and an Authorization
//! header, and the whole log is searched for each of them.

use std::process::Stdio;
use std::time::Duration;

use base64::Engine as _;

use crate::support::binary::{self, command_for};
use crate::support::browser_flow::{PASSWORD, hidden_field};
use crate::support::eventually::eventually;
use crate::support::{Backend, TestDatabase};

on_both_backends!(a_full_flow_at_trace_level_logs_no_secret);

async fn a_full_flow_at_trace_level_logs_no_secret(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let log_path = db.dir().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut server = command_for(&db)
        .env("PORTCULLIS_LISTEN", format!("127.0.0.1:{port}"))
        .env("PORTCULLIS_ISSUER", &base)
        .env("PORTCULLIS_LOG__FORMAT", "json")
        .env("RUST_LOG", "trace")
        .stdout(Stdio::null())
        .stderr(Stdio::from(log))
        .spawn()
        .unwrap();
    let ready = format!("{base}/health/ready");
    eventually(Duration::from_secs(30), "the server starts", || async {
        reqwest::get(&ready).await.is_ok()
    })
    .await;

    let email = "quiet@example.com";
    let mut create = command_for(&db);
    create.args(["user", "create", "--email", email, "--password-stdin"]);
    binary::run(create, Some(&format!("{PASSWORD}\n"))).assert_success();
    let mut create = command_for(&db);
    create.args([
        "client",
        "create",
        "--name",
        "Log test",
        "--first-party",
        "--grant-type",
        "password",
        "--grant-type",
        "client_credentials",
    ]);
    let created = binary::run(create, None);
    created.assert_success();
    let client_id = created.json()["client_id"].as_str().unwrap().to_owned();
    let client_secret = created.json()["client_secret"].as_str().unwrap().to_owned();

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap();
    let mut secrets = vec![PASSWORD.to_owned(), client_secret.clone()];
    secrets.push(
        base64::engine::general_purpose::STANDARD.encode(format!("{client_id}:{client_secret}")),
    );
    let token = |form: Vec<(&'static str, &'static str)>| {
        let http = http.clone();
        let (url, id, secret) = (
            format!("{base}/token"),
            client_id.clone(),
            client_secret.clone(),
        );
        async move {
            let response = http
                .post(url)
                .basic_auth(id, Some(secret))
                .form(&form)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            let body: serde_json::Value = response.json().await.unwrap();
            body["access_token"].as_str().unwrap().to_owned()
        }
    };
    let machine_token = token(vec![("grant_type", "client_credentials")]).await;
    let user_token = token(vec![
        ("grant_type", "password"),
        ("username", email),
        ("password", PASSWORD),
        ("scope", "openid"),
    ])
    .await;
    let userinfo = http
        .get(format!("{base}/userinfo"))
        .bearer_auth(&user_token)
        .send()
        .await
        .unwrap();
    assert_eq!(userinfo.status(), 200);
    let introspected = http
        .post(format!("{base}/introspect"))
        .basic_auth(&client_id, Some(&client_secret))
        .form(&[("token", machine_token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(introspected.status(), 200);
    secrets.extend([machine_token, user_token]);

    // The sign-in page: a CSRF token, the password in a form, a session cookie.
    let html = http
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_field(&html, "csrf_token").unwrap();
    let signed_in = http
        .post(format!("{base}/login"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", email),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200);
    let cookie = signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.split(';')
                .next()?
                .split_once('=')
                .map(|(_, v)| v.to_owned())
        })
        .expect("a session cookie");
    secrets.extend([csrf, cookie]);

    std::process::Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    let _ = server.wait();
    let log = std::fs::read_to_string(&log_path).unwrap();
    let lines = log.lines().count();
    assert!(
        lines > 100 && log.contains("\"level\":\"TRACE\""),
        "the log is at trace level ({lines} lines)"
    );
    // Request lines carry the request's id and route, and, once it authenticated, its client.
    let token_lines: Vec<&str> = log
        .lines()
        .filter(|line| line.contains(r#""route":"/token""#))
        .collect();
    assert!(
        !token_lines.is_empty(),
        "lines of /token requests name the route"
    );
    assert!(token_lines.iter().all(|line| line.contains("request_id")));
    assert!(
        token_lines
            .iter()
            .any(|line| line.contains(&format!(r#""client_id":"{client_id}""#))),
        "lines after client authentication name the client"
    );
    for secret in &secrets {
        assert!(secret.len() >= 8, "a real secret: {secret}");
        if let Some(line) = log.lines().find(|line| line.contains(secret.as_str())) {
            panic!("a log line carries a secret: {line}");
        }
    }
}
