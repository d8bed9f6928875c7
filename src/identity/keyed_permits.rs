//! At most N holders per key at once, in this process: sign-in attempts for one account (or
//! address) queue here, in order, instead of all asking the store at once. The store's
//! admission still enforces the budget across instances.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

#[derive(Default)]
pub struct KeyedPermits {
    keys: Mutex<HashMap<String, Arc<Semaphore>>>,
}

/// A place held for a key; given back when dropped.
pub struct KeyPermit<'a> {
    permits: &'a KeyedPermits,
    key: String,
    /// Ours until dropped, which happens under the map's lock (see `Drop`).
    semaphore: Option<Arc<Semaphore>>,
    permit: Option<OwnedSemaphorePermit>,
}

impl KeyedPermits {
    /// Waits up to `wait` for one of the `limit` places of `key`; `None` when none came free.
    pub async fn acquire(&self, key: &str, limit: u32, wait: Duration) -> Option<KeyPermit<'_>> {
        let semaphore = self
            .keys
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(key.to_owned())
            .or_insert_with(|| Arc::new(Semaphore::new(limit as usize)))
            .clone();
        let mut held = KeyPermit {
            permits: self,
            key: key.to_owned(),
            semaphore: Some(semaphore.clone()),
            permit: None,
        };
        // Dropping `held` on a timeout forgets the key again if nobody else holds it.
        let permit = tokio::time::timeout(wait, semaphore.acquire_owned()).await;
        held.permit = Some(permit.ok()?.ok()?);
        Some(held)
    }

    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.keys
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty()
    }
}

impl Drop for KeyPermit<'_> {
    fn drop(&mut self) {
        self.permit.take();
        let mut keys = self
            .permits
            .keys
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // Every clone is made and dropped under this lock, so once ours is gone a count of one
        // (the map's) means nobody holds or waits for this key.
        self.semaphore.take();
        if keys
            .get(&self.key)
            .is_some_and(|semaphore| Arc::strong_count(semaphore) == 1)
        {
            keys.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_key_has_at_most_its_limit_of_holders_and_is_forgotten_when_free() {
        let permits = KeyedPermits::default();
        let wait = Duration::from_millis(20);
        let first = permits.acquire("k", 2, wait).await;
        let second = permits.acquire("k", 2, wait).await;
        assert!(first.is_some() && second.is_some());
        assert!(permits.acquire("k", 2, wait).await.is_none());
        assert!(permits.acquire("other", 2, wait).await.is_some());
        drop(first);
        assert!(permits.acquire("k", 2, wait).await.is_some());
        drop(second);
        assert!(permits.is_empty());
    }
}
