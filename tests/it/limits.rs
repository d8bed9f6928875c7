//! The built-in rate limits over HTTP: each surface answers 429 in its own format with
//! `Retry-After` and the IETF `RateLimit` fields; address and account budgets are one budget
//! for every instance on a database; a window ends when the server's clock says so; a request
//! over a budget checks no password; forwarded addresses count only from trusted proxies.

use std::sync::Arc;

use reqwest::header::HeaderMap;
use tokio::sync::Barrier;

use crate::support::browser_flow::hidden_field;
use crate::support::oauth::TestClient;
use crate::support::{Backend, TestApp};

on_both_backends!(
    the_sign_in_page_is_limited_per_address_until_the_window_ends,
    two_instances_spend_one_budget_per_account,
    the_token_endpoint_is_limited_per_client,
    the_json_api_answers_problem_details_when_limited,
    forwarded_addresses_count_only_from_trusted_proxies,
    a_flood_from_one_address_checks_few_passwords,
    the_shipped_defaults_limit_registration_per_address,
);

/// Budgets that only the family under test has.
fn only(config: &mut portcullis::config::Config) {
    let limits = &mut config.rate_limits;
    limits.enabled = true;
    limits.flood_per_second = 0;
    for family in [
        &mut limits.sign_in,
        &mut limits.challenge,
        &mut limits.registration,
        &mut limits.recovery,
        &mut limits.verification,
        &mut limits.codes,
        &mut limits.token,
        &mut limits.introspect,
        &mut limits.revoke,
    ] {
        family.per_address = 0;
        family.per_account = 0;
        family.per_client = 0;
    }
}

