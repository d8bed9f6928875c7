//! The authorization challenge endpoint (draft-ietf-oauth-first-party-apps-04) and the password
//! grant, for accounts with and without a second factor.

use std::sync::Arc;

use tokio::sync::Barrier;

use super::{
    EMAIL, at_step, challenge_code, challenge_password, code_for, first_party_app, last_used_step,
    next_step, user_with_factor, wrong_code,
};
use crate::support::browser_flow::{PASSWORD, pkce_pair};
use crate::support::oauth::{TestClient, oauth_error};
use crate::support::{Backend, TestApp};

/// Redeems a challenge code at `/token` (no redirect URI: the challenge had none).
async fn redeem(
    app: &TestApp,
    client: &TestClient,
    code: &str,
    verifier: &str,
) -> reqwest::Response {
    app.post_form_basic(
        "/token",
        client,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("code_verifier", verifier),
        ],
    )
    .await
}

async fn an_account_without_a_factor_gets_a_code_in_one_step(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_user(EMAIL, &[]);
    let client = first_party_app(&app);
    let other = first_party_app(&app);
    let (verifier, challenge) = pkce_pair();
    let (status, body) = challenge_password(&app, &client, EMAIL, PASSWORD, &challenge).await;
    assert_eq!(status, 200, "{body}");
    let code = body["authorization_code"].as_str().unwrap();
    // Only the client it was issued to, only with the verifier, only once, and with no
    // redirect_uri (the challenge had none).
    let stolen = redeem(&app, &other, code, &verifier).await;
    assert_eq!(oauth_error(stolen).await, "invalid_grant");

    let (_, challenge) = pkce_pair();
    let (_, body) = challenge_password(&app, &client, EMAIL, PASSWORD, &challenge).await;
    let code = body["authorization_code"].as_str().unwrap().to_owned();
    let (wrong_verifier, _) = pkce_pair();
    assert_eq!(
        oauth_error(redeem(&app, &client, &code, &wrong_verifier).await).await,
        "invalid_grant"
    );
    let (verifier2, challenge2) = pkce_pair();
    let (_, body) = challenge_password(&app, &client, EMAIL, PASSWORD, &challenge2).await;
    let code2 = body["authorization_code"].as_str().unwrap().to_owned();
    let with_uri = app
        .post_form_basic(
            "/token",
            &client,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code2),
                ("code_verifier", &verifier2),
                ("redirect_uri", "https://app.example.com/callback"),
            ],
        )
        .await;
    assert_eq!(oauth_error(with_uri).await, "invalid_grant");

    let (verifier, challenge) = pkce_pair();
    let (_, body) = challenge_password(&app, &client, EMAIL, PASSWORD, &challenge).await;
    let code = body["authorization_code"].as_str().unwrap().to_owned();
    let tokens = redeem(&app, &client, &code, &verifier).await;
    assert_eq!(tokens.status(), 200);
    let tokens: serde_json::Value = tokens.json().await.unwrap();
    let claims = app
        .verify_jwt(tokens["id_token"].as_str().unwrap(), &client.id)
        .await;
    assert_eq!(claims["amr"], serde_json::json!(["pwd"]));
    assert_eq!(claims["email"], EMAIL);
    let again = redeem(&app, &client, &code, &verifier).await;
    assert_eq!(oauth_error(again).await, "invalid_grant");
    app.stop().await;
}

