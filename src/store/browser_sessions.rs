//! Server-side browser sessions (tower-sessions records), keyed by a hash of the session id.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::StoreResult;
use super::audit::insert_audit;
use super::by_time;
use super::pool::{BeginWrite as _, SqlStore, execute, fetch, scalar, with_pool};
use super::timestamp::Ts;
use crate::domain::audit::AuditEvent;
use crate::domain::{SignOut, TokenHash, UserId};

/// Who is signed in to a session, and how: stored beside the session's data so that a person
/// can see and end their sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionOwner {
    pub user: UserId,
    /// The sign-in's id: the `sid` of its ID tokens and grants, and the handle to end it by.
    pub sid: String,
    pub signed_in_at: OffsetDateTime,
    /// The browser's description of itself (its `User-Agent`, shortened).
    pub device: Option<String>,
}

/// A live session of a user, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserBrowserSession {
    pub id: TokenHash,
    pub sid: Option<String>,
    pub signed_in_at: Option<OffsetDateTime>,
    pub device: Option<String>,
    /// When it ends unless it is used again.
    pub expires_at: OffsetDateTime,
}

#[async_trait]
pub trait BrowserSessionStore: Send + Sync {
    /// Inserts a new session, with who is signed in to it (if anyone); `false` if the id is taken
    /// (the caller picks another).
    async fn create_browser_session(
        &self,
        id: &TokenHash,
        data: &str,
        owner: Option<&SessionOwner>,
        expires_at: OffsetDateTime,
    ) -> StoreResult<bool>;
    /// Updates an existing session. A session that was ended meanwhile (signed out, its
    /// user's password reset) stays ended: a request still in flight cannot bring it back.
    async fn save_browser_session(
        &self,
        id: &TokenHash,
        data: &str,
        owner: Option<&SessionOwner>,
        expires_at: OffsetDateTime,
    ) -> StoreResult<()>;
    async fn load_browser_session(
        &self,
        id: &TokenHash,
    ) -> StoreResult<Option<(String, OffsetDateTime)>>;
    async fn delete_browser_session(&self, id: &TokenHash) -> StoreResult<()>;
    async fn purge_expired_browser_sessions(&self, now: OffsetDateTime) -> StoreResult<u64>;
    /// The user's sessions that have not expired at `now`.
    async fn user_browser_sessions(
        &self,
        user: UserId,
        now: OffsetDateTime,
    ) -> StoreResult<Vec<UserBrowserSession>>;
    /// Ends these sessions of `user` and, in the same transaction, revokes the grants signed in
    /// through them (the grants carrying their `sid`) and deletes their unredeemed authorization
    /// codes. Sessions of other users are left alone.
    async fn end_browser_sessions(
        &self,
        user: UserId,
        sessions: &[UserBrowserSession],
        now: OffsetDateTime,
        event: &AuditEvent,
    ) -> StoreResult<SignOut>;
}

#[async_trait]
impl BrowserSessionStore for SqlStore {
    async fn create_browser_session(
        &self,
        id: &TokenHash,
        data: &str,
        owner: Option<&SessionOwner>,
        expires_at: OffsetDateTime,
    ) -> StoreResult<bool> {
        let sql = "insert into browser_sessions
                 (id_hash, data, expires_at, user_id, sid, signed_in_at, device)
             values ($1, $2, $3, $4, $5, $6, $7) on conflict (id_hash) do nothing";
        let o = owner;
        let inserted = execute!(
            self,
            sql,
            id.as_str(),
            data,
            Ts(expires_at),
            o.map(|o| o.user.as_uuid()),
            o.map(|o| o.sid.as_str()),
            o.map(|o| Ts(o.signed_in_at)),
            o.and_then(|o| o.device.as_deref()),
        )?;
        Ok(inserted == 1)
    }

    async fn save_browser_session(
        &self,
        id: &TokenHash,
        data: &str,
        owner: Option<&SessionOwner>,
        expires_at: OffsetDateTime,
    ) -> StoreResult<()> {
        let sql = "update browser_sessions set data = $2, expires_at = $3,
                 user_id = $4, sid = $5, signed_in_at = $6, device = $7
             where id_hash = $1";
        let o = owner;
        execute!(
            self,
            sql,
            id.as_str(),
            data,
            Ts(expires_at),
            o.map(|o| o.user.as_uuid()),
            o.map(|o| o.sid.as_str()),
            o.map(|o| Ts(o.signed_in_at)),
            o.and_then(|o| o.device.as_deref()),
        )?;
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

    async fn user_browser_sessions(
        &self,
        user: UserId,
        now: OffsetDateTime,
    ) -> StoreResult<Vec<UserBrowserSession>> {
        let sql = "select id_hash, sid, signed_in_at, device, expires_at from browser_sessions
             where user_id = $1 and expires_at > $2 order by expires_at desc";
        type Row = (
            String,
            Option<String>,
            Option<OffsetDateTime>,
            Option<String>,
            OffsetDateTime,
        );
        let rows = fetch!(self, fetch_all, Row, sql, user.as_uuid(), Ts(now))?;
        Ok(rows
            .into_iter()
            .map(
                |(id, sid, signed_in_at, device, expires_at)| UserBrowserSession {
                    id: TokenHash::from_stored(id),
                    sid,
                    signed_in_at,
                    device,
                    expires_at,
                },
            )
            .collect())
    }

    async fn end_browser_sessions(
        &self,
        user: UserId,
        sessions: &[UserBrowserSession],
        now: OffsetDateTime,
        event: &AuditEvent,
    ) -> StoreResult<SignOut> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let mut done = SignOut::default();
            for session in sessions {
                done.ended_sessions += execute!(
                    in &mut *tx,
                    "delete from browser_sessions where id_hash = $1 and user_id = $2",
                    session.id.as_str(), user.as_uuid(),
                )?;
                if let Some(sid) = &session.sid {
                    done.revoked_grants.extend(scalar!(
                        in &mut *tx, fetch_all, uuid::Uuid,
                        "update grants set revoked_at = $3
                         where user_id = $1 and sid = $2 and revoked_at is null returning id",
                        user.as_uuid(), sid.as_str(), Ts(now),
                    )?);
                    execute!(
                        in &mut *tx,
                        "delete from authorization_codes where user_id = $1 and sid = $2",
                        user.as_uuid(), sid.as_str(),
                    )?;
                }
            }
            if done.ended_sessions > 0 {
                insert_audit!(self, tx, event);
            }
            tx.commit().await?;
            Ok(done)
        })
    }
}
