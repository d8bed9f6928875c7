//! Following the change feed: what other instances commit reaches this one's memory.

use std::time::Duration;

use crate::oauth::Engine;
use crate::store::{Change, ChangeFeed};

/// Applies the changes instances commit, as they commit. While the database is unreachable the
/// feed is retried every second; once it is back, it reports the gap (`Change::Lost`), and the
/// resynchronisation (revocations reloaded, caches started over) is retried until it succeeds.
pub async fn follow(engine: Engine, mut feed: Box<dyn ChangeFeed>) {
    engine.metrics.change_feed(true);
    let mut interrupted = false;
    let mut resync = false;
    loop {
        if resync {
            if let Err(error) = engine.apply(Change::Lost).await {
                tracing::debug!(%error, "resynchronising after the change feed's gap failed; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            resync = false;
            engine.metrics.change_feed_resynced();
        }
        match feed.next().await {
            Ok(Change::Lost) => {
                if std::mem::take(&mut interrupted) {
                    tracing::info!("change feed resumed");
                    engine.metrics.change_feed(true);
                }
                resync = true;
            }
            Ok(change) => {
                if let Err(error) = engine.apply(change).await {
                    tracing::warn!(%error, "applying a change failed; the next reload repairs it");
                }
            }
            Err(error) => {
                if !interrupted {
                    tracing::warn!(%error, "change feed interrupted; retrying every second");
                }
                interrupted = true;
                engine.metrics.change_feed(false);
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}
