//! Users as administrators manage them: listed a page at a time, invited, edited, suspended,
//! given roles, deleted, sent a password reset, freed of a lost second factor, signed out,
//! exported. Each use-case checks the caller's permission and may act only on users the caller
//! outranks (`access`).

use time::OffsetDateTime;

use super::access::Caller;
use super::{Admin, AdminError, cursor};
use crate::domain::user::parse_display_name;
use crate::domain::{
    Email, FieldErrors, InvalidField, Permission, PermissionSet, RoleName, SignOut, User, UserId,
    UserStatus,
};
use crate::identity::accounts::{AccountExport, ProfileChange, SignedInBrowser};
use crate::store::{UserOrder, UserPosition, UserQuery};

/// Longest page of a listing; a larger `limit` is clamped to it.
pub const MAX_PAGE: u32 = 200;
/// A page's length when the caller names none.
pub const DEFAULT_PAGE: u32 = 50;

/// A user listing as asked for, unparsed (every value is checked by [`Admin::list_users`]).
#[derive(Debug, Default, Clone)]
pub struct UserListing {
    pub q: Option<String>,
    pub status: Option<String>,
    pub role: Option<String>,
    pub email_verified: Option<bool>,
    pub created_after: Option<OffsetDateTime>,
    pub created_before: Option<OffsetDateTime>,
    pub exclude_self: bool,
    pub sort: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// One page, and the cursor of the next if there may be one.
#[derive(Debug)]
pub struct UserPage {
    pub users: Vec<User>,
    pub next_cursor: Option<String>,
}

/// The sorts a listing may ask for (`-` for descending).
const SORTS: [&str; 4] = ["created_at", "-created_at", "email", "-email"];

impl Admin {
    pub async fn list_users(
        &self,
        caller: &Caller,
        listing: UserListing,
    ) -> Result<UserPage, AdminError> {
        caller.require(Permission::UsersRead)?;
        let mut errors = FieldErrors::default();
        let status = match listing.status.as_deref() {
            None => None,
            Some(value) => errors.check(UserStatus::parse(value).ok_or_else(|| {
                InvalidField::new("status", "must be active, suspended or deleted")
            })),
        };
        let role = match listing.role.as_deref() {
            None => None,
            Some(value) => errors.check(RoleName::parse(value)),
        };
        let mut sort = listing.sort.clone();
        let after = match listing.cursor.as_deref() {
            None => None,
            Some(value) => errors.check(cursor::decode(&self.0.hasher, value)).map(
                |(cursor_sort, position)| {
                    if sort.as_ref().is_some_and(|s| *s != cursor_sort) {
                        errors.push(InvalidField::new(
                            "cursor",
                            "continues a listing in another order than `sort`",
                        ));
                    }
                    sort = Some(cursor_sort);
                    position
                },
            ),
        };
        let sort = sort.unwrap_or_else(|| SORTS[0].to_owned());
        if !SORTS.contains(&sort.as_str()) {
            errors.push(InvalidField::new(
                "sort",
                format!("must be one of {}", SORTS.join(", ")),
            ));
        }
        if listing.limit == Some(0) {
            errors.push(InvalidField::new("limit", "must be at least 1"));
        }
        let prefix = listing.q.as_deref().map(str::trim).map(str::to_owned);
        if prefix
            .as_ref()
            .is_some_and(|p| p.chars().count() > 254 || p.chars().any(char::is_control))
        {
            errors.push(InvalidField::new(
                "q",
                "must be at most 254 characters, without control characters",
            ));
        }
        errors.finish().map_err(AdminError::BadQuery)?;
        let limit = listing.limit.unwrap_or(DEFAULT_PAGE).min(MAX_PAGE);
        let query = UserQuery {
            prefix: prefix.filter(|p| !p.is_empty()),
            status,
            role,
            email_verified: listing.email_verified,
            created_after: listing.created_after,
            created_before: listing.created_before,
            exclude: caller.user_id().filter(|_| listing.exclude_self),
            order: if sort.ends_with("email") {
                UserOrder::Email
            } else {
                UserOrder::CreatedAt
            },
            descending: sort.starts_with('-'),
            after,
            // One more than the page, to know whether another follows.
            limit: limit + 1,
        };
        let mut users = self.0.store.list_users(&query).await?;
        let more = users.len() > limit as usize;
        users.truncate(limit as usize);
        let next_cursor = match users.last() {
            Some(last) if more => Some(cursor::encode(
                &self.0.hasher,
                &sort,
                &UserPosition {
                    created_at: last.created_at,
                    email: last.email.as_str().to_owned(),
                    id: last.id,
                },
            )),
            _ => None,
        };
        Ok(UserPage { users, next_cursor })
    }

