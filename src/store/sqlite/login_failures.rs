//! `LoginFailureStore` on SQLite.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::SqliteStore;
use crate::domain::Admission;
use crate::store::error::classify;
use crate::store::{LoginFailureStore, StoreResult};

#[async_trait]
impl LoginFailureStore for SqliteStore {
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
        window_start: OffsetDateTime,
        stale_before: OffsetDateTime,
        threshold: u32,
    ) -> StoreResult<Admission> {
        // One upsert: concurrent attempts serialise on the row (also while it does not exist
        // yet), and each sees what the one before it left.
        let admitted: Option<i32> = sqlx::query_scalar(
            "insert into login_failures (key, failures, in_flight, locked_until, updated_at)
             values ($1, 0, 1, null, $2)
             on conflict (key) do update set
                 failures = case when login_failures.last_failure_at is null
                                   or unixepoch(login_failures.last_failure_at, 'subsec')
                                      <= unixepoch($3, 'subsec') then 0
                                 else login_failures.failures end,
                 in_flight = case when unixepoch(login_failures.updated_at, 'subsec') <= unixepoch($4, 'subsec') then 1 else login_failures.in_flight + 1 end,
                 updated_at = $2
             where (login_failures.locked_until is null or unixepoch(login_failures.locked_until, 'subsec') <= unixepoch($2, 'subsec'))
               and (unixepoch(login_failures.updated_at, 'subsec') <= unixepoch($4, 'subsec')
                    or login_failures.failures + login_failures.in_flight < $5
                    or (login_failures.failures >= $5 and login_failures.in_flight = 0))
             returning in_flight",
        )
        .bind(key)
        .bind(now)
        .bind(window_start)
        .bind(stale_before)
        .bind(count_param(threshold))
        .fetch_optional(&self.pool)
        .await
        .map_err(classify)?;
        if admitted.is_some() {
            return Ok(Admission::Admitted);
        }
        let locked: Option<bool> = sqlx::query_scalar(
            "select locked_until is not null and unixepoch(locked_until, 'subsec') > unixepoch($2, 'subsec') from login_failures where key = $1",
        )
        .bind(key)
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(classify)?;
        Ok(if locked == Some(true) {
            Admission::Locked
        } else {
            Admission::Busy
        })
    }

    async fn record_login_failure(
        &self,
        key: &str,
        now: OffsetDateTime,
        threshold: u32,
        hold_until: OffsetDateTime,
    ) -> StoreResult<u32> {
        let failures: i32 = sqlx::query_scalar(
            "insert into login_failures
                 (key, failures, in_flight, locked_until, updated_at, last_failure_at)
             values ($1, 1, 0, case when 1 >= $3 then $4 else null end, $2, $2)
             on conflict (key) do update set
                 failures = login_failures.failures + 1,
                 in_flight = case when login_failures.in_flight > 0
                                  then login_failures.in_flight - 1 else 0 end,
                 locked_until = case when login_failures.failures + 1 >= $3 then $4
                                     else login_failures.locked_until end,
                 updated_at = $2,
                 last_failure_at = $2
             returning failures",
        )
        .bind(key)
        .bind(now)
        .bind(count_param(threshold))
        .bind(hold_until)
        .fetch_one(&self.pool)
        .await
        .map_err(classify)?;
        Ok(u32::try_from(failures).unwrap_or(0))
    }

    async fn lock_login(&self, key: &str, count: u32, until: OffsetDateTime) -> StoreResult<()> {
        sqlx::query("update login_failures set locked_until = $3 where key = $1 and failures = $2")
            .bind(key)
            .bind(count_param(count))
            .bind(until)
            .execute(&self.pool)
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn record_login_success(&self, key: &str, now: OffsetDateTime) -> StoreResult<()> {
        sqlx::query(
            "update login_failures
             set failures = 0, locked_until = null, last_failure_at = null, updated_at = $2,
                 in_flight = case when in_flight > 0 then in_flight - 1 else 0 end
             where key = $1",
        )
        .bind(key)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn release_login_attempt(&self, key: &str) -> StoreResult<()> {
        sqlx::query(
            "update login_failures
             set in_flight = case when in_flight > 0 then in_flight - 1 else 0 end
             where key = $1",
        )
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
            "delete from login_failures where unixepoch(updated_at, 'subsec') <= unixepoch($1, 'subsec') and (locked_until is null or unixepoch(locked_until, 'subsec') <= unixepoch($2, 'subsec'))",
        )
        .bind(before)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(classify)?;
        Ok(result.rows_affected())
    }
}

/// A count as the `integer` column takes it.
fn count_param(count: u32) -> i32 {
    i32::try_from(count).unwrap_or(i32::MAX)
}
