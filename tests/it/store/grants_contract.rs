//! The promises of the grant and consent stores, on both backends.

use std::sync::Arc;

use portcullis::domain::{
    AuthorizationCode, ClientId, Email, Grant, NewRefreshToken, NewUser, Redemption, Rotation,
    TokenHash, UserId, time as clock,
};
use portcullis::store::{Revocations, Store};
use time::{Duration, OffsetDateTime};

use crate::support::{Backend, TestDatabase};

async fn open(backend: Backend) -> (TestDatabase, Arc<dyn Store>, UserId, ClientId) {
    let db = TestDatabase::new(backend).await;
    let store = crate::support::connect_store(&db.config()).await.unwrap();
    store.migrate().await.unwrap();
    let user = store
        .create_user(
            NewUser {
                id: UserId::new(),
                email: Email::parse("contract@example.com").unwrap(),
                name: None,
                password_hash: None,
                email_verified: true,
                roles: vec![],
                created_at: clock::now(),
            },
            &crate::support::test_event(),
        )
        .await
        .unwrap();
    let hasher = portcullis::crypto::token::TokenHasher::new(&[1; 32]);
    let input = portcullis::admin::clients::CreateClient {
        name: "Contract".into(),
        client_id: Some("contract".into()),
        redirect_uris: vec!["https://app.example.com/cb".into()],
        ..Default::default()
    };
    let client = portcullis::admin::clients::create_client(
        store.as_ref(),
        &hasher,
        input,
        portcullis::domain::audit::AuditActor::System,
    )
    .await
    .unwrap();
    (db, store, user.id, client.client.id)
}

fn hash(value: &str) -> TokenHash {
    TokenHash::from_stored(value.to_owned())
}

fn code(user: UserId, client: &ClientId, value: &str, now: OffsetDateTime) -> AuthorizationCode {
    AuthorizationCode {
        code_hash: hash(value),
        client_id: client.clone(),
        user_id: user,
        redirect_uri: "https://app.example.com/cb".into(),
        scope: "openid".into(),
        nonce: Some("n".into()),
        code_challenge: "c".repeat(43),
        auth_time: now,
        sid: Some("sid".into()),
        amr: vec!["pwd".into(), "otp".into()],
        created_at: now,
        expires_at: now + Duration::minutes(1),
    }
}

fn grant(user: UserId, client: &ClientId, now: OffsetDateTime) -> Grant {
    Grant {
        id: uuid::Uuid::now_v7(),
        client_id: client.clone(),
        user_id: user,
        scope: "openid offline_access".into(),
        auth_time: now,
        sid: None,
        amr: vec!["pwd".into()],
        created_at: now,
        expires_at: now + Duration::days(90),
        revoked_at: None,
    }
}

fn refresh(value: &str, now: OffsetDateTime) -> NewRefreshToken {
    NewRefreshToken {
        token_hash: hash(value),
        created_at: now,
        expires_at: now + Duration::days(14),
    }
}

