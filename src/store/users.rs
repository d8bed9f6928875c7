//! Users and their credentials.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::audit::insert_audit;
use super::error::classify_conflict;
use super::pool::{BeginWrite as _, SqlStore, execute, fetch, with_pool};
use super::rows::{CredentialsRow, UserRow};
use super::timestamp::Ts;
use super::{Conflict, StoreError, StoreResult};
use crate::domain::audit::AuditEvent;
use crate::domain::{Email, NewUser, Profile, User, UserId, UserStatus};

#[async_trait]
pub trait UserStore: Send + Sync {
    /// Inserts a user with its roles (creating missing roles). `Conflict::Email` if the email is taken.
    async fn create_user(&self, user: NewUser, event: &AuditEvent) -> StoreResult<User>;
    async fn find_user(&self, id: UserId) -> StoreResult<Option<User>>;
    async fn find_user_by_email(&self, email: &Email) -> StoreResult<Option<User>>;
    /// The user and their password hash (PHC string), for checking a sign-in.
    async fn find_credentials(&self, email: &Email) -> StoreResult<Option<(User, Option<String>)>>;
    /// Sets the display name and profile claims, if the row is still at `expected_version`
    /// (`None`: whatever it is). `Ok(None)`: changed meanwhile, or deleted (a tombstone is never
    /// changed). `NotFound` if there is no such user.
    async fn update_profile(
        &self,
        id: UserId,
        name: Option<&str>,
        profile: &Profile,
        expected_version: Option<i64>,
        now: OffsetDateTime,
        event: &AuditEvent,
    ) -> StoreResult<Option<User>>;
    /// Replaces the password hash with `new` if it is still `old` (an upgrade at a higher cost
    /// never overwrites a password changed meanwhile); whether it did.
    async fn replace_password_hash(&self, id: UserId, old: &str, new: &str) -> StoreResult<bool>;
    /// `NotFound` if there is no such user.
    async fn set_user_status(
        &self,
        id: UserId,
        status: UserStatus,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
}

/// `select_user!("extra columns", "where …")`: a user row with their roles, space-separated in
/// name order, as `UserRow` reads it.
macro_rules! select_user {
    ($columns:literal, $filter:literal) => {
        concat!(
            "select u.id, u.email, u.name, u.status, u.email_verified_at, u.created_at, u.updated_at,
                 u.given_name, u.family_name, u.picture, u.gender, u.phone_number,
                 u.phone_number_verified, u.locale, u.zoneinfo, u.status_reason, u.version",
            $columns,
            ",
                 (select string_agg(role_name, ' ' order by role_name)
                  from user_roles where user_id = u.id) as roles,
                 exists (select 1 from second_factors f
                         where f.user_id = u.id and f.confirmed_at is not null) as second_factor
             from users u ",
            $filter
        )
    };
}

pub(super) use select_user;

pub(super) const INSERT_ROLE: &str =
    "insert into roles (name, created_at) values ($1, $2) on conflict (name) do nothing";
pub(super) const INSERT_USER_ROLE: &str =
    "insert into user_roles (user_id, role_name, created_at) values ($1, $2, $3)
     on conflict do nothing";

/// `insert_user!(transaction, &new_user)`: the user and their roles (creating missing roles);
/// returns `Conflict::Email` from the enclosing function when the address is taken.
/// `insert_user!(transaction, &new_user, unless_taken)` writes nothing for a taken address
/// instead and evaluates to whether the user was inserted (the transaction stays usable).
macro_rules! insert_user {
    (@values $tx:expr, $user:expr, $sql:expr) => {{
        let at = Ts($user.created_at);
        execute!(
            in &mut *$tx, $sql,
            $user.id.as_uuid(), $user.email.as_str(), &$user.name, &$user.password_hash,
            $user.email_verified.then_some(at), at,
        )
    }};
    (@roles $tx:expr, $user:expr) => {{
        let user: &NewUser = $user;
        let at = Ts(user.created_at);
        for role in &user.roles {
            execute!(in &mut *$tx, INSERT_ROLE, role.as_str(), at)?;
            execute!(in &mut *$tx, INSERT_USER_ROLE, user.id.as_uuid(), role.as_str(), at)?;
        }
    }};
    ($tx:expr, $user:expr) => {{
        let sql = $crate::store::users::INSERT_USER!();
        let user: &NewUser = $user;
        insert_user!(@values $tx, user, sql).map_err(|e| classify_conflict(e, Conflict::Email))?;
        insert_user!(@roles $tx, user);
    }};
    ($tx:expr, $user:expr, unless_taken) => {{
        let sql = concat!($crate::store::users::INSERT_USER!(), " on conflict do nothing");
        let user: &NewUser = $user;
        let inserted = insert_user!(@values $tx, user, sql)? == 1;
        if inserted {
            insert_user!(@roles $tx, user);
        }
        inserted
    }};
}

pub(super) use insert_user;

macro_rules! INSERT_USER {
    () => {
        "insert into users
             (id, email, name, password_hash, status, email_verified_at, created_at, updated_at)
         values ($1, $2, $3, $4, 'active', $5, $6, $6)"
    };
}

pub(super) use INSERT_USER;

/// The user as just inserted (what `create_user` answers without reading it back).
pub(super) fn inserted(user: NewUser) -> User {
    let mut roles = user.roles;
    roles.sort();
    roles.dedup();
    // Inserted at version 1; each role given moved it on once (a trigger on user_roles).
    let version = 1 + roles_len(&roles);
    User {
        id: user.id,
        email: user.email,
        name: user.name,
        status: UserStatus::Active,
        email_verified: user.email_verified,
        profile: crate::domain::Profile::default(),
        roles,
        created_at: user.created_at,
        updated_at: user.created_at,
        second_factor: false,
        status_reason: None,
        version,
    }
}

fn roles_len(roles: &[crate::domain::RoleName]) -> i64 {
    i64::try_from(roles.len()).unwrap_or(i64::MAX)
}

#[async_trait]
impl UserStore for SqlStore {
    async fn create_user(&self, user: NewUser, event: &AuditEvent) -> StoreResult<User> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            insert_user!(tx, &user);
            insert_audit!(self, tx, event);
            tx.commit().await?;
        });
        Ok(inserted(user))
    }

    async fn find_user(&self, id: UserId) -> StoreResult<Option<User>> {
        let sql = select_user!("", "where u.id = $1");
        let row = fetch!(self, fetch_optional, UserRow, sql, id.as_uuid())?;
        row.map(UserRow::into_user).transpose()
    }

    async fn find_user_by_email(&self, email: &Email) -> StoreResult<Option<User>> {
        let sql = select_user!("", "where lower(u.email) = $1");
        let row = fetch!(self, fetch_optional, UserRow, sql, email.as_str())?;
        row.map(UserRow::into_user).transpose()
    }

    async fn find_credentials(&self, email: &Email) -> StoreResult<Option<(User, Option<String>)>> {
        let sql = select_user!(", u.password_hash", "where lower(u.email) = $1");
        let row = fetch!(self, fetch_optional, CredentialsRow, sql, email.as_str())?;
        row.map(|row| Ok((row.user.into_user()?, row.password_hash)))
            .transpose()
    }

    async fn update_profile(
        &self,
        id: UserId,
        name: Option<&str>,
        profile: &Profile,
        expected_version: Option<i64>,
        now: OffsetDateTime,
        event: &AuditEvent,
    ) -> StoreResult<Option<User>> {
        let sql = "update users set name = $2, given_name = $3, family_name = $4, picture = $5,
                 gender = $6, phone_number = $7, phone_number_verified = $8, locale = $9,
                 zoneinfo = $10, updated_at = $11
             where id = $1 and ($12 is null or version = $12) and status <> 'deleted'";
        let p = profile;
        let changed = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let changed = execute!(
                in &mut *tx,
                sql,
                id.as_uuid(),
                name,
                &p.given_name,
                &p.family_name,
                &p.picture,
                &p.gender,
                &p.phone_number,
                p.phone_number_verified,
                &p.locale,
                &p.zoneinfo,
                Ts(now),
                expected_version,
            )?;
            if changed == 1 {
                insert_audit!(self, tx, event);
            }
            tx.commit().await?;
            changed
        });
        let user = self.find_user(id).await?.ok_or(StoreError::NotFound)?;
        Ok((changed == 1).then_some(user))
    }

    async fn replace_password_hash(&self, id: UserId, old: &str, new: &str) -> StoreResult<bool> {
        let sql = "update users set password_hash = $3 where id = $1 and password_hash = $2";
        Ok(execute!(self, sql, id.as_uuid(), old, new)? == 1)
    }

    async fn set_user_status(
        &self,
        id: UserId,
        status: UserStatus,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let sql = "update users set status = $2, updated_at = $3 where id = $1";
        match execute!(self, sql, id.as_uuid(), status.as_str(), Ts(now))? {
            0 => Err(StoreError::NotFound),
            _ => Ok(()),
        }
    }
}
