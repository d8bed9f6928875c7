//! `ConsentStore` on PostgreSQL.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::PostgresStore;
use crate::domain::{ClientId, UserId};
use crate::store::error::classify;
use crate::store::{ConsentStore, StoreResult};

#[async_trait]
impl ConsentStore for PostgresStore {
    async fn find_consent(&self, user: UserId, client: &ClientId) -> StoreResult<Option<String>> {
        sqlx::query_scalar("select scope from consents where user_id = $1 and client_id = $2")
            .bind(user.as_uuid())
            .bind(client.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(classify)
    }

    async fn save_consent(
        &self,
        user: UserId,
        client: &ClientId,
        scope: &str,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        sqlx::query(
            "insert into consents (user_id, client_id, scope, granted_at) values ($1, $2, $3, $4)
             on conflict (user_id, client_id) do update set scope = excluded.scope, granted_at = excluded.granted_at",
        )
        .bind(user.as_uuid())
        .bind(client.as_str())
        .bind(scope)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(classify)?;
        Ok(())
    }
}
