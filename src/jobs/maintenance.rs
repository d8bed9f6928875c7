//! The periodic round every instance runs: keys, metadata, revocations and sweeps.

use std::sync::Arc;
use std::time::Duration;

use super::key_rotation::KeyRotation;
use crate::oauth::Engine;

/// Every `interval`: rotate keys when due, reload them (so all instances agree), delete expired
/// ones, rebuild the metadata, and sweep expired revocations, sessions, codes, grants, mailed codes and
/// links, login counters, rate-limit windows, and finished mail past its retention. A failure is logged and retried
/// on the next round; the previous keys stay in force meanwhile.
pub async fn maintain(engine: Engine, rotation: Arc<KeyRotation>, interval: Duration) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticker.tick().await;
    loop {
        ticker.tick().await;
        let now = engine.now();
        // Revocations first and on their own: a failing key step must not leave them stale.
        if let Err(error) = engine.reload_revocations(now).await {
            tracing::warn!(%error, "reloading revocations failed; will retry");
        }
        let round = async {
            rotation
                .rotate(now, false, &crate::domain::audit::AuditActor::System)
                .await?;
            let ring = rotation.load(now).await?;
            rotation.purge(&ring, now).await?;
            engine.replace_keys(ring);
            engine.refresh_discovery().await?;
            let store = &engine.store;
            store.purge_expired_revocations(now).await?;
            store.purge_expired_browser_sessions(now).await?;
            // Codes and grants stay a day past expiry, so a late replay is still recognised.
            store
                .purge_expired_grants(now - time::Duration::DAY)
                .await?;
            store
                .purge_expired_account_tokens(now - time::Duration::DAY)
                .await?;
            let window = time::Duration::try_from(engine.config.login.failure_window.get())?;
            store.purge_login_failures(now - window, now).await?;
            store.purge_second_factor_challenges(now).await?;
            engine.limits.sweep(now).await?;
            let retention = time::Duration::try_from(engine.config.email.retention.get())?;
            store.purge_finished_mails(now - retention).await?;
            anyhow::Ok(())
        };
        if let Err(error) = round.await {
            tracing::warn!(error = %format!("{error:#}"), "maintenance round failed; will retry");
        }
    }
}
