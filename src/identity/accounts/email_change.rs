//! Changing an account's address: the new address gets a code and a link, and replaces the old
//! one only once one of them comes back; the old address is then told. Starting a change
//! answers the same whether or not the new address has an account (the lookup and the mail
//! happen after the answer); an address that has one gets a notice instead of a code.

use super::codes::{code_budget_key, parse_code};
use super::{AccountError, Accounts, Proof};
use crate::domain::audit::{AuditActor, AuditEvent};
use crate::domain::{Email, InvalidField, TokenPurpose, User};
use crate::email::messages;
use crate::store::{Conflict, StoreError};

impl Accounts {
    /// Starts moving `user` to `new_email`. The caller has checked that the person at the
    /// keyboard is the owner (a recent sign-in, or the password).
    pub async fn start_email_change(
        &self,
        user: &User,
        new_email: &str,
    ) -> Result<(), AccountError> {
        let email = Email::parse(new_email).map_err(|e| AccountError::Invalid(vec![e]))?;
        if email == user.email {
            return Err(AccountError::Invalid(vec![InvalidField::new(
                "email",
                "is already the account's address",
            )]));
        }
        let domain = email.as_str().rsplit_once('@').map_or("", |(_, d)| d);
        if !self.0.registration.admits_domain(domain) {
            return Err(AccountError::Invalid(vec![InvalidField::new(
                "email",
                "addresses of this domain cannot be used here",
            )]));
        }
        // Made here, in the request: the step after the answer runs outside it. The same event
        // whether or not the new address has an account.
        let event = crate::audit::event(
            "user.email_change_requested",
            AuditActor::User(user.id.to_string()),
            self.0.clock.now(),
        )
        .subject(user.id)
        .person(user.id.as_uuid(), user.email.as_str());
        let this = self.clone();
        let user = user.clone();
        self.in_background("start email change", async move {
            this.send_email_change(&user, email, &event).await
        });
        Ok(())
    }

    /// Every start ends the codes and links of earlier starts, whatever the new address, so a
    /// mistyped address corrected at once leaves nothing behind, and an old link cannot tell
    /// whether a later address had an account. Not paced: only a recently signed-in owner gets
    /// here.
    async fn send_email_change(
        &self,
        user: &User,
        email: Email,
        event: &AuditEvent,
    ) -> Result<(), AccountError> {
        let now = self.0.clock.now();
        let purpose = TokenPurpose::ChangeEmail;
        let taken = self.0.store.find_user_by_email(&email).await?.is_some();
        if taken {
            let links = &self.0.links;
            let notice =
                messages::email_in_use(email, &self.0.issuer, &links.sign_in, &links.recover, now)?;
            self.0
                .store
                .end_account_tokens(user.id, purpose, now, notice, event)
                .await?;
        } else {
            let ttl = self.0.registration.verification_ttl.get();
            let issued = self.issue(user.id, &email, purpose, ttl, now);
            let mail = messages::confirm_new_email(
                email,
                &self.0.issuer,
                &issued.code,
                &Self::link(&self.0.links.change_email, &issued.link_token),
                &messages::lifetime(ttl),
                now,
            )?;
            self.0
                .store
                .issue_account_token(issued.token, mail, None, Some(event))
                .await?;
        }
        self.mail_queued();
        Ok(())
    }

    /// Confirms the change with the code (typed in by the signed-in `user`) or the link (its
    /// holder needs no sign-in: it reached the new address). The account as it now is.
    pub async fn confirm_email_change(
        &self,
        user: Option<&User>,
        proof: &Proof,
    ) -> Result<User, AccountError> {
        let (token, owner) = match (proof, user) {
            (Proof::Link { .. }, _) => self.redeemable(proof, TokenPurpose::ChangeEmail).await?,
            (Proof::Code { code, .. }, Some(user)) => {
                let code = parse_code(code).map_err(|e| AccountError::Invalid(vec![e]))?;
                let code = code.as_str();
                let budget = code_budget_key(&user.email);
                let now = self.0.clock.now();
                self.within_code_budget(&budget, now, async {
                    let token = self
                        .0
                        .store
                        .latest_account_token(user.id, TokenPurpose::ChangeEmail)
                        .await?
                        .filter(|t| t.is_live(now));
                    self.compare_code(Some(user.clone()), token, code, TokenPurpose::ChangeEmail)
                        .await
                })
                .await?
            }
            (Proof::Code { .. }, None) => return Err(AccountError::InvalidCode),
        };
        let now = self.0.clock.now();
        let notice = messages::email_changed(
            owner.email.clone(),
            &self.0.issuer,
            token.email.as_str(),
            &self.0.links.recover,
            now,
        )?;
        let changed = match self
            .0
            .store
            .change_email(
                token.id,
                now,
                notice,
                crate::audit::event("user.email_changed", AuditActor::Anonymous, now),
            )
            .await
        {
            Ok(Some(changed)) => changed,
            Ok(None) => return Err(AccountError::InvalidCode),
            Err(StoreError::Conflict(Conflict::Email)) => {
                return Err(AccountError::Invalid(vec![InvalidField::new(
                    "email",
                    "has been taken by another account meanwhile",
                )]));
            }
            Err(error) => return Err(error.into()),
        };
        self.mail_queued();
        tracing::info!(user_id = %changed.id, "email address changed");
        Ok(changed)
    }
}
