//! `LoginFailureStore` on PostgreSQL.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::PostgresStore;
use crate::store::error::classify;
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

    async fn admit_login_attempt(
        &self,
        key: &str,
        now: OffsetDateTime,
        window: time::Duration,
        threshold: u32,
        hold_until: OffsetDateTime,
    ) -> StoreResult<Option<u32>> {
        // One upsert: concurrent attempts serialise on the row (also while it does not exist
        // yet), and each sees the count the one before it left.
        let count: Option<i32> = sqlx::query_scalar(
            "insert into login_failures (key, failures, locked_until, updated_at)
             values ($1, 1, case when 1 >= $4 then $5 else null end, $2)
             on conflict (key) do update set
                 failures = case when login_failures.updated_at <= $3 then 1
                                 else login_failures.failures + 1 end,
                 locked_until = case when (case when login_failures.updated_at <= $3 then 1
                                                else login_failures.failures + 1 end) >= $4
                                     then $5 else null end,
                 updated_at = $2
             where login_failures.locked_until is null
                or login_failures.locked_until <= $2
             returning failures",
        )
        .bind(key)
        .bind(now)
        .bind(now - window)
        .bind(i32::try_from(threshold).unwrap_or(i32::MAX))
        .bind(hold_until)
        .fetch_optional(&self.pool)
        .await
        .map_err(classify)?;
        Ok(count.map(|count| u32::try_from(count).unwrap_or(u32::MAX)))
    }

    async fn lock_login(&self, key: &str, count: u32, until: OffsetDateTime) -> StoreResult<()> {
        sqlx::query("update login_failures set locked_until = $3 where key = $1 and failures = $2")
            .bind(key)
            .bind(i32::try_from(count).unwrap_or(i32::MAX))
            .bind(until)
            .execute(&self.pool)
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn refund_login_attempt(&self, key: &str, threshold: u32) -> StoreResult<()> {
        sqlx::query(
            "update login_failures set failures = failures - 1,
                 locked_until = case when failures - 1 < $2 then null else locked_until end
             where key = $1 and failures > 0",
        )
        .bind(key)
        .bind(i32::try_from(threshold).unwrap_or(i32::MAX))
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
