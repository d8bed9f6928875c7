//! `RoleStore`, once for both databases.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::error::classify;
use super::pool::{BeginWrite as _, SqlBackend, dialect, with_pool};
use super::timestamp::Ts;
use super::{RoleStore, StoreError, StoreResult};
use crate::domain::{RoleName, UserId};

#[async_trait]
impl<S: SqlBackend> RoleStore for S {
    async fn assign_role(
        &self,
        user: UserId,
        role: &RoleName,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await.map_err(classify)?;
            let exists: Option<i32> = sqlx::query_scalar(dialect!(self, USER_EXISTS_FOR_WRITE))
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
            .bind(Ts(now))
            .execute(&mut *tx)
            .await
            .map_err(classify)?;
            sqlx::query(
                "insert into user_roles (user_id, role_name, created_at) values ($1, $2, $3)
                 on conflict do nothing",
            )
            .bind(user.as_uuid())
            .bind(role.as_str())
            .bind(Ts(now))
            .execute(&mut *tx)
            .await
            .map_err(classify)?;
            tx.commit().await.map_err(classify)
        })
    }

    async fn unassign_role(&self, user: UserId, role: &RoleName) -> StoreResult<()> {
        let removed = with_pool!(self, pool => sqlx::query(
            "delete from user_roles where user_id = $1 and role_name = $2",
        )
        .bind(user.as_uuid())
        .bind(role.as_str())
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))
        .map_err(classify)?;
        if removed == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn list_roles(&self) -> StoreResult<Vec<RoleName>> {
        let names: Vec<String> = with_pool!(self, pool => sqlx::query_scalar(
            "select name from roles order by name",
        )
        .fetch_all(pool)
        .await)
        .map_err(classify)?;
        names
            .iter()
            .map(|name| RoleName::parse(name).map_err(|e| StoreError::Corrupt(e.to_string())))
            .collect()
    }
}
