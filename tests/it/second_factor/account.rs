//! `/api/v1/account/second-factor`: enrolment, new recovery codes and removal, each told to the
//! owner by mail; removal and new codes need a recent sign-in and a code of the factor.

use reqwest::Method;
use serde_json::json;

use super::{EMAIL, account_token, call, challenge_tokens, code_for, next_step, wrong_code};
use crate::accounts::{ACCOUNT_SCOPE, account_client, spawn};
use crate::support::Backend;

const PATH: &str = "/api/v1/account/second-factor";

fn grouped(code: &str) -> bool {
    code.len() == 19
        && code.split('-').count() == 4
        && code.split('-').all(|g| {
            g.len() == 4
                && g.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        })
}

async fn the_factor_is_enrolled_renewed_and_removed_with_a_notice_each_time(backend: Backend) {
    let (mut app, smtp) = spawn(backend).await;
    app.create_user(EMAIL, &[]);
    let (_client, token) = account_token(&mut app, EMAIL).await;
    let (status, body) = call(&app, Method::GET, PATH, &token, None).await;
    assert_eq!(status, 200);
    assert_eq!(body["enabled"], false);
    assert_eq!(body["pending"], false);
    let confirm = format!("{PATH}/confirm");
    let early = call(
        &app,
        Method::POST,
        &confirm,
        &token,
        Some(json!({"code": "123456"})),
    )
    .await;
    assert_eq!(early.0, 409, "nothing to confirm yet");

    let (status, started) = call(&app, Method::POST, PATH, &token, None).await;
    assert_eq!(status, 201, "{started}");
    let secret = started["secret"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 32, "160 bits in base32");
    let uri = started["otpauth_uri"].as_str().unwrap();
    assert!(
        uri.starts_with("otpauth://totp/Portcullis:ada%40example.com?"),
        "{uri}"
    );
    assert!(uri.contains(&format!("secret={secret}")), "{uri}");
    assert!(started["qr_svg"].as_str().unwrap().starts_with("<svg"));
    let (_, body) = call(&app, Method::GET, PATH, &token, None).await;
    assert_eq!(
        (body["enabled"].as_bool(), body["pending"].as_bool()),
        (Some(false), Some(true))
    );

    next_step(&app);
    let wrong = code_for(&app, &secret, 3);
    let (status, body) = call(
        &app,
        Method::POST,
        &confirm,
        &token,
        Some(json!({"code": wrong})),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["pointer"], "#/code");
    let right = code_for(&app, &secret, 0);
    let (status, body) = call(
        &app,
        Method::POST,
        &confirm,
        &token,
        Some(json!({"code": right})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let codes: Vec<String> = serde_json::from_value(body["recovery_codes"].clone()).unwrap();
    assert_eq!(codes.len(), 10);
    assert!(codes.iter().all(|c| grouped(c)), "{codes:?}");
    let mut distinct = codes.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 10);
    let mail = smtp.mail_to(EMAIL).await;
    assert_eq!(
        mail.header("Subject").as_deref(),
        Some("Two-step verification is on")
    );
    let (status, _) = call(&app, Method::POST, PATH, &token, None).await;
    assert_eq!(status, 409, "a second enrolment while one is on");
    let (_, body) = call(&app, Method::GET, PATH, &token, None).await;
    assert_eq!(
        (
            body["enabled"].as_bool(),
            body["recovery_codes_left"].as_u64()
        ),
        (Some(true), Some(10))
    );
    // The export describes the factor and copies neither the secret nor a recovery code.
    let export = app
        .http
        .get(app.url("/api/v1/account/export"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let exported: serde_json::Value = serde_json::from_str(&export).unwrap();
    assert_eq!(exported["second_factor"]["kind"], "totp");
    assert_eq!(exported["second_factor"]["recovery_codes_left"], 10);
    assert!(!export.contains(&secret) && !export.contains(&codes[0]));
    // The database holds hashes only.
    let plain = app
        .db
        .scalar(
            "select count(*) from recovery_codes
             where code_hash = $1 or code_hash = replace($1, '-', '')",
            &codes[0],
        )
        .await;
    assert_eq!(plain, Some(0));

    // New recovery codes: a code of the factor is required, and the old codes stop working.
    let renew = format!("{PATH}/recovery-codes");
    let (status, body) = call(
        &app,
        Method::POST,
        &renew,
        &token,
        Some(json!({"code": wrong_code(&app, &secret)})),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = call(
        &app,
        Method::POST,
        &renew,
        &token,
        Some(json!({"code": codes[0]})),
    )
    .await;
    assert_eq!(status, 200, "a recovery code proves the factor too: {body}");
    let renewed: Vec<String> = serde_json::from_value(body["recovery_codes"].clone()).unwrap();
    assert_eq!(renewed.len(), 10);
    assert!(renewed.iter().all(|c| !codes.contains(c)));
    let mail = smtp.nth_mail_to(EMAIL, 2).await;
    assert_eq!(
        mail.header("Subject").as_deref(),
        Some("New recovery codes were made")
    );

    // Removal needs a recent sign-in: six minutes on, the token must step up (RFC 9470).
    app.clock.advance(time::Duration::minutes(6));
    let response = app
        .http
        .delete(app.url(PATH))
        .bearer_auth(&token)
        .json(&json!({"code": renewed[0]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let challenge = response.headers()["www-authenticate"].to_str().unwrap();
    assert!(
        challenge.contains("insufficient_user_authentication"),
        "{challenge}"
    );
    // A fresh sign-in (password and code, at the challenge endpoint) may remove it, with an old
    // recovery code refused and a new one accepted.
    let client = account_client(&app);
    let fresh = challenge_tokens(&app, &client, EMAIL, &secret, ACCOUNT_SCOPE).await;
    let fresh = fresh["access_token"].as_str().unwrap();
    let (status, _) = call(
        &app,
        Method::DELETE,
        PATH,
        fresh,
        Some(json!({"code": codes[1]})),
    )
    .await;
    assert_eq!(status, 422, "replaced recovery codes are dead");
    let (status, body) = call(
        &app,
        Method::DELETE,
        PATH,
        fresh,
        Some(json!({"code": renewed[0]})),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let mail = smtp.nth_mail_to(EMAIL, 3).await;
    assert_eq!(
        mail.header("Subject").as_deref(),
        Some("Two-step verification was turned off")
    );
    let (_, body) = call(&app, Method::GET, PATH, fresh, None).await;
    assert_eq!(
        (
            body["enabled"].as_bool(),
            body["recovery_codes_left"].as_u64()
        ),
        (Some(false), Some(0))
    );
    let left = app
        .db
        .scalar(
            "select count(*) from recovery_codes c join users u on u.id = c.user_id
             where u.email = $1",
            EMAIL,
        )
        .await;
    assert_eq!(left, Some(0));
    assert_eq!(
        app.page_sign_in(EMAIL, crate::support::browser_flow::PASSWORD)
            .await,
        200
    );
    app.stop().await;
}

on_both_backends!(the_factor_is_enrolled_renewed_and_removed_with_a_notice_each_time);
