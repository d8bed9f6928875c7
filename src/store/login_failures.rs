//! `LoginFailureStore`, once for both databases.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::error::classify;
use super::pool::{SqlBackend, with_pool};
use super::timestamp::Ts;
use super::{LoginFailureStore, StoreResult};
use crate::domain::Admission;

/// Admits a sign-in attempt (see `LoginFailureStore::admit_login_attempt`): one upsert.
const ADMIT_LOGIN_ATTEMPT: &str =
    "insert into login_failures (key, failures, in_flight, locked_until, updated_at)
     values ($1, 0, 1, null, $2)
     on conflict (key) do update set
         failures = case when login_failures.last_failure_at is null
                           or login_failures.last_failure_at <= $3 then 0
                         else login_failures.failures end,
         in_flight = case when login_failures.updated_at <= $4 then 1
                          else login_failures.in_flight + 1 end,
         updated_at = $2
     where (login_failures.locked_until is null or login_failures.locked_until <= $2)
       and (login_failures.updated_at <= $4
            or login_failures.failures + login_failures.in_flight < $5
            or (login_failures.failures >= $5 and login_failures.in_flight = 0))
     returning in_flight";
/// Whether a key is locked at `$2`.
const LOGIN_LOCKED_AT: &str =
    "select locked_until is not null and locked_until > $2 from login_failures where key = $1";
const PURGE_LOGIN_FAILURES: &str = "delete from login_failures
     where updated_at <= $1 and (locked_until is null or locked_until <= $2)";

#[async_trait]
impl<S: SqlBackend> LoginFailureStore for S {
    async fn login_locked_until(&self, key: &str) -> StoreResult<Option<OffsetDateTime>> {
        let until: Option<Option<OffsetDateTime>> =
            with_pool!(self, pool => sqlx::query_scalar("select locked_until from login_failures where key = $1")
                .bind(key)
                .fetch_optional(pool)
                .await)
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
        let admitted: Option<i32> = with_pool!(self, pool => sqlx::query_scalar(
            ADMIT_LOGIN_ATTEMPT,
        )
        .bind(key)
        .bind(Ts(now))
        .bind(Ts(window_start))
        .bind(Ts(stale_before))
        .bind(count_param(threshold))
        .fetch_optional(pool)
        .await)
        .map_err(classify)?;
        if admitted.is_some() {
            return Ok(Admission::Admitted);
        }
        let locked: Option<bool> = with_pool!(self, pool => sqlx::query_scalar(
            LOGIN_LOCKED_AT,
        )
        .bind(key)
        .bind(Ts(now))
        .fetch_optional(pool)
        .await)
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
        let failures: i32 = with_pool!(self, pool => sqlx::query_scalar(
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
        .bind(Ts(now))
        .bind(count_param(threshold))
        .bind(Ts(hold_until))
        .fetch_one(pool)
        .await)
        .map_err(classify)?;
        Ok(u32::try_from(failures).unwrap_or(0))
    }

    async fn lock_login(&self, key: &str, count: u32, until: OffsetDateTime) -> StoreResult<()> {
        with_pool!(self, pool => sqlx::query("update login_failures set locked_until = $3 where key = $1 and failures = $2")
            .bind(key)
            .bind(count_param(count))
            .bind(Ts(until))
            .execute(pool)
            .await
            .map(|_| ()))
        .map_err(classify)
    }

    async fn record_login_success(&self, key: &str, now: OffsetDateTime) -> StoreResult<()> {
        with_pool!(self, pool => sqlx::query(
            "update login_failures
             set failures = 0, locked_until = null, last_failure_at = null, updated_at = $2,
                 in_flight = case when in_flight > 0 then in_flight - 1 else 0 end
             where key = $1",
        )
        .bind(key)
        .bind(Ts(now))
        .execute(pool)
        .await
        .map(|_| ()))
        .map_err(classify)
    }

    async fn release_login_attempt(&self, key: &str) -> StoreResult<()> {
        with_pool!(self, pool => sqlx::query(
            "update login_failures
             set in_flight = case when in_flight > 0 then in_flight - 1 else 0 end
             where key = $1",
        )
        .bind(key)
        .execute(pool)
        .await
        .map(|_| ()))
        .map_err(classify)
    }

    async fn purge_login_failures(
        &self,
        before: OffsetDateTime,
        now: OffsetDateTime,
    ) -> StoreResult<u64> {
        with_pool!(self, pool => sqlx::query(PURGE_LOGIN_FAILURES)
            .bind(Ts(before))
            .bind(Ts(now))
            .execute(pool)
            .await
            .map(|done| done.rows_affected()))
        .map_err(classify)
    }
}

/// A count as the `integer` column takes it.
fn count_param(count: u32) -> i32 {
    i32::try_from(count).unwrap_or(i32::MAX)
}
