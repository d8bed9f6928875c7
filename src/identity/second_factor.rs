//! The second factor: TOTP from an authenticator app (RFC 6238), with single-use recovery codes
//! for a lost device. Enrolment, removal and new recovery codes for the account page and API;
//! the check a sign-in makes after a right password, for the sign-in page and the authorization
//! challenge endpoint alike (one use-case, every door).
//!
//! Every code is decided against one budget of wrong codes per account (`mfa.max_failures` per
//! `mfa.failure_window`, in the database, so every session and instance spends the same), and a
//! waiting sign-in allows `mfa.attempts_per_sign_in` codes. Each TOTP step is accepted at most
//! once per user, so a code seen over someone's shoulder is worthless once used.

use crate::domain::audit::{AuditActor, AuditEvent};
use std::sync::Arc;

use time::OffsetDateTime;

use crate::config::{Config, MfaConfig, MfaPolicy};
use crate::crypto::key_encryption::KeyEncryptionKey;
use crate::crypto::qr;
use crate::crypto::recovery_code::{self, RecoveryCode};
use crate::crypto::token::TokenHasher;
use crate::crypto::totp::TotpSecret;
use crate::domain::time::Clock;
use crate::domain::{FailureBudget, RoleName, User, UserId};
use crate::email::Sender;
use crate::email::messages::{self, RenderError, SecondFactorChange};
use crate::store::PendingConfirmation;

mod challenge;
mod check;

use crate::store::{Store, StoreError};
pub use challenge::ChallengeRefusal;

#[derive(Debug, thiserror::Error)]
pub enum SecondFactorError {
    /// The code is wrong, was used before, or is too old: never say which.
    #[error("the code is not valid")]
    InvalidCode,
    /// Too many wrong codes for this account: every code is refused until the window ends.
    #[error("too many wrong codes; try again later")]
    Locked,
    /// The sign-in waiting for a code is unknown, expired or has had all its tries.
    #[error("the sign-in is over; start again")]
    ChallengeOver,
    #[error("two-step verification is turned off here")]
    Disabled,
    #[error("two-step verification is not set up for this account")]
    NotEnrolled,
    #[error("two-step verification is already set up for this account")]
    AlreadyEnrolled,
    /// The policy requires this account to keep its second factor.
    #[error("this account must keep two-step verification")]
    Required,
    #[error("storage unavailable")]
    Unavailable(#[source] StoreError),
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<StoreError> for SecondFactorError {
    fn from(error: StoreError) -> Self {
        if error.is_unavailable() {
            Self::Unavailable(error)
        } else {
            Self::Internal(Box::new(error))
        }
    }
}

impl From<RenderError> for SecondFactorError {
    fn from(error: RenderError) -> Self {
        Self::Internal(Box::new(error))
    }
}

/// A code a person typed: from their authenticator app, or one of their recovery codes.
#[derive(Clone)]
pub enum FactorCode {
    Totp(String),
    Recovery(String),
}

impl FactorCode {
    /// A code typed into one field that takes either kind: six digits are an app's code,
    /// anything else is tried as a recovery code.
    pub fn typed(code: &str) -> Self {
        let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit()) {
            Self::Totp(digits)
        } else {
            Self::Recovery(code.to_owned())
        }
    }
}

impl std::fmt::Debug for FactorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Totp(_) => "FactorCode::Totp([redacted])",
            Self::Recovery(_) => "FactorCode::Recovery([redacted])",
        })
    }
}

/// A new secret to show once, for the person to put into their authenticator app.
pub struct Enrolment {
    /// Base32, for typing by hand.
    pub secret: String,
    pub otpauth_uri: String,
    /// The URI as a QR code, an SVG document.
    pub qr_svg: String,
}

impl std::fmt::Debug for Enrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Enrolment([redacted])")
    }
}

/// Where an account stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecondFactorStatus {
    /// A confirmed factor is asked for at every sign-in.
    pub enabled: bool,
    /// An enrolment was started and not yet confirmed.
    pub pending: bool,
    pub enrolled_at: Option<OffsetDateTime>,
    pub recovery_codes_left: u32,
    /// The policy says this account must have one.
    pub required: bool,
}

