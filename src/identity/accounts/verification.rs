//! Verifying an address with the code or link from the registration mail.

use super::{AccountError, Accounts, Proof};
use crate::domain::{TokenPurpose, User};

impl Accounts {
    /// Marks the address verified; answers the user whose address it is.
    pub async fn verify_email(&self, proof: &Proof) -> Result<User, AccountError> {
        let (token, user) = self.redeemable(proof, TokenPurpose::VerifyEmail).await?;
        let now = self.0.clock.now();
        let event = crate::audit::event(
            "user.email_verified",
            crate::domain::audit::AuditActor::Anonymous,
            now,
        );
        if !self.0.store.verify_email(token.id, now, event).await? {
            // Used by a request that raced this one, or expired meanwhile.
            return Err(AccountError::InvalidCode);
        }
        tracing::info!(user_id = %user.id, "email verified");
        Ok(User {
            email_verified: true,
            ..user
        })
    }
}
