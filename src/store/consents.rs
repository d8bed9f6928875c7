//! Consent a user gave a client, remembered so they are not asked again for the same scopes.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::StoreResult;
use super::audit::insert_audit;
use super::pool::{BeginWrite as _, SqlStore, execute, fetch, scalar, with_pool};
use super::rows::ConnectedAppRow;
use super::timestamp::Ts;
use crate::domain::audit::AuditEvent;
use crate::domain::{ClientId, SignOut, UserId};

/// An application a user has let in: a consent remembered, or grants still live, or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectedApp {
    pub client_id: ClientId,
    pub client_name: String,
    /// The scopes consented to, if a consent is remembered (first-party apps ask none).
    pub consented_scope: Option<String>,
    pub consented_at: Option<OffsetDateTime>,
    /// Grants (refresh-token families) of the app for the user that still work.
    pub live_grants: i64,
}

#[async_trait]
pub trait ConsentStore: Send + Sync {
    async fn find_consent(&self, user: UserId, client: &ClientId) -> StoreResult<Option<String>>;
    async fn save_consent(
        &self,
        user: UserId,
        client: &ClientId,
        scope: &str,
        now: OffsetDateTime,
        event: &AuditEvent,
    ) -> StoreResult<()>;
    /// The applications the user has let in, by name: each with a remembered consent or a
    /// grant live at `now`.
    async fn connected_apps(
        &self,
        user: UserId,
        now: OffsetDateTime,
    ) -> StoreResult<Vec<ConnectedApp>>;
    /// Forgets the user's consent to `client`, revokes every grant of theirs it holds and deletes
    /// its unredeemed codes, in one transaction; `None` when there was neither consent nor grant.
    async fn disconnect_app(
        &self,
        user: UserId,
        client: &ClientId,
        now: OffsetDateTime,
        event: &AuditEvent,
    ) -> StoreResult<Option<SignOut>>;
}

/// The clients user `$1` consented to or holds a grant live at `$2` from, with the consent and
/// the live grants' count.
const CONNECTED_APPS: &str = "select c.id, c.name, k.scope, k.granted_at,
         (select count(*) from grants g where g.user_id = $1 and g.client_id = c.id
              and g.revoked_at is null and g.expires_at > $2) as live_grants
     from clients c left join consents k on k.client_id = c.id and k.user_id = $1
     where k.user_id is not null
        or exists (select 1 from grants g where g.user_id = $1 and g.client_id = c.id
                       and g.revoked_at is null and g.expires_at > $2)
     order by c.name, c.id";

#[async_trait]
impl ConsentStore for SqlStore {
    async fn find_consent(&self, user: UserId, client: &ClientId) -> StoreResult<Option<String>> {
        let sql = "select scope from consents where user_id = $1 and client_id = $2";
        Ok(scalar!(
            self,
            fetch_optional,
            String,
            sql,
            user.as_uuid(),
            client.as_str()
        )?)
    }

    async fn save_consent(
        &self,
        user: UserId,
        client: &ClientId,
        scope: &str,
        now: OffsetDateTime,
        event: &AuditEvent,
    ) -> StoreResult<()> {
        let sql = "insert into consents (user_id, client_id, scope, granted_at)
             values ($1, $2, $3, $4)
             on conflict (user_id, client_id)
             do update set scope = excluded.scope, granted_at = excluded.granted_at";
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            execute!(in &mut *tx, sql, user.as_uuid(), client.as_str(), scope, Ts(now))?;
            insert_audit!(self, tx, event);
            tx.commit().await?;
        });
        Ok(())
    }

    async fn connected_apps(
        &self,
        user: UserId,
        now: OffsetDateTime,
    ) -> StoreResult<Vec<ConnectedApp>> {
        let rows = fetch!(
            self,
            fetch_all,
            ConnectedAppRow,
            CONNECTED_APPS,
            user.as_uuid(),
            Ts(now)
        )?;
        rows.into_iter()
            .map(ConnectedAppRow::into_connected_app)
            .collect()
    }

    async fn disconnect_app(
        &self,
        user: UserId,
        client: &ClientId,
        now: OffsetDateTime,
        event: &AuditEvent,
    ) -> StoreResult<Option<SignOut>> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let forgotten = execute!(
                in &mut *tx,
                "delete from consents where user_id = $1 and client_id = $2",
                user.as_uuid(), client.as_str(),
            )?;
            let revoked_grants = scalar!(
                in &mut *tx, fetch_all, uuid::Uuid,
                "update grants set revoked_at = $3
                 where user_id = $1 and client_id = $2 and revoked_at is null returning id",
                user.as_uuid(), client.as_str(), Ts(now),
            )?;
            // A code issued just before would otherwise bring a new grant after this.
            execute!(
                in &mut *tx,
                "delete from authorization_codes where user_id = $1 and client_id = $2",
                user.as_uuid(), client.as_str(),
            )?;
            insert_audit!(self, tx, event);
            tx.commit().await?;
            Ok((forgotten > 0 || !revoked_grants.is_empty()).then_some(SignOut {
                revoked_grants,
                ended_sessions: 0,
            }))
        })
    }
}
