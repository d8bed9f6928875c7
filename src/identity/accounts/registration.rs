//! Registration: a new account with an unverified address and the mail that verifies it; a
//! taken address gets a mail to its owner instead, and the caller the same answer.

use super::{AccountError, Accounts};
use crate::crypto::password;
use crate::domain::audit::AuditActor;
use crate::domain::user::parse_display_name;
use crate::domain::{Email, FieldErrors, InvalidField, NewUser, TokenPurpose, UserId};
use crate::email::messages;

impl Accounts {
    /// Registers `email`; the answer is the same whether or not the address had an account.
    /// The password is hashed either way, so the two take the same time.
    pub async fn register(
        &self,
        raw_email: &str,
        name: Option<&str>,
        password: String,
    ) -> Result<Email, AccountError> {
        if !self.0.registration.enabled {
            return Err(AccountError::RegistrationClosed);
        }
        let mut problems = FieldErrors::default();
        let email = problems.check(Email::parse(raw_email));
        let name = problems.check(parse_display_name(name));
        if let Some(email) = &email {
            let domain = email.as_str().rsplit_once('@').map_or("", |(_, d)| d);
            if !self.0.registration.admits_domain(domain) {
                problems.push(InvalidField::new(
                    "email",
                    "addresses of this domain cannot register here",
                ));
            }
        }
        // Every field is checked, so the answer lists every problem at once.
        let typed_email = email.as_ref().map_or(raw_email.trim(), Email::as_str);
        let typed_name = name.as_ref().and_then(|name| name.as_deref());
        let password = match self.0.policy.check(password, typed_email, typed_name) {
            Ok(password) => Some(password),
            Err(refused) => {
                problems.extend(refused);
                None
            }
        };
        problems.finish().map_err(AccountError::Invalid)?;
        let (Some(email), Some(name), Some(password)) = (email, name, password) else {
            return Err(AccountError::Invalid(Vec::new()));
        };
        let password_hash = password::hash(password, self.0.hash_cost).await?;
        let now = self.0.clock.now();
        let user = NewUser {
            id: UserId::new(),
            email: email.clone(),
            name,
            password_hash: Some(password_hash),
            email_verified: false,
            roles: Vec::new(),
            created_at: now,
        };
        let issued = self.issue(
            user.id,
            &email,
            TokenPurpose::VerifyEmail,
            self.0.registration.verification_ttl.get(),
            now,
        );
        let links = &self.0.links;
        let mail = messages::verify_email(
            email.clone(),
            &self.0.issuer,
            &issued.code,
            &Self::link(&links.verify, &issued.link_token),
            &messages::lifetime(self.0.registration.verification_ttl.get()),
            now,
        )?;
        // The owner of a taken address is told instead; rendered either way, so both cost alike.
        let taken_mail = messages::already_registered(
            email.clone(),
            &self.0.issuer,
            &links.sign_in,
            &links.recover,
            now,
        )?;
        let event = crate::audit::event("user.registered", AuditActor::Anonymous, now)
            .subject(user.id)
            .person(user.id.as_uuid(), user.email.as_str());
        let registered = self
            .0
            .store
            .register_user(user, issued.token, mail, taken_mail, &event)
            .await?;
        if let Some(user) = registered {
            tracing::info!(user_id = %user.id, "account registered");
        }
        self.mail_queued();
        Ok(email)
    }

    /// Mails a new verification code and link to `email` if it has an unverified account and
    /// none was sent within `registration.resend_interval`. Answers at once, the same for
    /// every address; the lookup and the mail happen afterwards.
    pub async fn resend_verification(&self, email: &str) -> Result<(), AccountError> {
        let email = Email::parse(email).map_err(|e| AccountError::Invalid(vec![e]))?;
        let this = self.clone();
        self.in_background("resend verification", async move {
            this.send_verification(&email).await
        });
        Ok(())
    }

    async fn send_verification(&self, email: &Email) -> Result<(), AccountError> {
        let now = self.0.clock.now();
        let user = self.0.store.find_user_by_email(email).await?;
        if self
            .recently_mailed(user.as_ref(), TokenPurpose::VerifyEmail, now)
            .await?
        {
            return Ok(());
        }
        let Some(user) = user else {
            return Ok(());
        };
        if user.email_verified || user.status != crate::domain::UserStatus::Active {
            return Ok(());
        }
        let ttl = self.0.registration.verification_ttl.get();
        let issued = self.issue(user.id, &user.email, TokenPurpose::VerifyEmail, ttl, now);
        let mail = messages::verify_email(
            user.email.clone(),
            &self.0.issuer,
            &issued.code,
            &Self::link(&self.0.links.verify, &issued.link_token),
            &messages::lifetime(ttl),
            now,
        )?;
        self.send_paced(issued.token, mail, now, None).await
    }
}
