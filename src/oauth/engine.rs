//! The engine: what every OAuth endpoint needs (configuration, store, hasher, signing keys, the
//! metadata document), cheap to clone into handlers.

use std::sync::{Arc, RwLock};

use time::OffsetDateTime;

use super::cache::Cache;
use super::discovery::{self, EndpointPaths};
use super::revocation_list::{self, RevocationList};
use crate::audit::writer::AuditWriter;
use crate::config::Config;
use crate::crypto::key_ring::{KeyRing, SharedKeyRing};
use crate::crypto::token::TokenHasher;
use crate::domain::time::Clock;
use crate::domain::{Client, ClientId, GrantType, User, UserId};
use crate::identity::login::PasswordLogins;
use crate::identity::second_factor::SecondFactors;
use crate::limits::RateLimits;
use crate::metrics::Metrics;
use crate::store::{Change, Store, StoreError, StoreResult};

#[derive(Clone)]
pub struct Engine(Arc<Inner>);

pub struct Inner {
    pub config: Arc<Config>,
    pub store: Arc<dyn Store>,
    pub hasher: TokenHasher,
    pub issuer: String,
    /// Password sign-in with the shared lockout (the sign-in page and the password grant type).
    pub logins: PasswordLogins,
    /// The second factor every sign-in door asks for after a right password.
    pub second_factors: SecondFactors,
    /// The built-in rate limits every door counts against.
    pub limits: RateLimits,
    pub metrics: Metrics,
    /// Group commit for the events written on their own at token issuance.
    pub audit_writer: AuditWriter,
    clients: Cache<ClientId, Client>,
    users: Cache<UserId, User>,
    revocations: RevocationList,
    keys: SharedKeyRing,
    paths: EndpointPaths,
    discovery: RwLock<Arc<str>>,
    clock: Clock,
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
        clock: Clock,
        second_factors: SecondFactors,
    ) -> Self {
        let issuer = config.issuer();
        let ttl = config.keys.reload_interval.get();
        let document =
            discovery::document(&issuer, &paths, false, config.registration.enabled).to_string();
        let backend = match store.backend() {
            crate::config::Backend::Postgres => "postgres",
            crate::config::Backend::Sqlite => "sqlite",
        };
        let metrics = Metrics::new(config.metrics.client_id_labels, backend);
        let logins = PasswordLogins::new(store.clone(), &config, metrics.clone());
        let limits = RateLimits::new(
            config.rate_limits.clone(),
            store.clone(),
            hasher.clone(),
            clock.clone(),
            metrics.clone(),
        );
        let audit_writer = AuditWriter::start(store.clone());
        Self(Arc::new(Inner {
            logins,
            limits,
            metrics,
            audit_writer,
            second_factors,
            config,
            store,
            hasher,
            issuer,
            clients: Cache::new(ttl),
            users: Cache::new(ttl),
            revocations: RevocationList::default(),
            keys: SharedKeyRing::new(ring),
            paths,
            discovery: RwLock::new(document.into()),
            clock,
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

    /// Rebuilds the metadata (the password grant type is advertised only while some client may use it).
    pub async fn refresh_discovery(&self) -> Result<(), StoreError> {
        let clients = self.store.list_clients().await?;
        let password_grant = clients
            .iter()
            .any(|c| c.grant_types.contains(&GrantType::Password));
        let registration = self.config.registration.enabled;
        let document: Arc<str> =
            discovery::document(&self.issuer, &self.paths, password_grant, registration)
                .to_string()
                .into();
        match self.discovery.write() {
            Ok(mut slot) => *slot = document,
            Err(poisoned) => *poisoned.into_inner() = document,
        }
        Ok(())
    }

    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    pub fn clock(&self) -> Clock {
        self.clock.clone()
    }
}

/// Clients and users from memory (see [`Cache`]). Sign-in reads the store directly: a password
/// check always sees the latest row.
impl Engine {
    pub async fn client(&self, id: &ClientId) -> StoreResult<Option<Arc<Client>>> {
        self.clients
            .get_or_load(id, self.store.find_client(id))
            .await
    }

    pub async fn user(&self, id: UserId) -> StoreResult<Option<Arc<User>>> {
        self.users.get_or_load(&id, self.store.find_user(id)).await
    }
}

/// Revocation: written to the store, and to this instance's memory at once (other instances hear
/// of it through the change feed, or at their next reload).
impl Engine {
    pub fn is_revoked(&self, jti: &str, grant: Option<uuid::Uuid>) -> bool {
        self.revocations.is_revoked(jti, grant)
    }

    pub async fn revoke_access_token(
        &self,
        jti: &str,
        expires_at: OffsetDateTime,
    ) -> StoreResult<()> {
        self.store.revoke_access_token(jti, expires_at).await?;
        self.revocations.access_token_revoked(jti, expires_at);
        Ok(())
    }

    pub async fn revoke_grant(&self, id: uuid::Uuid, now: OffsetDateTime) -> StoreResult<()> {
        self.store.revoke_grant(id, now).await?;
        self.grant_revoked(id, now);
        Ok(())
    }

    /// Records a revocation the store made as part of another step (a replayed code, a reused
    /// refresh token).
    pub fn grant_revoked(&self, id: uuid::Uuid, now: OffsetDateTime) {
        self.revocations.grant_revoked(id, now);
    }

    /// A client changed here: the next read loads it again.
    pub fn client_changed(&self, id: &ClientId) {
        self.clients.forget(id);
    }

    /// A user's row changed here (verified, reset): the next read loads it again.
    pub fn user_changed(&self, id: UserId) {
        self.users.forget(&id);
    }

    /// Applies a sign-out the store did: its grants are revoked in memory at once (other
    /// instances hear of it through the change feed or their next reload).
    pub fn signed_out(&self, user: UserId, sign_out: &crate::domain::SignOut) {
        let now = self.now();
        for grant in &sign_out.revoked_grants {
            self.revocations.grant_revoked(*grant, now);
        }
        self.user_changed(user);
    }

    /// Merges the store's revocations into memory and forgets those that no longer matter.
    pub async fn reload_revocations(&self, now: OffsetDateTime) -> StoreResult<()> {
        let listed = self
            .store
            .revocations(now, now - revocation_list::grant_memory())
            .await?;
        self.revocations.merge(listed);
        self.revocations.forget_expired(now);
        Ok(())
    }

    /// Applies a change another instance (or this one) committed.
    pub async fn apply(&self, change: Change) -> StoreResult<()> {
        match change {
            Change::AccessTokenRevoked { jti, expires_at } => {
                self.revocations.access_token_revoked(&jti, expires_at)
            }
            Change::GrantRevoked { id, revoked_at } => {
                self.revocations.grant_revoked(id, revoked_at)
            }
            Change::User(id) => self.users.forget(&id),
            Change::Client(id) => self.clients.forget(&id),
            // Caches start over only once the store answers, so that an outage does not also
            // empty them.
            Change::Lost => {
                self.reload_revocations(self.now()).await?;
                self.users.clear();
                self.clients.clear();
            }
        }
        Ok(())
    }
}
