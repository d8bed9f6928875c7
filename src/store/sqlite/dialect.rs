//! The statements SQLite says differently from PostgreSQL.

/// Whether some client lists `$1` among its web origins (JSON text, unpacked by `json_each`).
pub const IS_WEB_ORIGIN: &str =
    "select exists (select 1 from clients, json_each(clients.web_origins) as o where o.value = $1)";

/// A user row with their roles, space-separated in name order, for `UserRow`.
pub const USER_BY_ID: &str = "select u.id, u.email, u.name, u.status, u.created_at, u.updated_at,
         (select group_concat(role_name, ' ') from (select role_name from user_roles where user_id = u.id order by role_name)) as roles
     from users u where u.id = $1";
pub const USER_BY_EMAIL: &str = "select u.id, u.email, u.name, u.status, u.created_at, u.updated_at,
         (select group_concat(role_name, ' ') from (select role_name from user_roles where user_id = u.id order by role_name)) as roles
     from users u where lower(u.email) = $1";
pub const CREDENTIALS_BY_EMAIL: &str = "select u.id, u.email, u.name, u.status, u.created_at, u.updated_at, u.password_hash,
         (select group_concat(role_name, ' ') from (select role_name from user_roles where user_id = u.id order by role_name)) as roles
     from users u where lower(u.email) = $1";

/// The user; `begin immediate` already holds the write lock.
pub const USER_EXISTS_FOR_WRITE: &str = "select 1 from users where id = $1";

/// Signing-key inserts take turns: `begin immediate` already holds the write lock.
pub const SERIALISE_SIGNING_KEY_INSERTS: &str = "select 1";
