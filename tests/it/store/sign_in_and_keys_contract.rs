//! The promises of the sign-in stores (attempt counters, browser sessions) and the signing-key
//! store, on both backends.

use std::sync::Arc;

use portcullis::domain::{Admission, SigningAlgorithm, StoredSigningKey, TokenHash, time as clock};
use time::{Duration, OffsetDateTime};

use super::contract::open;
use crate::support::Backend;

async fn login_attempts_are_admitted_within_the_budget_and_lock_at_the_threshold(backend: Backend) {
    let (_db, store) = open(backend).await;
    let now = clock::now();
    let hold = now + Duration::hours(3);
    let admit = |at: OffsetDateTime| {
        store.admit_login_attempt(
            "account:x",
            at,
            at - Duration::hours(1),
            at - Duration::minutes(2),
            3,
        )
    };
    // Three in flight fill the budget; the fourth waits.
    for _ in 0..3 {
        assert_eq!(admit(now).await.unwrap(), Admission::Admitted);
    }
    assert_eq!(admit(now).await.unwrap(), Admission::Busy);
    // A right password frees its place and forgets nothing else in flight.
    store.record_login_success("account:x", now).await.unwrap();
    assert_eq!(admit(now).await.unwrap(), Admission::Admitted);
    assert_eq!(admit(now).await.unwrap(), Admission::Busy);
    // Wrong guesses: the third failure locks.
    assert_eq!(
        store
            .record_login_failure("account:x", now, 3, hold)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .record_login_failure("account:x", now, 3, hold)
            .await
            .unwrap(),
        2
    );
    assert_eq!(store.login_locked_until("account:x").await.unwrap(), None);
    assert_eq!(
        store
            .record_login_failure("account:x", now, 3, hold)
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        store.login_locked_until("account:x").await.unwrap(),
        Some(hold)
    );
    assert_eq!(admit(now).await.unwrap(), Admission::Locked);
    let until = now + Duration::seconds(30);
    store.lock_login("account:x", 3, until).await.unwrap();
    store.lock_login("account:x", 2, hold).await.unwrap();
    assert_eq!(
        store.login_locked_until("account:x").await.unwrap(),
        Some(until),
        "a stale count sets nothing"
    );
    assert_eq!(
        store
            .purge_login_failures(now + Duration::days(1), now)
            .await
            .unwrap(),
        0,
        "still locked"
    );
    // Once the lockout is over: one attempt at a time.
    let later = until + Duration::seconds(1);
    assert_eq!(admit(later).await.unwrap(), Admission::Admitted);
    assert_eq!(admit(later).await.unwrap(), Admission::Busy);
    store.release_login_attempt("account:x").await.unwrap();
    assert_eq!(admit(later).await.unwrap(), Admission::Admitted);
    // Attempts left in flight by requests that ended are forgotten after a while, and failures
    // after the window.
    let much_later = later + Duration::hours(2);
    assert_eq!(admit(much_later).await.unwrap(), Admission::Admitted);
    assert_eq!(admit(much_later).await.unwrap(), Admission::Admitted);
    assert_eq!(admit(much_later).await.unwrap(), Admission::Admitted);
    assert_eq!(admit(much_later).await.unwrap(), Admission::Busy);

    store
        .admit_login_attempt("address:127.0.0.1", now, now, now, 50)
        .await
        .unwrap();
    assert_eq!(
        store
            .purge_login_failures(much_later - Duration::seconds(1), much_later)
            .await
            .unwrap(),
        1,
        "the idle address counter goes; the account was touched since"
    );
    store.close().await;
}

