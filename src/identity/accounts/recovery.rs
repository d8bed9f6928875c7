//! Password recovery: a mailed code or link, then a new password, which ends every session and
//! grant the account had.

use super::{AccountError, Accounts, Proof};
use crate::crypto::password;
use crate::domain::audit::AuditActor;
use crate::domain::{Email, SignOut, TokenPurpose, User, UserStatus};
use crate::email::messages;

/// What the recovery mail carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecoveryMethod {
    /// A 6-digit code to type in with the address.
    Code,
    /// A link to a page that asks for the new password.
    Link,
}

impl RecoveryMethod {
    pub fn parse(value: &str) -> Result<Self, crate::domain::InvalidField> {
        match value {
            "code" => Ok(Self::Code),
            "link" => Ok(Self::Link),
            _ => Err(crate::domain::InvalidField::new(
                "method",
                "must be \"code\" or \"link\"",
            )),
        }
    }
}

impl Accounts {
    /// Mails a recovery code or link to `email` if it has an active account and no recovery
    /// mail went to it within `registration.resend_interval`. Answers at once, the same for
    /// every address; the lookup and the mail happen afterwards.
    pub async fn start_recovery(
        &self,
        email: &str,
        method: RecoveryMethod,
    ) -> Result<(), AccountError> {
        let email = Email::parse(email).map_err(|e| AccountError::Invalid(vec![e]))?;
        let this = self.clone();
        self.in_background("start recovery", async move {
            this.send_recovery(&email, method).await
        });
        Ok(())
    }

    async fn send_recovery(
        &self,
        email: &Email,
        method: RecoveryMethod,
    ) -> Result<(), AccountError> {
        let now = self.0.clock.now();
        let user = self.0.store.find_user_by_email(email).await?;
        let purpose = TokenPurpose::RecoverPassword;
        if self.recently_mailed(user.as_ref(), purpose, now).await? {
            return Ok(());
        }
        let Some(user) = user.filter(|u| u.status == UserStatus::Active) else {
            return Ok(());
        };
        let ttl = self.0.account.recovery_ttl.get();
        let issued = self.issue(
            user.id,
            &user.email,
            TokenPurpose::RecoverPassword,
            ttl,
            now,
        );
        let link = Self::link(&self.0.links.reset, &issued.link_token);
        let (code, link) = match method {
            RecoveryMethod::Code => (Some(issued.code.as_str()), None),
            RecoveryMethod::Link => (None, Some(link.as_str())),
        };
        let mail = messages::recover_password(
            user.email.clone(),
            &self.0.issuer,
            code,
            link,
            &messages::lifetime(ttl),
            now,
        )?;
        // Asked by whoever knew the address: no actor; the account is the subject.
        let event = crate::audit::event("user.recovery_requested", AuditActor::Anonymous, now)
            .subject(user.id)
            .person(user.id.as_uuid(), user.email.as_str())
            .detail(match method {
                RecoveryMethod::Code => "method:code",
                RecoveryMethod::Link => "method:link",
            });
        self.send_paced(issued.token, mail, now, Some(&event)).await
    }

    /// Sets a new password with a recovery code or link. Of two requests with one code, one wins.
    /// Every session and grant of the account ends, and its owner is told by mail.
    pub async fn complete_recovery(
        &self,
        proof: &Proof,
        new_password: String,
    ) -> Result<(User, SignOut), AccountError> {
        // The rules that depend only on the input first, so a refused password spends no guess.
        if let Proof::Code { email, .. } = proof {
            self.0
                .policy
                .check(new_password.clone(), email.trim(), None)
                .map_err(as_new_password)?;
        }
        let (token, user) = self
            .redeemable(proof, TokenPurpose::RecoverPassword)
            .await?;
        let NewPassword { hash, notice, now } = self.new_password(&user, new_password).await?;
        let Some(reset) = self
            .0
            .store
            .reset_password(
                token.id,
                &hash,
                now,
                notice,
                crate::audit::event("user.password_reset", AuditActor::Anonymous, now),
            )
            .await?
        else {
            return Err(AccountError::InvalidCode);
        };
        self.password_set(&user, &reset, "password reset");
        Ok((user, reset))
    }
}

/// The policy's problems, for a request whose field is `new_password`.
fn as_new_password(problems: Vec<crate::domain::InvalidField>) -> AccountError {
    AccountError::Invalid(
        problems
            .into_iter()
            .map(|problem| crate::domain::InvalidField {
                field: "new_password",
                ..problem
            })
            .collect(),
    )
}

impl Accounts {
    /// Sets a new password for a user who has just proved the current one (the caller checked
    /// it, through the sign-in lockout). Every session and grant ends and the owner is told.
    pub async fn change_password(
        &self,
        user: &User,
        new_password: String,
    ) -> Result<SignOut, AccountError> {
        let NewPassword { hash, notice, now } = self.new_password(user, new_password).await?;
        let reset = match self
            .0
            .store
            .change_password(
                user.id,
                &hash,
                now,
                notice,
                &crate::audit::event(
                    "user.password_changed",
                    AuditActor::User(user.id.to_string()),
                    now,
                )
                .subject(user.id),
            )
            .await
        {
            Ok(reset) => reset,
            Err(crate::store::StoreError::NotFound) => return Err(AccountError::NotFound),
            Err(error) => return Err(error.into()),
        };
        self.password_set(user, &reset, "password changed");
        Ok(reset)
    }

    /// A new password checked against the policy and hashed, with the notice that tells the
    /// owner, made at `now`.
    async fn new_password(
        &self,
        user: &User,
        candidate: String,
    ) -> Result<NewPassword, AccountError> {
        let password = self
            .0
            .policy
            .check(candidate, user.email.as_str(), user.name.as_deref())
            .map_err(as_new_password)?;
        let hash = password::hash(password, self.0.hash_cost).await?;
        let now = self.0.clock.now();
        let notice = messages::password_changed(
            user.email.clone(),
            &self.0.issuer,
            &self.0.links.recover,
            now,
        )?;
        Ok(NewPassword { hash, notice, now })
    }

    /// After a new password is stored: its notice leaves, and the step is logged.
    fn password_set(&self, user: &User, reset: &SignOut, what: &'static str) {
        self.mail_queued();
        tracing::info!(
            user_id = %user.id,
            revoked_grants = reset.revoked_grants.len(),
            ended_sessions = reset.ended_sessions,
            "{what}"
        );
    }
}

struct NewPassword {
    hash: String,
    notice: crate::domain::OutgoingMail,
    now: time::OffsetDateTime,
}
