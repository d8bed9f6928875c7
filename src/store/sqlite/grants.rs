//! `GrantStore` on SQLite.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::SqliteStore;
use crate::store::error::classify;
use crate::store::{GrantStore, StoreResult};

#[async_trait]
impl GrantStore for SqliteStore {
    async fn revoke_access_token(&self, jti: &str, expires_at: OffsetDateTime) -> StoreResult<()> {
        sqlx::query(
            "insert into revoked_access_tokens (jti, expires_at) values ($1, $2)
             on conflict (jti) do nothing",
        )
        .bind(jti)
        .bind(expires_at)
        .execute(&self.pool)
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn is_access_token_revoked(&self, jti: &str) -> StoreResult<bool> {
        let found: Option<i32> =
            sqlx::query_scalar("select 1 from revoked_access_tokens where jti = $1")
                .bind(jti)
                .fetch_optional(&self.pool)
                .await
                .map_err(classify)?;
        Ok(found.is_some())
    }

    async fn purge_expired_revocations(&self, now: OffsetDateTime) -> StoreResult<u64> {
        let result = sqlx::query("delete from revoked_access_tokens where unixepoch(expires_at, 'subsec') <= unixepoch($1, 'subsec')")
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(classify)?;
        Ok(result.rows_affected())
    }
}
