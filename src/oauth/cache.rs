//! Rows the token, introspection and userinfo endpoints would otherwise read on every request
//! (clients, users), kept in memory. An entry lives at most `ttl` (`keys.reload_interval`); on
//! PostgreSQL the change feed also evicts it as soon as any instance changes the row.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::store::StoreResult;

/// More distinct entries than this, and the cache starts over rather than grow without bound.
const MAX_ENTRIES: usize = 10_000;

pub struct Cache<K, V> {
    entries: RwLock<HashMap<K, (Arc<V>, Instant)>>,
    /// Bumped by every eviction, so that a load which raced an eviction is not stored.
    generation: AtomicU64,
    ttl: Duration,
}

impl<K: Eq + Hash + Clone, V> Cache<K, V> {
    pub fn new(ttl: Duration) -> Self {
        Self {
            entries: RwLock::new(HashMap::new()),
            generation: AtomicU64::new(0),
            ttl,
        }
    }

    /// The value, from memory while fresh, else from `load`. Absent values are not cached.
    pub async fn get_or_load<F>(&self, key: &K, load: F) -> StoreResult<Option<Arc<V>>>
    where
        F: Future<Output = StoreResult<Option<V>>>,
    {
        if let Some(value) = self.fresh(key) {
            return Ok(Some(value));
        }
        let generation = self.generation.load(Ordering::Acquire);
        let Some(value) = load.await?.map(Arc::new) else {
            return Ok(None);
        };
        if let Ok(mut entries) = self.entries.write()
            && self.generation.load(Ordering::Acquire) == generation
        {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(key.clone(), (value.clone(), Instant::now()));
        }
        Ok(Some(value))
    }

    pub fn forget(&self, key: &K) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Ok(mut entries) = self.entries.write() {
            entries.remove(key);
        }
    }

    pub fn clear(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Ok(mut entries) = self.entries.write() {
            entries.clear();
        }
    }

    fn fresh(&self, key: &K) -> Option<Arc<V>> {
        let entries = self.entries.read().ok()?;
        let (value, at) = entries.get(key)?;
        (at.elapsed() < self.ttl).then(|| value.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn loads_once_while_fresh_and_again_after_forget() {
        let cache: Cache<u32, String> = Cache::new(Duration::from_secs(60));
        let first = cache
            .get_or_load(&1, async { Ok(Some("one".to_owned())) })
            .await
            .unwrap();
        assert_eq!(first.as_deref().map(String::as_str), Some("one"));
        let cached = cache
            .get_or_load(&1, async { Ok(Some("changed".to_owned())) })
            .await
            .unwrap();
        assert_eq!(cached.as_deref().map(String::as_str), Some("one"));
        cache.forget(&1);
        let reloaded = cache
            .get_or_load(&1, async { Ok(Some("changed".to_owned())) })
            .await
            .unwrap();
        assert_eq!(reloaded.as_deref().map(String::as_str), Some("changed"));
        let absent = cache.get_or_load(&2, async { Ok(None) }).await.unwrap();
        assert!(absent.is_none());
        let later = cache
            .get_or_load(&2, async { Ok(Some("two".to_owned())) })
            .await
            .unwrap();
        assert!(later.is_some(), "absence is not cached");
    }

    #[tokio::test]
    async fn a_load_that_raced_an_eviction_is_not_kept() {
        let cache: Cache<u32, String> = Cache::new(Duration::from_secs(60));
        let stale = cache
            .get_or_load(&1, async {
                cache.clear();
                Ok(Some("stale".to_owned()))
            })
            .await
            .unwrap();
        assert!(stale.is_some(), "the caller still gets what it loaded");
        let fresh = cache
            .get_or_load(&1, async { Ok(Some("fresh".to_owned())) })
            .await
            .unwrap();
        assert_eq!(fresh.as_deref().map(String::as_str), Some("fresh"));
    }

    #[tokio::test]
    async fn entries_expire_after_the_ttl() {
        let cache: Cache<u32, String> = Cache::new(Duration::ZERO);
        cache
            .get_or_load(&1, async { Ok(Some("one".to_owned())) })
            .await
            .unwrap();
        let again = cache
            .get_or_load(&1, async { Ok(Some("two".to_owned())) })
            .await
            .unwrap();
        assert_eq!(again.as_deref().map(String::as_str), Some("two"));
    }
}
