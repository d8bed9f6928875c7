//! Metadata and keys: served from memory, cacheable, and exactly what the specs ask for.

use serde_json::Value;

use crate::support::eventually::eventually;
use crate::support::{Backend, TestApp};

async fn the_metadata_names_the_configured_issuer_and_every_endpoint(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for path in [
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
    ] {
        let response = app
            .http
            .get(app.url(path))
            .header("host", "evil.example.com")
            .header("x-forwarded-host", "evil.example.com")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let cache = response.headers()["cache-control"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(cache.starts_with("public, max-age="), "{cache}");
        let document: Value = response.json().await.unwrap();
        assert_eq!(
            document["issuer"], app.base_url,
            "never derived from Host or X-Forwarded-*"
        );
        assert_eq!(document["token_endpoint"], app.url("/token"));
        assert_eq!(document["jwks_uri"], app.url("/jwks"));
        assert_eq!(document["introspection_endpoint"], app.url("/introspect"));
        assert_eq!(document["revocation_endpoint"], app.url("/revoke"));
        assert_eq!(
            document["response_types_supported"],
            serde_json::json!(["code"])
        );
        assert_eq!(
            document["code_challenge_methods_supported"],
            serde_json::json!(["S256"])
        );
        assert_eq!(
            document["subject_types_supported"],
            serde_json::json!(["public"])
        );
        assert_eq!(
            document["authorization_response_iss_parameter_supported"],
            true
        );
        let algs = document["id_token_signing_alg_values_supported"]
            .as_array()
            .unwrap();
        assert!(algs.contains(&Value::from("RS256")) && algs.contains(&Value::from("ES256")));
        let auth = document["token_endpoint_auth_methods_supported"]
            .as_array()
            .unwrap();
        for method in ["client_secret_basic", "client_secret_post", "none"] {
            assert!(auth.contains(&Value::from(method)), "{method}");
        }
        let grants = document["grant_types_supported"].as_array().unwrap();
        assert!(
            !grants.contains(&Value::from("password")),
            "no client may use the password grant"
        );
    }
    app.stop().await;
}

async fn the_password_grant_is_advertised_once_a_client_may_use_it(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| {
        config.keys.reload_interval = portcullis::config::Duration::from_secs(1);
    })
    .await;
    app.create_client(&[
        "--grant-type",
        "password",
        "--first-party",
        "--client-id",
        "first-party-app",
    ]);
    eventually(
        std::time::Duration::from_secs(10),
        "the password grant advertised",
        || async {
            let document: Value = app
                .get("/.well-known/openid-configuration")
                .await
                .json()
                .await
                .unwrap();
            document["grant_types_supported"]
                .as_array()
                .unwrap()
                .contains(&Value::from("password"))
        },
    )
    .await;
    app.stop().await;
}

async fn the_jwks_publishes_public_rs256_and_es256_keys_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app.get("/jwks").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age=")
    );
    let jwks: Value = response.json().await.unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    let mut kids: Vec<&str> = keys.iter().map(|k| k["kid"].as_str().unwrap()).collect();
    kids.sort_unstable();
    kids.dedup();
    assert_eq!(kids.len(), keys.len(), "kids are unique");
    for key in keys {
        for private in ["d", "p", "q", "dp", "dq", "qi", "k"] {
            assert!(
                key.get(private).is_none(),
                "private parameter {private} published"
            );
        }
        assert_eq!(key["use"], "sig");
    }
    let rsa = keys
        .iter()
        .find(|k| k["alg"] == "RS256")
        .expect("an RS256 key");
    assert_eq!(rsa["kty"], "RSA");
    let modulus = base64_len(rsa["n"].as_str().unwrap());
    assert!(modulus >= 256, "RSA key of {} bits", modulus * 8);
    let ec = keys
        .iter()
        .find(|k| k["alg"] == "ES256")
        .expect("an ES256 key");
    assert_eq!(ec["crv"], "P-256");
    app.stop().await;
}

fn base64_len(value: &str) -> usize {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(value)
        .unwrap()
        .len()
}

on_both_backends!(
    the_metadata_names_the_configured_issuer_and_every_endpoint,
    the_password_grant_is_advertised_once_a_client_may_use_it,
    the_jwks_publishes_public_rs256_and_es256_keys_only,
);
