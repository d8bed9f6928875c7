//! Storage: one trait per concern, composed into [`Store`], each implemented once (in
//! `store/<concern>.rs`) for the two real backends (`postgres`, `sqlite`), chosen by the database
//! URL's scheme. Every method is one transaction,
//! named for the domain step it performs. The only module that names sqlx.

mod browser_sessions;
pub mod by_time;
mod clients;
mod consents;
mod error;
mod grants;
mod keys;
mod login_failures;
mod pool;
mod postgres;
mod roles;
mod rows;
mod sqlite;
mod timestamp;
mod users;

use std::sync::Arc;

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::config::{Backend, DatabaseConfig};
use crate::domain::{
    Admission, AuthorizationCode, Client, ClientId, Email, Grant, NewClient, NewRefreshToken,
    NewUser, Redemption, RefreshTokenRecord, RoleName, Rotation, SigningAlgorithm,
    StoredSigningKey, TokenHash, User, UserId, UserStatus,
};

pub use error::{Conflict, StoreError};

pub type StoreResult<T> = Result<T, StoreError>;

/// Users and their credentials.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Inserts a user with its roles (creating missing roles). `Conflict::Email` if the email is taken.
    async fn create_user(&self, user: NewUser) -> StoreResult<User>;
    async fn find_user(&self, id: UserId) -> StoreResult<Option<User>>;
    async fn find_user_by_email(&self, email: &Email) -> StoreResult<Option<User>>;
    /// The user and their password hash (PHC string), for checking a sign-in.
    async fn find_credentials(&self, email: &Email) -> StoreResult<Option<(User, Option<String>)>>;
    /// `NotFound` if there is no such user.
    async fn set_user_status(
        &self,
        id: UserId,
        status: UserStatus,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
}