/// What a sign-in with a right password still needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requirement {
    /// Nothing: the password was enough.
    None,
    /// A code from the account's factor.
    Code,
    /// The policy requires a factor the account does not have: it must enrol first.
    Enrolment,
}

/// The second-factor use-cases; one per server process, cheap to clone.
#[derive(Clone)]
pub struct SecondFactors(Arc<Inner>);

struct Inner {
    store: Arc<dyn Store>,
    hasher: TokenHasher,
    sealer: KeyEncryptionKey,
    sender: Arc<Sender>,
    clock: Clock,
    config: MfaConfig,
    required_roles: Vec<RoleName>,
    issuer: String,
    /// The recovery page, for notices ("if this was not you").
    recover_link: String,
}

/// What [`SecondFactors::new`] needs.
pub struct SecondFactorsSetup {
    pub store: Arc<dyn Store>,
    pub hasher: TokenHasher,
    pub sealer: KeyEncryptionKey,
    pub sender: Arc<Sender>,
    pub clock: Clock,
    pub config: Arc<Config>,
    pub recover_link: String,
}

impl SecondFactors {
    pub fn new(setup: SecondFactorsSetup) -> Self {
        let config = setup.config;
        let required_roles = config
            .mfa
            .required_roles
            .iter()
            .filter_map(|role| RoleName::parse(role).ok())
            .collect();
        Self(Arc::new(Inner {
            store: setup.store,
            hasher: setup.hasher,
            sealer: setup.sealer,
            sender: setup.sender,
            clock: setup.clock,
            config: config.mfa.clone(),
            required_roles,
            issuer: config.issuer(),
            recover_link: setup.recover_link,
        }))
    }

    /// Whether second factors exist here at all (`mfa.policy` is not `off`).
    pub fn available(&self) -> bool {
        self.0.config.policy != MfaPolicy::Off
    }

    /// Whether the policy requires `user` to have a second factor.
    pub fn required_for(&self, user: &User) -> bool {
        match self.0.config.policy {
            MfaPolicy::Off | MfaPolicy::Optional => false,
            MfaPolicy::Required => true,
            MfaPolicy::RequiredForRoles => user
                .roles
                .iter()
                .any(|role| self.0.required_roles.contains(role)),
        }
    }

    /// What a sign-in of `user`, whose password was right, still needs.
    pub fn requirement(&self, user: &User) -> Requirement {
        if !self.available() {
            Requirement::None
        } else if user.second_factor {
            Requirement::Code
        } else if self.required_for(user) {
            Requirement::Enrolment
        } else {
            Requirement::None
        }
    }

    pub async fn status(&self, user: &User) -> Result<SecondFactorStatus, SecondFactorError> {
        let factor = self.0.store.second_factor(user.id).await?;
        Ok(SecondFactorStatus {
            enabled: factor.as_ref().is_some_and(|f| f.is_confirmed()),
            pending: factor.as_ref().is_some_and(|f| !f.is_confirmed()),
            enrolled_at: factor.as_ref().and_then(|f| f.confirmed_at),
            recovery_codes_left: factor
                .as_ref()
                .filter(|f| f.is_confirmed())
                .map_or(0, |f| f.recovery_codes_left),
            required: self.required_for(user),
        })
    }

    /// Starts (or restarts) an enrolment: a new secret, stored sealed and pending until a code
    /// from it is entered with [`confirm_enrolment`](Self::confirm_enrolment).
    pub async fn start_enrolment(&self, user: &User) -> Result<Enrolment, SecondFactorError> {
        if !self.available() {
            return Err(SecondFactorError::Disabled);
        }
        let secret = TotpSecret::generate();
        let sealed = self
            .0
            .sealer
            .seal(secret.as_bytes(), &sealing_context(user.id))
            .map_err(|e| SecondFactorError::Internal(Box::new(e)))?;
        // Built before anything is stored, so a failure leaves no pending secret behind.
        let enrolment = self.enrolment(user, &secret)?;
        let now = self.0.clock.now();
        if !self
            .0
            .store
            .begin_second_factor(user.id, &sealed, now)
            .await?
        {
            return Err(SecondFactorError::AlreadyEnrolled);
        }
        Ok(enrolment)
    }

