//! `RoleStore` on SQLite.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::SqliteStore;
use crate::domain::{RoleName, UserId};
use crate::store::error::classify;
use crate::store::{RoleStore, StoreError, StoreResult};

#[async_trait]
impl RoleStore for SqliteStore {
    async fn assign_role(
        &self,
        user: UserId,
        role: &RoleName,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let mut tx = self
            .pool
            .begin_with("begin immediate")
            .await
            .map_err(classify)?;
        let exists: Option<i32> = sqlx::query_scalar("select 1 from users where id = $1")
            .bind(user.as_uuid())
            .fetch_optional(&mut *tx)
            .await
            .map_err(classify)?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        sqlx::query(
            "insert into roles (name, created_at) values ($1, $2) on conflict (name) do nothing",
        )
        .bind(role.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(classify)?;
        sqlx::query(
            "insert into user_roles (user_id, role_name, created_at) values ($1, $2, $3)
             on conflict do nothing",
        )
        .bind(user.as_uuid())
        .bind(role.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(classify)?;
        tx.commit().await.map_err(classify)
    }

    async fn unassign_role(&self, user: UserId, role: &RoleName) -> StoreResult<()> {
        let result = sqlx::query("delete from user_roles where user_id = $1 and role_name = $2")
            .bind(user.as_uuid())
            .bind(role.as_str())
            .execute(&self.pool)
            .await
            .map_err(classify)?;
        if result.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn list_roles(&self) -> StoreResult<Vec<RoleName>> {
        let names: Vec<String> = sqlx::query_scalar("select name from roles order by name")
            .fetch_all(&self.pool)
            .await
            .map_err(classify)?;
        names
            .iter()
            .map(|name| RoleName::parse(name).map_err(|e| StoreError::Corrupt(e.to_string())))
            .collect()
    }
}
