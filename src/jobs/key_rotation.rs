//! The signing-key lifecycle: create the first keys, rotate when a key has signed for
//! `keys.rotation_interval` (the successor is published `jwks_max_age + reload_interval` before it
//! signs), load and unseal keys into the ring, and delete keys no token can need.

use crate::domain::audit::AuditActor;
use std::sync::Arc;

use time::OffsetDateTime;

use crate::config::Config;
use crate::crypto::key_encryption::{KeyEncryptionKey, SealError};
use crate::crypto::key_ring::KeyRing;
use crate::crypto::keys::{KeyError, SigningKey};
use crate::domain::{SigningAlgorithm, StoredSigningKey};
use crate::store::{Store, StoreError};
use crate::telemetry::spawn_blocking_in_span;

#[derive(Debug, thiserror::Error)]
pub enum KeyRotationError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("signing key {kid} cannot be used")]
    Unseal { kid: String, source: SealError },
    #[error(transparent)]
    Seal(SealError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("key generation task failed")]
    Task(#[from] tokio::task::JoinError),
}

pub struct KeyRotation {
    store: Arc<dyn Store>,
    kek: KeyEncryptionKey,
    config: Arc<Config>,
}

impl KeyRotation {
    pub fn new(store: Arc<dyn Store>, kek: KeyEncryptionKey, config: Arc<Config>) -> Self {
        Self { store, kek, config }
    }

    /// How long before it signs a new key is published: a JWKS cached just before it appeared
    /// has expired by then on every instance.
    fn publication_lead(&self) -> time::Duration {
        let keys = &self.config.keys;
        time::Duration::try_from(keys.jwks_max_age.get() + keys.reload_interval.get())
            .unwrap_or(time::Duration::HOUR)
    }

    /// Creates a key for each algorithm that has none; such a key signs at once, since no one can
    /// have cached a JWKS without it.
    pub async fn ensure_initial_keys(&self, now: OffsetDateTime) -> Result<(), KeyRotationError> {
        for alg in SigningAlgorithm::ALL {
            if self.store.newest_signing_key(alg).await?.is_none() {
                self.create_key(
                    alg,
                    now,
                    now,
                    OffsetDateTime::UNIX_EPOCH,
                    &AuditActor::System,
                )
                .await?;
            }
        }
        Ok(())
    }

    /// Starts a successor for every algorithm whose newest key is older than the rotation
    /// interval (or for all, when `force`), unless one is already waiting. Returns the new kids.
    pub async fn rotate(
        &self,
        now: OffsetDateTime,
        force: bool,
        actor: &AuditActor,
    ) -> Result<Vec<String>, KeyRotationError> {
        let interval = time::Duration::try_from(self.config.keys.rotation_interval.get())
            .unwrap_or(time::Duration::days(30));
        let mut created = Vec::new();
        for alg in SigningAlgorithm::ALL {
            let newest = self.store.newest_signing_key(alg).await?;
            let due = match &newest {
                None => true,
                Some(key) if key.activates_at > now => false,
                Some(key) => force || key.created_at + interval <= now,
            };
            if due
                && let Some(kid) = self
                    .create_key(alg, now, now + self.publication_lead(), now, actor)
                    .await?
            {
                tracing::info!(%kid, alg = alg.as_str(), "new signing key published");
                created.push(kid);
            }
        }
        Ok(created)
    }

    async fn create_key(
        &self,
        alg: SigningAlgorithm,
        now: OffsetDateTime,
        activates_at: OffsetDateTime,
        unless_activating_after: OffsetDateTime,
        actor: &AuditActor,
    ) -> Result<Option<String>, KeyRotationError> {
        // RSA generation takes tens of milliseconds: not on the executor.
        let key = spawn_blocking_in_span(move || SigningKey::generate(alg)).await??;
        let kid = key.kid().to_owned();
        let sealed_private_key = self
            .kek
            .seal(&key.pkcs8()?, &kid)
            .map_err(KeyRotationError::Seal)?;
        let event = crate::audit::event("key.created", actor.clone(), now)
            .subject(&kid)
            .detail(format!("alg:{}", alg.as_str()));
        let stored = StoredSigningKey {
            kid: kid.clone(),
            alg,
            sealed_private_key,
            created_at: now,
            activates_at,
        };
        let inserted = self
            .store
            .insert_signing_key_unless_newer(stored, unless_activating_after, &event)
            .await?;
        Ok(inserted.then_some(kid))
    }

    /// Reads and unseals every stored key into a ring as of `now`.
    pub async fn load(&self, now: OffsetDateTime) -> Result<KeyRing, KeyRotationError> {
        let stored = self.store.list_signing_keys().await?;
        let mut keys = Vec::with_capacity(stored.len());
        for key in stored {
            let pkcs8 = self
                .kek
                .open(&key.sealed_private_key, &key.kid)
                .map_err(|source| KeyRotationError::Unseal {
                    kid: key.kid.clone(),
                    source,
                })?;
            keys.push((SigningKey::from_pkcs8(key.alg, &pkcs8)?, key.activates_at));
        }
        Ok(KeyRing::new(
            keys,
            self.config.tokens.longest_jwt_lifetime().get(),
            now,
        ))
    }

    /// Deletes keys past their publication; returns their kids.
    pub async fn purge(
        &self,
        ring: &KeyRing,
        now: OffsetDateTime,
    ) -> Result<Vec<String>, KeyRotationError> {
        let expired = ring.expired(now);
        for kid in &expired {
            match self.store.delete_signing_key(kid).await {
                Ok(()) | Err(StoreError::NotFound) => {}
                Err(error) => return Err(error.into()),
            }
        }
        Ok(expired)
    }
}
