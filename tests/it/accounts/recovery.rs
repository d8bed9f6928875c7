//! Password recovery by code and by link through the JSON API.

use serde_json::json;

use super::{NEW_PASSWORD, spawn};
use crate::support::Backend;
use crate::support::browser_flow::PASSWORD;

async fn a_recovery_code_sets_the_password_and_ends_every_session_and_grant(backend: Backend) {
    let (app, smtp) = spawn(backend).await;
    app.create_user("forgot@example.com", &["--name", "Grace Hopper"]);
    let client = app.web_client(&[]);
    let tokens = app
        .code_flow(&client, "forgot@example.com", "openid email offline_access")
        .await;
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let access = tokens["access_token"].as_str().unwrap().to_owned();

    let (status, body) = app
        .post_json(
            "/api/v1/recoveries",
            &json!({"email": "forgot@example.com", "method": "code"}),
        )
        .await;
    assert_eq!((status, body["status"].as_str()), (202, Some("accepted")));
    let mail = smtp.mail_to("forgot@example.com").await;
    let code = mail.code();
    assert!(
        !mail.text().contains("/reset-password?token="),
        "a code mail carries no link"
    );
    let (status, body) = app
        .post_json(
            "/api/v1/recoveries/complete",
            &json!({"email": "forgot@example.com", "code": code, "new_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["revoked_grants"], 1);
    assert!(body["ended_sessions"].as_u64().unwrap() >= 1);

    assert_eq!(app.page_sign_in("forgot@example.com", PASSWORD).await, 401);
    assert_eq!(
        app.page_sign_in("forgot@example.com", NEW_PASSWORD).await,
        200
    );
    let refreshed = app
        .post_form_basic(
            "/token",
            &client,
            &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
        )
        .await;
    assert_eq!(
        refreshed.status(),
        400,
        "the refresh token died with the old password"
    );
    assert_eq!(app.introspect(&client, &access).await["active"], false);
    app.assert_no_session(&client).await;
    let notice = smtp.nth_mail_to("forgot@example.com", 2).await;
    assert_eq!(
        notice.header("Subject").unwrap(),
        "Your password was changed"
    );
    // The code is spent.
    let (again, _) = app
        .post_json(
            "/api/v1/recoveries/complete",
            &json!({"email": "forgot@example.com", "code": code, "new_password": "Another 9 fine password"}),
        )
        .await;
    assert_eq!(again, 400);
    app.stop().await;
}

async fn a_recovery_link_works_once_and_a_newer_recovery_replaces_it(backend: Backend) {
    let (app, smtp) = spawn(backend).await;
    app.create_user("links@example.com", &[]);
    let start = json!({"email": "links@example.com", "method": "link"});
    assert_eq!(app.post_json("/api/v1/recoveries", &start).await.0, 202);
    let first = smtp.mail_to("links@example.com").await;
    let first_link = first.link(&app.url("/reset-password?token="));
    assert!(
        first
            .text()
            .split_whitespace()
            .all(|w| w.len() != 6 || w.parse::<u32>().is_err())
    );
    // Asked again within the resend interval: nothing more is sent.
    assert_eq!(app.post_json("/api/v1/recoveries", &start).await.0, 202);
    app.clock.advance(time::Duration::seconds(61));
    assert_eq!(app.post_json("/api/v1/recoveries", &start).await.0, 202);
    let second = smtp.nth_mail_to("links@example.com", 2).await;
    assert_eq!(smtp.mails_to("links@example.com").len(), 2);
    let second_link = second.link(&app.url("/reset-password?token="));
    let token = |link: &str| link.split("token=").nth(1).unwrap().to_owned();
    let complete = |token: String| {
        let app = &app;
        async move {
            app.post_json(
                "/api/v1/recoveries/complete",
                &json!({"token": token, "new_password": NEW_PASSWORD}),
            )
            .await
            .0
        }
    };
    assert_eq!(
        app.http.get(&first_link).send().await.unwrap().status(),
        400,
        "the older link died when the newer recovery started"
    );
    assert_eq!(complete(token(&first_link)).await, 400);
    assert_eq!(
        app.http.get(&second_link).send().await.unwrap().status(),
        200
    );
    assert_eq!(complete(token(&second_link)).await, 200);
    assert_eq!(complete(token(&second_link)).await, 400, "once");
    assert_eq!(
        app.page_sign_in("links@example.com", NEW_PASSWORD).await,
        200
    );
    app.stop().await;
}

async fn recovery_codes_expire_after_thirty_minutes(backend: Backend) {
    let (app, smtp) = spawn(backend).await;
    app.create_user("slow@example.com", &[]);
    app.post_json("/api/v1/recoveries", &json!({"email": "slow@example.com"}))
        .await;
    let code = smtp.mail_to("slow@example.com").await.code();
    app.clock
        .advance(time::Duration::minutes(30) + time::Duration::seconds(1));
    let (status, _) = app
        .post_json(
            "/api/v1/recoveries/complete",
            &json!({"email": "slow@example.com", "code": code, "new_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(app.page_sign_in("slow@example.com", PASSWORD).await, 200);
    app.stop().await;
}

async fn a_reset_refuses_a_weak_password_and_keeps_the_code(backend: Backend) {
    let (app, smtp) = spawn(backend).await;
    app.create_user("weak@example.com", &["--name", "Weak Sauce"]);
    app.post_json("/api/v1/recoveries", &json!({"email": "weak@example.com"}))
        .await;
    let code = smtp.mail_to("weak@example.com").await.code();
    for weak in ["password1", "Sauce is my 1 secret", "short1A"] {
        let (status, body) = app
            .post_json(
                "/api/v1/recoveries/complete",
                &json!({"email": "weak@example.com", "code": code, "new_password": weak}),
            )
            .await;
        assert_eq!(status, 422, "{weak}: {body}");
        assert_eq!(body["errors"][0]["pointer"], "#/new_password", "{body}");
    }
    let (status, _) = app
        .post_json(
            "/api/v1/recoveries/complete",
            &json!({"email": "weak@example.com", "code": code, "new_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(status, 200);
    app.stop().await;
}

async fn two_parallel_resets_with_one_code_have_one_winner(backend: Backend) {
    let (app, smtp) = spawn(backend).await;
    app.create_user("race@example.com", &[]);
    let candidates = ["Winner takes 1 all", "Second place 2 prize"];
    for round in 1..=4 {
        app.clock.advance(time::Duration::seconds(61));
        app.post_json("/api/v1/recoveries", &json!({"email": "race@example.com"}))
            .await;
        let code = smtp
            .nth_mail_to("race@example.com", round * 2 - 1)
            .await
            .code();
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(2));
        let mut racers = Vec::new();
        for password in candidates {
            let barrier = barrier.clone();
            let http = app.http.clone();
            let url = app.url("/api/v1/recoveries/complete");
            let body = json!({"email": "race@example.com", "code": code, "new_password": password});
            racers.push(tokio::spawn(async move {
                barrier.wait().await;
                (
                    password,
                    http.post(url)
                        .json(&body)
                        .send()
                        .await
                        .unwrap()
                        .status()
                        .as_u16(),
                )
            }));
        }
        let mut outcomes = Vec::new();
        for racer in racers {
            outcomes.push(racer.await.unwrap());
        }
        let winners: Vec<&str> = outcomes
            .iter()
            .filter(|(_, s)| *s == 200)
            .map(|(p, _)| *p)
            .collect();
        assert_eq!(winners.len(), 1, "round {round}: {outcomes:?}");
        let loser = candidates.iter().find(|p| **p != winners[0]).unwrap();
        assert_eq!(app.page_sign_in("race@example.com", winners[0]).await, 200);
        assert_eq!(app.page_sign_in("race@example.com", loser).await, 401);
        // The "password changed" mail of the winner.
        smtp.nth_mail_to("race@example.com", round * 2).await;
    }
    app.stop().await;
}

on_both_backends!(
    a_recovery_code_sets_the_password_and_ends_every_session_and_grant,
    a_recovery_link_works_once_and_a_newer_recovery_replaces_it,
    recovery_codes_expire_after_thirty_minutes,
    a_reset_refuses_a_weak_password_and_keeps_the_code,
    two_parallel_resets_with_one_code_have_one_winner,
);
