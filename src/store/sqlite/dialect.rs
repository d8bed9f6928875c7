//! The statements SQLite says differently from PostgreSQL.

/// Whether the migrations table exists.
pub const MIGRATIONS_TRACKED: &str = "select exists
     (select 1 from sqlite_master where type = 'table' and name = '_sqlx_migrations')";

/// Whether some client lists `$1` among its web origins (JSON text, unpacked by `json_each`).
pub const IS_WEB_ORIGIN: &str =
    "select exists (select 1 from clients, json_each(clients.web_origins) as o where o.value = $1)";

/// The user; `begin immediate` already holds the write lock.
pub const USER_EXISTS_FOR_WRITE: &str = "select 1 from users where id = $1";

/// Signing-key inserts take turns: `begin immediate` already holds the write lock.
pub const SERIALISE_SIGNING_KEY_INSERTS: &str = "select 1";

/// Claims due mail (`OutboxStore::claim_due_mails`); one writer at a time, so nothing to skip.
pub const CLAIM_DUE_MAILS: &str = crate::store::outbox::claim_due_mails!("");

/// The active administrators; `begin immediate` already holds the write lock.
pub const ACTIVE_ADMINS_FOR_WRITE: &str = "select u.id from users u
     join user_roles r on r.user_id = u.id and r.role_name = 'admin'
     where u.status = 'active' order by u.id";

/// The user's profile picture; `begin immediate` already holds the write lock.
pub const USER_PICTURE_FOR_WRITE: &str = "select picture from users where id = $1";

/// A custom role's version; `begin immediate` already holds the write lock.
pub const CUSTOM_ROLE_VERSION_FOR_WRITE: &str =
    "select version from roles where name = $1 and not builtin";

/// A user's version and status; `begin immediate` already holds the write lock.
pub const USER_VERSION_FOR_WRITE: &str = "select version, status from users where id = $1";

/// A client's version; `begin immediate` already holds the write lock.
pub const CLIENT_VERSION_FOR_WRITE: &str = "select version from clients where id = $1";

/// The audit chain's head, for sealing; `begin immediate` already holds the write lock.
pub const AUDIT_CHAIN_HEAD_FOR_SEALING: &str =
    "select seq, chain_hash from audit_chain where id = 1";

/// How the admin listing compares lower-cased text for a prefix range: SQLite compares text in byte order already.
pub const BYTE_ORDER: &str = "";

/// A typed prefix folded as this database's `lower()` folds the column it is compared with:
/// SQLite's `lower()` folds ASCII letters only; the prefix is folded alike, so a name with a capital `É` is found by `q=É…`.
pub const LOWER_CASE: fn(&str) -> String = str::to_ascii_lowercase;

/// Casts for the parameters of a `values` list, whose types the statement cannot infer
/// (the sealer's batched update): a uuid, and a bigint.
pub const VALUES_CASTS: (&str, &str) = ("", "");