async fn an_account_with_a_factor_answers_a_code_within_one_step_of_drift(backend: Backend) {
    let mut app = TestApp::spawn(backend).await;
    let (secret, _codes) = user_with_factor(&mut app, EMAIL).await;
    let client = first_party_app(&app);
    let (verifier, challenge) = pkce_pair();
    let (status, body) = challenge_password(&app, &client, EMAIL, PASSWORD, &challenge).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"], "insufficient_authorization");
    assert_eq!(
        body["factors"],
        serde_json::json!(["totp", "recovery_code"])
    );
    let mut session = body["auth_session"].as_str().unwrap().to_owned();
    assert!(session.len() >= 43, "256 bits");

    // Three steps late and three early are refused, each with a fresh auth_session; one step
    // late passes (a step after the one the set-up code spent).
    next_step(&app);
    for steps in [3, -3] {
        let code = code_for(&app, &secret, steps);
        let (status, body) = challenge_code(&app, &client, &session, "totp", &code).await;
        assert_eq!(status, 403, "{body}");
        assert_eq!(body["error"], "insufficient_authorization");
        let next = body["auth_session"].as_str().unwrap().to_owned();
        assert_ne!(next, session, "rotated on every step");
        // The one answered is spent.
        let (status, replayed) = challenge_code(&app, &client, &session, "totp", "000000").await;
        assert_eq!(
            (status, replayed["error"].as_str()),
            (400, Some("invalid_session"))
        );
        session = next;
    }
    let code = code_for(&app, &secret, -1);
    let (status, body) = challenge_code(&app, &client, &session, "totp", &code).await;
    assert_eq!(status, 200, "{body}");
    let issued = body["authorization_code"].as_str().unwrap().to_owned();
    let tokens = redeem(&app, &client, &issued, &verifier).await;
    assert_eq!(tokens.status(), 200);
    let tokens: serde_json::Value = tokens.json().await.unwrap();
    let claims = app
        .verify_jwt(tokens["id_token"].as_str().unwrap(), &client.id)
        .await;
    let amr = claims["amr"].as_array().unwrap();
    assert!(
        amr.contains(&"pwd".into()) && amr.contains(&"otp".into()),
        "{amr:?}"
    );
    // So does the access token, for resource servers (RFC 9068 §2.2.3.1).
    let access = app
        .verify_jwt(tokens["access_token"].as_str().unwrap(), &app.base_url)
        .await;
    assert_eq!(access["amr"], claims["amr"]);
    // The refreshed ID token says the same.
    let refreshed = app
        .post_form_basic(
            "/token",
            &client,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ],
        )
        .await;
    let refreshed: serde_json::Value = refreshed.json().await.unwrap();
    let claims = app
        .verify_jwt(refreshed["id_token"].as_str().unwrap(), &client.id)
        .await;
    assert!(claims["amr"].as_array().unwrap().contains(&"otp".into()));

    // The same code again, in a new sign-in and inside its window (the clock one step on from
    // it): refused like any wrong one.
    let accepted = last_used_step(&app, EMAIL).await;
    at_step(&app, accepted + 1);
    let (_, challenge) = pkce_pair();
    let (_, body) = challenge_password(&app, &client, EMAIL, PASSWORD, &challenge).await;
    let session = body["auth_session"].as_str().unwrap();
    let (status, body) = challenge_code(&app, &client, session, "totp", &code).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("insufficient_authorization"))
    );
    app.stop().await;
}

async fn parallel_answers_with_one_code_have_one_winner(backend: Backend) {
    let mut app = TestApp::spawn(backend).await;
    let (secret, _codes) = user_with_factor(&mut app, EMAIL).await;
    let client = first_party_app(&app);
    let app = Arc::new(app);
    for round in 0..3 {
        // Each round's five losers are wrong codes: an hour apart, every round starts with the
        // account's whole budget.
        app.clock.advance(time::Duration::HOUR);
        next_step(&app);
        let mut sessions = Vec::new();
        for _ in 0..6 {
            let (_, challenge) = pkce_pair();
            let (_, body) = challenge_password(&app, &client, EMAIL, PASSWORD, &challenge).await;
            sessions.push(body["auth_session"].as_str().unwrap().to_owned());
        }
        let code = code_for(&app, &secret, 0);
        let barrier = Arc::new(Barrier::new(sessions.len()));
        let answers = sessions.into_iter().map(|session| {
            let (app, client, code, barrier) =
                (app.clone(), client.clone(), code.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                challenge_code(&app, &client, &session, "totp", &code)
                    .await
                    .0
            })
        });
        let statuses: Vec<u16> = futures_util::future::join_all(answers)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            statuses.iter().filter(|s| **s == 200).count(),
            1,
            "round {round}: {statuses:?}"
        );
        let step = app.clock.now().unix_timestamp().div_euclid(30);
        let stored = app
            .db
            .scalar(
                "select last_used_step from second_factors f join users u on u.id = f.user_id
                 where u.email = $1",
                EMAIL,
            )
            .await
            .unwrap();
        assert!((step - 1..=step).contains(&stored), "{stored} vs {step}");
    }
    Arc::into_inner(app).unwrap().stop().await;
}

/// A first step for the standard user at `app`; the auth_session it answers.
async fn auth_session(app: &TestApp, client: &TestClient) -> String {
    let (_, challenge) = pkce_pair();
    let (status, body) = challenge_password(app, client, EMAIL, PASSWORD, &challenge).await;
    assert_eq!(status, 403, "{body}");
    body["auth_session"].as_str().unwrap().to_owned()
}