async fn browser_sessions_never_overwrite_on_create_and_expire(backend: Backend) {
    let (_db, store) = open(backend).await;
    let now = clock::now();
    let id = TokenHash::from_stored("session-1".to_owned());
    assert!(
        store
            .create_browser_session(&id, "{}", None, now + Duration::minutes(30))
            .await
            .unwrap()
    );
    assert!(
        !store
            .create_browser_session(&id, "{\"x\":1}", None, now + Duration::minutes(30))
            .await
            .unwrap()
    );
    store
        .save_browser_session(&id, "{\"y\":2}", None, now + Duration::minutes(30))
        .await
        .unwrap();
    let (data, expires) = store.load_browser_session(&id).await.unwrap().unwrap();
    assert_eq!(
        (data.as_str(), expires),
        ("{\"y\":2}", now + Duration::minutes(30))
    );
    store
        .create_browser_session(
            &TokenHash::from_stored("stale".to_owned()),
            "{}",
            None,
            now - Duration::minutes(1),
        )
        .await
        .unwrap();
    assert_eq!(store.purge_expired_browser_sessions(now).await.unwrap(), 1);
    store.delete_browser_session(&id).await.unwrap();
    assert!(store.load_browser_session(&id).await.unwrap().is_none());
    // A save after the session ended (a request in flight meanwhile) does not bring it back.
    store
        .save_browser_session(&id, "{\"z\":3}", None, now + Duration::minutes(30))
        .await
        .unwrap();
    assert!(store.load_browser_session(&id).await.unwrap().is_none());
    store.close().await;
}

async fn one_pending_signing_key_per_algorithm(backend: Backend) {
    let (_db, store) = open(backend).await;
    let now = clock::now();
    let key = |kid: &str, activates_at| signing_key(kid, now, activates_at);
    assert!(
        store
            .insert_signing_key_unless_newer(
                key("a", now),
                OffsetDateTime::UNIX_EPOCH,
                &crate::support::test_event()
            )
            .await
            .unwrap()
    );
    assert!(
        !store
            .insert_signing_key_unless_newer(
                key("b", now),
                OffsetDateTime::UNIX_EPOCH,
                &crate::support::test_event()
            )
            .await
            .unwrap()
    );
    assert!(
        store
            .insert_signing_key_unless_newer(
                key("c", now + Duration::minutes(10)),
                now,
                &crate::support::test_event()
            )
            .await
            .unwrap()
    );
    assert!(
        !store
            .insert_signing_key_unless_newer(
                key("d", now + Duration::minutes(10)),
                now,
                &crate::support::test_event()
            )
            .await
            .unwrap(),
        "one pending key at a time"
    );
    let kids: Vec<String> = store
        .list_signing_keys()
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.kid)
        .collect();
    assert_eq!(kids, ["a", "c"]);
    assert_eq!(
        store
            .newest_signing_key(SigningAlgorithm::Es256)
            .await
            .unwrap()
            .unwrap()
            .kid,
        "c"
    );
    store.delete_signing_key("a").await.unwrap();
    assert!(store.delete_signing_key("a").await.is_err());
    store.close().await;
}

fn signing_key(kid: &str, now: OffsetDateTime, activates_at: OffsetDateTime) -> StoredSigningKey {
    StoredSigningKey {
        kid: kid.into(),
        alg: SigningAlgorithm::Es256,
        sealed_private_key: vec![1, 2, 3],
        created_at: now,
        activates_at,
    }
}

/// Several instances rotating at the same instant: released together, repeatedly, exactly one
/// successor is stored each round.
async fn racing_rotations_add_one_pending_key(backend: Backend) {
    let (_db, store) = open(backend).await;
    let now = clock::now();
    for round in 0..10_i64 {
        let since = now + Duration::minutes(round);
        let barrier = Arc::new(tokio::sync::Barrier::new(4));
        let attempts = (0..4).map(|i| {
            let (store, barrier) = (store.clone(), barrier.clone());
            let key = signing_key(&format!("r{round}-{i}"), now, since + Duration::seconds(30));
            tokio::spawn(async move {
                barrier.wait().await;
                store
                    .insert_signing_key_unless_newer(key, since, &crate::support::test_event())
                    .await
            })
        });
        let mut inserted = 0;
        for attempt in futures_util::future::join_all(attempts).await {
            if attempt.unwrap().unwrap() {
                inserted += 1;
            }
        }
        assert_eq!(inserted, 1, "round {round}");
    }
    assert_eq!(store.list_signing_keys().await.unwrap().len(), 10);
    store.close().await;
}

on_both_backends!(
    login_attempts_are_admitted_within_the_budget_and_lock_at_the_threshold,
    browser_sessions_never_overwrite_on_create_and_expire,
    one_pending_signing_key_per_algorithm,
    racing_rotations_add_one_pending_key,
);
