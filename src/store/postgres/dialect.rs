//! The statements PostgreSQL says differently from SQLite.

/// Whether the migrations table exists.
pub const MIGRATIONS_TRACKED: &str = "select to_regclass('_sqlx_migrations') is not null";

/// Whether some client lists `$1` among its web origins (jsonb containment).
pub const IS_WEB_ORIGIN: &str = "select exists (select 1 from clients where web_origins ? $1)";

/// The user, locked until the transaction ends (so it cannot vanish under a role assignment).
pub const USER_EXISTS_FOR_WRITE: &str = "select 1 from users where id = $1 for update";

/// Signing-key inserts take turns (the lock conflicts with itself, not with readers).
pub const SERIALISE_SIGNING_KEY_INSERTS: &str =
    "lock table signing_keys in share row exclusive mode";

/// Claims due mail (`OutboxStore::claim_due_mails`): rows another sender is claiming are skipped.
pub const CLAIM_DUE_MAILS: &str = crate::store::outbox::claim_due_mails!("for update skip locked");

/// The active administrators, locked until the transaction ends (account deletion takes turns).
pub const ACTIVE_ADMINS_FOR_WRITE: &str = "select u.id from users u
     join user_roles r on r.user_id = u.id and r.role_name = 'admin'
     where u.status = 'active' order by u.id for update of u";

/// The user's profile picture, the row locked until the transaction ends.
pub const USER_PICTURE_FOR_WRITE: &str = "select picture from users where id = $1 for update";

/// A custom role's version; the row locked until the transaction ends.
pub const CUSTOM_ROLE_VERSION_FOR_WRITE: &str =
    "select version from roles where name = $1 and not builtin for update";

/// A user's version and status; the row locked until the transaction ends.
pub const USER_VERSION_FOR_WRITE: &str =
    "select version, status from users where id = $1 for update";

/// A client's version; the row locked until the transaction ends.
pub const CLIENT_VERSION_FOR_WRITE: &str = "select version from clients where id = $1 for update";

/// The audit chain's head, for sealing; one sealer at a time: a second skips the locked row (and seals nothing) instead of waiting.
pub const AUDIT_CHAIN_HEAD_FOR_SEALING: &str =
    "select seq, chain_hash from audit_chain where id = 1 for update skip locked";

/// How the admin listing compares lower-cased text for a prefix range: byte order whatever the database's collation (the prefix indexes are built so).
pub const BYTE_ORDER: &str = " collate \"C\"";

/// A typed prefix folded as this database's `lower()` folds the column it is compared with:
/// PostgreSQL's `lower()` follows the database's character type (every cased letter under a
/// UTF-8 locale such as `en_US.UTF-8`, as Rust's `to_lowercase` does).
pub const LOWER_CASE: fn(&str) -> String = str::to_lowercase;

/// Casts for the parameters of a `values` list, whose types the statement cannot infer
/// (the sealer's batched update): a uuid, and a bigint.
pub const VALUES_CASTS: (&str, &str) = ("::uuid", "::bigint");
