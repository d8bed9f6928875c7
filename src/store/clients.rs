//! Registered OAuth clients.

use async_trait::async_trait;

use time::OffsetDateTime;

use super::audit::insert_audit;
use super::error::classify_conflict;
use super::pool::{BeginWrite as _, SqlStore, dialect, execute, fetch, scalar, with_pool};
use super::rows::{ClientRow, kind_name, string_list};
use super::timestamp::Ts;
use super::{Conflict, StoreError, StoreResult};
use crate::domain::audit::AuditEvent;
use crate::domain::{Client, ClientId, NewClient, RoleName};

#[async_trait]
pub trait ClientStore: Send + Sync {
    /// `Conflict::ClientId` if the id is taken.
    async fn create_client(&self, client: NewClient, event: &AuditEvent) -> StoreResult<Client>;
    async fn find_client(&self, id: &ClientId) -> StoreResult<Option<Client>>;
    async fn list_clients(&self) -> StoreResult<Vec<Client>>;
    /// Whether some client lists `origin` among its web origins (answers CORS preflights, which
    /// carry no client id).
    async fn is_web_origin(&self, origin: &str) -> StoreResult<bool>;
    /// Replaces what an administrator may change of a client (everything but its id, kind,
    /// secret and creation time, taken from `client`) if it is still at `expected_version`.
    /// `NotFound`, or `Conflict::Version` for a stale version.
    async fn update_client(
        &self,
        client: &NewClient,
        expected_version: i64,
        now: OffsetDateTime,
        event: &AuditEvent,
    ) -> StoreResult<Client>;
    /// Sets a new secret hash (the old secret stops working at once), with the version check
    /// when `expected_version` is given.
    async fn replace_client_secret(
        &self,
        id: &ClientId,
        secret_hash: &str,
        expected_version: Option<i64>,
        now: OffsetDateTime,
        event: &AuditEvent,
    ) -> StoreResult<Client>;
    /// Deletes a client with its grants, codes and consents, with the version check when
    /// `expected_version` is given; answers the grants that were live (their access tokens must
    /// stop working).
    async fn delete_client(
        &self,
        id: &ClientId,
        expected_version: Option<i64>,
        now: OffsetDateTime,
        event: &AuditEvent,
    ) -> StoreResult<Vec<uuid::Uuid>>;
    /// Replaces the roles the client holds as a service account (`roles` without duplicates).
    /// `Conflict::UnknownRole` when a role does not exist.
    async fn replace_client_roles(
        &self,
        id: &ClientId,
        roles: &[RoleName],
        expected_version: i64,
        now: OffsetDateTime,
        event: &AuditEvent,
    ) -> StoreResult<Client>;
}

/// `select_client!("where …")`: a client with its service roles, space-separated.
macro_rules! select_client {
    ($filter:literal) => {
        concat!(
            "select c.*,
                 (select string_agg(r.role_name, ' ' order by r.role_name)
                  from client_roles r where r.client_id = c.id) as service_roles
             from clients c ",
            $filter
        )
    };
}

/// `lock_client!(store, transaction, id, expected_version)`: locks the client's row and checks
/// its version (`None`: any).
macro_rules! lock_client {
    ($store:expr, $tx:expr, $id:expr, $expected:expr) => {{
        let lock = dialect!($store, CLIENT_VERSION_FOR_WRITE);
        match scalar!(in &mut *$tx, fetch_optional, i64, lock, $id)? {
            None => return Err(StoreError::NotFound),
            Some(version) if $expected.is_some_and(|expected: i64| expected != version) => {
                return Err(StoreError::Conflict(Conflict::Version));
            }
            Some(_) => {}
        }
    }};
}

