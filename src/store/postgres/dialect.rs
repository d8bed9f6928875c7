//! The statements PostgreSQL says differently from SQLite.

/// Whether some client lists `$1` among its web origins (jsonb containment).
pub const IS_WEB_ORIGIN: &str = "select exists (select 1 from clients where web_origins ? $1)";

/// A user row with their roles, space-separated in name order, for `UserRow`.
pub const USER_BY_ID: &str = "select u.id, u.email, u.name, u.status, u.created_at, u.updated_at,
         (select string_agg(role_name, ' ' order by role_name) from user_roles where user_id = u.id) as roles
     from users u where u.id = $1";
pub const USER_BY_EMAIL: &str = "select u.id, u.email, u.name, u.status, u.created_at, u.updated_at,
         (select string_agg(role_name, ' ' order by role_name) from user_roles where user_id = u.id) as roles
     from users u where lower(u.email) = $1";
pub const CREDENTIALS_BY_EMAIL: &str = "select u.id, u.email, u.name, u.status, u.created_at, u.updated_at, u.password_hash,
         (select string_agg(role_name, ' ' order by role_name) from user_roles where user_id = u.id) as roles
     from users u where lower(u.email) = $1";

/// The user, locked until the transaction ends (so it cannot vanish under a role assignment).
pub const USER_EXISTS_FOR_WRITE: &str = "select 1 from users where id = $1 for update";

/// Signing-key inserts take turns (the lock conflicts with itself, not with readers).
pub const SERIALISE_SIGNING_KEY_INSERTS: &str =
    "lock table signing_keys in share row exclusive mode";