    /// The enrolment started and not yet confirmed, shown again (after a wrong code, say).
    pub async fn pending_enrolment(
        &self,
        user: &User,
    ) -> Result<Option<Enrolment>, SecondFactorError> {
        let factor = self.0.store.second_factor(user.id).await?;
        match factor.filter(|f| !f.is_confirmed()) {
            Some(factor) => {
                let secret = self.unseal(user.id, &factor.sealed_secret)?;
                self.enrolment(user, &secret).map(Some)
            }
            None => Ok(None),
        }
    }

    fn enrolment(&self, user: &User, secret: &TotpSecret) -> Result<Enrolment, SecondFactorError> {
        // The label's account part may not hold a ':' (the Key URI format splits on it); an
        // address may (in its local part), so it is shown with '_' there instead.
        let account = user.email.as_str().replace(':', "_");
        let otpauth_uri = secret
            .otpauth_uri(&self.0.config.issuer_name, &account)
            .map_err(|e| SecondFactorError::Internal(Box::new(e)))?;
        let qr_svg = qr::svg(&otpauth_uri)
            .ok_or_else(|| SecondFactorError::Internal("the otpauth URI is too long".into()))?;
        Ok(Enrolment {
            secret: secret.base32(),
            otpauth_uri,
            qr_svg,
        })
    }

    /// Confirms the pending enrolment with a code from the new secret, and answers the recovery
    /// codes to show once. The step of that code is spent: it cannot also sign in.
    pub async fn confirm_enrolment(
        &self,
        user: &User,
        code: &str,
    ) -> Result<Vec<String>, SecondFactorError> {
        if !self.available() {
            return Err(SecondFactorError::Disabled);
        }
        let factor = self.0.store.second_factor(user.id).await?;
        let Some(factor) = factor else {
            return Err(SecondFactorError::NotEnrolled);
        };
        if factor.is_confirmed() {
            return Err(SecondFactorError::AlreadyEnrolled);
        }
        let now = self.0.clock.now();
        let secret = self.unseal(user.id, &factor.sealed_secret)?;
        let Some(step) = secret.matching_step(code, now.unix_timestamp()) else {
            return Err(SecondFactorError::InvalidCode);
        };
        let (shown, hashes) = self.new_recovery_codes();
        let mail = self.notice(user, SecondFactorChange::Enrolled, now)?;
        let step = i64::try_from(step).map_err(|e| SecondFactorError::Internal(Box::new(e)))?;
        let confirmation = PendingConfirmation {
            sealed_secret: &factor.sealed_secret,
            step,
            codes: &hashes,
        };
        if !self
            .0
            .store
            .confirm_second_factor(
                user.id,
                confirmation,
                mail,
                now,
                &self.event(
                    "user.second_factor.enrolled",
                    user,
                    AuditActor::User(user.id.to_string()),
                ),
            )
            .await?
        {
            // Confirmed, or replaced by a new start, by a request that raced this one.
            return Err(SecondFactorError::InvalidCode);
        }
        self.0.sender.wake();
        tracing::info!(user_id = %user.id, "second factor enrolled");
        Ok(shown)
    }

    /// Turns the second factor off, proven by one of its codes (not while the policy requires
    /// the account to have one: it would only be asked to set one up again at its next sign-in).
    pub async fn remove(&self, user: &User, proof: &FactorCode) -> Result<(), SecondFactorError> {
        if self.required_for(user) {
            return Err(SecondFactorError::Required);
        }
        // Everything that can fail is made before the code is spent.
        let mail = self.notice(user, SecondFactorChange::Removed, self.0.clock.now())?;
        self.verify_code(user.id, proof).await?;
        let event = self.event(
            "user.second_factor.removed",
            user,
            AuditActor::User(user.id.to_string()),
        );
        if !self
            .0
            .store
            .remove_second_factor(user.id, mail, &event)
            .await?
        {
            return Err(SecondFactorError::NotEnrolled);
        }
        self.0.sender.wake();
        tracing::info!(user_id = %user.id, "second factor removed");
        Ok(())
    }

