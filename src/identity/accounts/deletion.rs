//! Deleting one's own account. Everything that lets the account act ends at once (grants,
//! browser sessions, consents, codes), the personal data is erased, and the row stays as a
//! pseudonymous tombstone: its id, which grants (and the audit log) refer to, so that revoked
//! tokens stay revoked on every instance and old records still resolve. The last active
//! administrator cannot delete themselves (someone must be able to manage the server).

use super::codes::code_budget_key;
use super::{AccountError, Accounts};
use crate::domain::audit::AuditActor;
use crate::domain::{SignOut, User};
use crate::email::messages;
use crate::identity::login::account_counter_key;
use crate::store::{Conflict, StoreError};

impl Accounts {
    /// Deletes `user`'s account. The caller has checked that the person at the keyboard is the
    /// owner (a recent sign-in, or the password) or an administrator allowed to. The address is
    /// told. With `if_version`, a row changed since that version is `Changed`.
    pub async fn delete_account(
        &self,
        user: &User,
        if_version: Option<i64>,
        actor: AuditActor,
    ) -> Result<SignOut, AccountError> {
        let now = self.0.clock.now();
        let notice = messages::account_deleted(user.email.clone(), &self.0.issuer, now)?;
        // Random, so nobody can register it first and make the deletion fail.
        let tombstone = format!("deleted-{}@deleted.invalid", uuid::Uuid::new_v4().simple());
        let counters = [
            account_counter_key(user.email.as_str()),
            code_budget_key(&user.email),
        ];
        let done = match self
            .0
            .store
            .delete_account(
                user.id,
                if_version,
                &tombstone,
                &counters,
                notice,
                &crate::audit::event("user.deleted", actor, now).subject(user.id),
            )
            .await
        {
            Ok(done) => done,
            Err(StoreError::Conflict(Conflict::LastAdmin)) => return Err(AccountError::LastAdmin),
            Err(StoreError::Conflict(Conflict::Version)) => return Err(AccountError::Changed),
            Err(StoreError::NotFound) => return Err(AccountError::NotFound),
            Err(error) => return Err(error.into()),
        };
        self.mail_queued();
        tracing::info!(
            user_id = %user.id,
            revoked_grants = done.revoked_grants.len(),
            ended_sessions = done.ended_sessions,
            "account deleted"
        );
        Ok(done)
    }
}
