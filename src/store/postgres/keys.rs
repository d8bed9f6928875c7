//! `KeyStore` on PostgreSQL.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::PostgresStore;
use crate::domain::{SigningAlgorithm, StoredSigningKey};
use crate::store::error::classify;
use crate::store::rows::SigningKeyRow;
use crate::store::{KeyStore, StoreError, StoreResult};

#[async_trait]
impl KeyStore for PostgresStore {
    async fn insert_signing_key_unless_newer(
        &self,
        key: StoredSigningKey,
        unless_activating_after: OffsetDateTime,
    ) -> StoreResult<bool> {
        let result = sqlx::query(
            "insert into signing_keys (kid, alg, private_key, created_at, activates_at)
             select $1, $2, $3, $4, $5
             where not exists (select 1 from signing_keys where alg = $2 and activates_at > $6)",
        )
        .bind(&key.kid)
        .bind(key.alg.as_str())
        .bind(&key.sealed_private_key)
        .bind(key.created_at)
        .bind(key.activates_at)
        .bind(unless_activating_after)
        .execute(&self.pool)
        .await
        .map_err(classify)?;
        Ok(result.rows_affected() == 1)
    }

    async fn list_signing_keys(&self) -> StoreResult<Vec<StoredSigningKey>> {
        sqlx::query_as::<_, SigningKeyRow>(
            "select * from signing_keys order by alg, activates_at, kid",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(classify)?
        .into_iter()
        .map(SigningKeyRow::into_key)
        .collect()
    }

    async fn delete_signing_key(&self, kid: &str) -> StoreResult<()> {
        let result = sqlx::query("delete from signing_keys where kid = $1")
            .bind(kid)
            .execute(&self.pool)
            .await
            .map_err(classify)?;
        if result.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn newest_signing_key(
        &self,
        alg: SigningAlgorithm,
    ) -> StoreResult<Option<StoredSigningKey>> {
        sqlx::query_as::<_, SigningKeyRow>(
            "select * from signing_keys where alg = $1 order by activates_at desc, created_at desc, kid desc limit 1",
        )
        .bind(alg.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(classify)?
        .map(SigningKeyRow::into_key)
        .transpose()
    }
}
