//! What a user granted a client: authorization codes, the grant a code turns into, refresh
//! tokens, remembered consent. Secrets appear only as hashes.

use time::OffsetDateTime;
use uuid::Uuid;

use super::{ClientId, UserId};

/// The stored form of a secret (keyed hash); the store never sees the secret itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenHash(String);

impl TokenHash {
    pub fn from_stored(value: String) -> Self {
        Self(value)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// An authorization code as issued: bound to client, redirect URI, PKCE challenge, nonce, scope
/// and the sign-in it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationCode {
    pub code_hash: TokenHash,
    pub client_id: ClientId,
    pub user_id: UserId,
    pub redirect_uri: String,
    pub scope: String,
    pub nonce: Option<String>,
    /// S256 challenge (RFC 7636 §4.2).
    pub code_challenge: String,
    pub auth_time: OffsetDateTime,
    pub sid: Option<String>,
    /// How the user authenticated (RFC 8176 values, e.g. `pwd`, `otp`).
    pub amr: Vec<String>,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// A grant: what one authorization issued. Every refresh token (RFC 9700's "refresh token
/// family") and access token of that authorization belongs to it, and revoking it ends them all.
/// In this code "grant" alone always means this; the protocol's ways of asking for tokens are
/// grant *types* (`oauth::grant_types`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub id: Uuid,
    pub client_id: ClientId,
    pub user_id: UserId,
    pub scope: String,
    pub auth_time: OffsetDateTime,
    pub sid: Option<String>,
    /// How the user authenticated for it (RFC 8176 values), stated in every ID token.
    pub amr: Vec<String>,
    pub created_at: OffsetDateTime,
    /// Absolute end of the grant: no refresh after this.
    pub expires_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
}

/// A refresh token to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRefreshToken {
    pub token_hash: TokenHash,
    pub created_at: OffsetDateTime,
    /// Idle expiry: the token dies if unused until then.
    pub expires_at: OffsetDateTime,
}

/// A stored refresh token with its grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshTokenRecord {
    pub token_hash: TokenHash,
    pub grant: Grant,
    pub expires_at: OffsetDateTime,
    pub consumed_at: Option<OffsetDateTime>,
}

/// How a code redemption went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redemption {
    /// The code was consumed and the grant (and refresh token, if any) created.
    Granted(Grant),
    /// The code had been used before: the grant it created (if any) is now revoked.
    Replayed { revoked: Option<uuid::Uuid> },
    /// No such code, or it expired (it is burned either way).
    Invalid,
}

/// How a refresh-token rotation went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// The token was consumed and its successor stored.
    Rotated(Grant),
    /// The token was consumed moments ago and its successor is still unused: the same
    /// successor answers again (a client retrying after a lost response).
    Retried(Grant),
    /// The token had been used before: the whole grant is now revoked.
    Reused,
    /// No such token, expired, revoked grant, or another client's.
    Invalid,
}

/// The answer to a sign-in attempt asking to be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Counted as in flight: check the password, then record the outcome.
    Admitted,
    /// The key is locked out.
    Locked,
    /// Enough attempts are in flight to reach the threshold: wait for them to be decided.
    Busy,
}
