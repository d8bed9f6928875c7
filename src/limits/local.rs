//! Fixed-window counters in this process's memory, for budgets that need not be shared between
//! instances (the flood guard, per-client budgets): a hit costs one short lock on one of a few
//! shards, never a database round trip.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, RandomState};
use std::sync::{Mutex, PoisonError};

use time::{Duration, OffsetDateTime};

use crate::store::WindowCount;

const SHARDS: usize = 16;

pub struct LocalWindows<K> {
    shards: Vec<Mutex<HashMap<K, WindowCount>>>,
    hasher: RandomState,
}

impl<K: Hash + Eq> Default for LocalWindows<K> {
    fn default() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            hasher: RandomState::new(),
        }
    }
}

impl<K: Hash + Eq> LocalWindows<K> {
    /// Counts one hit on `key` in its window of `window`, starting a new window when the last
    /// one has run out, and returns the window as counted. The key is copied only the first
    /// time it is seen.
    pub fn hit<Q>(&self, key: &Q, now: OffsetDateTime, window: Duration) -> WindowCount
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        let shard = &self.shards[self.hasher.hash_one(key) as usize % SHARDS];
        let mut counts = shard.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = counts.get_mut(key) {
            if count.window_start + window <= now {
                *count = WindowCount {
                    hits: 1,
                    window_start: now,
                };
            } else {
                count.hits = count.hits.saturating_add(1);
            }
            return *count;
        }
        let count = WindowCount {
            hits: 1,
            window_start: now,
        };
        counts.insert(key.to_owned(), count);
        count
    }

    /// Forgets windows that started at or before `before` (a memory bound, not a rule).
    pub fn forget_before(&self, before: OffsetDateTime) {
        for shard in &self.shards {
            shard
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .retain(|_, count| count.window_start > before);
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(PoisonError::into_inner).len())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_counts_until_it_runs_out_and_is_forgotten_later() {
        let windows = LocalWindows::<String>::default();
        let start = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
        let minute = Duration::minutes(1);
        assert_eq!(windows.hit("a", start, minute).hits, 1);
        assert_eq!(
            windows.hit("a", start + Duration::seconds(59), minute).hits,
            2
        );
        assert_eq!(windows.hit("b", start, minute).hits, 1);
        let next = windows.hit("a", start + minute, minute);
        assert_eq!((next.hits, next.window_start), (1, start + minute));
        windows.forget_before(start);
        assert_eq!(windows.len(), 1);
    }
}
