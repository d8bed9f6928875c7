//! Deciding a code: a TOTP step or a recovery code against the account's one budget of wrong
//! codes, decided by the statement that checks the budget, and recorded in the audit log.

use time::OffsetDateTime;

use super::{FactorCode, SecondFactorError, SecondFactors};
use crate::crypto::recovery_code::RecoveryCode;
use crate::domain::UserId;
use crate::domain::audit::AuditActor;

impl SecondFactors {
    /// Verifies a code of `user`'s confirmed factor, spending it (and, if wrong, one of the
    /// account's budget of wrong codes).
    pub async fn verify_code(
        &self,
        user: UserId,
        code: &FactorCode,
    ) -> Result<(), SecondFactorError> {
        if !self.available() {
            return Err(SecondFactorError::Disabled);
        }
        let factor = self.0.store.second_factor(user).await?;
        let sealed = factor
            .filter(|f| f.is_confirmed())
            .map(|f| f.sealed_secret)
            .ok_or(SecondFactorError::NotEnrolled)?;
        self.decide(user, &sealed, code).await
    }

    /// Decides `code` for `user`: accepted only by a statement that also finds the budget not
    /// spent; a wrong code is counted, or refused as locked when the budget is gone.
    pub(super) async fn decide(
        &self,
        user: UserId,
        sealed: &[u8],
        code: &FactorCode,
    ) -> Result<(), SecondFactorError> {
        let budget = self.budget();
        let store = &self.0.store;
        let accepted = match code {
            FactorCode::Totp(code) => {
                let secret = self.unseal(user, sealed)?;
                match secret.matching_step(code, budget.now.unix_timestamp()) {
                    Some(step) => {
                        let step = i64::try_from(step)
                            .map_err(|e| SecondFactorError::Internal(Box::new(e)))?;
                        store.accept_totp_step(user, step, budget).await?
                    }
                    None => false,
                }
            }
            FactorCode::Recovery(code) => match RecoveryCode::parse(code) {
                Some(code) => {
                    let hash = code.hash(&self.0.hasher);
                    store.use_recovery_code(user, &hash, budget).await?
                }
                None => false,
            },
        };
        let result = if accepted {
            Ok(())
        } else if store.record_second_factor_failure(user, budget).await? {
            Err(SecondFactorError::InvalidCode)
        } else {
            Err(SecondFactorError::Locked)
        };
        self.record_check(user, code, &result, budget.now).await;
        result
    }

    /// Records a decided code in the audit log (`user.second_factor.checked`, with the method:
    /// a recovery code accepted is one used up).
    async fn record_check(
        &self,
        user: UserId,
        code: &FactorCode,
        result: &Result<(), SecondFactorError>,
        now: OffsetDateTime,
    ) {
        let method = match code {
            FactorCode::Totp(_) => "method:totp",
            FactorCode::Recovery(_) => "method:recovery_code",
        };
        let actor = AuditActor::User(user.to_string());
        let event = crate::audit::event("user.second_factor.checked", actor, now)
            .subject(user)
            .detail(method);
        let event = match result {
            Ok(()) => event,
            Err(SecondFactorError::Locked) => event.failed().detail("locked"),
            Err(_) => event.failed(),
        };
        if let Err(error) = self.0.store.record_audit_event(&event).await {
            tracing::warn!(%error, "recording a second-factor check in the audit log failed");
        }
    }
}
