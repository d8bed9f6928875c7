//! What administrators do to users: list them a page at a time, change their status and their
//! roles. Every write names the version it read and changes nothing if the row moved on; none
//! leaves the server without an active administrator.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::accounts::sign_out_everywhere;
use super::audit::insert_audit;
use super::pool::{BeginWrite as _, SqlStore, dialect, execute, scalar, with_pool};
use super::rows::UserRow;
use super::timestamp::Ts;
use super::users::select_user;
use super::{Conflict, StoreError, StoreResult};
use crate::domain::audit::AuditEvent;
use crate::domain::{RoleName, SignOut, TokenPurpose, User, UserId, UserStatus};

/// The orders a user listing can walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserOrder {
    CreatedAt,
    Email,
}

/// Where the previous page ended: its last user's sort keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPosition {
    pub created_at: OffsetDateTime,
    pub email: String,
    pub id: UserId,
}

/// One page of a user listing; every filter is optional. Deleted accounts (tombstones) are
/// listed only when `status` asks for them.
#[derive(Debug, Clone)]
pub struct UserQuery {
    /// A prefix of the address or of the display name, as typed (any case).
    pub prefix: Option<String>,
    pub status: Option<UserStatus>,
    pub role: Option<RoleName>,
    pub email_verified: Option<bool>,
    pub created_after: Option<OffsetDateTime>,
    pub created_before: Option<OffsetDateTime>,
    pub exclude: Option<UserId>,
    pub order: UserOrder,
    pub descending: bool,
    pub after: Option<UserPosition>,
    pub limit: u32,
}

#[async_trait]
pub trait UserAdminStore: Send + Sync {
    async fn list_users(&self, query: &UserQuery) -> StoreResult<Vec<User>>;
    /// How many active users hold the `admin` role.
    async fn count_active_admins(&self) -> StoreResult<i64>;
    /// Sets the status (and the reason given) if the user is still at `expected_version`.
    /// Suspending also ends everything that lets the account act, as a new password does.
    /// `NotFound` for no such user (or a deleted one), `Conflict::Version` for a stale version,
    /// `Conflict::LastAdmin` when it would suspend the last active administrator.
    async fn change_user_status(
        &self,
        user: UserId,
        status: UserStatus,
        reason: Option<&str>,
        expected_version: i64,
        now: OffsetDateTime,
        event: &AuditEvent,
    ) -> StoreResult<SignOut>;
    /// Replaces the user's roles (`roles` without duplicates) if the user is still at
    /// `expected_version`. `NotFound`,
    /// `Conflict::Version` and `Conflict::LastAdmin` as for the status; `Conflict::UnknownRole`
    /// when a role does not exist (then nothing changes).
    async fn replace_user_roles(
        &self,
        user: UserId,
        roles: &[RoleName],
        expected_version: i64,
        now: OffsetDateTime,
        event: &AuditEvent,
    ) -> StoreResult<()>;
}

/// The active administrators, read afresh. After [`lock_for_change!`] took its locks this is
/// what counts: the locking read on PostgreSQL re-checks only the locked `users` rows when it
/// waited, and would still count an administrator whose role a transaction it waited for took
/// away (two demotions racing could then leave nobody).
pub(super) const ACTIVE_ADMINS: &str = "select u.id from users u
     join user_roles r on r.user_id = u.id and r.role_name = 'admin'
     where u.status = 'active' order by u.id";

