//! A sign-in waiting for its second factor after a right password: started with a handle its
//! holder (the browser session, or a client as `auth_session`) answers with, and answered with a
//! code, the handle changing with every answer.

use super::{FactorCode, SecondFactorError, SecondFactors, duration};
use crate::crypto::token::PlaintextToken;
use crate::domain::{ChallengeFor, SecondFactorChallenge, User};

/// A failed answer to a waiting sign-in: why, and the handle to answer with next (`None` when
/// the sign-in is over and must start again with the password).
#[derive(Debug)]
pub struct ChallengeRefusal {
    pub error: SecondFactorError,
    pub next_handle: Option<PlaintextToken>,
}

impl SecondFactors {
    /// How long a sign-in with a right password may wait for its second factor.
    pub fn challenge_ttl(&self) -> time::Duration {
        duration(self.0.config.challenge_ttl.get())
    }

    /// Starts a sign-in that waits for its second factor; answers the handle its holder (the
    /// browser session, or the client as `auth_session`) answers with.
    pub async fn begin_challenge(
        &self,
        user: &User,
        purpose: ChallengeFor,
    ) -> Result<PlaintextToken, SecondFactorError> {
        let handle = PlaintextToken::generate();
        let now = self.0.clock.now();
        let challenge = SecondFactorChallenge {
            id: uuid::Uuid::now_v7(),
            handle_hash: self.0.hasher.hash(&handle),
            user_id: user.id,
            purpose,
            guesses: 0,
            created_at: now,
            expires_at: now + self.challenge_ttl(),
        };
        self.0
            .store
            .create_second_factor_challenge(&challenge)
            .await?;
        Ok(handle)
    }

    /// Answers the waiting sign-in `handle` with `code`. `bound` says whether the sign-in is the
    /// caller's (the browser's, or this client's with this PKCE challenge); one that is not is
    /// over before its code is looked at, so nothing of the user's is spent on it. The handle
    /// is spent either way: a refusal carries the next one while the sign-in has tries left.
    pub async fn answer_challenge(
        &self,
        handle: &str,
        bound: impl FnOnce(&ChallengeFor) -> bool,
        code: &FactorCode,
    ) -> Result<SecondFactorChallenge, ChallengeRefusal> {
        let over = |error| ChallengeRefusal {
            error,
            next_handle: None,
        };
        let next = PlaintextToken::generate();
        let presented = self.0.hasher.hash(&PlaintextToken::from_presented(handle));
        let now = self.0.clock.now();
        let advanced = self
            .0
            .store
            .advance_second_factor_challenge(
                &presented,
                &self.0.hasher.hash(&next),
                now,
                self.0.config.attempts_per_sign_in,
            )
            .await
            .map_err(|e| over(e.into()))?;
        let Some((challenge, sealed)) = advanced else {
            return Err(over(SecondFactorError::ChallengeOver));
        };
        let Some(sealed) = sealed else {
            // The factor was removed meanwhile.
            return Err(over(SecondFactorError::ChallengeOver));
        };
        if !bound(&challenge.purpose) {
            return Err(over(SecondFactorError::ChallengeOver));
        }
        match self.decide(challenge.user_id, &sealed, code).await {
            Ok(()) => {
                if let Err(error) = self.0.store.end_second_factor_challenge(challenge.id).await {
                    // Its handle is already spent and known to nobody: it only waits for expiry.
                    tracing::warn!(%error, "ending a passed second-factor challenge failed");
                }
                Ok(challenge)
            }
            Err(error @ SecondFactorError::InvalidCode)
                if challenge.guesses < self.0.config.attempts_per_sign_in =>
            {
                Err(ChallengeRefusal {
                    error,
                    next_handle: Some(next),
                })
            }
            Err(SecondFactorError::InvalidCode) => Err(over(SecondFactorError::ChallengeOver)),
            Err(error) => Err(over(error)),
        }
    }
}
