//! `BrowserSessionStore` on PostgreSQL.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::PostgresStore;
use crate::domain::TokenHash;
use crate::store::error::classify;
use crate::store::{BrowserSessionStore, StoreResult};

#[async_trait]
impl BrowserSessionStore for PostgresStore {
    async fn create_browser_session(
        &self,
        id: &TokenHash,
        data: &str,
        expires_at: OffsetDateTime,
    ) -> StoreResult<bool> {
        let result = sqlx::query(
            "insert into browser_sessions (id_hash, data, expires_at) values ($1, $2, $3)
             on conflict (id_hash) do nothing",
        )
        .bind(id.as_str())
        .bind(data)
        .bind(expires_at)
        .execute(&self.pool)
        .await
        .map_err(classify)?;
        Ok(result.rows_affected() == 1)
    }

    async fn save_browser_session(
        &self,
        id: &TokenHash,
        data: &str,
        expires_at: OffsetDateTime,
    ) -> StoreResult<()> {
        sqlx::query(
            "insert into browser_sessions (id_hash, data, expires_at) values ($1, $2, $3)
             on conflict (id_hash) do update set data = excluded.data, expires_at = excluded.expires_at",
        )
        .bind(id.as_str())
        .bind(data)
        .bind(expires_at)
        .execute(&self.pool)
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn load_browser_session(
        &self,
        id: &TokenHash,
    ) -> StoreResult<Option<(String, OffsetDateTime)>> {
        sqlx::query_as("select data, expires_at from browser_sessions where id_hash = $1")
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(classify)
    }

    async fn delete_browser_session(&self, id: &TokenHash) -> StoreResult<()> {
        sqlx::query("delete from browser_sessions where id_hash = $1")
            .bind(id.as_str())
            .execute(&self.pool)
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn purge_expired_browser_sessions(&self, now: OffsetDateTime) -> StoreResult<u64> {
        let result = sqlx::query("delete from browser_sessions where expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(classify)?;
        Ok(result.rows_affected())
    }
}
