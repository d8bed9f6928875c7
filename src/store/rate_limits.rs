//! Rate-limit counters shared by every instance (fixed windows, one row per key).

use async_trait::async_trait;
use time::OffsetDateTime;

use super::StoreResult;
use super::pool::{SqlStore, execute, fetch};
use super::timestamp::Ts;

/// A key's window after a hit: how many hits it holds, and when it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowCount {
    pub hits: u32,
    pub window_start: OffsetDateTime,
}

#[async_trait]
pub trait RateLimitStore: Send + Sync {
    /// Counts one hit on `key` in one atomic statement and returns the window it landed in: a
    /// window that started at or before `expired_at` is replaced by a new one starting `now`.
    /// Parallel hits on one key (from any instance) serialise on its row, so each sees the
    /// count the one before it left.
    async fn hit_rate_limit(
        &self,
        key: &str,
        now: OffsetDateTime,
        expired_at: OffsetDateTime,
    ) -> StoreResult<WindowCount>;
    /// Forgets the windows that started at or before `before`.
    async fn purge_rate_limits(&self, before: OffsetDateTime) -> StoreResult<u64>;
}

const HIT: &str = "insert into rate_limit_counters (key, window_start, hits) values ($1, $2, 1)
     on conflict (key) do update set
         hits = case when rate_limit_counters.window_start <= $3 then 1
                     else rate_limit_counters.hits + 1 end,
         window_start = case when rate_limit_counters.window_start <= $3 then $2
                             else rate_limit_counters.window_start end
     returning hits, window_start";

#[derive(sqlx::FromRow)]
struct CountRow {
    hits: i32,
    window_start: OffsetDateTime,
}

#[async_trait]
impl RateLimitStore for SqlStore {
    async fn hit_rate_limit(
        &self,
        key: &str,
        now: OffsetDateTime,
        expired_at: OffsetDateTime,
    ) -> StoreResult<WindowCount> {
        let row = fetch!(self, fetch_one, CountRow, HIT, key, Ts(now), Ts(expired_at))?;
        Ok(WindowCount {
            hits: u32::try_from(row.hits).unwrap_or(0),
            window_start: row.window_start,
        })
    }

    async fn purge_rate_limits(&self, before: OffsetDateTime) -> StoreResult<u64> {
        let sql = "delete from rate_limit_counters where window_start <= $1";
        Ok(execute!(self, sql, Ts(before))?)
    }
}
