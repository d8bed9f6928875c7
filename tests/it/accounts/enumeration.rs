//! No answer tells whether an address has an account: registration, recovery, verification
//! resend and email change answer the same body for known and unknown addresses, in the same
//! time.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{settle, spawn};
use crate::support::browser_flow::PASSWORD;
use crate::support::{Backend, TestApp};

/// The median of `trials` timings of each of two requests, taken in turn so that drift of the
/// shared machine hits both alike; each answer must equal the first one.
async fn paired_medians(
    app: &TestApp,
    trials: usize,
    (path, bearer): (&str, Option<&str>),
    known: impl Fn(usize) -> Value,
    unknown: impl Fn(usize) -> Value,
) -> (Duration, Duration) {
    let mut times = (Vec::new(), Vec::new());
    let mut first: Option<(u16, Value)> = None;
    for trial in 0..trials {
        for (body, out) in [(known(trial), &mut times.0), (unknown(trial), &mut times.1)] {
            let started = Instant::now();
            let answer = match bearer {
                None => app.post_json(path, &body).await,
                Some(token) => {
                    let response = app
                        .http
                        .post(app.url(path))
                        .bearer_auth(token)
                        .json(&body)
                        .send()
                        .await
                        .unwrap();
                    let status = response.status().as_u16();
                    (status, response.json().await.unwrap_or(Value::Null))
                }
            };
            out.push(started.elapsed());
            match &first {
                None => first = Some(answer),
                Some(expected) => assert_eq!(&answer, expected, "{path}: {body}"),
            }
        }
    }
    let median = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    (median(times.0), median(times.1))
}

/// Within 30 % of the slower one, plus a millisecond for the noise of a 2-core machine.
fn assert_close(what: &str, (known, unknown): (Duration, Duration)) {
    let slower = known.max(unknown);
    let allowed = slower.mul_f64(0.3) + Duration::from_millis(1);
    let gap = known.abs_diff(unknown);
    assert!(
        gap <= allowed,
        "{what}: known {known:?} vs unknown {unknown:?} differ by {gap:?} (> {allowed:?})"
    );
}

async fn known_and_unknown_addresses_get_the_same_answers_in_the_same_time(backend: Backend) {
    let (app, smtp) = spawn(backend).await;
    app.create_user("known@example.com", &[]);
    // Registration hashes the password either way.
    let registrations = paired_medians(
        &app,
        15,
        ("/api/v1/registrations", None),
        |_| json!({"email": "known@example.com", "password": PASSWORD}),
        |trial| json!({"email": format!("new{trial}@example.com"), "password": PASSWORD}),
    )
    .await;
    assert_close("registration", registrations);
    // Recovery and resend only look the address up after answering.
    let recoveries = paired_medians(
        &app,
        40,
        ("/api/v1/recoveries", None),
        |_| json!({"email": "known@example.com"}),
        |trial| json!({"email": format!("nobody{trial}@example.com")}),
    )
    .await;
    assert_close("recovery start", recoveries);
    let resends = paired_medians(
        &app,
        40,
        ("/api/v1/verifications/resend", None),
        |trial| json!({"email": format!("new{}@example.com", trial % 15)}),
        |trial| json!({"email": format!("nobody{trial}@example.com")}),
    )
    .await;
    assert_close("verification resend", resends);
    // An address change answers before it looks the new address up.
    let client = app.web_client(&["--first-party", "--scope", "openid", "--scope", "account"]);
    let tokens = app
        .code_flow(&client, "known@example.com", "openid account")
        .await;
    let token = tokens["access_token"].as_str().unwrap();
    let changes = paired_medians(
        &app,
        40,
        ("/api/v1/account/email", Some(token)),
        |_| json!({"email": "new0@example.com"}),
        |trial| json!({"email": format!("moving{trial}@example.com")}),
    )
    .await;
    assert_close("email change", changes);
    settle(&app, &smtp).await;
    assert!(
        smtp.mails_to("nobody0@example.com").is_empty(),
        "no mail to unknown addresses"
    );
    assert_eq!(
        smtp.mails_to("known@example.com")
            .iter()
            .filter(|m| m.header("Subject").unwrap().contains("reset your password"))
            .count(),
        1,
        "one recovery mail per resend interval, however often it is asked for"
    );
    assert_eq!(app.users_with_email("known@example.com").await, 1);
    app.stop().await;
}

async fn a_wrong_code_reads_the_same_for_known_and_unknown_addresses(backend: Backend) {
    let (app, smtp) = spawn(backend).await;
    app.register("pending@example.com", PASSWORD).await;
    smtp.mail_to("pending@example.com").await;
    let wrong = |email: &str| json!({"email": email, "code": "123456"});
    let known = app
        .post_json("/api/v1/verifications", &wrong("pending@example.com"))
        .await;
    let unknown = app
        .post_json("/api/v1/verifications", &wrong("absent@example.com"))
        .await;
    assert_eq!(known.0, 400);
    let strip = |mut body: Value| {
        body.as_object_mut().unwrap().remove("instance");
        body
    };
    assert_eq!(strip(known.1), strip(unknown.1));
    // Unknown addresses run out of guesses like known ones do.
    let mut last = 0;
    for _ in 0..10 {
        last = app
            .post_json("/api/v1/verifications", &wrong("absent@example.com"))
            .await
            .0;
    }
    assert_eq!(last, 429);
    app.stop().await;
}

on_both_backends!(
    known_and_unknown_addresses_get_the_same_answers_in_the_same_time,
    a_wrong_code_reads_the_same_for_known_and_unknown_addresses,
);
