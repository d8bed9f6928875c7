//! `ConsentStore`, once for both databases.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::error::classify;
use super::pool::{SqlBackend, with_pool};
use super::timestamp::Ts;
use super::{ConsentStore, StoreResult};
use crate::domain::{ClientId, UserId};

#[async_trait]
impl<S: SqlBackend> ConsentStore for S {
    async fn find_consent(&self, user: UserId, client: &ClientId) -> StoreResult<Option<String>> {
        with_pool!(self, pool => sqlx::query_scalar(
            "select scope from consents where user_id = $1 and client_id = $2",
        )
        .bind(user.as_uuid())
        .bind(client.as_str())
        .fetch_optional(pool)
        .await)
        .map_err(classify)
    }

    async fn save_consent(
        &self,
        user: UserId,
        client: &ClientId,
        scope: &str,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        with_pool!(self, pool => sqlx::query(
            "insert into consents (user_id, client_id, scope, granted_at) values ($1, $2, $3, $4)
             on conflict (user_id, client_id)
             do update set scope = excluded.scope, granted_at = excluded.granted_at",
        )
        .bind(user.as_uuid())
        .bind(client.as_str())
        .bind(scope)
        .bind(Ts(now))
        .execute(pool)
        .await
        .map(|_| ()))
        .map_err(classify)
    }
}
