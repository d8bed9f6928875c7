//! Sign-in counters per key, behind the temporary lockout.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::StoreResult;
use super::pool::{SqlStore, execute, fetch, scalar};
use super::timestamp::Ts;
use crate::domain::Admission;

/// A counter of wrong guesses as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LoginCounter {
    pub key: String,
    pub failures: i32,
    pub last_failure_at: Option<OffsetDateTime>,
    pub locked_until: Option<OffsetDateTime>,
}

/// Password guesses per key ("account:<email>", "address:<ip>"), behind the temporary lockout.
/// An attempt is admitted *before* its password is checked: failures and attempts still in
/// flight together never exceed the threshold, so a burst of parallel guesses cannot get more
/// checks than the threshold allows, and a right password leaves no failure behind.
#[async_trait]
pub trait LoginFailureStore: Send + Sync {
    async fn login_locked_until(&self, key: &str) -> StoreResult<Option<OffsetDateTime>>;
    /// The counter under `key` as stored, for a person's export of their data.
    async fn login_counter(&self, key: &str) -> StoreResult<Option<LoginCounter>>;
    /// Admits an attempt on `key`, in one atomic statement: refused while locked, or while the
    /// failures plus the attempts in flight reach `threshold` (after a lockout has run out, one
    /// attempt at a time). Failures are forgotten when the last one is older than
    /// `window_start`, and attempts in flight when the key was last touched before
    /// `stale_before` (their requests ended without deciding).
    async fn admit_login_attempt(
        &self,
        key: &str,
        now: OffsetDateTime,
        window_start: OffsetDateTime,
        stale_before: OffsetDateTime,
        threshold: u32,
    ) -> StoreResult<Admission>;
    /// Decides an admitted attempt as failed and returns the failure count; the attempt that
    /// reaches `threshold` locks the key until `hold_until` in the same statement, so nothing
    /// is admitted before the caller sets the exact lockout with [`lock_login`].
    ///
    /// [`lock_login`]: LoginFailureStore::lock_login
    async fn record_login_failure(
        &self,
        key: &str,
        now: OffsetDateTime,
        threshold: u32,
        hold_until: OffsetDateTime,
    ) -> StoreResult<u32>;
    /// Sets the lockout that failure number `count` earned (nothing if the count has moved on).
    async fn lock_login(&self, key: &str, count: u32, until: OffsetDateTime) -> StoreResult<()>;
    /// Decides an admitted attempt as a success: the failures are forgotten and the lock lifted.
    async fn record_login_success(&self, key: &str, now: OffsetDateTime) -> StoreResult<()>;
    /// Ends an admitted attempt without deciding it (its password was not checked, or it was
    /// right and this key does not forgive failures, like a source address).
    async fn release_login_attempt(&self, key: &str) -> StoreResult<()>;
    /// Forgets counters last touched before `before` whose lockout (if any) is over.
    async fn purge_login_failures(
        &self,
        before: OffsetDateTime,
        now: OffsetDateTime,
    ) -> StoreResult<u64>;
}

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

/// Decides an attempt as failed (see `LoginFailureStore::record_login_failure`): one upsert.
const RECORD_LOGIN_FAILURE: &str = "insert into login_failures
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
     returning failures";

#[async_trait]
impl LoginFailureStore for SqlStore {
    async fn login_counter(&self, key: &str) -> StoreResult<Option<LoginCounter>> {
        let sql = "select key, failures, last_failure_at, locked_until from login_failures
             where key = $1";
        Ok(fetch!(self, fetch_optional, LoginCounter, sql, key)?)
    }

    async fn login_locked_until(&self, key: &str) -> StoreResult<Option<OffsetDateTime>> {
        let sql = "select locked_until from login_failures where key = $1";
        let until = scalar!(self, fetch_optional, Option<OffsetDateTime>, sql, key)?;
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
        let admitted = scalar!(
            self,
            fetch_optional,
            i32,
            ADMIT_LOGIN_ATTEMPT,
            key,
            Ts(now),
            Ts(window_start),
            Ts(stale_before),
            count_param(threshold),
        )?;
        if admitted.is_some() {
            return Ok(Admission::Admitted);
        }
        let locked = scalar!(self, fetch_optional, bool, LOGIN_LOCKED_AT, key, Ts(now))?;
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
        let failures = scalar!(
            self,
            fetch_one,
            i32,
            RECORD_LOGIN_FAILURE,
            key,
            Ts(now),
            count_param(threshold),
            Ts(hold_until),
        )?;
        Ok(u32::try_from(failures).unwrap_or(0))
    }

    async fn lock_login(&self, key: &str, count: u32, until: OffsetDateTime) -> StoreResult<()> {
        let sql = "update login_failures set locked_until = $3 where key = $1 and failures = $2";
        execute!(self, sql, key, count_param(count), Ts(until))?;
        Ok(())
    }

    async fn record_login_success(&self, key: &str, now: OffsetDateTime) -> StoreResult<()> {
        let sql = "update login_failures
             set failures = 0, locked_until = null, last_failure_at = null, updated_at = $2,
                 in_flight = case when in_flight > 0 then in_flight - 1 else 0 end
             where key = $1";
        execute!(self, sql, key, Ts(now))?;
        Ok(())
    }

    async fn release_login_attempt(&self, key: &str) -> StoreResult<()> {
        let sql = "update login_failures
             set in_flight = case when in_flight > 0 then in_flight - 1 else 0 end
             where key = $1";
        execute!(self, sql, key)?;
        Ok(())
    }

    async fn purge_login_failures(
        &self,
        before: OffsetDateTime,
        now: OffsetDateTime,
    ) -> StoreResult<u64> {
        Ok(execute!(self, PURGE_LOGIN_FAILURES, Ts(before), Ts(now))?)
    }
}

/// A count as the `integer` column takes it.
fn count_param(count: u32) -> i32 {
    i32::try_from(count).unwrap_or(i32::MAX)
}