async fn recovery_codes_work_once_and_wrong_codes_lock_the_factor_on_every_instance(
    backend: Backend,
) {
    let mut app = TestApp::spawn(backend).await;
    let (secret, codes) = user_with_factor(&mut app, EMAIL).await;
    let client = first_party_app(&app);
    let other = app.sibling().await;
    // The sibling's clock is its own: move it to where this one is.
    other.clock.advance(app.clock.now() - other.clock.now());

    // A recovery code, typed any way, works once, on either instance.
    let session = auth_session(&app, &client).await;
    let typed = codes[0].to_lowercase().replace('-', " ");
    let (status, body) = challenge_code(&app, &client, &session, "recovery_code", &typed).await;
    assert_eq!(status, 200, "{body}");
    let session = auth_session(&other, &client).await;
    let (status, _) = challenge_code(&other, &client, &session, "recovery_code", &codes[0]).await;
    assert_eq!(status, 403, "a used recovery code is a wrong code");

    // That was wrong code 1; nine more, alternating instances and sign-ins, spend the budget.
    for failure in 2..=10 {
        let instance = if failure % 2 == 0 { &app } else { &other };
        let session = auth_session(instance, &client).await;
        let wrong = wrong_code(instance, &secret);
        let (status, body) = challenge_code(instance, &client, &session, "totp", &wrong).await;
        assert_eq!(status, 403, "wrong code {failure}: {body}");
    }
    for instance in [&app, &other] {
        let session = auth_session(instance, &client).await;
        let code = code_for(instance, &secret, 0);
        let (status, body) = challenge_code(instance, &client, &session, "totp", &code).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_session"))
        );
        let session = auth_session(instance, &client).await;
        let (status, _) =
            challenge_code(instance, &client, &session, "recovery_code", &codes[1]).await;
        assert_eq!(status, 400, "recovery codes are locked out too");
    }
    let stored = app
        .db
        .scalar(
            "select cast(failures as bigint) from second_factors f join users u on u.id = f.user_id
             where u.email = $1",
            EMAIL,
        )
        .await;
    assert_eq!(stored, Some(10), "no more than the budget was ever counted");

    // An hour later the right code passes again.
    for instance in [&app, &other] {
        instance.clock.advance(time::Duration::HOUR);
    }
    next_step(&app);
    other.clock.advance(app.clock.now() - other.clock.now());
    let session = auth_session(&other, &client).await;
    let code = code_for(&other, &secret, 0);
    let (status, body) = challenge_code(&other, &client, &session, "totp", &code).await;
    assert_eq!(status, 200, "{body}");
    app.stop().await;
    other.stop().await;
}

async fn password_grant(app: &TestApp, client: &TestClient) -> reqwest::Response {
    let form = [
        ("grant_type", "password"),
        ("username", EMAIL),
        ("password", PASSWORD),
        ("scope", "openid"),
    ];
    app.post_form_basic("/token", client, &form).await
}

async fn a_burst_of_wrong_codes_gets_no_more_answers_than_the_budget(backend: Backend) {
    let mut app = TestApp::spawn(backend).await;
    let (secret, _codes) = user_with_factor(&mut app, EMAIL).await;
    let client = first_party_app(&app);
    let mut sessions = Vec::new();
    for _ in 0..20 {
        sessions.push(auth_session(&app, &client).await);
    }
    let wrong = wrong_code(&app, &secret);
    let app = Arc::new(app);
    let barrier = Arc::new(Barrier::new(sessions.len()));
    let answers = sessions.into_iter().map(|session| {
        let (app, client, wrong, barrier) =
            (app.clone(), client.clone(), wrong.clone(), barrier.clone());
        tokio::spawn(async move {
            barrier.wait().await;
            let (status, body) = challenge_code(&app, &client, &session, "totp", &wrong).await;
            (
                status,
                body["error"].as_str().unwrap_or_default().to_owned(),
            )
        })
    });
    let answers: Vec<(u16, String)> = futures_util::future::join_all(answers)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    // Ten answered "wrong" (the budget), the rest refused as locked without a verdict.
    let wrong_answers = answers
        .iter()
        .filter(|(status, error)| *status == 403 && error == "insufficient_authorization")
        .count();
    let locked = answers
        .iter()
        .filter(|(status, error)| *status == 400 && error == "invalid_session")
        .count();
    assert_eq!((wrong_answers, locked), (10, 10), "{answers:?}");
    let counted = app
        .db
        .scalar(
            "select cast(failures as bigint) from second_factors f join users u on u.id = f.user_id
             where u.email = $1",
            EMAIL,
        )
        .await;
    assert_eq!(counted, Some(10));
    Arc::into_inner(app).unwrap().stop().await;
}

async fn the_password_grant_refuses_an_account_with_a_factor(backend: Backend) {
    let mut app = TestApp::spawn(backend).await;
    app.create_user(EMAIL, &[]);
    let client = app.create_client(&[
        "--first-party",
        "--grant-type",
        "password",
        "--scope",
        "openid",
    ]);
    assert_eq!(password_grant(&app, &client).await.status(), 200);
    let (_client, token) = super::account_token(&mut app, EMAIL).await;
    super::enrol(&app, &token).await;
    let refused = password_grant(&app, &client).await;
    assert_eq!(oauth_error(refused).await, "invalid_grant");
    app.stop().await;
}

