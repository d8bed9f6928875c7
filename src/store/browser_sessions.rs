//! `BrowserSessionStore`, once for both databases.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::by_time;
use super::error::classify;
use super::pool::{SqlBackend, with_pool};
use super::timestamp::Ts;
use super::{BrowserSessionStore, StoreResult};
use crate::domain::TokenHash;

#[async_trait]
impl<S: SqlBackend> BrowserSessionStore for S {
    async fn create_browser_session(
        &self,
        id: &TokenHash,
        data: &str,
        expires_at: OffsetDateTime,
    ) -> StoreResult<bool> {
        let inserted = with_pool!(self, pool => sqlx::query(
            "insert into browser_sessions (id_hash, data, expires_at) values ($1, $2, $3)
             on conflict (id_hash) do nothing",
        )
        .bind(id.as_str())
        .bind(data)
        .bind(Ts(expires_at))
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))
        .map_err(classify)?;
        Ok(inserted == 1)
    }

    async fn save_browser_session(
        &self,
        id: &TokenHash,
        data: &str,
        expires_at: OffsetDateTime,
    ) -> StoreResult<()> {
        with_pool!(self, pool => sqlx::query(
            "insert into browser_sessions (id_hash, data, expires_at) values ($1, $2, $3)
             on conflict (id_hash)
             do update set data = excluded.data, expires_at = excluded.expires_at",
        )
        .bind(id.as_str())
        .bind(data)
        .bind(Ts(expires_at))
        .execute(pool)
        .await
        .map(|_| ()))
        .map_err(classify)
    }

    async fn load_browser_session(
        &self,
        id: &TokenHash,
    ) -> StoreResult<Option<(String, OffsetDateTime)>> {
        with_pool!(self, pool => sqlx::query_as(
            "select data, expires_at from browser_sessions where id_hash = $1",
        )
        .bind(id.as_str())
        .fetch_optional(pool)
        .await)
        .map_err(classify)
    }

    async fn delete_browser_session(&self, id: &TokenHash) -> StoreResult<()> {
        with_pool!(self, pool => sqlx::query("delete from browser_sessions where id_hash = $1")
            .bind(id.as_str())
            .execute(pool)
            .await
            .map(|_| ()))
        .map_err(classify)
    }

    async fn purge_expired_browser_sessions(&self, now: OffsetDateTime) -> StoreResult<u64> {
        with_pool!(self, pool => sqlx::query(by_time::PURGE_EXPIRED_BROWSER_SESSIONS)
            .bind(Ts(now))
            .execute(pool)
            .await
            .map(|done| done.rows_affected()))
        .map_err(classify)
    }
}
