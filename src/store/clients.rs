//! Registered OAuth clients.

use async_trait::async_trait;

use super::error::classify_conflict;
use super::pool::{SqlStore, dialect, fetch, scalar};
use super::rows::{ClientRow, kind_name, string_list};
use super::timestamp::Ts;
use super::{Conflict, StoreResult};
use crate::domain::{Client, ClientId, NewClient};

#[async_trait]
pub trait ClientStore: Send + Sync {
    /// `Conflict::ClientId` if the id is taken.
    async fn create_client(&self, client: NewClient) -> StoreResult<Client>;
    async fn find_client(&self, id: &ClientId) -> StoreResult<Option<Client>>;
    async fn list_clients(&self) -> StoreResult<Vec<Client>>;
    /// Whether some client lists `origin` among its web origins (answers CORS preflights, which
    /// carry no client id).
    async fn is_web_origin(&self, origin: &str) -> StoreResult<bool>;
}

#[async_trait]
impl ClientStore for SqlStore {
    async fn create_client(&self, client: NewClient) -> StoreResult<Client> {
        let row = fetch!(
            self,
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
        row.into_client()
    }

    async fn find_client(&self, id: &ClientId) -> StoreResult<Option<Client>> {
        let sql = "select * from clients where id = $1";
        let row = fetch!(self, fetch_optional, ClientRow, sql, id.as_str())?;
        row.map(ClientRow::into_client).transpose()
    }

    async fn list_clients(&self) -> StoreResult<Vec<Client>> {
        let sql = "select * from clients order by created_at, id";
        let rows = fetch!(self, fetch_all, ClientRow, sql)?;
        rows.into_iter().map(ClientRow::into_client).collect()
    }

    async fn is_web_origin(&self, origin: &str) -> StoreResult<bool> {
        let sql = dialect!(self, IS_WEB_ORIGIN);
        Ok(scalar!(self, fetch_one, bool, sql, origin)?)
    }
}
