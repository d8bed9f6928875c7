//! The lockout under bursts of parallel guesses: an attempt is admitted before its password is
//! checked, so however many guesses arrive at once, no more than the threshold are checked, on
//! one instance or two sharing a database; parallel right passwords all get in.

use std::sync::Arc;

use tokio::sync::Barrier;

use crate::support::browser_flow::{AuthRequest, PASSWORD, hidden_field, location};
use crate::support::oauth::TestClient;
use crate::support::{Backend, TestApp};

const BURST: usize = 50;
const ITERATIONS: usize = 20;
const MAX_FAILURES: u32 = 5;

/// What the password grant answered: checked (wrong password) or refused (locked).
#[derive(Debug, Default, PartialEq, Eq)]
struct Outcomes {
    checked: usize,
    locked: usize,
}

async fn password_grant(
    app: &TestApp,
    client: &TestClient,
    username: &str,
    password: &str,
) -> serde_json::Value {
    let response = app
        .post_form_basic(
            "/token",
            client,
            &[
                ("grant_type", "password"),
                ("username", username),
                ("password", password),
                ("scope", "openid"),
            ],
        )
        .await;
    response.json().await.unwrap()
}

fn classify(answers: &[serde_json::Value]) -> Outcomes {
    let mut outcomes = Outcomes::default();
    for answer in answers {
        match answer["error_description"].as_str() {
            Some("invalid username or password") => outcomes.checked += 1,
            Some("too many failed attempts; try again later") => outcomes.locked += 1,
            other => panic!("unexpected answer {other:?}: {answer}"),
        }
    }
    outcomes
}

/// `BURST` wrong passwords, for the usernames `username(i)` gives, released together and spread
/// over `instances`.
async fn burst(
    instances: &[&TestApp],
    client: &TestClient,
    username: impl Fn(usize) -> String,
) -> Outcomes {
    let barrier = Arc::new(Barrier::new(BURST));
    let mut tasks = Vec::new();
    for i in 0..BURST {
        let app = instances[i % instances.len()];
        let http = app.http.clone();
        let url = app.url("/token");
        let (id, secret) = (client.id.clone(), client.secret.clone());
        let email = username(i);
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let response = http
                .post(url)
                .basic_auth(id, secret)
                .form(&[
                    ("grant_type", "password"),
                    ("username", email.as_str()),
                    ("password", "a wrong guess"),
                ])
                .send()
                .await
                .unwrap();
            response.json::<serde_json::Value>().await.unwrap()
        }));
    }
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    classify(&answers)
}

async fn recorded_failures(app: &TestApp, key: &str) -> i64 {
    app.db
        .scalar(
            "select cast(failures as bigint) from login_failures where key = $1",
            key,
        )
        .await
        .expect("a counter row")
}

async fn check_bursts(instances: &[&TestApp]) {
    let app = instances[0];
    let client = app.create_client(&["--first-party", "--grant-type", "password"]);
    for iteration in 0..ITERATIONS {
        let email = format!("burst{iteration}@example.com");
        app.create_user(&email, &[]);
        let outcomes = burst(instances, &client, |_| email.clone()).await;
        assert_eq!(
            outcomes,
            Outcomes {
                checked: MAX_FAILURES as usize,
                locked: BURST - MAX_FAILURES as usize,
            },
            "iteration {iteration}"
        );
        assert_eq!(
            recorded_failures(app, &format!("account:{email}")).await,
            i64::from(MAX_FAILURES),
            "the counter equals the checked guesses"
        );
        let right = password_grant(
            instances[iteration % instances.len()],
            &client,
            &email,
            PASSWORD,
        )
        .await;
        assert_eq!(
            right["error_description"], "too many failed attempts; try again later",
            "the right password is refused while locked"
        );
    }
}

fn per_account(config: &mut portcullis::config::Config) {
    config.login.max_failures = MAX_FAILURES;
    // The address limit is tested on its own below; here every guess comes from 127.0.0.1.
    config.login.max_failures_per_address = 1_000_000;
}

async fn a_burst_of_guesses_gets_no_more_checks_than_the_threshold(backend: Backend) {
    let app = TestApp::spawn_with(backend, per_account).await;
    check_bursts(&[&app]).await;
    app.stop().await;
}