/// Roles and their assignment to users.
#[async_trait]
pub trait RoleStore: Send + Sync {
    /// Gives a user a role, creating the role if needed; assigning twice is not an error.
    /// `NotFound` if the user does not exist.
    async fn assign_role(
        &self,
        user: UserId,
        role: &RoleName,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Takes a role away; `NotFound` if the user did not have it.
    async fn unassign_role(&self, user: UserId, role: &RoleName) -> StoreResult<()>;
    async fn list_roles(&self) -> StoreResult<Vec<RoleName>>;
}

/// Registered OAuth clients.
#[async_trait]
pub trait ClientStore: Send + Sync {
    /// `Conflict::ClientId` if the id is taken.
    async fn create_client(&self, client: NewClient) -> StoreResult<Client>;
    async fn find_client(&self, id: &ClientId) -> StoreResult<Option<Client>>;
    async fn list_clients(&self) -> StoreResult<Vec<Client>>;
    /// Whether some client lists `origin` among its web origins (answers CORS preflights, which
    /// carry no client id).
    async fn is_web_origin(&self, origin: &str) -> StoreResult<bool>;
}

/// Signing keys. Inserting is conditional so that several instances rotating at once add one key.
#[async_trait]
pub trait KeyStore: Send + Sync {
    /// Inserts `key` unless a key of the same algorithm activates after `unless_activating_after`;
    /// returns whether it was inserted.
    async fn insert_signing_key_unless_newer(
        &self,
        key: StoredSigningKey,
        unless_activating_after: OffsetDateTime,
    ) -> StoreResult<bool>;
    async fn list_signing_keys(&self) -> StoreResult<Vec<StoredSigningKey>>;
    async fn delete_signing_key(&self, kid: &str) -> StoreResult<()>;
    /// The newest key of an algorithm: the one that activates last (rotation is due when it is old).
    async fn newest_signing_key(
        &self,
        alg: SigningAlgorithm,
    ) -> StoreResult<Option<StoredSigningKey>>;
}

/// Codes, grants (refresh-token families), refresh tokens and revoked access tokens. Every
/// method is one transaction; single use is enforced with a compare-and-set on `consumed_at`.
#[async_trait]
pub trait GrantStore: Send + Sync {
    async fn insert_authorization_code(&self, code: AuthorizationCode) -> StoreResult<()>;
    /// The code and whether it was already consumed.
    async fn find_authorization_code(
        &self,
        code: &TokenHash,
    ) -> StoreResult<Option<(AuthorizationCode, bool)>>;
    /// Marks a code used without granting anything (a failed check burns it).
    async fn burn_authorization_code(
        &self,
        code: &TokenHash,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Consumes the code and, in the same transaction, creates `grant` and its first refresh
    /// token. A code used before has its grant revoked.
    async fn redeem_authorization_code(
        &self,
        code: &TokenHash,
        now: OffsetDateTime,
        grant: Grant,
        refresh_token: Option<NewRefreshToken>,
    ) -> StoreResult<Redemption>;
    /// Creates a grant without a code (password grant).
    async fn insert_grant(
        &self,
        grant: Grant,
        refresh_token: Option<NewRefreshToken>,
    ) -> StoreResult<()>;
    async fn find_refresh_token(
        &self,
        token: &TokenHash,
    ) -> StoreResult<Option<RefreshTokenRecord>>;
    /// Consumes `token` and stores `next` in its family, atomically. Reuse of a consumed token
    /// revokes the family, except for a retry: the token was consumed at or after
    /// `retry_since` and its successor is `next` (derived from the token, so a retry presents
    /// the same one), still unused and live; then nothing changes and the answer is `Retried`.
    async fn rotate_refresh_token(
        &self,
        token: &TokenHash,
        now: OffsetDateTime,
        next: NewRefreshToken,
        retry_since: Option<OffsetDateTime>,
    ) -> StoreResult<Rotation>;
    async fn find_grant(&self, id: uuid::Uuid) -> StoreResult<Option<Grant>>;
    /// Revokes a family: its refresh tokens stop working and its access tokens introspect inactive.
    async fn revoke_grant(&self, id: uuid::Uuid, now: OffsetDateTime) -> StoreResult<()>;
    /// Records a revoked access token; revoking twice is not an error.
    async fn revoke_access_token(&self, jti: &str, expires_at: OffsetDateTime) -> StoreResult<()>;
    /// What servers keep in memory to turn tokens inactive: access tokens revoked that have not
    /// expired at `now`, and grants revoked at or after `grants_since`.
    async fn revocations(
        &self,
        now: OffsetDateTime,
        grants_since: OffsetDateTime,
    ) -> StoreResult<Revocations>;
    /// Forgets revocations of tokens that have expired anyway; returns how many.
    async fn purge_expired_revocations(&self, now: OffsetDateTime) -> StoreResult<u64>;
    /// Deletes codes, refresh tokens and grants that can no longer be used: expired before
    /// `before` (or revoked before it); returns how many rows went.
    async fn purge_expired_grants(&self, before: OffsetDateTime) -> StoreResult<u64>;
}

/// Consent a user gave a client, remembered so they are not asked again for the same scopes.
#[async_trait]
pub trait ConsentStore: Send + Sync {
    async fn find_consent(&self, user: UserId, client: &ClientId) -> StoreResult<Option<String>>;
    async fn save_consent(
        &self,
        user: UserId,
        client: &ClientId,
        scope: &str,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
}

/// Password guesses per key ("account:<email>", "address:<ip>"), behind the temporary lockout.
/// An attempt is admitted *before* its password is checked: failures and attempts still in
/// flight together never exceed the threshold, so a burst of parallel guesses cannot get more
/// checks than the threshold allows, and a right password leaves no failure behind.
#[async_trait]
pub trait LoginFailureStore: Send + Sync {
    async fn login_locked_until(&self, key: &str) -> StoreResult<Option<OffsetDateTime>>;
    /// Admits an attempt on `key`, in one atomic statement: refused while locked, or while the
    /// failures plus the attempts in flight reach `threshold` (after a lockout has run out, one
    /// attempt at a time). Failures are forgotten when the last one is older than
    /// `window_start`, and attempts in flight when the key was last touched before
    /// `stale_before` (their requests ended without deciding).
    async fn admit_login_attempt(
        &self,
        key: &str,
        now: OffsetDateTime,
        window_start: OffsetDateTime,
        stale_before: OffsetDateTime,
        threshold: u32,
    ) -> StoreResult<Admission>;
    /// Decides an admitted attempt as failed and returns the failure count; the attempt that
    /// reaches `threshold` locks the key until `hold_until` in the same statement, so nothing
    /// is admitted before the caller sets the exact lockout with [`lock_login`].
    ///
    /// [`lock_login`]: LoginFailureStore::lock_login
    async fn record_login_failure(
        &self,
        key: &str,
        now: OffsetDateTime,
        threshold: u32,
        hold_until: OffsetDateTime,
    ) -> StoreResult<u32>;
    /// Sets the lockout that failure number `count` earned (nothing if the count has moved on).
    async fn lock_login(&self, key: &str, count: u32, until: OffsetDateTime) -> StoreResult<()>;
    /// Decides an admitted attempt as a success: the failures are forgotten and the lock lifted.
    async fn record_login_success(&self, key: &str, now: OffsetDateTime) -> StoreResult<()>;
    /// Ends an admitted attempt without deciding it (its password was not checked, or it was
    /// right and this key does not forgive failures, like a source address).
    async fn release_login_attempt(&self, key: &str) -> StoreResult<()>;
    /// Forgets counters last touched before `before` whose lockout (if any) is over.
    async fn purge_login_failures(
        &self,
        before: OffsetDateTime,
        now: OffsetDateTime,
    ) -> StoreResult<u64>;
}

/// Server-side browser sessions (tower-sessions records), keyed by a hash of the session id.
#[async_trait]
pub trait BrowserSessionStore: Send + Sync {
    /// Inserts a new session; `false` if the id is taken (the caller picks another).
    async fn create_browser_session(
        &self,
        id: &TokenHash,
        data: &str,
        expires_at: OffsetDateTime,
    ) -> StoreResult<bool>;
    async fn save_browser_session(
        &self,
        id: &TokenHash,
        data: &str,
        expires_at: OffsetDateTime,
    ) -> StoreResult<()>;
    async fn load_browser_session(
        &self,
        id: &TokenHash,
    ) -> StoreResult<Option<(String, OffsetDateTime)>>;
    async fn delete_browser_session(&self, id: &TokenHash) -> StoreResult<()>;
    async fn purge_expired_browser_sessions(&self, now: OffsetDateTime) -> StoreResult<u64>;
}

/// The schema as found in the database, against what this binary knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaVersion {
    /// Highest migration applied in the database (0 for an empty database).
    pub applied: i64,
    /// Highest migration this binary carries.
    pub supported: i64,
}

/// Revocations as found in the database (see [`GrantStore::revocations`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Revocations {
    /// Each revoked access token's `jti` and expiry.
    pub access_tokens: Vec<(String, OffsetDateTime)>,
    /// Each revoked grant and when it was revoked.
    pub grants: Vec<(uuid::Uuid, OffsetDateTime)>,
}

/// A change committed by some instance, as the database announces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    AccessTokenRevoked {
        jti: String,
        expires_at: OffsetDateTime,
    },
    GrantRevoked {
        id: uuid::Uuid,
        revoked_at: OffsetDateTime,
    },
    /// The user, or their roles, changed.
    User(UserId),
    Client(ClientId),
    /// The feed lost its connection and may have missed changes: whoever caches must reload.
    Lost,
}

