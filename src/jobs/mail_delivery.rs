//! Every instance delivers the outbox: a round whenever this instance queued mail, and at least
//! every `email.poll_interval` for mail queued elsewhere (another instance, the CLI) or due again.

use std::sync::Arc;
use std::time::Duration;

use crate::email::Sender;

pub async fn deliver(sender: Arc<Sender>, poll_interval: Duration) {
    loop {
        match sender.deliver_due().await {
            // A full batch may have more behind it: go again at once.
            Ok(round) if round.claimed > 0 => continue,
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "claiming mail to deliver failed; will retry"),
        }
        sender.wait_for_work(poll_interval).await;
    }
}
