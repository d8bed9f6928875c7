//! `KeyStore`, once for both databases.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::error::classify;
use super::pool::{SqlBackend, dialect, with_pool};
use super::rows::SigningKeyRow;
use super::{KeyStore, StoreError, StoreResult};
use crate::domain::{SigningAlgorithm, StoredSigningKey};

#[async_trait]
impl<S: SqlBackend> KeyStore for S {
    async fn insert_signing_key_unless_newer(
        &self,
        key: StoredSigningKey,
        unless_activating_after: OffsetDateTime,
    ) -> StoreResult<bool> {
        let inserted = with_pool!(self, pool => sqlx::query(
            dialect!(self, INSERT_SIGNING_KEY_UNLESS_NEWER),
        )
        .bind(&key.kid)
        .bind(key.alg.as_str())
        .bind(&key.sealed_private_key)
        .bind(key.created_at)
        .bind(key.activates_at)
        .bind(unless_activating_after)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))
        .map_err(classify)?;
        Ok(inserted == 1)
    }

    async fn list_signing_keys(&self) -> StoreResult<Vec<StoredSigningKey>> {
        with_pool!(self, pool => sqlx::query_as::<_, SigningKeyRow>(
            "select * from signing_keys order by alg, activates_at, kid",
        )
        .fetch_all(pool)
        .await)
        .map_err(classify)?
        .into_iter()
        .map(SigningKeyRow::into_key)
        .collect()
    }

    async fn delete_signing_key(&self, kid: &str) -> StoreResult<()> {
        let deleted =
            with_pool!(self, pool => sqlx::query("delete from signing_keys where kid = $1")
            .bind(kid)
            .execute(pool)
            .await
            .map(|done| done.rows_affected()))
            .map_err(classify)?;
        if deleted == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn newest_signing_key(
        &self,
        alg: SigningAlgorithm,
    ) -> StoreResult<Option<StoredSigningKey>> {
        with_pool!(self, pool => sqlx::query_as::<_, SigningKeyRow>(dialect!(self, NEWEST_SIGNING_KEY))
            .bind(alg.as_str())
            .fetch_optional(pool)
            .await)
        .map_err(classify)?
        .map(SigningKeyRow::into_key)
        .transpose()
    }
}
