//! Registration and verification through the JSON API.

use serde_json::json;

use super::{spawn, verification_code};
use crate::support::browser_flow::PASSWORD;
use crate::support::{Backend, TestApp};

async fn a_new_account_verifies_its_address_by_code_then_signs_in(backend: Backend) {
    let (app, smtp) = spawn(backend).await;
    let body = app.register("ada@example.com", PASSWORD).await;
    assert_eq!(body["status"], "accepted");
    let mail = smtp.mail_to("ada@example.com").await;
    assert_eq!(mail.header("Auto-Submitted").unwrap(), "auto-generated");
    let code = verification_code(&mail, &app);
    assert!(mail.header("Subject").unwrap().contains(&code));
    assert_eq!(
        app.page_sign_in("ada@example.com", PASSWORD).await,
        303,
        "an unverified account is sent to confirm its address, not signed in"
    );
    let (status, body) = app
        .post_json(
            "/api/v1/verifications",
            &json!({"email": "Ada@Example.com", "code": code}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["email_verified"], true);
    assert_eq!(app.page_sign_in("ada@example.com", PASSWORD).await, 200);
    let verified = app
        .db
        .scalar(
            "select count(*) from users where email = $1 and email_verified_at is not null",
            "ada@example.com",
        )
        .await;
    assert_eq!(verified, Some(1));
    // The code was used: it does not work twice.
    let (again, _) = app
        .post_json(
            "/api/v1/verifications",
            &json!({"email": "ada@example.com", "code": code}),
        )
        .await;
    assert_eq!(again, 400);
    app.stop().await;
}

async fn a_taken_address_gets_the_same_answer_and_its_owner_a_mail(backend: Backend) {
    let (app, smtp) = spawn(backend).await;
    app.create_user("owner@example.com", &[]);
    let fresh = app.register("fresh@example.com", PASSWORD).await;
    let taken = app
        .register("owner@example.com", "Entirely different 42 words")
        .await;
    assert_eq!(fresh, taken, "one answer for a free and a taken address");
    let mail = smtp.mail_to("owner@example.com").await;
    assert_eq!(
        mail.header("Subject").unwrap(),
        "Someone tried to create an account with your address"
    );
    assert!(mail.text().contains(&app.url("/recover")));
    assert_eq!(app.users_with_email("owner@example.com").await, 1);
    assert_eq!(
        app.page_sign_in("owner@example.com", PASSWORD).await,
        200,
        "the owner's password is unchanged"
    );
    assert_eq!(
        app.page_sign_in("owner@example.com", "Entirely different 42 words")
            .await,
        401
    );
    app.stop().await;
}

async fn a_verification_link_changes_nothing_until_confirmed_and_works_once(backend: Backend) {
    let (app, smtp) = spawn(backend).await;
    app.register("linked@example.com", PASSWORD).await;
    let mail = smtp.mail_to("linked@example.com").await;
    let link = mail.link(&app.url("/verify-email?token="));
    let token = link.split("token=").nth(1).unwrap().to_owned();
    // A mail scanner fetching the link confirms nothing.
    let page = app.http.get(&link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Confirm my email"));
    assert_eq!(
        app.page_sign_in("linked@example.com", PASSWORD).await,
        303,
        "still unverified after the GET"
    );
    let (status, body) = app
        .post_json("/api/v1/verifications", &json!({"token": token}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.page_sign_in("linked@example.com", PASSWORD).await, 200);
    let (again, _) = app
        .post_json("/api/v1/verifications", &json!({"token": token}))
        .await;
    assert_eq!(again, 400);
    let dead = app.http.get(&link).send().await.unwrap();
    assert_eq!(dead.status(), 400, "a used link says so");
    app.stop().await;
}

async fn a_code_allows_five_guesses_and_an_address_ten_an_hour(backend: Backend) {
    let (app, smtp) = spawn(backend).await;
    app.register("guess@example.com", PASSWORD).await;
    let code = smtp.mail_to("guess@example.com").await.code();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let attempt = |code: String| {
        let app = &app;
        async move {
            app.post_json(
                "/api/v1/verifications",
                &json!({"email": "guess@example.com", "code": code}),
            )
            .await
            .0
        }
    };
    for _ in 0..5 {
        assert_eq!(attempt(wrong.to_owned()).await, 400);
    }
    assert_eq!(
        attempt(code.clone()).await,
        400,
        "after five wrong guesses the code is dead"
    );
    let attempts = app
        .db
        .scalar(
            "select cast(max(attempts) as bigint) from account_tokens where email = $1",
            "guess@example.com",
        )
        .await;
    assert_eq!(attempts, Some(5), "the sixth guess was not counted");
    // A new code (the resend waits out its interval) gets its own five, within the address's
    // ten an hour: six failures so far, four left.
    app.clock.advance(time::Duration::seconds(61));
    let (status, _) = app
        .post_json(
            "/api/v1/verifications/resend",
            &json!({"email": "guess@example.com"}),
        )
        .await;
    assert_eq!(status, 202);
    let second = smtp.nth_mail_to("guess@example.com", 2).await.code();
    let wrong = if second == "000000" {
        "111111"
    } else {
        "000000"
    };
    for _ in 0..4 {
        assert_eq!(attempt(wrong.to_owned()).await, 400);
    }
    assert_eq!(
        attempt(second.clone()).await,
        429,
        "ten wrong codes an hour per address, over all its codes"
    );
    app.clock.advance(time::Duration::minutes(61));
    assert_eq!(
        attempt(second).await,
        200,
        "an hour later the budget is back"
    );
    app.stop().await;
}

async fn verification_codes_expire_after_a_day(backend: Backend) {
    let (app, smtp) = spawn(backend).await;
    app.register("late@example.com", PASSWORD).await;
    let code = smtp.mail_to("late@example.com").await.code();
    app.clock
        .advance(time::Duration::hours(24) + time::Duration::seconds(1));
    let (status, _) = app
        .post_json(
            "/api/v1/verifications",
            &json!({"email": "late@example.com", "code": code}),
        )
        .await;
    assert_eq!(status, 400);
    app.stop().await;
}

async fn parallel_registrations_of_one_address_make_one_account(backend: Backend) {
    let (app, _smtp) = spawn(backend).await;
    for round in 0..5 {
        let email = format!("race{round}@example.com");
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(4));
        let mut racers = Vec::new();
        for _ in 0..4 {
            let barrier = barrier.clone();
            let http = app.http.clone();
            let url = app.url("/api/v1/registrations");
            let body = json!({"email": email, "password": PASSWORD});
            racers.push(tokio::spawn(async move {
                barrier.wait().await;
                http.post(url).json(&body).send().await.unwrap().status()
            }));
        }
        for racer in racers {
            assert_eq!(racer.await.unwrap(), 202);
        }
        assert_eq!(app.users_with_email(&email).await, 1, "round {round}");
    }
    app.stop().await;
}

async fn registration_can_be_closed_or_limited_to_domains(backend: Backend) {
    let closed = TestApp::spawn_with(backend, |c| c.registration.enabled = false).await;
    let (status, body) = closed
        .post_json(
            "/api/v1/registrations",
            &json!({"email": "a@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(
        (status, body["title"].as_str()),
        (403, Some("Registration is closed"))
    );
    let discovery: serde_json::Value = closed
        .get("/.well-known/openid-configuration")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        !discovery["prompt_values_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("create"))
    );
    assert_eq!(closed.get("/register").await.status(), 403);
    closed.stop().await;

    let limited = TestApp::spawn_with(backend, |c| {
        c.registration.allowed_domains = vec!["example.org".into()];
    })
    .await;
    let (status, body) = limited
        .post_json(
            "/api/v1/registrations",
            &json!({"email": "a@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["pointer"], "#/email");
    limited.register("a@example.org", PASSWORD).await;
    let discovery: serde_json::Value = limited
        .get("/.well-known/openid-configuration")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        discovery["prompt_values_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("create"))
    );
    limited.stop().await;
}

/// The SMTP server is down: registration still answers 202 (mail is queued, never sent on the
/// request path), and the code arrives when the server is back.
async fn registration_answers_while_smtp_is_down_and_the_mail_follows(backend: Backend) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let url = format!("smtp://{port}");
    let app = TestApp::spawn_with(backend, |config| {
        config.email.smtp_url = portcullis::config::SecretString::new(&url);
        config.email.poll_interval = portcullis::config::Duration::from_millis(100);
    })
    .await;
    app.register("patient@example.com", PASSWORD).await;
    let failed = "select count(*) from mail_outbox where kind = $1 and last_error is not null";
    crate::support::eventually::eventually(
        std::time::Duration::from_secs(20),
        "the first delivery failed",
        || async { app.db.scalar(failed, "verify_email").await == Some(1) },
    )
    .await;
    let capture = crate::support::smtp::SmtpCapture::start_on(port).await;
    app.clock.advance(time::Duration::seconds(11));
    let code = capture.mail_to("patient@example.com").await.code();
    let (status, _) = app
        .post_json(
            "/api/v1/verifications",
            &json!({"email": "patient@example.com", "code": code}),
        )
        .await;
    assert_eq!(status, 200);
    app.stop().await;
}

on_both_backends!(
    registration_answers_while_smtp_is_down_and_the_mail_follows,
    a_new_account_verifies_its_address_by_code_then_signs_in,
    a_taken_address_gets_the_same_answer_and_its_owner_a_mail,
    a_verification_link_changes_nothing_until_confirmed_and_works_once,
    a_code_allows_five_guesses_and_an_address_ten_an_hour,
    verification_codes_expire_after_a_day,
    parallel_registrations_of_one_address_make_one_account,
    registration_can_be_closed_or_limited_to_domains,
);
