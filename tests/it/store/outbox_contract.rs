//! What the mail outbox promises, on PostgreSQL and SQLite: a due message is held by one sender
//! at a time, finished messages lose their bodies, failures wait for their retry.

use std::collections::HashSet;
use std::sync::Arc;

use portcullis::domain::{Email, MailKind, OutgoingMail, time as clock};
use portcullis::store::Store;
use time::{Duration, OffsetDateTime};

use super::contract::open;
use crate::support::{Backend, TestDatabase};

fn mail(to: &str, created_at: OffsetDateTime) -> OutgoingMail {
    OutgoingMail {
        id: uuid::Uuid::now_v7(),
        kind: MailKind::Test,
        recipient: Email::parse(to).unwrap(),
        subject: "Subject".into(),
        text_body: "code 123456".into(),
        html_body: "<p>code 123456</p>".into(),
        created_at,
    }
}

/// Messages whose bodies still hold something.
async fn with_bodies(db: &TestDatabase) -> i64 {
    let sql =
        "select count(*) from mail_outbox where kind = $1 and (text_body <> '' or html_body <> '')";
    db.scalar(sql, "test").await.unwrap()
}

async fn claim(store: &Arc<dyn Store>, at: OffsetDateTime) -> Vec<portcullis::domain::ClaimedMail> {
    store
        .claim_due_mails(at, at + Duration::minutes(5), 10)
        .await
        .unwrap()
}

async fn queued_mail_is_claimed_once_until_its_lease_runs_out(backend: Backend) {
    let (db, store) = open(backend).await;
    let now = clock::now();
    let queued: Vec<OutgoingMail> = (0..3)
        .map(|i| {
            mail(
                &format!("u{i}@example.com"),
                now + Duration::milliseconds(i),
            )
        })
        .collect();
    for m in &queued {
        store.enqueue_mail(m.clone()).await.unwrap();
    }
    // Each is due from when it was queued.
    let first = claim(&store, now + Duration::milliseconds(2)).await;
    assert_eq!(
        first.iter().map(|c| c.mail.clone()).collect::<Vec<_>>(),
        queued,
        "every message, as queued, oldest first"
    );
    assert!(first.iter().all(|c| c.attempt == 1));
    assert!(
        claim(&store, now + Duration::minutes(4)).await.is_empty(),
        "held by its lease"
    );
    let again = claim(&store, now + Duration::minutes(6)).await;
    assert_eq!(again.len(), 3, "a lease that ran out frees the message");
    assert!(again.iter().all(|c| c.attempt == 2));
    store.mark_mail_sent(queued[0].id, now).await.unwrap();
    assert_eq!(with_bodies(&db).await, 2, "a sent message keeps no body");
    assert_eq!(store.unfinished_mail_count().await.unwrap(), 2);
    let later = claim(&store, now + Duration::minutes(12)).await;
    assert_eq!(later.len(), 2, "a sent message is never claimed again");
    store.close().await;
}

async fn failed_mail_waits_for_its_retry_or_is_given_up(backend: Backend) {
    let (db, store) = open(backend).await;
    let now = clock::now();
    let retried = mail("retry@example.com", now);
    let given_up = mail("gone@example.com", now);
    store.enqueue_mail(retried.clone()).await.unwrap();
    store.enqueue_mail(given_up.clone()).await.unwrap();
    assert_eq!(claim(&store, now).await.len(), 2);
    let retry_at = now + Duration::seconds(10);
    store
        .mark_mail_failed(retried.id, now, "421 try later", Some(retry_at))
        .await
        .unwrap();
    store
        .mark_mail_failed(given_up.id, now, "550 no such user", None)
        .await
        .unwrap();
    assert_eq!(
        with_bodies(&db).await,
        1,
        "a given-up message keeps no body"
    );
    assert!(
        claim(&store, now + Duration::seconds(9)).await.is_empty(),
        "not due yet"
    );
    let due = claim(&store, now + Duration::seconds(11)).await;
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].mail.id, retried.id);
    assert_eq!(due[0].attempt, 2);
    assert_eq!(store.unfinished_mail_count().await.unwrap(), 1);
    store.mark_mail_sent(retried.id, now).await.unwrap();
    assert_eq!(store.unfinished_mail_count().await.unwrap(), 0);
    assert_eq!(
        store
            .purge_finished_mails(now - Duration::DAY)
            .await
            .unwrap(),
        0
    );
    assert_eq!(store.purge_finished_mails(now).await.unwrap(), 2);
    store.close().await;
}

/// Senders on several instances, released together, repeatedly: every message is claimed by
/// exactly one of them.
async fn parallel_senders_claim_each_message_once(backend: Backend) {
    let (_db, store) = open(backend).await;
    for round in 0..5_i64 {
        let now = clock::now() + Duration::hours(round);
        let mut queued = HashSet::new();
        for i in 0..40 {
            let m = mail(&format!("r{round}-{i}@example.com"), now);
            queued.insert(m.id);
            store.enqueue_mail(m).await.unwrap();
        }
        let barrier = Arc::new(tokio::sync::Barrier::new(8));
        let senders = (0..8).map(|_| {
            let (store, barrier) = (store.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let mut mine = Vec::new();
                loop {
                    let batch = store
                        .claim_due_mails(now, now + Duration::minutes(5), 3)
                        .await
                        .unwrap();
                    if batch.is_empty() {
                        return mine;
                    }
                    mine.extend(batch.into_iter().map(|c| c.mail.id));
                }
            })
        });
        let mut claimed = Vec::new();
        for sender in futures_util::future::join_all(senders).await {
            claimed.extend(sender.unwrap());
        }
        let unique: HashSet<_> = claimed.iter().copied().collect();
        assert_eq!(claimed.len(), 40, "round {round}: no message claimed twice");
        assert_eq!(unique, queued, "round {round}: every message claimed");
        for id in unique {
            store.mark_mail_sent(id, now).await.unwrap();
        }
    }
    store.close().await;
}

on_both_backends!(
    queued_mail_is_claimed_once_until_its_lease_runs_out,
    failed_mail_waits_for_its_retry_or_is_given_up,
    parallel_senders_claim_each_message_once,
);