    /// A user (a deleted one too: the tombstone shows what is left).
    pub async fn user(&self, caller: &Caller, id: UserId) -> Result<User, AdminError> {
        caller.require(Permission::UsersRead)?;
        self.0
            .store
            .find_user(id)
            .await?
            .ok_or(AdminError::NotFound)
    }

    /// A user to change: existing, not deleted, and one the caller may act on.
    async fn target(&self, caller: &Caller, id: UserId) -> Result<User, AdminError> {
        let user = self
            .0
            .store
            .find_user(id)
            .await?
            .filter(|u| u.status != UserStatus::Deleted)
            .ok_or(AdminError::NotFound)?;
        self.may_act_on(caller, &user).await?;
        Ok(user)
    }

    /// Roles parsed, without duplicates, that exist and that the caller may give.
    pub(super) async fn grantable_roles(
        &self,
        caller: &Caller,
        names: &[String],
    ) -> Result<Vec<RoleName>, AdminError> {
        let mut errors = FieldErrors::default();
        let mut roles = errors.check_all(names, RoleName::parse);
        errors.finish().map_err(AdminError::Invalid)?;
        roles.sort();
        roles.dedup();
        let mut given = PermissionSet::EMPTY;
        for role in &roles {
            let Some(found) = self.0.store.find_role(role).await? else {
                return Err(AdminError::Invalid(vec![InvalidField::new(
                    "roles",
                    format!("`{role}` is not a role"),
                )]));
            };
            given = given.union(found.permissions);
        }
        caller.require_all(given)?;
        Ok(roles)
    }

    /// Makes an account and mails its owner a link to choose a password (`account.invitation_ttl`).
    /// Giving roles at once needs `users:roles` as a role change does.
    pub async fn invite_user(
        &self,
        caller: &Caller,
        email: &str,
        name: Option<&str>,
        roles: &[String],
    ) -> Result<User, AdminError> {
        caller.require(Permission::UsersWrite)?;
        let mut errors = FieldErrors::default();
        let email = errors.check(Email::parse(email));
        let name = errors.check(parse_display_name(name));
        errors.finish().map_err(AdminError::Invalid)?;
        let (Some(email), Some(name)) = (email, name) else {
            return Err(AdminError::Invalid(Vec::new()));
        };
        if !roles.is_empty() {
            caller.require(Permission::UsersRoles)?;
        }
        let roles = self.grantable_roles(caller, roles).await?;
        self.0
            .accounts
            .invite(email, name, roles, caller.audit_actor())
            .await?
            .ok_or(AdminError::EmailTaken)
    }

    /// Applies profile changes (as the account API does for its owner).
    pub async fn update_user_profile(
        &self,
        caller: &Caller,
        id: UserId,
        changes: &[ProfileChange],
        if_version: Option<i64>,
    ) -> Result<User, AdminError> {
        caller.require(Permission::UsersWrite)?;
        let target = self.target(caller, id).await?;
        // Without If-Match, the version the guard approved: a user promoted meanwhile is not
        // changed by someone the guard would now refuse.
        let version = if_version.unwrap_or(target.version);
        Ok(self
            .0
            .accounts
            .update_profile(id, changes, Some(version), caller.audit_actor())
            .await?)
    }

    /// Suspends or reactivates a user. Suspending ends at once every session, grant (and so every
    /// access token of them), pending code and link of the account.
    pub async fn set_user_status(
        &self,
        caller: &Caller,
        id: UserId,
        status: &str,
        reason: Option<&str>,
        version: i64,
    ) -> Result<(User, SignOut), AdminError> {
        caller.require(Permission::UsersStatus)?;
        let status = match UserStatus::parse(status) {
            Some(status @ (UserStatus::Active | UserStatus::Suspended)) => status,
            _ => {
                return Err(AdminError::Invalid(vec![InvalidField::new(
                    "status",
                    "must be active or suspended (DELETE the user to delete it)",
                )]));
            }
        };
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if reason.is_some_and(|r| r.chars().count() > 500 || r.chars().any(char::is_control)) {
            return Err(AdminError::Invalid(vec![InvalidField::new(
                "reason",
                "must be at most 500 characters, without control characters",
            )]));
        }
        self.target(caller, id).await?;
        let now = self.0.clock.now();
        let done = self
            .0
            .store
            .change_user_status(
                id,
                status,
                reason,
                version,
                now,
                &self
                    .event(caller, "user.status_changed")
                    .subject(id)
                    .detail(format!("status:{}", status.as_str())),
            )
            .await?;
        tracing::info!(user_id = %id, status = status.as_str(), "user status changed by an administrator");
        Ok((self.changed_user(id).await?, done))
    }

