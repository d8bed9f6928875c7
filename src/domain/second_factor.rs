//! A second factor: a user's TOTP secret (sealed; this module never sees it in the clear), their
//! recovery codes, and the sign-ins waiting for one.

use time::OffsetDateTime;
use uuid::Uuid;

use super::{ClientId, TokenHash, UserId};

/// A user's TOTP factor as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecondFactor {
    pub user_id: UserId,
    /// The secret, sealed under `keys.encryption_key` with the user id as associated data.
    pub sealed_secret: Vec<u8>,
    /// When a code from it was first entered; `None` while the enrolment is pending.
    pub confirmed_at: Option<OffsetDateTime>,
    /// The newest time step accepted, if any.
    pub last_used_step: Option<i64>,
    pub created_at: OffsetDateTime,
    /// Recovery codes not yet used.
    pub recovery_codes_left: u32,
}

impl SecondFactor {
    pub fn is_confirmed(&self) -> bool {
        self.confirmed_at.is_some()
    }
}

/// The budget of wrong second-factor codes per account: at most `limit` since the first of them
/// within the window that ends at `now` (it started at `window_start`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureBudget {
    pub now: OffsetDateTime,
    pub window_start: OffsetDateTime,
    pub limit: u32,
}

/// What a sign-in waiting for its second factor is for: a browser's sign-in page, or a client of
/// the authorization challenge endpoint with the PKCE challenge and scope its code will carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChallengeFor {
    Page,
    Client {
        client_id: ClientId,
        code_challenge: String,
        scope: String,
    },
}

/// A sign-in waiting for its second factor, as stored (its handle only as a keyed hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecondFactorChallenge {
    pub id: Uuid,
    pub handle_hash: TokenHash,
    pub user_id: UserId,
    pub purpose: ChallengeFor,
    /// Codes tried so far, the one being checked included.
    pub guesses: u32,
    /// When the password was checked.
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}
