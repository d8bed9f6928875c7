//! What the account store promises, on PostgreSQL and SQLite: a registration and its mail commit
//! together or not at all, a newer token ends the older ones, a token is consumed once, and a
//! reset ends everything the old password opened.

use portcullis::domain::{
    Email, MailKind, NewAccountToken, NewUser, OutgoingMail, TokenHash, TokenPurpose, UserId,
    time as clock,
};
use portcullis::store::SessionOwner;
use time::{Duration, OffsetDateTime};

use super::contract::{new_user, open};
use crate::support::Backend;

fn token(user: UserId, email: &str, purpose: TokenPurpose, at: OffsetDateTime) -> NewAccountToken {
    let id = uuid::Uuid::now_v7();
    NewAccountToken {
        id,
        user_id: user,
        purpose,
        email: Email::parse(email).unwrap(),
        code_hash: TokenHash::from_stored(format!("code-{id}")),
        link_hash: TokenHash::from_stored(format!("link-{id}")),
        created_at: at,
        expires_at: at + Duration::minutes(30),
    }
}

fn mail(to: &str, at: OffsetDateTime) -> OutgoingMail {
    OutgoingMail {
        id: uuid::Uuid::now_v7(),
        kind: MailKind::VerifyEmail,
        recipient: Email::parse(to).unwrap(),
        subject: "Confirm".into(),
        text_body: "code".into(),
        html_body: "<p>code</p>".into(),
        created_at: at,
    }
}

fn unverified(email: &str) -> NewUser {
    NewUser {
        email_verified: false,
        ..new_user(email, &[])
    }
}

async fn a_registration_commits_with_its_token_and_mail_or_not_at_all(backend: Backend) {
    let (db, store) = open(backend).await;
    let now = clock::now();
    let user = unverified("new@example.com");
    let id = user.id;
    let registered = store
        .register_user(
            user,
            token(id, "new@example.com", TokenPurpose::VerifyEmail, now),
            mail("new@example.com", now),
            mail("new@example.com", now),
            &crate::support::test_event(),
        )
        .await
        .unwrap()
        .expect("a free address registers");
    assert!(!registered.email_verified);
    assert!(!store.find_user(id).await.unwrap().unwrap().email_verified);
    assert_eq!(store.unfinished_mail_count().await.unwrap(), 1);
    // The address is taken: only the notice to its owner is written.
    let again = unverified("New@Example.com");
    let again_id = again.id;
    let refused = store
        .register_user(
            again,
            token(again_id, "new@example.com", TokenPurpose::VerifyEmail, now),
            mail("new@example.com", now),
            mail("new@example.com", now),
            &crate::support::test_event(),
        )
        .await
        .unwrap();
    assert!(refused.is_none(), "{refused:?}");
    assert!(store.find_user(again_id).await.unwrap().is_none());
    assert_eq!(store.unfinished_mail_count().await.unwrap(), 2);
    let tokens = db
        .scalar(
            "select count(*) from account_tokens where email = $1",
            "new@example.com",
        )
        .await;
    assert_eq!(tokens, Some(1));
    store.close().await;
}