async fn a_code_redeems_once_and_a_replay_revokes_its_grant(backend: Backend) {
    let (_db, store, user, client) = open(backend).await;
    let now = clock::now();
    store
        .insert_authorization_code(code(user, &client, "code-1", now))
        .await
        .unwrap();
    let (found, consumed) = store
        .find_authorization_code(&hash("code-1"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found, code(user, &client, "code-1", now));
    assert!(!consumed);
    let first = grant(user, &client, now);
    let outcome = store
        .redeem_authorization_code(
            &hash("code-1"),
            now,
            first.clone(),
            Some(refresh("rt-1", now)),
        )
        .await
        .unwrap();
    assert_eq!(outcome, Redemption::Granted(first.clone()));
    let again = store
        .redeem_authorization_code(&hash("code-1"), now, grant(user, &client, now), None)
        .await
        .unwrap();
    assert_eq!(
        again,
        Redemption::Replayed {
            revoked: Some(first.id)
        }
    );
    assert!(
        store
            .find_grant(first.id)
            .await
            .unwrap()
            .unwrap()
            .revoked_at
            .is_some()
    );
    let unknown = store
        .redeem_authorization_code(&hash("nope"), now, grant(user, &client, now), None)
        .await
        .unwrap();
    assert_eq!(unknown, Redemption::Invalid);
    store.close().await;
}

async fn burned_and_expired_codes_grant_nothing(backend: Backend) {
    let (_db, store, user, client) = open(backend).await;
    let now = clock::now();
    store
        .insert_authorization_code(code(user, &client, "burn", now))
        .await
        .unwrap();
    store
        .burn_authorization_code(&hash("burn"), now)
        .await
        .unwrap();
    let burned = store
        .redeem_authorization_code(&hash("burn"), now, grant(user, &client, now), None)
        .await
        .unwrap();
    assert_eq!(burned, Redemption::Replayed { revoked: None });
    let mut old = code(user, &client, "old", now - Duration::minutes(5));
    old.expires_at = now - Duration::minutes(4);
    store.insert_authorization_code(old).await.unwrap();
    let expired_grant = grant(user, &client, now);
    let expired = store
        .redeem_authorization_code(&hash("old"), now, expired_grant.clone(), None)
        .await
        .unwrap();
    assert_eq!(expired, Redemption::Invalid);
    assert!(
        store.find_grant(expired_grant.id).await.unwrap().is_none(),
        "no grant was created"
    );
    store.close().await;
}

async fn refresh_tokens_rotate_once_and_reuse_revokes_the_grant(backend: Backend) {
    let (_db, store, user, client) = open(backend).await;
    let now = clock::now();
    let issued = grant(user, &client, now);
    store
        .insert_grant(issued.clone(), Some(refresh("rt-a", now)))
        .await
        .unwrap();
    let record = store
        .find_refresh_token(&hash("rt-a"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.grant, issued);
    assert!(record.consumed_at.is_none());
    let rotated = store
        .rotate_refresh_token(&hash("rt-a"), now, refresh("rt-b", now), None)
        .await
        .unwrap();
    assert_eq!(rotated, Rotation::Rotated(issued.clone()));
    let successor = store
        .find_refresh_token(&hash("rt-b"))
        .await
        .unwrap()
        .expect("the successor is stored in the grant");
    assert_eq!(successor.grant.id, issued.id);
    assert!(successor.consumed_at.is_none());
    let reused = store
        .rotate_refresh_token(&hash("rt-a"), now, refresh("rt-c", now), None)
        .await
        .unwrap();
    assert_eq!(reused, Rotation::Reused);
    assert!(
        store
            .find_refresh_token(&hash("rt-c"))
            .await
            .unwrap()
            .is_none(),
        "no successor for a reused token"
    );
    let after = store
        .rotate_refresh_token(&hash("rt-b"), now, refresh("rt-d", now), None)
        .await
        .unwrap();
    assert_eq!(after, Rotation::Invalid, "the grant is revoked");
    assert_eq!(
        store
            .rotate_refresh_token(&hash("nope"), now, refresh("rt-e", now), None)
            .await
            .unwrap(),
        Rotation::Invalid
    );
    store.close().await;
}

async fn a_retried_rotation_gets_the_same_successor_only_while_it_is_unused(backend: Backend) {
    let (_db, store, user, client) = open(backend).await;
    let now = clock::now();
    let since = Some(now - Duration::seconds(30));
    let issued_with_token = |name: &str| {
        let issued = grant(user, &client, now);
        let first = refresh(&format!("{name}-0"), now);
        (issued, first)
    };
    let rotate = |token: String, next: String, since| {
        let store = &store;
        async move {
            store
                .rotate_refresh_token(&hash(&token), now, refresh(&next, now), since)
                .await
                .unwrap()
        }
    };

    // Within the window, with the same successor still unused: the same answer again.
    let (retried, first) = issued_with_token("retry");
    store
        .insert_grant(retried.clone(), Some(first))
        .await
        .unwrap();
    let once = rotate("retry-0".into(), "retry-1".into(), since).await;
    assert_eq!(once, Rotation::Rotated(retried.clone()));
    let again = rotate("retry-0".into(), "retry-1".into(), since).await;
    assert_eq!(again, Rotation::Retried(retried.clone()));
    let successor = store
        .find_refresh_token(&hash("retry-1"))
        .await
        .unwrap()
        .unwrap();
    assert!(successor.consumed_at.is_none(), "a retry consumes nothing");
    // Once the successor is used, the old token is a reuse.
    assert!(matches!(
        rotate("retry-1".into(), "retry-2".into(), since).await,
        Rotation::Rotated(_)
    ));
    assert_eq!(
        rotate("retry-0".into(), "retry-1".into(), since).await,
        Rotation::Reused
    );
    assert_eq!(
        rotate("retry-2".into(), "retry-3".into(), since).await,
        Rotation::Invalid,
        "the grant is revoked"
    );

    // Past the window, or naming another successor, or with retries off: a reuse.
    for (name, next, since) in [
        ("late", "late-1", Some(now + Duration::seconds(1))),
        ("other", "other-x", since),
        ("off", "off-1", None),
    ] {
        let (issued, first) = issued_with_token(name);
        store.insert_grant(issued, Some(first)).await.unwrap();
        let rotated = rotate(format!("{name}-0"), format!("{name}-1"), since).await;
        assert!(matches!(rotated, Rotation::Rotated(_)), "{name}");
        assert_eq!(
            rotate(format!("{name}-0"), next.to_owned(), since).await,
            Rotation::Reused,
            "{name}"
        );
    }
    store.close().await;
}

async fn revocations_are_listed_until_they_stop_mattering(backend: Backend) {
    let (_db, store, user, client) = open(backend).await;
    let now = clock::now();
    let horizon = now - Duration::hours(1);
    let issued = grant(user, &client, now);
    store.insert_grant(issued.clone(), None).await.unwrap();
    assert_eq!(
        store.revocations(now, horizon).await.unwrap(),
        Revocations::default()
    );
    let expires_at = now + Duration::minutes(10);
    store
        .revoke_access_token("jti-1", expires_at)
        .await
        .unwrap();
    store
        .revoke_access_token("jti-1", expires_at)
        .await
        .unwrap();
    store.revoke_grant(issued.id, now).await.unwrap();
    let listed = store.revocations(now, horizon).await.unwrap();
    assert_eq!(listed.access_tokens.len(), 1, "revoking twice lists once");
    assert_eq!(listed.access_tokens[0].0, "jti-1");
    assert_eq!(
        listed.access_tokens[0].1.unix_timestamp(),
        expires_at.unix_timestamp()
    );
    assert_eq!(listed.grants.len(), 1);
    assert_eq!(listed.grants[0].0, issued.id);
    assert_eq!(listed.grants[0].1.unix_timestamp(), now.unix_timestamp());
    let later = store
        .revocations(now + Duration::minutes(11), now + Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(
        later,
        Revocations::default(),
        "expired tokens and grants revoked before the horizon are left out"
    );
    assert_eq!(
        store
            .purge_expired_revocations(now + Duration::minutes(11))
            .await
            .unwrap(),
        1
    );
    assert!(
        store
            .revocations(now, horizon)
            .await
            .unwrap()
            .access_tokens
            .is_empty()
    );
    store.close().await;
}

async fn tokens_that_may_not_rotate_are_left_as_they_were(backend: Backend) {
    let (_db, store, user, client) = open(backend).await;
    let now = clock::now();
    // An expired token in a live grant.
    let live = grant(user, &client, now);
    let mut expired = refresh("rt-expired", now - Duration::days(30));
    expired.expires_at = now - Duration::days(1);
    store
        .insert_grant(live.clone(), Some(expired))
        .await
        .unwrap();
    // A live token in a revoked grant.
    let revoked = grant(user, &client, now);
    store
        .insert_grant(revoked.clone(), Some(refresh("rt-revoked", now)))
        .await
        .unwrap();
    store.revoke_grant(revoked.id, now).await.unwrap();
    for token in ["rt-expired", "rt-revoked"] {
        let outcome = store
            .rotate_refresh_token(
                &hash(token),
                now,
                refresh(&format!("{token}-next"), now),
                Some(now - Duration::seconds(30)),
            )
            .await
            .unwrap();
        assert_eq!(outcome, Rotation::Invalid, "{token}: not a reuse");
        let record = store
            .find_refresh_token(&hash(token))
            .await
            .unwrap()
            .unwrap();
        assert!(record.consumed_at.is_none(), "{token} is left unconsumed");
        assert!(
            store
                .find_refresh_token(&hash(&format!("{token}-next")))
                .await
                .unwrap()
                .is_none(),
            "{token}: no successor"
        );
    }
    assert!(
        store
            .find_grant(live.id)
            .await
            .unwrap()
            .unwrap()
            .revoked_at
            .is_none(),
        "an expired token does not revoke its grant"
    );
    store.close().await;
}

async fn expired_codes_tokens_and_grants_are_swept(backend: Backend) {
    let (_db, store, user, client) = open(backend).await;
    let now = clock::now();
    let mut old_grant = grant(user, &client, now - Duration::days(100));
    old_grant.expires_at = now - Duration::days(10);
    let mut old_token = refresh("rt-old", now - Duration::days(100));
    old_token.expires_at = now - Duration::days(10);
    store
        .insert_grant(old_grant.clone(), Some(old_token))
        .await
        .unwrap();
    let live = grant(user, &client, now);
    store
        .insert_grant(live.clone(), Some(refresh("rt-live", now)))
        .await
        .unwrap();
    let removed = store.purge_expired_grants(now).await.unwrap();
    assert!(removed >= 2, "{removed}");
    assert!(store.find_grant(old_grant.id).await.unwrap().is_none());
    assert!(
        store
            .find_refresh_token(&hash("rt-old"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.find_grant(live.id).await.unwrap().is_some());
    assert!(
        store
            .find_refresh_token(&hash("rt-live"))
            .await
            .unwrap()
            .is_some()
    );
    store.close().await;
}

async fn consent_is_remembered_and_replaced(backend: Backend) {
    let (_db, store, user, client) = open(backend).await;
    assert!(store.find_consent(user, &client).await.unwrap().is_none());
    store
        .save_consent(
            user,
            &client,
            "openid",
            clock::now(),
            &crate::support::test_event(),
        )
        .await
        .unwrap();
    store
        .save_consent(
            user,
            &client,
            "email openid",
            clock::now(),
            &crate::support::test_event(),
        )
        .await
        .unwrap();
    assert_eq!(
        store.find_consent(user, &client).await.unwrap().as_deref(),
        Some("email openid")
    );
    store.close().await;
}

on_both_backends!(
    a_retried_rotation_gets_the_same_successor_only_while_it_is_unused,
    a_code_redeems_once_and_a_replay_revokes_its_grant,
    burned_and_expired_codes_grant_nothing,
    refresh_tokens_rotate_once_and_reuse_revokes_the_grant,
    tokens_that_may_not_rotate_are_left_as_they_were,
    revocations_are_listed_until_they_stop_mattering,
    expired_codes_tokens_and_grants_are_swept,
    consent_is_remembered_and_replaced,
);
