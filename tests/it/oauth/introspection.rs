//! Introspection (RFC 7662): details for active tokens, exactly `{"active": false}` otherwise.

use serde_json::{Value, json};

use crate::support::{Backend, TestApp};

async fn an_active_access_token_introspects_with_its_details(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let issuer_client = app.machine_client(&["--audience", "orders-api"]);
    let resource_server = app.machine_client(&["--client-id", "orders-api"]);
    let token = app.client_credentials_token(&issuer_client).await;
    let token = token["access_token"].as_str().unwrap();
    let answer = app.introspect(&resource_server, token).await;
    assert_eq!(answer["active"], true);
    assert_eq!(answer["client_id"], issuer_client.id.as_str());
    assert_eq!(answer["sub"], issuer_client.id.as_str());
    assert_eq!(answer["aud"], "orders-api");
    assert_eq!(answer["scope"], "api:read api:write");
    assert_eq!(answer["iss"], app.base_url);
    assert_eq!(answer["token_type"], "Bearer");
    assert!(answer["exp"].as_i64().unwrap() > answer["iat"].as_i64().unwrap());
    assert_eq!(
        app.introspect(&issuer_client, token).await["active"],
        true,
        "the client the token was issued to"
    );
    app.stop().await;
}

/// RFC 7662 §2.1, §4: a confidential client that neither holds the token nor is its audience
/// learns nothing, not even that the token is live.
async fn a_client_the_token_does_not_concern_sees_it_inactive(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let holder = app.machine_client(&["--audience", "billing"]);
    let same_audience = app.machine_client(&["--audience", "billing"]);
    let billing = app.machine_client(&["--client-id", "billing"]);
    let stranger = app.machine_client(&[]);
    let token = app.client_credentials_token(&holder).await;
    let token = token["access_token"].as_str().unwrap();
    for outsider in [&stranger, &same_audience] {
        assert_eq!(
            app.introspect(outsider, token).await,
            json!({ "active": false })
        );
    }
    assert_eq!(
        app.introspect(&billing, token).await["active"],
        true,
        "the resource server the token is for"
    );

    app.create_user("owner@example.com", &[]);
    let web = app.web_client(&["--first-party"]);
    let tokens = app
        .code_flow(&web, "owner@example.com", "openid offline_access")
        .await;
    for token in [&tokens["access_token"], &tokens["refresh_token"]] {
        assert_eq!(
            app.introspect(&stranger, token.as_str().unwrap()).await,
            json!({ "active": false })
        );
        assert_eq!(
            app.introspect(&web, token.as_str().unwrap()).await["active"],
            true
        );
    }
    app.stop().await;
}

async fn anything_else_is_exactly_inactive(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let caller = app.machine_client(&[]);
    let expiring = app.client_credentials_token(&caller).await;
    // tokens.access_token_ttl is 10 minutes.
    app.clock.advance(time::Duration::minutes(11));
    let valid = app.client_credentials_token(&caller).await;
    let valid = valid["access_token"].as_str().unwrap();
    assert_eq!(app.introspect(&caller, valid).await["active"], true);
    let mut tampered = valid.to_owned();
    tampered.replace_range(tampered.len() - 4.., "AAAA");
    let (header, rest) = valid.split_once('.').unwrap();
    let _ = header;
    let alg_none = format!(
        "{}.{}",
        base64_url(br#"{"alg":"none","typ":"at+jwt"}"#),
        rest.rsplit_once('.').unwrap().0
    ) + ".";
    for token in [
        "garbage",
        "a.b.c",
        &tampered,
        &alg_none,
        expiring["access_token"].as_str().unwrap(),
    ] {
        assert_eq!(
            app.introspect(&caller, token).await,
            json!({ "active": false }),
            "{token}"
        );
    }
    app.stop().await;
}

async fn only_authenticated_confidential_clients_may_introspect(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = app.machine_client(&[]);
    let token = app.client_credentials_token(&client).await;
    let token = token["access_token"].as_str().unwrap();
    let anonymous = app
        .http
        .post(app.url("/introspect"))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let public = app.create_client(&["--public", "--redirect-uri", "https://spa.example.com/cb"]);
    let as_public = app
        .http
        .post(app.url("/introspect"))
        .form(&[("token", token), ("client_id", public.id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(as_public.status(), 400);
    let body: Value = as_public.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    app.stop().await;
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

on_both_backends!(
    an_active_access_token_introspects_with_its_details,
    a_client_the_token_does_not_concern_sees_it_inactive,
    anything_else_is_exactly_inactive,
    only_authenticated_confidential_clients_may_introspect,
);
