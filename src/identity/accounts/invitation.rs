//! Accounts an administrator makes, and the mail an administrator sends for an account. An
//! administrator never sees or sets a password: the owner chooses one through a link (a recovery
//! token, so the reset page serves it), which also proves the address.

use super::{AccountError, Accounts};
use crate::domain::audit::AuditActor;
use crate::domain::{Email, NewUser, RoleName, TokenPurpose, User, UserId};
use crate::email::messages;
use crate::store::{Conflict, StoreError};

impl Accounts {
    /// Makes an account for `email` with `roles` and mails its owner a link, valid for
    /// `account.invitation_ttl`, to choose its password. `None` if the address has an account.
    pub async fn invite(
        &self,
        email: Email,
        name: Option<String>,
        roles: Vec<RoleName>,
        actor: AuditActor,
    ) -> Result<Option<User>, AccountError> {
        let now = self.0.clock.now();
        let user = NewUser {
            id: UserId::new(),
            email,
            name,
            password_hash: None,
            email_verified: false,
            roles,
            created_at: now,
        };
        let ttl = self.0.account.invitation_ttl.get();
        let issued = self.issue(
            user.id,
            &user.email,
            TokenPurpose::RecoverPassword,
            ttl,
            now,
        );
        let link = Self::link(&self.0.links.reset, &issued.link_token);
        let mail = messages::invitation(
            user.email.clone(),
            &self.0.issuer,
            &link,
            &messages::lifetime(ttl),
            now,
        )?;
        let event = crate::audit::event("user.invited", actor, now)
            .subject(user.id)
            .person(user.id.as_uuid(), user.email.as_str())
            .details(user.roles.iter().map(|r| format!("role:{r}")));
        match self
            .0
            .store
            .invite_user(user, issued.token, mail, &event)
            .await
        {
            Ok(user) => {
                self.mail_queued();
                tracing::info!(user_id = %user.id, "account made by an administrator");
                Ok(Some(user))
            }
            Err(StoreError::Conflict(Conflict::Email)) => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    /// Mails `user` a link to choose a new password, at an administrator's request (not paced:
    /// the administrator asked for this one mail). Earlier recovery codes and links stop working.
    pub async fn send_password_reset(
        &self,
        user: &User,
        actor: AuditActor,
    ) -> Result<(), AccountError> {
        let now = self.0.clock.now();
        let ttl = self.0.account.recovery_ttl.get();
        let issued = self.issue(
            user.id,
            &user.email,
            TokenPurpose::RecoverPassword,
            ttl,
            now,
        );
        let link = Self::link(&self.0.links.reset, &issued.link_token);
        let mail = messages::recover_password(
            user.email.clone(),
            &self.0.issuer,
            None,
            Some(&link),
            &messages::lifetime(ttl),
            now,
        )?;
        if !self
            .0
            .store
            .issue_account_token(
                issued.token,
                mail,
                None,
                Some(
                    &crate::audit::event("user.password_reset_sent", actor, now)
                        .subject(user.id)
                        .person(user.id.as_uuid(), user.email.as_str()),
                ),
            )
            .await?
        {
            return Err(AccountError::NotFound);
        }
        self.mail_queued();
        Ok(())
    }
}
