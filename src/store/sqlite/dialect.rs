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

pub const PURGE_EXPIRED_BROWSER_SESSIONS: &str =
    "delete from browser_sessions where unixepoch(expires_at, 'subsec') <= unixepoch($1, 'subsec')";

pub const INSERT_SIGNING_KEY_UNLESS_NEWER: &str = "insert into signing_keys (kid, alg, private_key, created_at, activates_at)
     select $1, $2, $3, $4, $5
     where not exists (select 1 from signing_keys where alg = $2 and unixepoch(activates_at, 'subsec') > unixepoch($6, 'subsec'))";
pub const NEWEST_SIGNING_KEY: &str = "select * from signing_keys where alg = $1
     order by unixepoch(activates_at, 'subsec') desc, unixepoch(created_at, 'subsec') desc, kid desc
     limit 1";

/// Admits a sign-in attempt (`LoginFailureStore::admit_login_attempt`): one upsert.
pub const ADMIT_LOGIN_ATTEMPT: &str = "insert into login_failures (key, failures, in_flight, locked_until, updated_at)
             values ($1, 0, 1, null, $2)
             on conflict (key) do update set
                 failures = case when login_failures.last_failure_at is null
                                   or unixepoch(login_failures.last_failure_at, 'subsec')
                                      <= unixepoch($3, 'subsec') then 0
                                 else login_failures.failures end,
                 in_flight = case when unixepoch(login_failures.updated_at, 'subsec') <= unixepoch($4, 'subsec') then 1 else login_failures.in_flight + 1 end,
                 updated_at = $2
             where (login_failures.locked_until is null or unixepoch(login_failures.locked_until, 'subsec') <= unixepoch($2, 'subsec'))
               and (unixepoch(login_failures.updated_at, 'subsec') <= unixepoch($4, 'subsec')
                    or login_failures.failures + login_failures.in_flight < $5
                    or (login_failures.failures >= $5 and login_failures.in_flight = 0))
             returning in_flight";
/// Whether a key is locked at `$2`.
pub const LOGIN_LOCKED_AT: &str = "select locked_until is not null and unixepoch(locked_until, 'subsec') > unixepoch($2, 'subsec') from login_failures where key = $1";
pub const PURGE_LOGIN_FAILURES: &str = "delete from login_failures where unixepoch(updated_at, 'subsec') <= unixepoch($1, 'subsec') and (locked_until is null or unixepoch(locked_until, 'subsec') <= unixepoch($2, 'subsec'))";

/// Revoked access tokens that have not expired at `$1`.
pub const LIVE_REVOKED_ACCESS_TOKENS: &str = "select jti, expires_at from revoked_access_tokens
     where unixepoch(expires_at, 'subsec') > unixepoch($1, 'subsec')";
pub const GRANTS_REVOKED_SINCE: &str = "select id, revoked_at from grants
     where revoked_at is not null and unixepoch(revoked_at, 'subsec') >= unixepoch($1, 'subsec')";
pub const PURGE_EXPIRED_REVOCATIONS: &str = "delete from revoked_access_tokens
     where unixepoch(expires_at, 'subsec') <= unixepoch($1, 'subsec')";
/// Codes, refresh tokens and families that can no longer be used at `$1`, in that order.
pub const PURGE_EXPIRED_GRANTS: [&str; 3] = [
    "delete from authorization_codes where unixepoch(expires_at, 'subsec') <= unixepoch($1, 'subsec')",
    "delete from refresh_tokens where unixepoch(expires_at, 'subsec') <= unixepoch($1, 'subsec')",
    "delete from grants where unixepoch(expires_at, 'subsec') <= unixepoch($1, 'subsec')
         or (revoked_at is not null and unixepoch(revoked_at, 'subsec') <= unixepoch($1, 'subsec'))",
];
