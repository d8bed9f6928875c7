//! Group commit for events written on their own (token issuance when it is recorded): requests
//! hand their event to one writer task and wait for it; the writer takes whatever has queued
//! meanwhile and commits it in one transaction, then answers each. An answer still comes only
//! after the event is committed (nothing acknowledged is lost in a crash), but under load one
//! commit — one WAL flush on PostgreSQL — carries many events instead of one each.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use crate::domain::audit::AuditEvent;
use crate::store::{Store, StoreError, StoreResult};

/// Events one transaction carries at most.
const BATCH: usize = 256;
/// Events waiting for the writer; past this, callers wait to hand theirs over.
const QUEUE: usize = 4096;

type Reply = oneshot::Sender<StoreResult<()>>;

/// Cheap to clone; the writer task ends when the last clone is dropped.
#[derive(Clone)]
pub struct AuditWriter {
    queue: mpsc::Sender<(AuditEvent, Reply)>,
}

impl AuditWriter {
    /// Starts the writer task (inside a Tokio runtime).
    pub fn start(store: Arc<dyn Store>) -> Self {
        let (queue, pending) = mpsc::channel(QUEUE);
        tokio::spawn(write(store, pending));
        Self { queue }
    }

    /// Writes `event`, returning once it is committed.
    pub async fn record(&self, event: AuditEvent) -> StoreResult<()> {
        let (reply, answer) = oneshot::channel();
        if self.queue.send((event, reply)).await.is_err() {
            return Err(stopped());
        }
        answer.await.unwrap_or_else(|_| Err(stopped()))
    }
}

fn stopped() -> StoreError {
    StoreError::Corrupt("the audit writer has stopped".to_owned())
}

async fn write(store: Arc<dyn Store>, mut pending: mpsc::Receiver<(AuditEvent, Reply)>) {
    let mut batch = Vec::with_capacity(BATCH);
    while pending.recv_many(&mut batch, BATCH).await > 0 {
        let (events, replies): (Vec<AuditEvent>, Vec<Reply>) = batch.drain(..).unzip();
        match store.record_audit_events(&events).await {
            Ok(()) => {
                for reply in replies {
                    let _ = reply.send(Ok(()));
                }
            }
            // One bad event must not fail the others: each is tried alone, for its own answer.
            Err(_) => {
                for (event, reply) in events.iter().zip(replies) {
                    let _ = reply.send(store.record_audit_event(event).await);
                }
            }
        }
    }
}