async fn two_instances_enforce_one_budget(backend: Backend) {
    let app = TestApp::spawn_with(backend, per_account).await;
    let sibling = app.sibling_with(per_account).await;
    check_bursts(&[&app, &sibling]).await;
    sibling.stop().await;
    app.stop().await;
}

async fn a_burst_from_one_address_is_limited_per_address(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| {
        config.login.max_failures_per_address = 10;
    })
    .await;
    app.create_user("victim@example.com", &[]);
    let client = app.create_client(&["--first-party", "--grant-type", "password"]);
    let outcomes = burst(&[&app], &client, |i| format!("spray{i}@example.com")).await;
    assert_eq!(
        outcomes,
        Outcomes {
            checked: 10,
            locked: BURST - 10
        }
    );
    assert_eq!(recorded_failures(&app, "address:127.0.0.1").await, 10);
    let right = password_grant(&app, &client, "victim@example.com", PASSWORD).await;
    assert_eq!(
        right["error_description"],
        "too many failed attempts; try again later"
    );
    assert_eq!(
        recorded_failures(&app, "account:victim@example.com").await,
        0,
        "the account's attempt is given back when the address refuses it"
    );
    app.stop().await;
}

/// The sign-in page: one browser session firing the same form many times at once.
async fn a_burst_on_the_sign_in_page_gets_no_more_checks_than_the_threshold(backend: Backend) {
    let app = TestApp::spawn_with(backend, per_account).await;
    app.create_user("page@example.com", &[]);
    let client = app.web_client(&[]);
    let start = app
        .start_authorization(&AuthRequest::to_callback(&client, "openid"))
        .await;
    let page = app.http.get(app.url(&location(&start))).send().await;
    let html = page.unwrap().text().await.unwrap();
    let csrf = hidden_field(&html, "csrf_token").unwrap();
    let request = hidden_field(&html, "request").unwrap();
    let barrier = Arc::new(Barrier::new(BURST));
    let mut tasks = Vec::new();
    for _ in 0..BURST {
        let (http, url) = (app.http.clone(), app.url("/login"));
        let form = [
            ("csrf_token", csrf.clone()),
            ("request", request.clone()),
            ("email", "page@example.com".to_owned()),
            ("password", "a wrong guess".to_owned()),
        ];
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            http.post(url).form(&form).send().await.unwrap().status()
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap().as_u16());
    }
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let locked = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(
        (checked, locked),
        (MAX_FAILURES as usize, BURST - MAX_FAILURES as usize),
        "{statuses:?}"
    );
    assert_eq!(
        recorded_failures(&app, "account:page@example.com").await,
        i64::from(MAX_FAILURES)
    );
    app.stop().await;
}

/// Right passwords in parallel for one account (a busy service account, a login storm) are
/// never refused: those over the budget wait for the ones in flight, and none leaves a failure.
async fn parallel_right_passwords_are_all_let_in(backend: Backend) {
    let app = TestApp::spawn_with(backend, per_account).await;
    app.create_user("busy@example.com", &[]);
    let client = app.create_client(&["--first-party", "--grant-type", "password"]);
    let barrier = Arc::new(Barrier::new(BURST / 2));
    let mut tasks = Vec::new();
    for _ in 0..BURST / 2 {
        let (http, url) = (app.http.clone(), app.url("/token"));
        let (id, secret) = (client.id.clone(), client.secret.clone());
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let form = [
                ("grant_type", "password"),
                ("username", "busy@example.com"),
                ("password", PASSWORD),
            ];
            let response = http.post(url).basic_auth(id, secret).form(&form).send();
            response.await.unwrap().status().as_u16()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), 200);
    }
    assert_eq!(recorded_failures(&app, "account:busy@example.com").await, 0);
    app.stop().await;
}

on_both_backends!(
    parallel_right_passwords_are_all_let_in,
    a_burst_of_guesses_gets_no_more_checks_than_the_threshold,
    two_instances_enforce_one_budget,
    a_burst_from_one_address_is_limited_per_address,
    a_burst_on_the_sign_in_page_gets_no_more_checks_than_the_threshold,
);
