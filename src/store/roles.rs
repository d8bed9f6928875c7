//! Roles, their permissions, and their assignment to users. The built-in roles' permissions are
//! the code's (`BuiltinRole`); only custom roles' are stored.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::audit::insert_audit;
use super::error::classify_conflict;
use super::pool::{BeginWrite as _, SqlStore, dialect, execute, fetch, scalar, with_pool};
use super::rows::{RoleRow, parse_all};
use super::timestamp::Ts;
use super::users::{INSERT_ROLE, INSERT_USER_ROLE};
use super::{Conflict, StoreError, StoreResult};
use crate::domain::audit::AuditEvent;
use crate::domain::{Permission, PermissionSet, Role, RoleName, UserId};

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
    /// Every role with its permissions, by name.
    async fn roles(&self) -> StoreResult<Vec<Role>>;
    async fn find_role(&self, name: &RoleName) -> StoreResult<Option<Role>>;
    /// `Conflict::RoleName` if a role of that name exists.
    async fn create_role(
        &self,
        name: &RoleName,
        description: &str,
        permissions: PermissionSet,
        now: OffsetDateTime,
        event: &AuditEvent,
    ) -> StoreResult<Role>;
    /// Replaces a custom role's description and permissions if it is still at
    /// `expected_version`: `Conflict::Version` if not, `NotFound` if there is no such custom role.
    async fn update_role(
        &self,
        name: &RoleName,
        description: &str,
        permissions: PermissionSet,
        expected_version: i64,
        event: &AuditEvent,
    ) -> StoreResult<Role>;
    /// Deletes a custom role (and its assignments) if it is still at `expected_version`.
    async fn delete_role(
        &self,
        name: &RoleName,
        expected_version: i64,
        event: &AuditEvent,
    ) -> StoreResult<()>;
    /// The permissions the roles give together, as stored now.
    async fn permissions_of(&self, roles: &[RoleName]) -> StoreResult<PermissionSet>;
}

/// `select_role!("where …")`: a role with its stored permissions, space-separated.
macro_rules! select_role {
    ($filter:literal) => {
        concat!(
            "select r.name, r.description, r.builtin, r.version, r.created_at,
                 (select string_agg(p.permission, ' ' order by p.permission)
                  from role_permissions p where p.role_name = r.name) as permissions
             from roles r ",
            $filter
        )
    };
}

const INSERT_PERMISSION: &str =
    "insert into role_permissions (role_name, permission) values ($1, $2)";

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

    async fn roles(&self) -> StoreResult<Vec<Role>> {
        let sql = select_role!("order by r.name");
        let rows = fetch!(self, fetch_all, RoleRow, sql)?;
        rows.into_iter().map(RoleRow::into_role).collect()
    }

    async fn find_role(&self, name: &RoleName) -> StoreResult<Option<Role>> {
        let sql = select_role!("where r.name = $1");
        let row = fetch!(self, fetch_optional, RoleRow, sql, name.as_str())?;
        row.map(RoleRow::into_role).transpose()
    }

    async fn create_role(
        &self,
        name: &RoleName,
        description: &str,
        permissions: PermissionSet,
        now: OffsetDateTime,
        event: &AuditEvent,
    ) -> StoreResult<Role> {
        let insert = "insert into roles (name, description, created_at) values ($1, $2, $3)";
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            execute!(in &mut *tx, insert, name.as_str(), description, Ts(now))
                .map_err(|e| classify_conflict(e, Conflict::RoleName))?;
            for permission in permissions.iter() {
                execute!(in &mut *tx, INSERT_PERMISSION, name.as_str(), permission.as_str())?;
            }
            insert_audit!(self, tx, event);
            tx.commit().await?;
        });
        self.find_role(name).await?.ok_or(StoreError::NotFound)
    }

    async fn update_role(
        &self,
        name: &RoleName,
        description: &str,
        permissions: PermissionSet,
        expected_version: i64,
        event: &AuditEvent,
    ) -> StoreResult<Role> {
        let lock = dialect!(self, CUSTOM_ROLE_VERSION_FOR_WRITE);
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            match scalar!(in &mut *tx, fetch_optional, i64, lock, name.as_str())? {
                None => return Err(StoreError::NotFound),
                Some(version) if version != expected_version => {
                    return Err(StoreError::Conflict(Conflict::Version));
                }
                Some(_) => {}
            }
            execute!(
                in &mut *tx, "update roles set description = $2 where name = $1",
                name.as_str(), description,
            )?;
            execute!(in &mut *tx, "delete from role_permissions where role_name = $1", name.as_str())?;
            for permission in permissions.iter() {
                execute!(in &mut *tx, INSERT_PERMISSION, name.as_str(), permission.as_str())?;
            }
            insert_audit!(self, tx, event);
            tx.commit().await?;
        });
        self.find_role(name).await?.ok_or(StoreError::NotFound)
    }

    async fn delete_role(
        &self,
        name: &RoleName,
        expected_version: i64,
        event: &AuditEvent,
    ) -> StoreResult<()> {
        let lock = dialect!(self, CUSTOM_ROLE_VERSION_FOR_WRITE);
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            match scalar!(in &mut *tx, fetch_optional, i64, lock, name.as_str())? {
                None => return Err(StoreError::NotFound),
                Some(version) if version != expected_version => {
                    return Err(StoreError::Conflict(Conflict::Version));
                }
                Some(_) => {}
            }
            execute!(in &mut *tx, "delete from roles where name = $1", name.as_str())?;
            insert_audit!(self, tx, event);
            tx.commit().await?;
        });
        Ok(())
    }

    async fn permissions_of(&self, roles: &[RoleName]) -> StoreResult<PermissionSet> {
        let mut set = PermissionSet::EMPTY;
        let mut custom = Vec::new();
        for role in roles {
            match role.builtin() {
                Some(builtin) => set = set.union(builtin.permissions()),
                None => custom.push(role.as_str()),
            }
        }
        if custom.is_empty() {
            return Ok(set);
        }
        let stored = with_pool!(self, pool => {
            let mut query = sqlx::QueryBuilder::new(
                "select distinct permission from role_permissions where role_name in (",
            );
            let mut names = query.separated(", ");
            for name in &custom {
                names.push_bind(*name);
            }
            query.push(")");
            query.build_query_scalar::<String>().fetch_all(pool).await?
        });
        // A permission this binary does not know (written by a newer one) gives nothing.
        Ok(stored
            .iter()
            .filter_map(|p| Permission::parse(p))
            .fold(set, PermissionSet::with))
    }
}
