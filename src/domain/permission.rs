//! What the admin API lets a caller do: a fixed catalogue of permissions, bundled into roles.
//! The built-in roles take theirs from here (so a permission added later reaches `admin`);
//! custom roles are subsets of the catalogue, stored.

use serde::{Serialize, Serializer};

use super::{InvalidField, RoleName};

/// One thing the admin API lets a caller do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Permission {
    UsersRead,
    UsersWrite,
    UsersStatus,
    UsersDelete,
    UsersRoles,
    UsersCredentials,
    UsersExport,
    SessionsRead,
    SessionsRevoke,
    RolesRead,
    RolesWrite,
    ClientsRead,
    ClientsWrite,
    AuditRead,
    KeysManage,
}

impl Permission {
    /// The catalogue, in the order the API lists it.
    pub const ALL: [Self; 15] = [
        Self::UsersRead,
        Self::UsersWrite,
        Self::UsersStatus,
        Self::UsersDelete,
        Self::UsersRoles,
        Self::UsersCredentials,
        Self::UsersExport,
        Self::SessionsRead,
        Self::SessionsRevoke,
        Self::RolesRead,
        Self::RolesWrite,
        Self::ClientsRead,
        Self::ClientsWrite,
        Self::AuditRead,
        Self::KeysManage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::UsersRead => "users:read",
            Self::UsersWrite => "users:write",
            Self::UsersStatus => "users:status",
            Self::UsersDelete => "users:delete",
            Self::UsersRoles => "users:roles",
            Self::UsersCredentials => "users:credentials",
            Self::UsersExport => "users:export",
            Self::SessionsRead => "sessions:read",
            Self::SessionsRevoke => "sessions:revoke",
            Self::RolesRead => "roles:read",
            Self::RolesWrite => "roles:write",
            Self::ClientsRead => "clients:read",
            Self::ClientsWrite => "clients:write",
            Self::AuditRead => "audit:read",
            Self::KeysManage => "keys:manage",
        }
    }

    /// What the permission allows, in a sentence for the catalogue.
    pub fn description(self) -> &'static str {
        match self {
            Self::UsersRead => "list and read users",
            Self::UsersWrite => "create users and edit their profiles",
            Self::UsersStatus => "suspend and reactivate users",
            Self::UsersDelete => "delete users",
            Self::UsersRoles => "replace a user's roles",
            Self::UsersCredentials => "send password-reset mail and reset a second factor",
            Self::UsersExport => "export a user's data on their behalf",
            Self::SessionsRead => "list a user's signed-in browsers",
            Self::SessionsRevoke => "sign a user's browsers out",
            Self::RolesRead => "list roles and the permission catalogue",
            Self::RolesWrite => "create, edit and delete custom roles",
            Self::ClientsRead => "list and read clients",
            Self::ClientsWrite => "create, edit and delete clients and rotate their secrets",
            Self::AuditRead => "read and verify the audit log",
            Self::KeysManage => "list and rotate signing keys",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == value)
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

impl Serialize for Permission {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A set of permissions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PermissionSet(u32);

impl PermissionSet {
    pub const EMPTY: Self = Self(0);

    pub fn all() -> Self {
        Self::ALL_SET
    }

    const ALL_SET: Self = Self((1 << Permission::ALL.len()) - 1);

    pub fn of(permissions: impl IntoIterator<Item = Permission>) -> Self {
        Self(permissions.into_iter().fold(0, |bits, p| bits | p.bit()))
    }

    /// Parses a role's permissions, every name checked; `field` names the list in errors.
    pub fn parse(values: &[String]) -> Result<Self, InvalidField> {
        let mut set = Self::EMPTY;
        for value in values {
            let permission = Permission::parse(value).ok_or_else(|| {
                InvalidField::new(
                    "permissions",
                    format!("`{value}` is not a permission; GET /admin/v1/permissions lists them"),
                )
            })?;
            set = set.with(permission);
        }
        Ok(set)
    }

    pub fn with(self, permission: Permission) -> Self {
        Self(self.0 | permission.bit())
    }

    pub fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    pub fn contains(self, permission: Permission) -> bool {
        self.0 & permission.bit() != 0
    }

    /// Whether every permission of `other` is in this set.
    pub fn covers(self, other: Self) -> bool {
        other.0 & !self.0 == 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::ALL
            .into_iter()
            .filter(move |p| self.contains(*p))
    }
}

impl Serialize for PermissionSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

/// The roles every server has, whose permissions the code defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuiltinRole {
    /// Everything.
    Admin,
    /// Reads users and manages the profiles, status and sessions of users who hold no
    /// permissions themselves; changes no roles.
    Manager,
    /// A signed-up person: no admin access.
    User,
}

impl BuiltinRole {
    pub const ALL: [Self; 3] = [Self::Admin, Self::Manager, Self::User];

    pub fn name(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Manager => "manager",
            Self::User => "user",
        }
    }

    pub fn of(role: &RoleName) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.name() == role.as_str())
    }

    pub fn description(self) -> &'static str {
        match self {
            Self::Admin => "every permission",
            Self::Manager => {
                "reads users; edits the profiles, status and sessions of users who hold no \
                 permissions; changes no roles"
            }
            Self::User => "no admin access",
        }
    }

    pub fn permissions(self) -> PermissionSet {
        match self {
            Self::Admin => PermissionSet::all(),
            Self::Manager => PermissionSet::of([
                Permission::UsersRead,
                Permission::UsersWrite,
                Permission::UsersStatus,
                Permission::SessionsRead,
                Permission::SessionsRevoke,
                Permission::RolesRead,
            ]),
            Self::User => PermissionSet::EMPTY,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        for permission in Permission::ALL {
            assert_eq!(Permission::parse(permission.as_str()), Some(permission));
        }
        let mut names: Vec<_> = Permission::ALL.iter().map(|p| p.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Permission::ALL.len());
    }

    #[test]
    fn admin_covers_every_role_and_manager_cannot_change_roles() {
        let admin = BuiltinRole::Admin.permissions();
        let manager = BuiltinRole::Manager.permissions();
        assert!(admin.covers(manager));
        assert!(!manager.covers(admin));
        assert!(!manager.contains(Permission::UsersRoles));
        assert_eq!(admin.iter().count(), Permission::ALL.len());
        assert!(BuiltinRole::User.permissions().is_empty());
    }

    #[test]
    fn unknown_permissions_are_refused() {
        let parsed = PermissionSet::parse(&["users:read".into(), "roles:read".into()]);
        assert_eq!(
            parsed.ok(),
            Some(PermissionSet::of([
                Permission::UsersRead,
                Permission::RolesRead
            ]))
        );
        assert!(PermissionSet::parse(&["users:everything".into()]).is_err());
    }
}