async fn a_newer_token_ends_the_older_and_each_is_consumed_once(backend: Backend) {
    let (_db, store) = open(backend).await;
    let now = clock::now();
    let user = store
        .create_user(
            unverified("twice@example.com"),
            &crate::support::test_event(),
        )
        .await
        .unwrap();
    let first = token(user.id, "twice@example.com", TokenPurpose::VerifyEmail, now);
    let second = token(
        user.id,
        "twice@example.com",
        TokenPurpose::VerifyEmail,
        now + Duration::seconds(1),
    );
    let recovery = token(
        user.id,
        "twice@example.com",
        TokenPurpose::RecoverPassword,
        now,
    );
    store
        .issue_account_token(first.clone(), mail("twice@example.com", now), None, None)
        .await
        .unwrap();
    store
        .issue_account_token(recovery.clone(), mail("twice@example.com", now), None, None)
        .await
        .unwrap();
    store
        .issue_account_token(second.clone(), mail("twice@example.com", now), None, None)
        .await
        .unwrap();
    // Paced: nothing newer than a second ago may be issued again.
    let paced = token(
        user.id,
        "twice@example.com",
        TokenPurpose::VerifyEmail,
        now + Duration::seconds(2),
    );
    assert!(
        !store
            .issue_account_token(paced, mail("twice@example.com", now), Some(now), None)
            .await
            .unwrap(),
        "a token made after the pacing point stops another"
    );
    let latest = store
        .latest_account_token(user.id, TokenPurpose::VerifyEmail)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(latest.id, second.id);
    assert!(latest.is_live(now));
    let old = store
        .find_account_token_by_link(&first.link_hash)
        .await
        .unwrap()
        .unwrap();
    assert!(!old.is_live(now), "the newer token ended the older one");
    let other = store
        .find_account_token_by_link(&recovery.link_hash)
        .await
        .unwrap()
        .unwrap();
    assert!(other.is_live(now), "a token of another purpose lives on");
    assert!(
        !store
            .verify_email(first.id, now, crate::support::test_event())
            .await
            .unwrap()
    );
    // Guesses are counted up to the limit.
    for _ in 0..3 {
        assert!(store.count_code_attempt(second.id, 3).await.unwrap());
    }
    assert!(!store.count_code_attempt(second.id, 3).await.unwrap());
    assert!(
        !store
            .count_code_attempt(uuid::Uuid::nil(), 3)
            .await
            .unwrap()
    );
    // Expired tokens cannot be consumed; a live one once.
    assert!(
        !store
            .verify_email(
                second.id,
                now + Duration::minutes(31),
                crate::support::test_event()
            )
            .await
            .unwrap()
    );
    assert!(
        store
            .verify_email(second.id, now, crate::support::test_event())
            .await
            .unwrap()
    );
    assert!(
        !store
            .verify_email(second.id, now, crate::support::test_event())
            .await
            .unwrap()
    );
    assert!(
        store
            .find_user(user.id)
            .await
            .unwrap()
            .unwrap()
            .email_verified
    );
    assert_eq!(
        store
            .purge_expired_account_tokens(now + Duration::hours(1))
            .await
            .unwrap(),
        3
    );
    store.close().await;
}

async fn a_reset_sets_the_password_and_ends_grants_sessions_and_recoveries(backend: Backend) {
    let (db, store) = open(backend).await;
    let now = clock::now();
    let user = store
        .create_user(
            unverified("reset@example.com"),
            &crate::support::test_event(),
        )
        .await
        .unwrap();
    let other = store
        .create_user(
            new_user("bystander@example.com", &[]),
            &crate::support::test_event(),
        )
        .await
        .unwrap();
    for (id, owner) in [
        ("mine", Some(user.id)),
        ("theirs", Some(other.id)),
        ("anonymous", None),
    ] {
        let owner = owner.map(|user| SessionOwner {
            user,
            sid: format!("sid-{id}"),
            signed_in_at: now,
            device: None,
        });
        store
            .create_browser_session(
                &TokenHash::from_stored(id.to_owned()),
                "{}",
                owner.as_ref(),
                now + Duration::hours(1),
            )
            .await
            .unwrap();
    }
    let recovery = token(
        user.id,
        "reset@example.com",
        TokenPurpose::RecoverPassword,
        now,
    );
    store
        .issue_account_token(recovery.clone(), mail("reset@example.com", now), None, None)
        .await
        .unwrap();
    let reset = store
        .reset_password(
            recovery.id,
            "$argon2id$new",
            now,
            mail("reset@example.com", now),
            crate::support::test_event(),
        )
        .await
        .unwrap()
        .expect("a live token resets");
    assert_eq!(reset.ended_sessions, 1);
    assert!(reset.revoked_grants.is_empty());
    let hash = store
        .find_credentials(&Email::parse("reset@example.com").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(hash.1.as_deref(), Some("$argon2id$new"));
    assert!(
        hash.0.email_verified,
        "the recovery mail reached the address's owner"
    );
    assert!(
        store
            .load_browser_session(&TokenHash::from_stored("mine".into()))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .load_browser_session(&TokenHash::from_stored("theirs".into()))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .load_browser_session(&TokenHash::from_stored("anonymous".into()))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .reset_password(
                recovery.id,
                "$argon2id$again",
                now,
                mail("reset@example.com", now),
                crate::support::test_event(),
            )
            .await
            .unwrap()
            .is_none(),
        "a token resets once"
    );
    let queued = db
        .scalar(
            "select count(*) from mail_outbox where recipient = $1",
            "reset@example.com",
        )
        .await;
    assert_eq!(
        queued,
        Some(2),
        "the recovery mail and the one reset's notice"
    );
    store.close().await;
}

on_both_backends!(
    a_registration_commits_with_its_token_and_mail_or_not_at_all,
    a_newer_token_ends_the_older_and_each_is_consumed_once,
    a_reset_sets_the_password_and_ends_grants_sessions_and_recoveries,
);