fn header(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Posts the sign-in form from a fresh browser, with extra request headers; the status, the
/// response headers and the body.
async fn sign_in_form(
    app: &TestApp,
    email: &str,
    forwarded_for: Option<&str>,
) -> (u16, HeaderMap, String) {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap();
    let html = browser
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_field(&html, "csrf_token").unwrap();
    let mut request = browser.post(app.url("/login")).form(&[
        ("csrf_token", csrf.as_str()),
        ("email", email),
        ("password", "a wrong guess"),
    ]);
    if let Some(forwarded) = forwarded_for {
        request = request.header("x-forwarded-for", forwarded);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

/// Password sign-ins the server decided (each is one audit event): a request refused by a
/// limit checks no password and leaves none.
async fn decided_sign_ins(app: &TestApp) -> i64 {
    app.db
        .scalar(
            "select count(*) from audit_events where kind = $1",
            "user.sign_in.password",
        )
        .await
        .unwrap_or(-1)
}

async fn the_sign_in_page_is_limited_per_address_until_the_window_ends(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| {
        only(config);
        config.rate_limits.sign_in.per_address = 3;
    })
    .await;
    for (i, remaining) in [2, 1, 0].into_iter().enumerate() {
        let (status, headers, _) = sign_in_form(&app, &format!("who{i}@example.com"), None).await;
        assert_eq!(status, 401, "attempt {i} is checked");
        assert_eq!(
            header(&headers, "ratelimit-policy"),
            "\"sign-in-address\";q=3;w=60"
        );
        let state = header(&headers, "ratelimit");
        assert!(
            state.starts_with(&format!("\"sign-in-address\";r={remaining};t=")),
            "{state}"
        );
    }
    let (status, headers, body) = sign_in_form(&app, "who9@example.com", None).await;
    assert_eq!(status, 429);
    assert!(header(&headers, "content-type").starts_with("text/html"));
    assert!(body.contains("Too many requests"), "{body}");
    let retry: u64 = header(&headers, "retry-after").parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert!(header(&headers, "ratelimit").starts_with("\"sign-in-address\";r=0;t="));
    assert_eq!(
        decided_sign_ins(&app).await,
        3,
        "the refused attempt checked nothing"
    );

    // The window ends on the server's clock, and the address may try again.
    app.clock.advance(time::Duration::seconds(retry as i64));
    let (status, headers, _) = sign_in_form(&app, "who9@example.com", None).await;
    assert_eq!(status, 401);
    assert!(header(&headers, "ratelimit").starts_with("\"sign-in-address\";r=2;t="));

    // Counters are stored under keyed hashes: neither the address nor an email is in the table.
    let plain = "select count(*) from rate_limit_counters where key like $1";
    assert_eq!(app.db.scalar(plain, "%127.0.0.1%").await, Some(0));
    assert_eq!(app.db.scalar(plain, "%example.com%").await, Some(0));
    let rows = "select count(*) from rate_limit_counters where key <> $1";
    assert_eq!(app.db.scalar(rows, "").await, Some(1));
}

async fn password_grant(app: &TestApp, client: &TestClient, username: &str) -> reqwest::Response {
    app.post_form_basic(
        "/token",
        client,
        &[
            ("grant_type", "password"),
            ("username", username),
            ("password", "a wrong guess"),
        ],
    )
    .await
}

/// Barrier-released wrong passwords spread over `instances`; the statuses.
async fn parallel_guesses(
    instances: &[&TestApp],
    client: &TestClient,
    username: &str,
    count: usize,
) -> Vec<u16> {
    let barrier = Arc::new(Barrier::new(count));
    let mut tasks = Vec::new();
    for i in 0..count {
        let app = instances[i % instances.len()];
        let (http, url) = (app.http.clone(), app.url("/token"));
        let (id, secret) = (client.id.clone(), client.secret.clone());
        let (username, barrier) = (username.to_owned(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let response = http
                .post(url)
                .basic_auth(id, secret)
                .form(&[
                    ("grant_type", "password"),
                    ("username", username.as_str()),
                    ("password", "a wrong guess"),
                ])
                .send()
                .await
                .unwrap();
            response.status().as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    statuses
}

async fn two_instances_spend_one_budget_per_account(backend: Backend) {
    let first = TestApp::spawn_with(backend, |config| {
        only(config);
        config.rate_limits.sign_in.per_account = 4;
        config.login.max_failures = 100;
    })
    .await;
    let second = first
        .sibling_with(|config| {
            only(config);
            config.rate_limits.sign_in.per_account = 4;
            config.login.max_failures = 100;
        })
        .await;
    let client = first.create_client(&["--first-party", "--grant-type", "password"]);
    for round in 0..3 {
        let username = format!("Target{round}@Example.com");
        let statuses = parallel_guesses(&[&first, &second], &client, &username, 12).await;
        let checked = statuses.iter().filter(|s| **s == 400).count();
        let limited = statuses.iter().filter(|s| **s == 429).count();
        assert_eq!((checked, limited), (4, 8), "round {round}: {statuses:?}");
    }
    assert_eq!(decided_sign_ins(&first).await, 12, "4 checked per round");
    // The account is named in any case: another spelling spends the same budget.
    let response = password_grant(&second, &client, "target0@example.com").await;
    assert_eq!(response.status(), 429);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable");
}

async fn the_token_endpoint_is_limited_per_client(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| {
        only(config);
        config.rate_limits.token.per_client = 3;
    })
    .await;
    let busy = app.create_client(&["--grant-type", "client_credentials"]);
    let other = app.create_client(&["--grant-type", "client_credentials"]);
    for _ in 0..3 {
        app.client_credentials_token(&busy).await;
    }
    let response = app
        .post_form_basic("/token", &busy, &[("grant_type", "client_credentials")])
        .await;
    assert_eq!(response.status(), 429);
    let headers = response.headers().clone();
    assert_eq!(
        header(&headers, "ratelimit-policy"),
        "\"token-client\";q=3;w=60"
    );
    assert!(header(&headers, "retry-after").parse::<u64>().is_ok());
    assert_eq!(header(&headers, "cache-control"), "no-store");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("retry after")
    );

    // Another client has its own budget; a wrong secret spends none of the busy client's.
    app.client_credentials_token(&other).await;
    let forged = TestClient {
        secret: Some("not the secret".to_owned()),
        ..busy.clone()
    };
    let response = app
        .post_form_basic("/token", &forged, &[("grant_type", "client_credentials")])
        .await;
    assert_eq!(
        response.status(),
        401,
        "authentication comes before the budget"
    );

    app.clock.advance(time::Duration::seconds(61));
    app.client_credentials_token(&busy).await;
}

async fn the_json_api_answers_problem_details_when_limited(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| {
        only(config);
        config.rate_limits.recovery.per_account = 2;
    })
    .await;
    let start = serde_json::json!({ "email": "someone@example.com" });
    for _ in 0..2 {
        let (status, _) = app.post_json("/api/v1/recoveries", &start).await;
        assert_eq!(status, 202);
    }
    let response = app
        .http
        .post(app.url("/api/v1/recoveries"))
        .json(&serde_json::json!({ "email": "SOMEONE@example.com " }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let headers = response.headers().clone();
    assert_eq!(header(&headers, "content-type"), "application/problem+json");
    assert_eq!(
        header(&headers, "ratelimit-policy"),
        "\"recovery-account\";q=2;w=3600"
    );
    assert!(header(&headers, "retry-after").parse::<u64>().unwrap() > 3000);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], 429);
    assert_eq!(body["title"], "Too many requests");
    // Another address is not held back by this one's budget.
    let (status, _) = app
        .post_json(
            "/api/v1/recoveries",
            &serde_json::json!({ "email": "else@example.com" }),
        )
        .await;
    assert_eq!(status, 202);
}

async fn forwarded_addresses_count_only_from_trusted_proxies(backend: Backend) {
    let behind_proxy = TestApp::spawn_with(backend, |config| {
        only(config);
        config.rate_limits.sign_in.per_address = 2;
        config.server.trusted_proxies =
            vec![portcullis::config::IpNetwork::parse("127.0.0.0/8").unwrap()];
    })
    .await;
    for _ in 0..2 {
        let (status, _, _) =
            sign_in_form(&behind_proxy, "a@example.com", Some("198.51.100.7")).await;
        assert_eq!(status, 401);
    }
    // The client forged a left-most entry; the proxy appended the real address, still limited.
    let forged = Some("203.0.113.66, 198.51.100.7");
    let (status, _, _) = sign_in_form(&behind_proxy, "a@example.com", forged).await;
    assert_eq!(status, 429);
    // Another client behind the same proxy has its own budget.
    let (status, _, _) = sign_in_form(&behind_proxy, "a@example.com", Some("198.51.100.8")).await;
    assert_eq!(status, 401);

    // Without trusted proxies, the header changes nothing: every request is the peer's.
    let direct = TestApp::spawn_with(backend, |config| {
        only(config);
        config.rate_limits.sign_in.per_address = 2;
    })
    .await;
    for (i, forwarded) in ["198.51.100.1", "198.51.100.2", "198.51.100.3"]
        .iter()
        .enumerate()
    {
        let (status, _, _) = sign_in_form(&direct, "a@example.com", Some(forwarded)).await;
        assert_eq!(status, if i < 2 { 401 } else { 429 }, "request {i}");
    }
}

async fn a_flood_from_one_address_checks_few_passwords(backend: Backend) {
    const PER_SECOND: usize = 5;
    const FLOOD: usize = 60;
    let app = TestApp::spawn_with(backend, |config| {
        only(config);
        config.rate_limits.flood_per_second = PER_SECOND as u32;
        config.login.max_failures = 1000;
        config.login.max_failures_per_address = 1000;
    })
    .await;
    let client = app.create_client(&["--first-party", "--grant-type", "password"]);
    let statuses = parallel_guesses(&[&app], &client, "flooded@example.com", FLOOD).await;
    let checked = statuses.iter().filter(|s| **s == 400).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(checked + limited, FLOOD, "{statuses:?}");
    // One window's worth, or two or three if the burst straddled second boundaries.
    assert!(
        (PER_SECOND..=3 * PER_SECOND).contains(&checked),
        "{checked} checked"
    );
    assert_eq!(decided_sign_ins(&app).await, checked as i64);
}

async fn the_shipped_defaults_limit_registration_per_address(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| config.rate_limits.enabled = true).await;
    let defaults = portcullis::config::Config::load(&Default::default()).unwrap();
    let budget = defaults.rate_limits.registration.per_address;
    assert!(defaults.rate_limits.enabled && budget > 0);
    for i in 0..budget {
        let body = serde_json::json!({
            "email": format!("new{i}@example.com"),
            "password": "Correct horse battery staple 9",
        });
        let (status, _) = app.post_json("/api/v1/registrations", &body).await;
        assert_eq!(status, 202, "registration {i}");
    }
    let body = serde_json::json!({
        "email": "one.more@example.com",
        "password": "Correct horse battery staple 9",
    });
    let (status, problem) = app.post_json("/api/v1/registrations", &body).await;
    assert_eq!((status, problem["status"].clone()), (429, 429.into()));
}