/// Changes as they commit, from every instance on the same database.
#[async_trait]
pub trait ChangeFeed: Send {
    /// The next change; an error means the database is unreachable for now (call again later).
    async fn next(&mut self) -> StoreResult<Change>;
}

/// The connection itself: health, schema and lifecycle.
#[async_trait]
pub trait Database: Send + Sync {
    fn backend(&self) -> Backend;
    /// One round trip to the database.
    async fn ping(&self) -> StoreResult<()>;
    async fn schema_version(&self) -> StoreResult<SchemaVersion>;
    /// Applies pending migrations; safe to run from several instances at once.
    async fn migrate(&self) -> StoreResult<()>;
    /// Subscribes to changes as they commit; `None` where the backend cannot announce them
    /// (SQLite: one process owns the file, and periodic reloads cover the CLI).
    async fn change_feed(&self) -> StoreResult<Option<Box<dyn ChangeFeed>>>;
    /// Waits for pooled connections to close.
    async fn close(&self);
}

/// Everything the server stores.
pub trait Store:
    Database
    + UserStore
    + RoleStore
    + ClientStore
    + KeyStore
    + GrantStore
    + ConsentStore
    + LoginFailureStore
    + BrowserSessionStore
{
}
impl<T> Store for T where
    T: Database
        + UserStore
        + RoleStore
        + ClientStore
        + KeyStore
        + GrantStore
        + ConsentStore
        + LoginFailureStore
        + BrowserSessionStore
{
}

/// Opens a pool to the configured database (one attempt; the caller decides about retrying).
pub async fn connect(config: &DatabaseConfig) -> StoreResult<Arc<dyn Store>> {
    Ok(match config.url.backend() {
        Backend::Postgres => Arc::new(postgres::PostgresStore::connect(config).await?),
        Backend::Sqlite => Arc::new(sqlite::SqliteStore::connect(config).await?),
    })
}

/// The migration names this binary carries for a backend, in order (tests compare the two lists).
pub fn migration_names(backend: Backend) -> Vec<String> {
    let migrator = match backend {
        Backend::Postgres => &postgres::MIGRATOR,
        Backend::Sqlite => &sqlite::MIGRATOR,
    };
    migrator
        .iter()
        .map(|m| format!("{:04}_{}", m.version, m.description.replace(' ', "_")))
        .collect()
}
