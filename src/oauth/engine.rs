//! The engine: what every OAuth endpoint needs (configuration, store, hasher, signing keys, the
//! metadata document), cheap to clone into handlers.

use std::sync::{Arc, RwLock};

use time::OffsetDateTime;

use super::client_cache::ClientCache;
use super::discovery::{self, EndpointPaths};
use crate::config::Config;
use crate::crypto::key_ring::{KeyRing, SharedKeyRing};
use crate::crypto::token::TokenHasher;
use crate::domain::GrantType;
use crate::store::{Store, StoreError};

#[derive(Clone)]
pub struct Engine(Arc<Inner>);

pub struct Inner {
    pub config: Arc<Config>,
    pub store: Arc<dyn Store>,
    pub hasher: TokenHasher,
    pub issuer: String,
    pub clients: ClientCache,
    keys: SharedKeyRing,
    paths: EndpointPaths,
    discovery: RwLock<Arc<str>>,
}

impl std::ops::Deref for Engine {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl Engine {
    pub fn new(
        config: Arc<Config>,
        store: Arc<dyn Store>,
        hasher: TokenHasher,
        ring: KeyRing,
        paths: EndpointPaths,
    ) -> Self {
        let issuer = config.issuer();
        let clients = ClientCache::new(config.keys.reload_interval.get());
        let document = discovery::document(&issuer, &paths, false).to_string();
        Self(Arc::new(Inner {
            config,
            store,
            hasher,
            issuer,
            clients,
            keys: SharedKeyRing::new(ring),
            paths,
            discovery: RwLock::new(document.into()),
        }))
    }

    /// The signing keys in force.
    pub fn keys(&self) -> Arc<KeyRing> {
        self.keys.current()
    }

    pub fn replace_keys(&self, ring: KeyRing) {
        self.keys.replace(ring);
    }

    /// The metadata document, serialised once per refresh.
    pub fn discovery(&self) -> Arc<str> {
        match self.discovery.read() {
            Ok(document) => document.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Rebuilds the metadata (the password grant is advertised only while some client may use it).
    pub async fn refresh_discovery(&self) -> Result<(), StoreError> {
        let clients = self.store.list_clients().await?;
        let password_grant = clients
            .iter()
            .any(|c| c.grant_types.contains(&GrantType::Password));
        let document: Arc<str> = discovery::document(&self.issuer, &self.paths, password_grant)
            .to_string()
            .into();
        match self.discovery.write() {
            Ok(mut slot) => *slot = document,
            Err(poisoned) => *poisoned.into_inner() = document,
        }
        Ok(())
    }

    pub fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}
