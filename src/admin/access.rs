//! Who may do what through the admin API. A caller's permissions come from their roles as stored
//! at the time of the request (a role taken away, or a suspended admin, is refused at once), and
//! three guards keep anyone from raising themselves or others above their own permissions:
//! nobody grants a role whose permissions they lack, edits a role to include permissions they
//! lack, or acts on a user who holds permissions they lack. A caller who may not change roles
//! (a manager) acts only on users who hold no permissions at all, so managers cannot act on each
//! other.

use super::{Admin, AdminError};
use crate::domain::audit::{AuditActor, AuditEvent};
use crate::domain::{ClientId, Permission, PermissionSet, RoleName, User, UserId};

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    User(UserId),
    /// A client acting for itself (a service account).
    Client(ClientId),
}

/// A caller and what they may do now.
#[derive(Debug, Clone)]
pub struct Caller {
    pub actor: Actor,
    pub permissions: PermissionSet,
}

impl Caller {
    /// `Forbidden` unless the caller holds `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), AdminError> {
        if self.permissions.contains(permission) {
            Ok(())
        } else {
            Err(AdminError::Forbidden(format!(
                "this needs the `{}` permission",
                permission.as_str()
            )))
        }
    }

    /// `Forbidden` unless the caller holds every permission of `wanted`.
    pub fn require_all(&self, wanted: PermissionSet) -> Result<(), AdminError> {
        if self.permissions.covers(wanted) {
            Ok(())
        } else {
            let missing: Vec<_> = wanted
                .iter()
                .filter(|p| !self.permissions.contains(*p))
                .map(|p| p.as_str())
                .collect();
            Err(AdminError::Forbidden(format!(
                "you cannot give permissions you lack: {}",
                missing.join(", ")
            )))
        }
    }

    /// The caller as audit events name them.
    pub fn audit_actor(&self) -> AuditActor {
        match &self.actor {
            Actor::User(id) => AuditActor::User(id.to_string()),
            Actor::Client(id) => AuditActor::Client(id.as_str().to_owned()),
        }
    }

    pub fn user_id(&self) -> Option<UserId> {
        match self.actor {
            Actor::User(id) => Some(id),
            Actor::Client(_) => None,
        }
    }
}

impl Admin {
    /// The caller with the permissions `roles` give them now.
    pub async fn caller(&self, actor: Actor, roles: &[RoleName]) -> Result<Caller, AdminError> {
        let permissions = self.0.store.permissions_of(roles).await?;
        Ok(Caller { actor, permissions })
    }

    /// An event of `kind` by the caller, now.
    pub(super) fn event(&self, caller: &Caller, kind: &str) -> AuditEvent {
        crate::audit::event(kind, caller.audit_actor(), self.0.clock.now())
    }

    /// `Forbidden` unless the caller may act on `target` (see the module's rules).
    pub(super) async fn may_act_on(
        &self,
        caller: &Caller,
        target: &User,
    ) -> Result<(), AdminError> {
        let held = self.0.store.permissions_of(&target.roles).await?;
        if !caller.permissions.covers(held) {
            return Err(AdminError::Forbidden(
                "the user holds permissions you lack".to_owned(),
            ));
        }
        if !held.is_empty() && !caller.permissions.contains(Permission::UsersRoles) {
            return Err(AdminError::Forbidden(
                "only callers who may change roles act on users who hold permissions".to_owned(),
            ));
        }
        Ok(())
    }
}
