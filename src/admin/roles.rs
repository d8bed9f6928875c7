//! Roles as administrators manage them: the built-in three (their permissions are the code's)
//! and custom roles, each a subset of the permission catalogue. Nobody makes or edits a role to
//! hold permissions they lack themselves.

use super::access::Caller;
use super::{Admin, AdminError};
use crate::domain::{FieldErrors, InvalidField, Permission, PermissionSet, Role, RoleName};

/// Longest description a role may have.
const MAX_DESCRIPTION_CHARS: usize = 500;

/// What a role should be, unparsed.
#[derive(Debug, Clone)]
pub struct RoleInput {
    pub description: String,
    pub permissions: Vec<String>,
}

impl Admin {
    pub async fn roles(&self, caller: &Caller) -> Result<Vec<Role>, AdminError> {
        caller.require(Permission::RolesRead)?;
        Ok(self.0.store.roles().await?)
    }

    pub async fn role(&self, caller: &Caller, name: &str) -> Result<Role, AdminError> {
        caller.require(Permission::RolesRead)?;
        let name = RoleName::parse(name).map_err(|_| AdminError::NotFound)?;
        self.0
            .store
            .find_role(&name)
            .await?
            .ok_or(AdminError::NotFound)
    }

    /// The permission catalogue (needs only `roles:read`).
    pub fn permission_catalogue(
        &self,
        caller: &Caller,
    ) -> Result<&'static [Permission], AdminError> {
        caller.require(Permission::RolesRead)?;
        Ok(&Permission::ALL)
    }

    pub async fn create_role(
        &self,
        caller: &Caller,
        name: &str,
        input: &RoleInput,
    ) -> Result<Role, AdminError> {
        caller.require(Permission::RolesWrite)?;
        let mut errors = FieldErrors::default();
        let name = errors.check(RoleName::parse(name).and_then(|name| match name.builtin() {
            Some(_) => Err(InvalidField::new("name", "is the name of a built-in role")),
            None => Ok(name),
        }));
        let (description, permissions) = parse_input(&mut errors, input);
        errors.finish().map_err(AdminError::Invalid)?;
        let (Some(name), Some(permissions)) = (name, permissions) else {
            return Err(AdminError::Invalid(Vec::new()));
        };
        caller.require_all(permissions)?;
        let role = self
            .0
            .store
            .create_role(
                &name,
                &description,
                permissions,
                self.0.clock.now(),
                &self
                    .event(caller, "role.created")
                    .subject(&name)
                    .details(permission_names(permissions)),
            )
            .await?;
        tracing::info!(role = %role.name, "role created");
        Ok(role)
    }

    /// Replaces a custom role's description and permissions. The caller must hold every
    /// permission the role has now and every one it will have.
    pub async fn update_role(
        &self,
        caller: &Caller,
        name: &str,
        input: &RoleInput,
        version: i64,
    ) -> Result<Role, AdminError> {
        caller.require(Permission::RolesWrite)?;
        let current = self.editable_role(caller, name).await?;
        let mut errors = FieldErrors::default();
        let (description, permissions) = parse_input(&mut errors, input);
        errors.finish().map_err(AdminError::Invalid)?;
        let Some(permissions) = permissions else {
            return Err(AdminError::Invalid(Vec::new()));
        };
        caller.require_all(permissions)?;
        let role = self
            .0
            .store
            .update_role(
                &current.name,
                &description,
                permissions,
                version,
                &self
                    .event(caller, "role.updated")
                    .subject(&current.name)
                    .details(permission_names(permissions)),
            )
            .await?;
        tracing::info!(role = %role.name, "role changed");
        Ok(role)
    }

    /// Deletes a custom role; whoever held it no longer does.
    pub async fn delete_role(
        &self,
        caller: &Caller,
        name: &str,
        version: i64,
    ) -> Result<(), AdminError> {
        caller.require(Permission::RolesWrite)?;
        let current = self.editable_role(caller, name).await?;
        let event = self.event(caller, "role.deleted").subject(&current.name);
        self.0
            .store
            .delete_role(&current.name, version, &event)
            .await?;
        tracing::info!(role = %current.name, "role deleted");
        Ok(())
    }

    /// A custom role whose permissions the caller holds.
    async fn editable_role(&self, caller: &Caller, name: &str) -> Result<Role, AdminError> {
        let name = RoleName::parse(name).map_err(|_| AdminError::NotFound)?;
        let role = self
            .0
            .store
            .find_role(&name)
            .await?
            .ok_or(AdminError::NotFound)?;
        if role.builtin {
            return Err(AdminError::BuiltinRole);
        }
        caller.require_all(role.permissions)?;
        Ok(role)
    }
}

fn permission_names(permissions: PermissionSet) -> impl Iterator<Item = String> {
    permissions
        .iter()
        .map(|p| format!("permission:{}", p.as_str()))
}

fn parse_input(errors: &mut FieldErrors, input: &RoleInput) -> (String, Option<PermissionSet>) {
    let description = input.description.trim().to_owned();
    if description.chars().count() > MAX_DESCRIPTION_CHARS
        || description.chars().any(|c| c.is_control() && c != '\n')
    {
        errors.push(InvalidField::new(
            "description",
            format!(
                "must be at most {MAX_DESCRIPTION_CHARS} characters, without control characters"
            ),
        ));
    }
    (
        description,
        errors.check(PermissionSet::parse(&input.permissions)),
    )
}