    /// Turns `user`'s second factor off at an administrator's request (a lost phone and lost
    /// recovery codes); the owner is told by mail. False if there was none. Under a policy that
    /// requires one, the next sign-in asks to set one up again.
    pub async fn reset_by_administrator(
        &self,
        user: &User,
        actor: AuditActor,
    ) -> Result<bool, SecondFactorError> {
        let mail = self.notice(user, SecondFactorChange::Removed, self.0.clock.now())?;
        let event = self.event("user.second_factor.removed", user, actor);
        if !self
            .0
            .store
            .remove_second_factor(user.id, mail, &event)
            .await?
        {
            return Ok(false);
        }
        self.0.sender.wake();
        tracing::info!(user_id = %user.id, "second factor reset by an administrator");
        Ok(true)
    }

    /// Replaces the recovery codes, proven by a code of the factor; answers the new ones.
    pub async fn regenerate_recovery_codes(
        &self,
        user: &User,
        proof: &FactorCode,
    ) -> Result<Vec<String>, SecondFactorError> {
        let now = self.0.clock.now();
        let (shown, hashes) = self.new_recovery_codes();
        let mail = self.notice(user, SecondFactorChange::NewRecoveryCodes, now)?;
        self.verify_code(user.id, proof).await?;
        if !self
            .0
            .store
            .replace_recovery_codes(
                user.id,
                &hashes,
                mail,
                now,
                &self.event(
                    "user.second_factor.recovery_codes_replaced",
                    user,
                    AuditActor::User(user.id.to_string()),
                ),
            )
            .await?
        {
            return Err(SecondFactorError::NotEnrolled);
        }
        self.0.sender.wake();
        tracing::info!(user_id = %user.id, "recovery codes replaced");
        Ok(shown)
    }

    /// The `amr` values (RFC 8176) of a sign-in with a password and this factor.
    pub fn amr_with_second_factor() -> Vec<String> {
        vec!["pwd".to_owned(), "otp".to_owned(), "mfa".to_owned()]
    }

    fn budget(&self) -> FailureBudget {
        let now = self.0.clock.now();
        FailureBudget {
            now,
            window_start: now - duration(self.0.config.failure_window.get()),
            limit: self.0.config.max_failures,
        }
    }

    fn unseal(&self, user: UserId, sealed: &[u8]) -> Result<TotpSecret, SecondFactorError> {
        let bytes = self
            .0
            .sealer
            .open(sealed, &sealing_context(user))
            .map_err(|e| SecondFactorError::Internal(Box::new(e)))?;
        TotpSecret::from_bytes(bytes).map_err(|e| SecondFactorError::Internal(Box::new(e)))
    }

    /// A batch of recovery codes: as shown (once) and as stored.
    fn new_recovery_codes(&self) -> (Vec<String>, Vec<crate::domain::TokenHash>) {
        (0..recovery_code::BATCH)
            .map(|_| {
                let code = RecoveryCode::generate();
                (code.display(), code.hash(&self.0.hasher))
            })
            .unzip()
    }

    /// An event of `kind` about `user`'s factor, by `actor`, now.
    fn event(&self, kind: &str, user: &User, actor: AuditActor) -> AuditEvent {
        crate::audit::event(kind, actor, self.0.clock.now()).subject(user.id)
    }

    fn notice(
        &self,
        user: &User,
        change: SecondFactorChange,
        now: OffsetDateTime,
    ) -> Result<crate::domain::OutgoingMail, SecondFactorError> {
        Ok(messages::second_factor_changed(
            user.email.clone(),
            &self.0.issuer,
            change,
            &self.0.recover_link,
            now,
        )?)
    }
}

/// The associated data a user's secret is sealed with: it opens only on that user's row.
fn sealing_context(user: UserId) -> String {
    format!("totp:{user}")
}

fn duration(value: std::time::Duration) -> time::Duration {
    time::Duration::try_from(value).unwrap_or(time::Duration::minutes(5))
}
