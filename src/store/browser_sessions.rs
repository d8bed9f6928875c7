//! Server-side browser sessions (tower-sessions records), keyed by a hash of the session id.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::StoreResult;
use super::by_time;
use super::pool::{SqlStore, execute, fetch};
use super::timestamp::Ts;
use crate::domain::{TokenHash, UserId};

#[async_trait]
pub trait BrowserSessionStore: Send + Sync {
    /// Inserts a new session of `user` (if signed in); `false` if the id is taken (the caller
    /// picks another).
    async fn create_browser_session(
        &self,
        id: &TokenHash,
        data: &str,
        user: Option<UserId>,
        expires_at: OffsetDateTime,
    ) -> StoreResult<bool>;
    /// Updates an existing session. A session that was ended meanwhile (signed out, its
    /// user's password reset) stays ended: a request still in flight cannot bring it back.
    async fn save_browser_session(
        &self,
        id: &TokenHash,
        data: &str,
        user: Option<UserId>,
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
        user: Option<UserId>,
        expires_at: OffsetDateTime,
    ) -> StoreResult<bool> {
        let sql = "insert into browser_sessions (id_hash, data, user_id, expires_at)
             values ($1, $2, $3, $4) on conflict (id_hash) do nothing";
        let user = user.map(|u| u.as_uuid());
        Ok(execute!(self, sql, id.as_str(), data, user, Ts(expires_at))? == 1)
    }

    async fn save_browser_session(
        &self,
        id: &TokenHash,
        data: &str,
        user: Option<UserId>,
        expires_at: OffsetDateTime,
    ) -> StoreResult<()> {
        let sql = "update browser_sessions set data = $2, user_id = $3, expires_at = $4
             where id_hash = $1";
        let user = user.map(|u| u.as_uuid());
        execute!(self, sql, id.as_str(), data, user, Ts(expires_at))?;
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