/// `lock_for_change!(store, transaction, user, expected_version)`: locks the administrators'
/// rows (in id order, as every deletion does, so two changes never wait on each other), then the
/// user's; checks the version; evaluates to the active administrators' ids as they are once the
/// locks are held.
macro_rules! lock_for_change {
    ($store:expr, $tx:expr, $user:expr, $expected:expr) => {{
        scalar!(
            in &mut *$tx, fetch_all, Uuid, dialect!($store, ACTIVE_ADMINS_FOR_WRITE),
        )?;
        let lock = dialect!($store, USER_VERSION_FOR_WRITE);
        let found: Option<(i64, String)> = $crate::store::pool::fetch!(
            in &mut *$tx, fetch_optional, (i64, String), lock, $user,
        )?;
        match found {
            None => return Err(StoreError::NotFound),
            Some((_, status)) if status == UserStatus::Deleted.as_str() => {
                return Err(StoreError::NotFound);
            }
            Some((version, _)) if version != $expected => {
                return Err(StoreError::Conflict(Conflict::Version));
            }
            Some(_) => scalar!(in &mut *$tx, fetch_all, Uuid, ACTIVE_ADMINS)?,
        }
    }};
}

#[async_trait]
impl UserAdminStore for SqlStore {
    async fn list_users(&self, query: &UserQuery) -> StoreResult<Vec<User>> {
        let rows = with_pool!(self, pool => {
            // The page's ids first (filters, order and limit over the indexes alone), then their
            // rows with roles and second factor: those subqueries run for the page's rows only,
            // not for every row a filter matched before the sort cut it to a page.
            let mut sql = sqlx::QueryBuilder::new(select_user!(
                "",
                "where u.id in (select u.id from users u where 1 = 1"
            ));
            match query.status {
                Some(status) => sql.push(" and u.status = ").push_bind(status.as_str()),
                None => sql.push(" and u.status <> 'deleted'"),
            };
            // A prefix is a range in byte order, [prefix, the next string of its length), which
            // the prefix indexes serve (a LIKE on an expression would not use them on SQLite).
            if let Some(prefix) = &query.prefix {
                let prefix = &dialect!(self, LOWER_CASE)(prefix);
                let order = dialect!(self, BYTE_ORDER);
                let end = prefix_end(prefix);
                for column in ["lower(u.email)", "lower(u.name)"] {
                    sql.push(if column.contains("email") { " and ((" } else { " or (" });
                    sql.push(column).push(order).push(" >= ").push_bind(prefix.clone());
                    if let Some(end) = &end {
                        sql.push(" and ").push(column).push(order).push(" < ").push_bind(end.clone());
                    }
                    sql.push(")");
                }
                sql.push(")");
            }
            if let Some(role) = &query.role {
                sql.push(" and exists (select 1 from user_roles r where r.user_id = u.id and r.role_name = ")
                    .push_bind(role.as_str().to_owned())
                    .push(")");
            }
            if let Some(verified) = query.email_verified {
                sql.push(if verified {
                    " and u.email_verified_at is not null"
                } else {
                    " and u.email_verified_at is null"
                });
            }
            if let Some(after) = query.created_after {
                sql.push(" and u.created_at > ").push_bind(Ts(after));
            }
            if let Some(before) = query.created_before {
                sql.push(" and u.created_at < ").push_bind(Ts(before));
            }
            if let Some(exclude) = query.exclude {
                sql.push(" and u.id <> ").push_bind(exclude.as_uuid());
            }
            let (column, comparison, direction) = match (query.order, query.descending) {
                (UserOrder::CreatedAt, false) => ("u.created_at", " > ", " asc"),
                (UserOrder::CreatedAt, true) => ("u.created_at", " < ", " desc"),
                (UserOrder::Email, false) => ("lower(u.email)", " > ", " asc"),
                (UserOrder::Email, true) => ("lower(u.email)", " < ", " desc"),
            };
            // Keyset paging: the page starts after the previous page's last row, so page
            // 10,000 costs what page 1 does (an offset would walk every row before it).
            if let Some(position) = &query.after {
                sql.push(" and (").push(column).push(", u.id)").push(comparison).push("(");
                match query.order {
                    UserOrder::CreatedAt => sql.push_bind(Ts(position.created_at)),
                    UserOrder::Email => sql.push_bind(position.email.clone()),
                };
                sql.push(", ").push_bind(position.id.as_uuid()).push(")");
            }
            sql.push(" order by ").push(column).push(direction);
            sql.push(", u.id").push(direction);
            sql.push(" limit ").push_bind(i64::from(query.limit));
            sql.push(") order by ").push(column).push(direction);
            sql.push(", u.id").push(direction);
            sql.build_query_as::<UserRow>().fetch_all(pool).await?
        });
        rows.into_iter().map(UserRow::into_user).collect()
    }

