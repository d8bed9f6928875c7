//! `KeyStore`, once for both databases.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::error::classify;
use super::pool::{BeginWrite as _, SqlBackend, dialect, with_pool};
use super::rows::SigningKeyRow;
use super::timestamp::Ts;
use super::{KeyStore, StoreError, StoreResult};
use crate::domain::{SigningAlgorithm, StoredSigningKey};

const INSERT_SIGNING_KEY_UNLESS_NEWER: &str =
    "insert into signing_keys (kid, alg, private_key, created_at, activates_at)
     select $1, $2, $3, $4, $5
     where not exists (select 1 from signing_keys where alg = $2 and activates_at > $6)";
const NEWEST_SIGNING_KEY: &str = "select * from signing_keys where alg = $1
     order by activates_at desc, created_at desc, kid desc limit 1";

#[async_trait]
impl<S: SqlBackend> KeyStore for S {
    async fn insert_signing_key_unless_newer(
        &self,
        key: StoredSigningKey,
        unless_activating_after: OffsetDateTime,
    ) -> StoreResult<bool> {
        // "Unless newer" reads before it writes: instances rotating at the same instant take turns,
        // or each would see no newer key and insert its own.
        let inserted = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await.map_err(classify)?;
            sqlx::query(dialect!(self, SERIALISE_SIGNING_KEY_INSERTS))
                .execute(&mut *tx)
                .await
                .map_err(classify)?;
            let inserted = sqlx::query(INSERT_SIGNING_KEY_UNLESS_NEWER)
                .bind(&key.kid)
                .bind(key.alg.as_str())
                .bind(&key.sealed_private_key)
                .bind(Ts(key.created_at))
                .bind(Ts(key.activates_at))
                .bind(Ts(unless_activating_after))
                .execute(&mut *tx)
                .await
                .map_err(classify)?
                .rows_affected();
            tx.commit().await.map_err(classify)?;
            inserted
        });
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
        with_pool!(self, pool => sqlx::query_as::<_, SigningKeyRow>(NEWEST_SIGNING_KEY)
            .bind(alg.as_str())
            .fetch_optional(pool)
            .await)
        .map_err(classify)?
        .map(SigningKeyRow::into_key)
        .transpose()
    }
}
