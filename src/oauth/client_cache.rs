//! Registered clients, kept in memory for `keys.reload_interval`: the token, introspection and
//! revocation endpoints would otherwise read the clients table on every request. A client changed
//! in the database is seen by every instance within that interval.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::domain::{Client, ClientId};
use crate::store::{Store, StoreResult};

/// More distinct clients than this, and the cache starts over rather than grow without bound.
const MAX_ENTRIES: usize = 10_000;

pub struct ClientCache {
    entries: RwLock<HashMap<ClientId, (Arc<Client>, Instant)>>,
    ttl: Duration,
}

impl ClientCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            entries: RwLock::new(HashMap::new()),
            ttl,
        }
    }

    /// The client, from memory while fresh, else from the store. Unknown ids are not cached.
    pub async fn get(&self, store: &dyn Store, id: &ClientId) -> StoreResult<Option<Arc<Client>>> {
        let cached = match self.entries.read() {
            Ok(entries) => entries
                .get(id)
                .filter(|(_, at)| at.elapsed() < self.ttl)
                .map(|(c, _)| c.clone()),
            Err(_) => None,
        };
        if cached.is_some() {
            return Ok(cached);
        }
        let Some(client) = store.find_client(id).await?.map(Arc::new) else {
            return Ok(None);
        };
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(id.clone(), (client.clone(), Instant::now()));
        }
        Ok(Some(client))
    }
}
