//! Chains committed events into the log's hash chain and signs checkpoints of its head. Every
//! instance runs it; the chain's head is locked while a batch is sealed, so one instance seals at
//! a time and the others skip the round.

use std::sync::Arc;

use time::OffsetDateTime;

use crate::config::AuditConfig;
use crate::crypto::audit::AuditKeys;
use crate::domain::audit::AuditCheckpoint;
use crate::domain::time::Clock;
use crate::store::{Store, StoreResult};

pub struct Sealer {
    store: Arc<dyn Store>,
    keys: AuditKeys,
    config: AuditConfig,
    clock: Clock,
}

impl Sealer {
    pub fn new(store: Arc<dyn Store>, keys: AuditKeys, config: AuditConfig, clock: Clock) -> Self {
        Self {
            store,
            keys,
            config,
            clock,
        }
    }

    /// Seals every event committed so far, a batch per transaction; how many it sealed (0 when
    /// another instance was sealing).
    pub async fn seal(&self) -> StoreResult<usize> {
        let mut total = 0;
        loop {
            match self.store.seal_audit_events(self.config.seal_batch).await? {
                Some(sealed) => {
                    total += sealed;
                    if sealed < self.config.seal_batch as usize {
                        return Ok(total);
                    }
                }
                None => return Ok(total),
            }
        }
    }

    /// Signs the chain's head as it is now, stores the checkpoint and writes it to the log.
    pub async fn checkpoint(&self, note: &str) -> StoreResult<AuditCheckpoint> {
        let head = self.store.audit_chain_head().await?;
        let now = self.clock.now();
        let checkpoint = AuditCheckpoint {
            seq: head.seq,
            signature: self.keys.sign_checkpoint(
                head.seq,
                &head.chain_hash,
                now.unix_timestamp(),
                note,
            ),
            chain_hash: head.chain_hash,
            created_at: now,
            note: note.to_owned(),
        };
        self.store.add_audit_checkpoint(&checkpoint).await?;
        // In the server's log too, which is shipped off the box: a copy the database cannot edit.
        tracing::info!(
            seq = checkpoint.seq,
            chain_hash = %checkpoint.chain_hash,
            at = checkpoint.created_at.unix_timestamp(),
            note = %checkpoint.note,
            signature = %checkpoint.signature,
            public_key = %self.keys.checkpoint_public_key(),
            "audit checkpoint"
        );
        Ok(checkpoint)
    }

    /// Deletes events older than `audit.retention` from the chain's start and records the new
    /// start in a signed checkpoint (`retention:<seq>:<hash>`), so verification can tell a
    /// retention from a deletion.
    pub async fn prune(&self) -> StoreResult<Option<AuditCheckpoint>> {
        let retention = time::Duration::try_from(self.config.retention.get())
            .unwrap_or(time::Duration::days(365));
        match self
            .store
            .prune_audit_events(self.clock.now() - retention)
            .await?
        {
            Some((through, anchor)) => {
                tracing::info!(through, "audit events past their retention deleted");
                Ok(Some(
                    self.checkpoint(&retention_note(through, &anchor)).await?,
                ))
            }
            None => Ok(None),
        }
    }

    /// A checkpoint when `checkpoint_interval` has passed since `last` and the chain grew (after
    /// the retention's deletions, which are due on the same schedule).
    async fn checkpoint_if_due(&self, last: &mut Option<(OffsetDateTime, i64)>) -> StoreResult<()> {
        let now = self.clock.now();
        let interval = time::Duration::try_from(self.config.checkpoint_interval.get())
            .unwrap_or(time::Duration::HOUR);
        if last.is_some_and(|(at, _)| at + interval > now) {
            return Ok(());
        }
        if let Some(checkpoint) = self.prune().await? {
            *last = Some((checkpoint.created_at, checkpoint.seq));
            return Ok(());
        }
        let head = self.store.audit_chain_head().await?;
        if last.is_some_and(|(_, seq)| seq == head.seq) || head.seq == 0 {
            *last = Some((now, head.seq));
            return Ok(());
        }
        let checkpoint = self.checkpoint("periodic").await?;
        *last = Some((checkpoint.created_at, checkpoint.seq));
        Ok(())
    }
}

/// Every `audit.seal_interval`: seal, then checkpoint when due. A failure is logged and the
/// round retried; unsealed events simply wait.
pub async fn run(sealer: Arc<Sealer>) {
    let mut ticker = tokio::time::interval(sealer.config.seal_interval.get());
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last = match sealer.store.audit_checkpoints().await {
        Ok(checkpoints) => checkpoints.last().map(|c| (c.created_at, c.seq)),
        Err(_) => None,
    };
    loop {
        ticker.tick().await;
        if let Err(error) = sealer.seal().await {
            tracing::warn!(%error, "sealing audit events failed; will retry");
            continue;
        }
        if let Err(error) = sealer.checkpoint_if_due(&mut last).await {
            tracing::warn!(%error, "writing an audit checkpoint failed; will retry");
        }
    }
}

/// The note of the checkpoint that records retention's deletions up to `through`.
pub fn retention_note(through: i64, anchor: &str) -> String {
    format!("retention:{through}:{anchor}")
}
