//! Consent a user gave a client, remembered so they are not asked again for the same scopes.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::StoreResult;
use super::pool::{SqlStore, execute, scalar};
use super::timestamp::Ts;
use crate::domain::{ClientId, UserId};

#[async_trait]
pub trait ConsentStore: Send + Sync {
    async fn find_consent(&self, user: UserId, client: &ClientId) -> StoreResult<Option<String>>;
    async fn save_consent(
        &self,
        user: UserId,
        client: &ClientId,
        scope: &str,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
}

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
    ) -> StoreResult<()> {
        let sql = "insert into consents (user_id, client_id, scope, granted_at)
             values ($1, $2, $3, $4)
             on conflict (user_id, client_id)
             do update set scope = excluded.scope, granted_at = excluded.granted_at";
        execute!(self, sql, user.as_uuid(), client.as_str(), scope, Ts(now))?;
        Ok(())
    }
}