    async fn count_active_admins(&self) -> StoreResult<i64> {
        let sql = "select count(*) from users u
             join user_roles r on r.user_id = u.id and r.role_name = 'admin'
             where u.status = 'active'";
        Ok(scalar!(self, fetch_one, i64, sql)?)
    }

    async fn change_user_status(
        &self,
        user: UserId,
        status: UserStatus,
        reason: Option<&str>,
        expected_version: i64,
        now: OffsetDateTime,
        event: &AuditEvent,
    ) -> StoreResult<SignOut> {
        let user_id = user.as_uuid();
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let admins = lock_for_change!(self, tx, user_id, expected_version);
            if status != UserStatus::Active && admins == [user_id] {
                return Err(StoreError::Conflict(Conflict::LastAdmin));
            }
            execute!(
                in &mut *tx,
                "update users set status = $2, status_reason = $3, updated_at = $4 where id = $1",
                user_id, status.as_str(), reason, Ts(now),
            )?;
            let done = if status == UserStatus::Active {
                SignOut::default()
            } else {
                sign_out_everywhere!(tx, user_id, now)
            };
            insert_audit!(self, tx, event);
            tx.commit().await?;
            Ok(done)
        })
    }

    async fn replace_user_roles(
        &self,
        user: UserId,
        roles: &[RoleName],
        expected_version: i64,
        now: OffsetDateTime,
        event: &AuditEvent,
    ) -> StoreResult<()> {
        let user_id = user.as_uuid();
        let keeps_admin = roles.iter().any(|r| r.as_str() == "admin");
        let give = "insert into user_roles (user_id, role_name, created_at)
             select $1, name, $3 from roles where name = $2
             on conflict do nothing";
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let admins = lock_for_change!(self, tx, user_id, expected_version);
            if !keeps_admin && admins == [user_id] {
                return Err(StoreError::Conflict(Conflict::LastAdmin));
            }
            execute!(in &mut *tx, "delete from user_roles where user_id = $1", user_id)?;
            for role in roles {
                // Nothing inserted: the role does not exist (the caller passes no duplicates).
                if execute!(in &mut *tx, give, user_id, role.as_str(), Ts(now))? == 0 {
                    return Err(StoreError::Conflict(Conflict::UnknownRole));
                }
            }
            execute!(in &mut *tx, "update users set updated_at = $2 where id = $1", user_id, Ts(now))?;
            insert_audit!(self, tx, event);
            tx.commit().await?;
        });
        Ok(())
    }
}

/// The least string greater than every string that starts with `prefix`, in byte (code point)
/// order: its last character moved on by one. `None` when there is none (the range is open).
fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = match last {
            '\u{D7FF}' => Some('\u{E000}'),
            c => char::from_u32(u32::from(c) + 1),
        };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// `value` with LIKE's wildcards (and the escape character) escaped, to match literally.
pub(super) fn escape_like(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_prefix_ends_before_the_next_string_of_its_length() {
        assert_eq!(super::prefix_end("ada").as_deref(), Some("adb"));
        assert_eq!(super::prefix_end("a%").as_deref(), Some("a&"));
        assert_eq!(super::prefix_end("z\u{10FFFF}").as_deref(), Some("{"));
        assert_eq!(super::prefix_end("\u{10FFFF}"), None);
        assert_eq!(super::prefix_end("\u{D7FF}").as_deref(), Some("\u{E000}"));
    }

    #[test]
    fn like_wildcards_match_literally() {
        assert_eq!(super::escape_like(r"a_b%c\d"), r"a\_b\%c\\d");
    }
}
