//! `LoginFailureStore` on PostgreSQL.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::PostgresStore;
use crate::store::error::classify;
use crate::store::rows::LoginFailureRow;
use crate::store::{LoginFailureStore, StoreResult};

#[async_trait]
impl LoginFailureStore for PostgresStore {
    async fn login_locked_until(&self, key: &str) -> StoreResult<Option<OffsetDateTime>> {
        let until: Option<Option<OffsetDateTime>> =
            sqlx::query_scalar("select locked_until from login_failures where key = $1")
                .bind(key)
                .fetch_optional(&self.pool)
                .await
                .map_err(classify)?;
        Ok(until.flatten())
    }

    async fn record_login_failure(
        &self,
        key: &str,
        now: OffsetDateTime,
        window: time::Duration,
    ) -> StoreResult<u32> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let previous = sqlx::query_as::<_, LoginFailureRow>(
            "select failures, updated_at from login_failures where key = $1 for update",
        )
        .bind(key)
        .fetch_optional(&mut *tx)
        .await
        .map_err(classify)?;
        let failures = match previous {
            Some(row) if row.updated_at + window > now => row.failures.saturating_add(1),
            _ => 1,
        };
        sqlx::query(
            "insert into login_failures (key, failures, locked_until, updated_at) values ($1, $2, null, $3)
             on conflict (key) do update set failures = excluded.failures, updated_at = excluded.updated_at",
        )
        .bind(key)
        .bind(failures)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(classify)?;
        tx.commit().await.map_err(classify)?;
        Ok(u32::try_from(failures).unwrap_or(0))
    }

    async fn lock_login(&self, key: &str, until: OffsetDateTime) -> StoreResult<()> {
        sqlx::query("update login_failures set locked_until = $2 where key = $1")
            .bind(key)
            .bind(until)
            .execute(&self.pool)
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn clear_login_failures(&self, key: &str) -> StoreResult<()> {
        sqlx::query("delete from login_failures where key = $1")
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn purge_login_failures(
        &self,
        before: OffsetDateTime,
        now: OffsetDateTime,
    ) -> StoreResult<u64> {
        let result = sqlx::query(
            "delete from login_failures where updated_at <= $1 and (locked_until is null or locked_until <= $2)",
        )
        .bind(before)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(classify)?;
        Ok(result.rows_affected())
    }
}