    /// Replaces a user's roles. The caller must hold every permission of the roles given, and
    /// (as for every change) every permission the user holds now.
    pub async fn set_user_roles(
        &self,
        caller: &Caller,
        id: UserId,
        roles: &[String],
        version: i64,
    ) -> Result<User, AdminError> {
        caller.require(Permission::UsersRoles)?;
        let roles = self.grantable_roles(caller, roles).await?;
        self.target(caller, id).await?;
        self.0
            .store
            .replace_user_roles(
                id,
                &roles,
                version,
                self.0.clock.now(),
                &self
                    .event(caller, "user.roles_changed")
                    .subject(id)
                    .details(roles.iter().map(|r| format!("role:{r}"))),
            )
            .await?;
        tracing::info!(user_id = %id, "user roles replaced by an administrator");
        self.changed_user(id).await
    }

    /// Deletes a user as they could themselves: everything ends, personal data is erased and a
    /// tombstone stays.
    pub async fn delete_user(
        &self,
        caller: &Caller,
        id: UserId,
        if_version: Option<i64>,
    ) -> Result<SignOut, AdminError> {
        caller.require(Permission::UsersDelete)?;
        let user = self.target(caller, id).await?;
        // As for a profile edit: at most the version the guard approved.
        let version = if_version.unwrap_or(user.version);
        Ok(self
            .0
            .accounts
            .delete_account(&user, Some(version), caller.audit_actor())
            .await?)
    }

    /// Mails the user a link to choose a new password.
    pub async fn send_password_reset(&self, caller: &Caller, id: UserId) -> Result<(), AdminError> {
        caller.require(Permission::UsersCredentials)?;
        let user = self.target(caller, id).await?;
        Ok(self
            .0
            .accounts
            .send_password_reset(&user, caller.audit_actor())
            .await?)
    }

    /// Turns the user's second factor off (lost device and recovery codes). `NotFound` if the
    /// user has none.
    pub async fn reset_second_factor(&self, caller: &Caller, id: UserId) -> Result<(), AdminError> {
        caller.require(Permission::UsersCredentials)?;
        let user = self.target(caller, id).await?;
        let removed = self
            .0
            .accounts
            .second_factors()
            .reset_by_administrator(&user, caller.audit_actor())
            .await
            .map_err(|e| AdminError::Internal(Box::new(e)))?;
        if !removed {
            return Err(AdminError::NotFound);
        }
        Ok(())
    }

    pub async fn user_sessions(
        &self,
        caller: &Caller,
        id: UserId,
    ) -> Result<Vec<SignedInBrowser>, AdminError> {
        caller.require(Permission::SessionsRead)?;
        self.user(caller, id).await?;
        Ok(self.0.accounts.signed_in_browsers(id).await?)
    }

    /// Signs one of the user's browsers out, with the grants made through it.
    pub async fn end_user_session(
        &self,
        caller: &Caller,
        id: UserId,
        sid: &str,
    ) -> Result<SignOut, AdminError> {
        caller.require(Permission::SessionsRevoke)?;
        self.target(caller, id).await?;
        Ok(self
            .0
            .accounts
            .end_browser_session(id, sid, caller.audit_actor())
            .await?)
    }

    /// Everything stored about the user, as they could export it themselves (GDPR art. 15/20).
    pub async fn export_user(
        &self,
        caller: &Caller,
        id: UserId,
    ) -> Result<AccountExport, AdminError> {
        caller.require(Permission::UsersExport)?;
        self.target(caller, id).await?;
        Ok(self.0.accounts.export(id, caller.audit_actor()).await?)
    }

    async fn changed_user(&self, id: UserId) -> Result<User, AdminError> {
        self.0
            .store
            .find_user(id)
            .await?
            .ok_or(AdminError::NotFound)
    }
}
