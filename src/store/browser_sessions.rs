//! Server-side browser sessions (tower-sessions records), keyed by a hash of the session id.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::StoreResult;
use super::by_time;
use super::pool::{SqlStore, execute, fetch};
use super::timestamp::Ts;
use crate::domain::TokenHash;

#[async_trait]
pub trait BrowserSessionStore: Send + Sync {
    /// Inserts a new session; `false` if the id is taken (the caller picks another).
    async fn create_browser_session(
        &self,
        id: &TokenHash,
        data: &str,
        expires_at: OffsetDateTime,
    ) -> StoreResult<bool>;
    async fn save_browser_session(
        &self,
        id: &TokenHash,
        data: &str,
        expires_at: OffsetDateTime,
    ) -> StoreResult<()>;
    async fn load_browser_session(
        &self,
        id: &TokenHash,
    ) -> StoreResult<Option<(String, OffsetDateTime)>>;
    async fn delete_browser_session(&self, id: &TokenHash) -> StoreResult<()>;
    async fn purge_expired_browser_sessions(&self, now: OffsetDateTime) -> StoreResult<u64>;
}

#[async_trait]
impl BrowserSessionStore for SqlStore {
    async fn create_browser_session(
        &self,
        id: &TokenHash,
        data: &str,
        expires_at: OffsetDateTime,
    ) -> StoreResult<bool> {
        let sql = "insert into browser_sessions (id_hash, data, expires_at) values ($1, $2, $3)
             on conflict (id_hash) do nothing";
        Ok(execute!(self, sql, id.as_str(), data, Ts(expires_at))? == 1)
    }

    async fn save_browser_session(
        &self,
        id: &TokenHash,
        data: &str,
        expires_at: OffsetDateTime,
    ) -> StoreResult<()> {
        let sql = "insert into browser_sessions (id_hash, data, expires_at) values ($1, $2, $3)
             on conflict (id_hash)
             do update set data = excluded.data, expires_at = excluded.expires_at";
        execute!(self, sql, id.as_str(), data, Ts(expires_at))?;
        Ok(())
    }

    async fn load_browser_session(
        &self,
        id: &TokenHash,
    ) -> StoreResult<Option<(String, OffsetDateTime)>> {
        let sql = "select data, expires_at from browser_sessions where id_hash = $1";
        Ok(fetch!(
            self,
            fetch_optional,
            (String, OffsetDateTime),
            sql,
            id.as_str()
        )?)
    }

    async fn delete_browser_session(&self, id: &TokenHash) -> StoreResult<()> {
        execute!(
            self,
            "delete from browser_sessions where id_hash = $1",
            id.as_str()
        )?;
        Ok(())
    }

    async fn purge_expired_browser_sessions(&self, now: OffsetDateTime) -> StoreResult<u64> {
        Ok(execute!(
            self,
            by_time::PURGE_EXPIRED_BROWSER_SESSIONS,
            Ts(now)
        )?)
    }
}
