//! The tightest budget a request was counted against, kept for the request's task so that the
//! HTTP layer can tell the client (`RateLimit`, `RateLimit-Policy`, `Retry-After`) whatever
//! answered it.

use std::cell::RefCell;

use super::Quota;

tokio::task_local! {
    static OBSERVED: RefCell<Option<Quota>>;
}

/// Runs `future` with a place for the quotas it is counted against; returns its output and the
/// tightest of them.
pub async fn observe<F: Future>(future: F) -> (F::Output, Option<Quota>) {
    OBSERVED
        .scope(RefCell::new(None), async move {
            let output = future.await;
            let quota = OBSERVED.with(|cell| cell.borrow_mut().take());
            (output, quota)
        })
        .await
}

/// Keeps `quota` if it is tighter than what the request was counted against so far (outside
/// [`observe`], nothing is kept).
pub(super) fn record(quota: Quota) {
    let _outside = OBSERVED.try_with(|cell| {
        let mut kept = cell.borrow_mut();
        if kept.as_ref().is_none_or(|k| quota.tighter_than(k)) {
            *kept = Some(quota);
        }
    });
}
