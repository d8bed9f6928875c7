//! Waiting for something another task or instance does in its own time (a change feed, a
//! reconnect): poll until it holds, with a deadline. Never for an expiry: move the clock.

use std::future::Future;
use std::time::{Duration, Instant};

/// Polls `check` until it holds, for at most `within`; fails the test naming `what` otherwise.
pub async fn eventually<F, Fut>(within: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    while !check().await {
        assert!(Instant::now() < deadline, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
