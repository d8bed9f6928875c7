//! `ClientStore`, once for both databases.

use async_trait::async_trait;

use super::error::{classify, classify_conflict};
use super::pool::{SqlBackend, dialect, with_pool};
use super::rows::{ClientRow, kind_name, string_list};
use super::timestamp::Ts;
use super::{ClientStore, Conflict, StoreResult};
use crate::domain::{Client, ClientId, NewClient};

#[async_trait]
impl<S: SqlBackend> ClientStore for S {
    async fn create_client(&self, client: NewClient) -> StoreResult<Client> {
        let row = with_pool!(self, pool => sqlx::query_as::<_, ClientRow>(
            "insert into clients (id, name, secret_hash, kind, first_party, redirect_uris,
                 post_logout_redirect_uris, grant_types, scopes, audience, access_token_alg,
                 id_token_alg, access_token_ttl_seconds, created_at, updated_at, web_origins)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15)
             returning *",
        )
        .bind(client.id.as_str())
        .bind(&client.name)
        .bind(&client.secret_hash)
        .bind(kind_name(client.kind))
        .bind(client.first_party)
        .bind(string_list(&client.redirect_uris, |u| u.as_str()))
        .bind(string_list(&client.post_logout_redirect_uris, |u| {
            u.as_str()
        }))
        .bind(string_list(&client.grant_types, |g| g.as_str()))
        .bind(string_list(&client.scopes, |s| s.as_str()))
        .bind(&client.audience)
        .bind(client.access_token_alg.as_str())
        .bind(client.id_token_alg.as_str())
        .bind(client.access_token_ttl_seconds.map(i64::from))
        .bind(Ts(client.created_at))
        .bind(string_list(&client.web_origins, |o| o.as_str()))
        .fetch_one(pool)
        .await)
        .map_err(|e| classify_conflict(e, Conflict::ClientId))?;
        row.into_client()
    }

    async fn find_client(&self, id: &ClientId) -> StoreResult<Option<Client>> {
        with_pool!(self, pool => sqlx::query_as::<_, ClientRow>("select * from clients where id = $1")
            .bind(id.as_str())
            .fetch_optional(pool)
            .await)
        .map_err(classify)?
        .map(ClientRow::into_client)
        .transpose()
    }

    async fn list_clients(&self) -> StoreResult<Vec<Client>> {
        with_pool!(self, pool => sqlx::query_as::<_, ClientRow>("select * from clients order by created_at, id")
            .fetch_all(pool)
            .await)
        .map_err(classify)?
        .into_iter()
        .map(ClientRow::into_client)
        .collect()
    }

    async fn is_web_origin(&self, origin: &str) -> StoreResult<bool> {
        with_pool!(self, pool => sqlx::query_scalar(dialect!(self, IS_WEB_ORIGIN))
            .bind(origin)
            .fetch_one(pool)
            .await)
        .map_err(classify)
    }
}
