//! The client_credentials grant: RFC 9068 JWT access tokens that a resource server can verify
//! offline against the JWKS.

use crate::support::oauth::jwt_header;
use crate::support::{Backend, TestApp};

async fn an_es256_access_token_verifies_offline_with_rfc_9068_claims(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = app.machine_client(&[]);
    let response = app
        .post_form_basic("/token", &client, &[("grant_type", "client_credentials")])
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["pragma"], "no-cache");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 600, "tokens.access_token_ttl default");
    assert_eq!(
        body["scope"], "api:read api:write",
        "user scopes are not granted to a machine"
    );
    assert!(body.get("refresh_token").is_none() && body.get("id_token").is_none());

    let token = body["access_token"].as_str().unwrap();
    let header = jwt_header(token);
    assert_eq!(header.alg, jsonwebtoken::Algorithm::ES256);
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    let claims = app.verify_jwt(token, &app.base_url).await;
    assert_eq!(claims["iss"], app.base_url);
    assert_eq!(claims["sub"], client.id.as_str());
    assert_eq!(claims["client_id"], client.id.as_str());
    assert_eq!(
        claims["aud"], app.base_url,
        "the issuer is the default audience"
    );
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        600
    );
    assert!(claims["jti"].as_str().is_some_and(|jti| jti.len() >= 32));
    app.stop().await;
}

async fn a_client_can_have_rs256_its_own_audience_lifetime_and_narrower_scope(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = app.machine_client(&[
        "--access-token-alg",
        "RS256",
        "--audience",
        "https://api.example.com",
        "--access-token-ttl",
        "5m",
    ]);
    let response = app
        .post_form_basic(
            "/token",
            &client,
            &[("grant_type", "client_credentials"), ("scope", "api:read")],
        )
        .await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["scope"], "api:read");
    assert_eq!(body["expires_in"], 300);
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(jwt_header(token).alg, jsonwebtoken::Algorithm::RS256);
    let claims = app.verify_jwt(token, "https://api.example.com").await;
    assert_eq!(claims["scope"], "api:read");
    app.stop().await;
}

async fn client_secret_post_works_like_basic(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = app.machine_client(&[]);
    let response = app
        .http
        .post(app.url("/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client.id.as_str()),
            ("client_secret", client.secret.as_deref().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    app.stop().await;
}

/// Client libraries send their configured scope on every grant (Authlib's `fetch_token` does):
/// scopes that need a user, or that the client may not have, are dropped, and the response says
/// what the token carries.
async fn user_scopes_in_the_request_are_dropped_and_the_response_says_so(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let machine = app.machine_client(&[]);
    let mixed = app
        .post_form_basic(
            "/token",
            &machine,
            &[
                ("grant_type", "client_credentials"),
                (
                    "scope",
                    "openid profile email offline_access api:read api:admin",
                ),
            ],
        )
        .await;
    assert_eq!(mixed.status(), 200);
    let body: serde_json::Value = mixed.json().await.unwrap();
    assert_eq!(body["scope"], "api:read");
    let claims = app
        .verify_jwt(body["access_token"].as_str().unwrap(), &app.base_url)
        .await;
    assert_eq!(claims["scope"], "api:read");

    // A client registered with the default (user) scopes only: the token carries none.
    let plain = app.create_client(&["--grant-type", "client_credentials"]);
    let response = app
        .post_form_basic(
            "/token",
            &plain,
            &[
                ("grant_type", "client_credentials"),
                ("scope", "openid profile email offline_access"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body["scope"], "",
        "no scope applies, and the response says so"
    );
    let claims = app
        .verify_jwt(body["access_token"].as_str().unwrap(), &app.base_url)
        .await;
    assert!(claims.get("scope").is_none(), "{claims}");
    assert!(body.get("id_token").is_none() && body.get("refresh_token").is_none());
    app.stop().await;
}

on_both_backends!(
    user_scopes_in_the_request_are_dropped_and_the_response_says_so,
    an_es256_access_token_verifies_offline_with_rfc_9068_claims,
    a_client_can_have_rs256_its_own_audience_lifetime_and_narrower_scope,
    client_secret_post_works_like_basic,
);
