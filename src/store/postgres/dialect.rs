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

pub const PURGE_EXPIRED_BROWSER_SESSIONS: &str =
    "delete from browser_sessions where expires_at <= $1";

pub const INSERT_SIGNING_KEY_UNLESS_NEWER: &str =
    "insert into signing_keys (kid, alg, private_key, created_at, activates_at)
     select $1, $2, $3, $4, $5
     where not exists (select 1 from signing_keys where alg = $2 and activates_at > $6)";
pub const NEWEST_SIGNING_KEY: &str = "select * from signing_keys where alg = $1
     order by activates_at desc, created_at desc, kid desc limit 1";

/// Admits a sign-in attempt (`LoginFailureStore::admit_login_attempt`): one upsert.
pub const ADMIT_LOGIN_ATTEMPT: &str = "insert into login_failures (key, failures, in_flight, locked_until, updated_at)
             values ($1, 0, 1, null, $2)
             on conflict (key) do update set
                 failures = case when login_failures.last_failure_at is null
                                   or login_failures.last_failure_at <= $3 then 0
                                 else login_failures.failures end,
                 in_flight = case when login_failures.updated_at <= $4 then 1 else login_failures.in_flight + 1 end,
                 updated_at = $2
             where (login_failures.locked_until is null or login_failures.locked_until <= $2)
               and (login_failures.updated_at <= $4
                    or login_failures.failures + login_failures.in_flight < $5
                    or (login_failures.failures >= $5 and login_failures.in_flight = 0))
             returning in_flight";
/// Whether a key is locked at `$2`.
pub const LOGIN_LOCKED_AT: &str =
    "select locked_until is not null and locked_until > $2 from login_failures where key = $1";
pub const PURGE_LOGIN_FAILURES: &str = "delete from login_failures where updated_at <= $1 and (locked_until is null or locked_until <= $2)";

/// Revoked access tokens that have not expired at `$1`.
pub const LIVE_REVOKED_ACCESS_TOKENS: &str =
    "select jti, expires_at from revoked_access_tokens where expires_at > $1";
pub const GRANTS_REVOKED_SINCE: &str = "select id, revoked_at from grants where revoked_at >= $1";
pub const PURGE_EXPIRED_REVOCATIONS: &str =
    "delete from revoked_access_tokens where expires_at <= $1";
/// Codes, refresh tokens and families that can no longer be used at `$1`, in that order.
pub const PURGE_EXPIRED_GRANTS: [&str; 3] = [
    "delete from authorization_codes where expires_at <= $1",
    "delete from refresh_tokens where expires_at <= $1",
    "delete from grants where expires_at <= $1 or (revoked_at is not null and revoked_at <= $1)",
];