#[async_trait]
impl ClientStore for SqlStore {
    async fn create_client(&self, client: NewClient, event: &AuditEvent) -> StoreResult<Client> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let row = fetch!(
                in &mut *tx,
                fetch_one,
                ClientRow,
                "insert into clients (id, name, secret_hash, kind, first_party, redirect_uris,
                     post_logout_redirect_uris, grant_types, scopes, audience, access_token_alg,
                     id_token_alg, access_token_ttl_seconds, created_at, updated_at, web_origins)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15)
                 returning *",
                client.id.as_str(),
                &client.name,
                &client.secret_hash,
                kind_name(client.kind),
                client.first_party,
                string_list(&client.redirect_uris, |u| u.as_str()),
                string_list(&client.post_logout_redirect_uris, |u| u.as_str()),
                string_list(&client.grant_types, |g| g.as_str()),
                string_list(&client.scopes, |s| s.as_str()),
                &client.audience,
                client.access_token_alg.as_str(),
                client.id_token_alg.as_str(),
                client.access_token_ttl_seconds.map(i64::from),
                Ts(client.created_at),
                string_list(&client.web_origins, |o| o.as_str()),
            )
            .map_err(|e| classify_conflict(e, Conflict::ClientId))?;
            insert_audit!(self, tx, event);
            tx.commit().await?;
            row.into_client()
        })
    }

    async fn find_client(&self, id: &ClientId) -> StoreResult<Option<Client>> {
        let sql = select_client!("where c.id = $1");
        let row = fetch!(self, fetch_optional, ClientRow, sql, id.as_str())?;
        row.map(ClientRow::into_client).transpose()
    }

    async fn list_clients(&self) -> StoreResult<Vec<Client>> {
        let sql = select_client!("order by c.created_at, c.id");
        let rows = fetch!(self, fetch_all, ClientRow, sql)?;
        rows.into_iter().map(ClientRow::into_client).collect()
    }

    async fn is_web_origin(&self, origin: &str) -> StoreResult<bool> {
        let sql = dialect!(self, IS_WEB_ORIGIN);
        Ok(scalar!(self, fetch_one, bool, sql, origin)?)
    }

    async fn update_client(
        &self,
        client: &NewClient,
        expected_version: i64,
        now: OffsetDateTime,
        event: &AuditEvent,
    ) -> StoreResult<Client> {
        let id = client.id.as_str();
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            lock_client!(self, tx, id, Some(expected_version));
            execute!(
                in &mut *tx,
                "update clients set name = $2, first_party = $3, redirect_uris = $4,
                     post_logout_redirect_uris = $5, grant_types = $6, scopes = $7, audience = $8,
                     access_token_alg = $9, id_token_alg = $10, access_token_ttl_seconds = $11,
                     web_origins = $12, updated_at = $13
                 where id = $1",
                id,
                &client.name,
                client.first_party,
                string_list(&client.redirect_uris, |u| u.as_str()),
                string_list(&client.post_logout_redirect_uris, |u| u.as_str()),
                string_list(&client.grant_types, |g| g.as_str()),
                string_list(&client.scopes, |s| s.as_str()),
                &client.audience,
                client.access_token_alg.as_str(),
                client.id_token_alg.as_str(),
                client.access_token_ttl_seconds.map(i64::from),
                string_list(&client.web_origins, |o| o.as_str()),
                Ts(now),
            )?;
            insert_audit!(self, tx, event);
            tx.commit().await?;
        });
        self.find_client(&client.id)
            .await?
            .ok_or(StoreError::NotFound)
    }

    async fn replace_client_secret(
        &self,
        id: &ClientId,
        secret_hash: &str,
        expected_version: Option<i64>,
        now: OffsetDateTime,
        event: &AuditEvent,
    ) -> StoreResult<Client> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            lock_client!(self, tx, id.as_str(), expected_version);
            execute!(
                in &mut *tx,
                "update clients set secret_hash = $2, updated_at = $3 where id = $1",
                id.as_str(), secret_hash, Ts(now),
            )?;
            insert_audit!(self, tx, event);
            tx.commit().await?;
        });
        self.find_client(id).await?.ok_or(StoreError::NotFound)
    }

    async fn delete_client(
        &self,
        id: &ClientId,
        expected_version: Option<i64>,
        now: OffsetDateTime,
        event: &AuditEvent,
    ) -> StoreResult<Vec<uuid::Uuid>> {
        let live = "select id from grants
             where client_id = $1 and revoked_at is null and expires_at > $2";
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            lock_client!(self, tx, id.as_str(), expected_version);
            let grants = scalar!(in &mut *tx, fetch_all, uuid::Uuid, live, id.as_str(), Ts(now))?;
            execute!(in &mut *tx, "delete from clients where id = $1", id.as_str())?;
            insert_audit!(self, tx, event);
            tx.commit().await?;
            Ok(grants)
        })
    }

    async fn replace_client_roles(
        &self,
        id: &ClientId,
        roles: &[RoleName],
        expected_version: i64,
        now: OffsetDateTime,
        event: &AuditEvent,
    ) -> StoreResult<Client> {
        let give = "insert into client_roles (client_id, role_name, created_at)
             select $1, name, $3 from roles where name = $2";
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            lock_client!(self, tx, id.as_str(), Some(expected_version));
            execute!(in &mut *tx, "delete from client_roles where client_id = $1", id.as_str())?;
            for role in roles {
                if execute!(in &mut *tx, give, id.as_str(), role.as_str(), Ts(now))? == 0 {
                    return Err(StoreError::Conflict(Conflict::UnknownRole));
                }
            }
            insert_audit!(self, tx, event);
            tx.commit().await?;
        });
        self.find_client(id).await?.ok_or(StoreError::NotFound)
    }
}
