//! A request abandoned in the middle of a write (its client gave up, its timeout passed) leaves
//! nothing behind: no transaction stays open on a pooled connection, so the writes of later
//! requests commit and hold no locks. (sqlx 0.9's PostgreSQL `begin` was not cancel-safe:
//! a benchmark run stalled on the row locks of such a transaction.)

use std::time::Duration;

use portcullis::domain::time as clock;

use super::contract::{new_user, open};
use crate::support::Backend;
use crate::support::eventually::eventually;

async fn writes_abandoned_mid_transaction_leave_no_transaction_open(backend: Backend) {
    let (db, store) = open(backend).await;
    for round in 0..50 {
        // Polled once, then dropped: the write is abandoned wherever it had got to, BEGIN
        // included.
        let user = new_user(&format!("abandoned{round}@example.com"), &[]);
        let _ = tokio::time::timeout(
            Duration::ZERO,
            store.create_user(user, &crate::support::test_event()),
        )
        .await;
    }
    if backend == Backend::Postgres {
        let open_transactions = "select count(*) from pg_stat_activity
             where datname = current_database() and state like 'idle in transaction%' and $1 = $1";
        eventually(
            Duration::from_secs(10),
            "no session left inside a transaction",
            || async { db.scalar(open_transactions, "x").await == Some(0) },
        )
        .await;
    }
    // Single-statement writes on every pooled connection commit at once, visible elsewhere.
    let now = clock::now();
    for _ in 0..40 {
        store
            .record_login_failure("cancellation", now, 1_000, now)
            .await
            .unwrap();
    }
    let sql = "select cast(failures as bigint) from login_failures where key = $1";
    assert_eq!(db.scalar(sql, "cancellation").await, Some(40));
    store.close().await;
}

on_both_backends!(writes_abandoned_mid_transaction_leave_no_transaction_open);
