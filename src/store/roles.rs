//! Roles and their assignment to users.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::pool::{BeginWrite as _, SqlStore, dialect, execute, scalar, with_pool};
use super::rows::parse_all;
use super::timestamp::Ts;
use super::users::{INSERT_ROLE, INSERT_USER_ROLE};
use super::{StoreError, StoreResult};
use crate::domain::{RoleName, UserId};

#[async_trait]
pub trait RoleStore: Send + Sync {
    /// Gives a user a role, creating the role if needed; assigning twice is not an error.
    /// `NotFound` if the user does not exist.
    async fn assign_role(
        &self,
        user: UserId,
        role: &RoleName,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Takes a role away; `NotFound` if the user did not have it.
    async fn unassign_role(&self, user: UserId, role: &RoleName) -> StoreResult<()>;
    async fn list_roles(&self) -> StoreResult<Vec<RoleName>>;
}

#[async_trait]
impl RoleStore for SqlStore {
    async fn assign_role(
        &self,
        user: UserId,
        role: &RoleName,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let exists = dialect!(self, USER_EXISTS_FOR_WRITE);
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if scalar!(in &mut *tx, fetch_optional, i32, exists, user.as_uuid())?.is_none() {
                return Err(StoreError::NotFound);
            }
            execute!(in &mut *tx, INSERT_ROLE, role.as_str(), Ts(now))?;
            execute!(in &mut *tx, INSERT_USER_ROLE, user.as_uuid(), role.as_str(), Ts(now))?;
            tx.commit().await?;
        });
        Ok(())
    }

    async fn unassign_role(&self, user: UserId, role: &RoleName) -> StoreResult<()> {
        let sql = "delete from user_roles where user_id = $1 and role_name = $2";
        match execute!(self, sql, user.as_uuid(), role.as_str())? {
            0 => Err(StoreError::NotFound),
            _ => Ok(()),
        }
    }

    async fn list_roles(&self) -> StoreResult<Vec<RoleName>> {
        let sql = "select name from roles order by name";
        let names = scalar!(self, fetch_all, String, sql)?;
        parse_all(names.iter().map(String::as_str), RoleName::parse)
    }
}
