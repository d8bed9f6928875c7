//! Delivering the outbox: claim due messages (a lease, so concurrent senders on several instances
//! never hold the same one), hand each to the transport, and record the outcome — sent, due again
//! after a backoff, or given up.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use super::message::Envelope;
use super::transport::{DeliveryError, Transport};
use crate::config::EmailConfig;
use crate::domain::time::Clock;
use crate::domain::{ClaimedMail, OutgoingMail};
use crate::store::{Store, StoreResult};

/// How long a claimed message is ours: longer than any delivery takes (each SMTP step times out
/// after 10 s), short enough that a crashed sender's messages go out soon after.
const LEASE: time::Duration = time::Duration::minutes(5);
/// Deliveries in flight at once within a round (the SMTP pool holds at most 8 connections).
const CONCURRENCY: usize = 8;

pub struct Sender {
    store: Arc<dyn Store>,
    transport: Transport,
    envelope: Envelope,
    clock: Clock,
    max_attempts: u32,
    batch_size: u32,
    wake: Notify,
}

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub claimed: usize,
    pub sent: usize,
    pub failed: usize,
}

impl Sender {
    pub fn new(
        store: Arc<dyn Store>,
        transport: Transport,
        config: &EmailConfig,
        clock: Clock,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            store,
            transport,
            envelope: Envelope::from_config(config)?,
            clock,
            max_attempts: config.max_attempts,
            batch_size: config.batch_size,
            wake: Notify::new(),
        })
    }

    /// Queues a message and wakes this instance's sender, so it leaves at once.
    pub async fn enqueue(&self, mail: OutgoingMail) -> StoreResult<()> {
        self.store.enqueue_mail(mail).await?;
        self.wake.notify_one();
        Ok(())
    }

    /// Tells this instance's sender that mail was queued (by a store method that wrote it in the
    /// same transaction as its cause), so it leaves at once.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Waits until [`Sender::enqueue`] was called or `timeout` passed.
    pub async fn wait_for_work(&self, timeout: Duration) {
        let _ = tokio::time::timeout(timeout, self.wake.notified()).await;
    }

    /// Claims one batch of due messages and delivers it.
    pub async fn deliver_due(self: &Arc<Self>) -> StoreResult<Round> {
        let now = self.clock.now();
        let claimed = self
            .store
            .claim_due_mails(now, now + LEASE, self.batch_size)
            .await?;
        let mut round = Round {
            claimed: claimed.len(),
            ..Round::default()
        };
        let mut deliveries = tokio::task::JoinSet::new();
        let mut pending = claimed.into_iter();
        loop {
            while deliveries.len() < CONCURRENCY {
                let Some(mail) = pending.next() else { break };
                let sender = Arc::clone(self);
                deliveries.spawn(async move { sender.deliver(mail).await });
            }
            let Some(done) = deliveries.join_next().await else {
                break;
            };
            match done {
                Ok(Ok(true)) => round.sent += 1,
                Ok(Ok(false)) => round.failed += 1,
                Ok(Err(error)) => {
                    // The outcome could not be recorded: the lease runs out and it goes again.
                    tracing::warn!(%error, "recording a mail delivery failed");
                    round.failed += 1;
                }
                Err(error) => {
                    tracing::warn!(%error, "a mail delivery task failed");
                    round.failed += 1;
                }
            }
        }
        Ok(round)
    }

    /// Delivers one claimed message and records the outcome; `true` when it was sent.
    async fn deliver(&self, claimed: ClaimedMail) -> StoreResult<bool> {
        let ClaimedMail { mail, attempt } = claimed;
        let outcome = match self.envelope.build(&mail) {
            Ok(message) => {
                let name = format!("{}-{}", mail.created_at.unix_timestamp(), mail.id.simple());
                self.transport.deliver(message, &name).await
            }
            Err(error) => Err(error),
        };
        let now = self.clock.now();
        match outcome {
            Ok(()) => {
                self.store.mark_mail_sent(mail.id, now).await?;
                Ok(true)
            }
            Err(error) => {
                let retry_at = match &error {
                    DeliveryError::Temporary(_) if attempt < self.max_attempts => {
                        Some(now + retry_delay(attempt))
                    }
                    _ => None,
                };
                tracing::warn!(
                    id = %mail.id,
                    kind = mail.kind.as_str(),
                    attempt,
                    %error,
                    given_up = retry_at.is_none(),
                    "mail delivery failed"
                );
                let reason = error.to_string();
                self.store
                    .mark_mail_failed(mail.id, now, &reason, retry_at)
                    .await?;
                Ok(false)
            }
        }
    }
}

/// 10 s after the first failed attempt, doubling, at most 1 h.
pub fn retry_delay(attempt: u32) -> time::Duration {
    let doublings = attempt.saturating_sub(1).min(12);
    (time::Duration::seconds(10) * 2_i32.pow(doublings)).min(time::Duration::HOUR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_from_ten_seconds_to_an_hour() {
        assert_eq!(retry_delay(1), time::Duration::seconds(10));
        assert_eq!(retry_delay(2), time::Duration::seconds(20));
        assert_eq!(retry_delay(5), time::Duration::seconds(160));
        assert_eq!(retry_delay(9), time::Duration::seconds(2560));
        assert_eq!(retry_delay(10), time::Duration::HOUR);
        assert_eq!(retry_delay(u32::MAX), time::Duration::HOUR);
    }
}
