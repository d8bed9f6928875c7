//! Signing-key rotation: a successor is published before it signs, old tokens keep verifying, and
//! the CLI shows and forces rotation.

use std::time::Duration;

use serde_json::Value;

use crate::support::binary::{self, command_for};
use crate::support::eventually::eventually;
use crate::support::oauth::jwt_header;
use crate::support::{Backend, TestApp};

async fn rotation_publishes_first_then_signs_and_old_tokens_still_verify(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| {
        config.keys.jwks_max_age = portcullis::config::Duration::from_secs(2);
        config.keys.reload_interval = portcullis::config::Duration::from_secs(1);
    })
    .await;
    let client = app.machine_client(&[]);
    let before = app.client_credentials_token(&client).await;
    let before = before["access_token"].as_str().unwrap().to_owned();
    let old_kid = jwt_header(&before).kid.unwrap();

    let mut rotate = command_for(&app.db);
    rotate
        .args(["keys", "rotate"])
        .env("PORTCULLIS_KEYS__JWKS_MAX_AGE", "2s")
        .env("PORTCULLIS_KEYS__RELOAD_INTERVAL", "1s");
    let run = binary::run(rotate, None);
    run.assert_success();
    let created: Vec<String> = serde_json::from_value(run.json()["created"].clone()).unwrap();
    assert_eq!(created.len(), 2, "one successor per algorithm");
    let new_es256 = run.json()["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["alg"] == "ES256" && k["state"] == "published")
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .expect("a published, not yet signing, ES256 key");

    // Published by every instance (at its next reload tick) before it signs anything.
    eventually(Duration::from_secs(10), "the new key published", || async {
        app.jwks()
            .await
            .keys
            .iter()
            .any(|k| k.common.key_id.as_deref() == Some(new_es256.as_str()))
    })
    .await;
    let kid_of = |token: Value| jwt_header(token["access_token"].as_str().unwrap()).kid;
    assert_eq!(
        kid_of(app.client_credentials_token(&client).await),
        Some(old_kid.clone()),
        "the new key does not sign before its publication lead"
    );

    // After the lead (jwks_max_age + reload_interval = 3 s), new tokens carry the new kid.
    app.clock.advance(time::Duration::seconds(4));
    eventually(Duration::from_secs(10), "the new key signing", || async {
        let token = app.client_credentials_token(&client).await;
        let signed_by_new = kid_of(token.clone()).as_deref() == Some(new_es256.as_str());
        if signed_by_new {
            app.verify_jwt(token["access_token"].as_str().unwrap(), &app.base_url)
                .await;
        }
        signed_by_new
    })
    .await;
    let claims = app.verify_jwt(&before, &app.base_url).await;
    assert_eq!(claims["client_id"], client.id.as_str());
    let introspected: Value = app
        .post_form_basic("/introspect", &client, &[("token", &before)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        introspected["active"], true,
        "a token signed before the rotation stays valid"
    );
    app.stop().await;
}

/// The schedule itself, by moving the server's clock: after `keys.rotation_interval` a successor
/// is published, it signs once the publication lead has passed, and the retired key leaves the
/// JWKS once every token it signed has expired.
async fn keys_rotate_and_retire_on_schedule(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| {
        config.keys.jwks_max_age = portcullis::config::Duration::from_secs(2);
        config.keys.reload_interval = portcullis::config::Duration::from_secs(1);
    })
    .await;
    let client = app.machine_client(&[]);
    let signing_kid = || async {
        let token = app.client_credentials_token(&client).await;
        jwt_header(token["access_token"].as_str().unwrap())
            .kid
            .unwrap()
    };
    let published = || async {
        app.jwks()
            .await
            .keys
            .iter()
            .filter_map(|k| k.common.key_id.clone())
            .collect::<Vec<String>>()
    };
    let old_kid = signing_kid().await;
    let before = published().await.len();

    // keys.rotation_interval is 30 days.
    app.clock
        .advance(time::Duration::days(30) + time::Duration::seconds(1));
    eventually(Duration::from_secs(10), "a successor published", || async {
        published().await.len() > before
    })
    .await;
    assert_eq!(signing_kid().await, old_kid, "published before it signs");

    // The lead (jwks_max_age + reload_interval) passes: the successor signs.
    app.clock.advance(time::Duration::seconds(4));
    eventually(Duration::from_secs(10), "the successor signing", || async {
        signing_kid().await != old_kid
    })
    .await;
    assert!(
        published().await.contains(&old_kid),
        "the retired key stays while its tokens live"
    );

    // Every token it can have signed has expired (the longest lifetime any client may have is
    // an hour): it goes.
    app.clock.advance(time::Duration::minutes(61));
    eventually(
        Duration::from_secs(10),
        "the retired key unpublished",
        || async { !published().await.contains(&old_kid) },
    )
    .await;
    app.stop().await;
}

async fn keys_list_shows_one_signing_key_per_algorithm(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut list = command_for(&app.db);
    list.args(["keys", "list"]);
    let run = binary::run(list, None);
    run.assert_success();
    let json = run.json();
    let keys = json["keys"].as_array().unwrap();
    for alg in ["RS256", "ES256"] {
        let signing = keys
            .iter()
            .filter(|k| k["alg"] == alg && k["state"] == "signing")
            .count();
        assert_eq!(signing, 1, "{alg}: {keys:?}");
    }
    let jwks = app.jwks().await;
    assert_eq!(jwks.keys.len(), keys.len());
    app.stop().await;
}

on_both_backends!(
    keys_rotate_and_retire_on_schedule,
    rotation_publishes_first_then_signs_and_old_tokens_still_verify,
    keys_list_shows_one_signing_key_per_algorithm,
);

async fn several_instances_on_one_database_agree_on_keys_and_honour_each_others_tokens(
    backend: Backend,
) {
    let first = TestApp::spawn(backend).await;
    let second = first.sibling().await;
    let client = first.machine_client(&[]);
    let from_first = first.client_credentials_token(&client).await;
    let from_second = second.client_credentials_token(&client).await;
    let kid = |token: &Value| {
        jwt_header(token["access_token"].as_str().unwrap())
            .kid
            .unwrap()
    };
    assert_eq!(
        kid(&from_first),
        kid(&from_second),
        "one signing key for all instances"
    );
    assert_eq!(
        serde_json::to_value(first.jwks().await).unwrap(),
        serde_json::to_value(second.jwks().await).unwrap()
    );
    let on_second: Value = second
        .post_form_basic(
            "/introspect",
            &client,
            &[("token", from_first["access_token"].as_str().unwrap())],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(on_second["active"], true);
    second.stop().await;
    first.stop().await;
}

on_both_backends!(several_instances_on_one_database_agree_on_keys_and_honour_each_others_tokens);
