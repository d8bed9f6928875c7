//! Signing keys. Inserting is conditional so that several instances rotating at once add one key.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::audit::insert_audit;
use super::pool::{BeginWrite as _, SqlStore, dialect, execute, fetch, with_pool};
use super::rows::SigningKeyRow;
use super::timestamp::Ts;
use super::{StoreError, StoreResult};
use crate::domain::audit::AuditEvent;
use crate::domain::{SigningAlgorithm, StoredSigningKey};

#[async_trait]
pub trait KeyStore: Send + Sync {
    /// Inserts `key` unless a key of the same algorithm activates after `unless_activating_after`;
    /// returns whether it was inserted.
    async fn insert_signing_key_unless_newer(
        &self,
        key: StoredSigningKey,
        unless_activating_after: OffsetDateTime,
        event: &AuditEvent,
    ) -> StoreResult<bool>;
    async fn list_signing_keys(&self) -> StoreResult<Vec<StoredSigningKey>>;
    async fn delete_signing_key(&self, kid: &str) -> StoreResult<()>;
    /// The newest key of an algorithm: the one that activates last (rotation is due when it is old).
    async fn newest_signing_key(
        &self,
        alg: SigningAlgorithm,
    ) -> StoreResult<Option<StoredSigningKey>>;
}

const INSERT_SIGNING_KEY_UNLESS_NEWER: &str =
    "insert into signing_keys (kid, alg, private_key, created_at, activates_at)
     select $1, $2, $3, $4, $5
     where not exists (select 1 from signing_keys where alg = $2 and activates_at > $6)";
const NEWEST_SIGNING_KEY: &str = "select * from signing_keys where alg = $1
     order by activates_at desc, created_at desc, kid desc limit 1";

#[async_trait]
impl KeyStore for SqlStore {
    async fn insert_signing_key_unless_newer(
        &self,
        key: StoredSigningKey,
        unless_activating_after: OffsetDateTime,
        event: &AuditEvent,
    ) -> StoreResult<bool> {
        // "Unless newer" reads before it writes: instances rotating at the same instant take turns,
        // or each would see no newer key and insert its own.
        let serialise = dialect!(self, SERIALISE_SIGNING_KEY_INSERTS);
        let inserted = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            execute!(in &mut *tx, serialise)?;
            let inserted = execute!(
                in &mut *tx,
                INSERT_SIGNING_KEY_UNLESS_NEWER,
                &key.kid,
                key.alg.as_str(),
                &key.sealed_private_key,
                Ts(key.created_at),
                Ts(key.activates_at),
                Ts(unless_activating_after),
            )?;
            if inserted == 1 {
                insert_audit!(self, tx, event);
            }
            tx.commit().await?;
            inserted
        });
        Ok(inserted == 1)
    }

    async fn list_signing_keys(&self) -> StoreResult<Vec<StoredSigningKey>> {
        let sql = "select * from signing_keys order by alg, activates_at, kid";
        let rows = fetch!(self, fetch_all, SigningKeyRow, sql)?;
        rows.into_iter().map(SigningKeyRow::into_key).collect()
    }

    async fn delete_signing_key(&self, kid: &str) -> StoreResult<()> {
        match execute!(self, "delete from signing_keys where kid = $1", kid)? {
            0 => Err(StoreError::NotFound),
            _ => Ok(()),
        }
    }

    async fn newest_signing_key(
        &self,
        alg: SigningAlgorithm,
    ) -> StoreResult<Option<StoredSigningKey>> {
        let row = fetch!(
            self,
            fetch_optional,
            SigningKeyRow,
            NEWEST_SIGNING_KEY,
            alg.as_str()
        )?;
        row.map(SigningKeyRow::into_key).transpose()
    }
}