async fn every_challenge_error_is_answered_in_the_drafts_terms(backend: Backend) {
    let mut app = TestApp::spawn(backend).await;
    let (secret, _codes) = user_with_factor(&mut app, EMAIL).await;
    let client = first_party_app(&app);
    let other = first_party_app(&app);
    let third_party = app.web_client(&["--scope", "openid"]);
    let (_, challenge) = pkce_pair();
    let metadata: serde_json::Value = app
        .get("/.well-known/openid-configuration")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        metadata["authorization_challenge_endpoint"],
        app.url("/authorize-challenge")
    );

    let (status, body) = challenge_password(&app, &third_party, EMAIL, PASSWORD, &challenge).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unauthorized_client"))
    );
    // Unknown address and wrong password: one answer.
    let (status, unknown) =
        challenge_password(&app, &client, "nobody@example.com", PASSWORD, &challenge).await;
    let (_, wrong) =
        challenge_password(&app, &client, EMAIL, "Wrong password 123", &challenge).await;
    assert_eq!(status, 400);
    assert_eq!(unknown, wrong);
    assert_eq!(unknown["error"], "invalid_grant");

    let form = |pairs: &[(&str, &str)]| {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        pairs
    };
    for (pairs, error) in [
        (
            form(&[("username", EMAIL), ("password", PASSWORD)]),
            "invalid_request",
        ),
        (
            form(&[
                ("username", EMAIL),
                ("password", PASSWORD),
                ("code_challenge", &challenge),
                ("code_challenge_method", "plain"),
            ]),
            "invalid_request",
        ),
        (
            form(&[
                ("username", EMAIL),
                ("password", PASSWORD),
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
                ("response_type", "token"),
            ]),
            "unsupported_response_type",
        ),
        (
            form(&[("auth_session", "made-up"), ("totp", "123456")]),
            "invalid_session",
        ),
        (
            form(&[
                ("auth_session", "made-up"),
                ("totp", "1"),
                ("recovery_code", "2"),
            ]),
            "invalid_request",
        ),
    ] {
        let pairs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let response = app
            .post_form_basic("/authorize-challenge", &client, &pairs)
            .await;
        assert_eq!(response.status(), 400, "{pairs:?}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"], error, "{pairs:?}");
    }

    // Another client cannot use this client's auth_session (and spends it by trying).
    let (_, body) = challenge_password(&app, &client, EMAIL, PASSWORD, &challenge).await;
    let session = body["auth_session"].as_str().unwrap().to_owned();
    let code = code_for(&app, &secret, 0);
    let (status, body) = challenge_code(&app, &other, &session, "totp", &code).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_session"))
    );
    let (status, _) = challenge_code(&app, &client, &session, "totp", &code).await;
    assert_eq!(status, 400, "spent");

    // A code_challenge in the second step must be the first step's.
    let (_, body) = challenge_password(&app, &client, EMAIL, PASSWORD, &challenge).await;
    let session = body["auth_session"].as_str().unwrap().to_owned();
    let (_, different) = pkce_pair();
    let response = app
        .post_form_basic(
            "/authorize-challenge",
            &client,
            &[
                ("auth_session", &session),
                ("totp", &code),
                ("code_challenge", &different),
            ],
        )
        .await;
    assert_eq!(oauth_error(response).await, "invalid_session");
    // Neither refusal looked at the code, so it is not spent: the right client with the right
    // challenge still gets in with it.
    let (_, body) = challenge_password(&app, &client, EMAIL, PASSWORD, &challenge).await;
    let session = body["auth_session"].as_str().unwrap().to_owned();
    let (status, body) = challenge_code(&app, &client, &session, "totp", &code).await;
    assert_eq!(status, 200, "{body}");

    // Five codes per sign-in: the fifth wrong one ends it.
    let (_, body) = challenge_password(&app, &client, EMAIL, PASSWORD, &challenge).await;
    let mut session = body["auth_session"].as_str().unwrap().to_owned();
    for attempt in 1..=5 {
        let wrong = wrong_code(&app, &secret);
        let (status, body) = challenge_code(&app, &client, &session, "totp", &wrong).await;
        if attempt < 5 {
            assert_eq!(status, 403, "attempt {attempt}: {body}");
            session = body["auth_session"].as_str().unwrap().to_owned();
        } else {
            assert_eq!(
                (status, body["error"].as_str()),
                (400, Some("invalid_session"))
            );
        }
    }
    app.stop().await;
}

on_both_backends!(
    an_account_without_a_factor_gets_a_code_in_one_step,
    an_account_with_a_factor_answers_a_code_within_one_step_of_drift,
    parallel_answers_with_one_code_have_one_winner,
    recovery_codes_work_once_and_wrong_codes_lock_the_factor_on_every_instance,
    a_burst_of_wrong_codes_gets_no_more_answers_than_the_budget,
    the_password_grant_refuses_an_account_with_a_factor,
    every_challenge_error_is_answered_in_the_drafts_terms,
);
