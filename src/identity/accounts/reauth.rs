//! Sensitive changes (password, email, deletion) need proof that the person at the keyboard is
//! the account's owner: a sign-in younger than `account.reauth_max_age`, or the password again.
//! A password given here counts against the same lockout as a sign-in.

use std::net::IpAddr;

use time::OffsetDateTime;

use super::{AccountError, Accounts};
use crate::domain::User;
use crate::identity::login::LoginError;

impl Accounts {
    /// Whether a sign-in at `auth_time` is recent enough for a sensitive change.
    pub fn recently_signed_in(&self, auth_time: OffsetDateTime) -> bool {
        let max_age = time::Duration::try_from(self.0.account.reauth_max_age.get())
            .unwrap_or(time::Duration::ZERO);
        self.0.clock.now() - auth_time <= max_age
    }

    /// The time by the accounts' clock.
    pub fn now(&self) -> OffsetDateTime {
        self.0.clock.now()
    }

    /// How recent a sign-in must be for a sensitive change, in seconds (RFC 9470 `max_age`).
    pub fn reauth_max_age_seconds(&self) -> u64 {
        self.0.account.reauth_max_age.get().as_secs()
    }

    /// Checks that `password` is `user`'s, like a sign-in (the same lockout, counted first).
    pub async fn confirm_password(
        &self,
        user: &User,
        password: String,
        address: Option<IpAddr>,
    ) -> Result<(), AccountError> {
        let now = self.0.clock.now();
        let checked = self
            .0
            .logins
            .verify(user.email.as_str(), password, address, now, None)
            .await;
        let confirmed = match checked {
            Ok(found) => found,
            Err(LoginError::EmailNotVerified(found)) => *found,
            Err(LoginError::InvalidCredentials) => return Err(AccountError::WrongPassword),
            Err(LoginError::LockedOut) => return Err(AccountError::LockedOut),
            Err(LoginError::Unavailable(source)) => return Err(AccountError::Unavailable(source)),
            Err(LoginError::Internal(source)) => return Err(AccountError::Internal(source)),
        };
        if confirmed.id != user.id {
            // The address changed hands meanwhile: never act on another account.
            return Err(AccountError::NotFound);
        }
        Ok(())
    }
}
