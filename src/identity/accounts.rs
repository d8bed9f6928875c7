//! Self-service accounts: registration, email verification, and password recovery by a mailed
//! code or link, for the hosted pages and the JSON API alike.
//!
//! No answer tells whether an address has an account: registration answers the same for a
//! taken address (whose owner is told by mail instead), and the steps that only send mail
//! (resend, recovery start) do their lookups and writes in the background, after the answer.
//! Codes are guessed against two budgets counted *before* the guess is checked: one per code
//! and one per address across all its codes.

mod codes;
mod deletion;
mod devices;
mod email_change;
mod export;
mod invitation;
mod picture;
mod profile;
mod reauth;
mod recovery;
mod registration;
mod verification;

use crate::domain::audit::AuditEvent;
use std::sync::Arc;

use tokio::sync::Semaphore;

use crate::config::{AccountConfig, RegistrationConfig};
use crate::crypto::password::{HashCost, PasswordError};
use crate::crypto::token::TokenHasher;
use crate::domain::time::Clock;
use crate::domain::{InvalidField, NewAccountToken, OutgoingMail};
use crate::email::Sender;
use crate::email::messages::RenderError;
use crate::store::{Store, StoreError};

use super::login::PasswordLogins;
use super::password_policy::PasswordPolicy;
use super::second_factor::SecondFactors;

pub use codes::Proof;
pub use devices::SignedInBrowser;
pub use export::AccountExport;
pub use profile::ProfileChange;
pub use recovery::RecoveryMethod;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// One or more inputs were refused; nothing was written.
    #[error("invalid input")]
    Invalid(Vec<InvalidField>),
    #[error("registration is closed")]
    RegistrationClosed,
    /// The code or link is wrong, used or expired, or the address unknown: never say which.
    #[error("the code or link is not valid")]
    InvalidCode,
    #[error("too many wrong codes; try again later")]
    TooManyAttempts,
    /// The password given to confirm a change is not the account's.
    #[error("wrong password")]
    WrongPassword,
    /// The account is the last active administrator's, which must stay.
    #[error("the last active administrator cannot be deleted")]
    LastAdmin,
    /// The change needs a sign-in younger than `account.reauth_max_age`.
    #[error("sign in again to do this")]
    ReauthenticationRequired,
    /// Too many wrong passwords: the account's sign-in lockout is on.
    #[error("too many wrong passwords; try again later")]
    LockedOut,
    /// The account does not exist (any more).
    #[error("no such account")]
    NotFound,
    /// The account changed since the version the caller named.
    #[error("the account changed meanwhile")]
    Changed,
    #[error("storage unavailable")]
    Unavailable(#[source] StoreError),
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<StoreError> for AccountError {
    fn from(error: StoreError) -> Self {
        if error.is_unavailable() {
            Self::Unavailable(error)
        } else {
            Self::Internal(Box::new(error))
        }
    }
}

impl From<PasswordError> for AccountError {
    fn from(error: PasswordError) -> Self {
        Self::Internal(Box::new(error))
    }
}

impl From<RenderError> for AccountError {
    fn from(error: RenderError) -> Self {
        Self::Internal(Box::new(error))
    }
}

/// Where the links in our mail lead: absolute URLs built from the issuer, never from a request.
#[derive(Debug, Clone)]
pub struct AccountLinks {
    /// The sign-in page.
    pub sign_in: String,
    /// The page that starts a password recovery.
    pub recover: String,
    /// The page a verification link opens (the token is appended as `?token=`).
    pub verify: String,
    /// The page a recovery link opens (the token is appended as `?token=`).
    pub reset: String,
    /// The page an address-change link opens (the token is appended as `?token=`).
    pub change_email: String,
    /// Where uploaded pictures are served (the picture's id is appended).
    pub pictures: String,
}

/// The account use-cases; one per server process, cheap to clone.
#[derive(Clone)]
pub struct Accounts(Arc<Inner>);

struct Inner {
    store: Arc<dyn Store>,
    sender: Arc<Sender>,
    hasher: TokenHasher,
    clock: Clock,
    /// Checks a password given to confirm a change, through the sign-in lockout.
    logins: PasswordLogins,
    second_factors: SecondFactors,
    policy: PasswordPolicy,
    hash_cost: HashCost,
    registration: RegistrationConfig,
    account: AccountConfig,
    /// How long a browser session lives without a request (`sessions.idle_timeout`).
    session_idle: std::time::Duration,
    issuer: String,
    links: AccountLinks,
    /// Mail-only steps accepted to run after their answers (running or waiting to run).
    accepted: Arc<Semaphore>,
    /// Mail-only steps running at once.
    running: Arc<Semaphore>,
}

/// Mail-only steps running at once after their answers.
const BACKGROUND_STEPS: usize = 64;
/// Mail-only steps accepted and not yet finished; past this a step is dropped with a warning,
/// so an answer never waits for the steps of earlier requests.
const BACKGROUND_BACKLOG: usize = 4096;

/// What [`Accounts::new`] needs.
pub struct AccountsSetup {
    pub store: Arc<dyn Store>,
    pub sender: Arc<Sender>,
    pub hasher: TokenHasher,
    pub clock: Clock,
    pub logins: PasswordLogins,
    pub second_factors: SecondFactors,
    pub config: Arc<crate::config::Config>,
    pub links: AccountLinks,
}

impl Accounts {
    pub fn new(setup: AccountsSetup) -> Self {
        let config = setup.config;
        Self(Arc::new(Inner {
            store: setup.store,
            sender: setup.sender,
            hasher: setup.hasher,
            clock: setup.clock,
            logins: setup.logins,
            second_factors: setup.second_factors,
            policy: PasswordPolicy::new(&config.password),
            hash_cost: HashCost::configured(&config.password),
            registration: config.registration.clone(),
            account: config.account.clone(),
            session_idle: config.sessions.idle_timeout.get(),
            issuer: config.issuer(),
            links: setup.links,
            accepted: Arc::new(Semaphore::new(BACKGROUND_BACKLOG)),
            running: Arc::new(Semaphore::new(BACKGROUND_STEPS)),
        }))
    }

    /// The account's second factor (enrolment, removal, recovery codes).
    pub fn second_factors(&self) -> &SecondFactors {
        &self.0.second_factors
    }

    /// Whether people may register here.
    pub fn registration_open(&self) -> bool {
        self.0.registration.enabled
    }

    /// What a new password must be, in a sentence for forms.
    pub fn password_rules(&self) -> String {
        self.0.policy.describe()
    }

    /// Runs a mail-only step after the caller has answered; its failure is logged, not shown
    /// (the answer must not depend on it). The caller never waits: a step is queued behind at
    /// most [`BACKGROUND_BACKLOG`] others or dropped with a warning (a flood then costs mail,
    /// never answer time, and costs it alike for every address).
    fn in_background<F>(&self, what: &'static str, step: F)
    where
        F: std::future::Future<Output = Result<(), AccountError>> + Send + 'static,
    {
        let Ok(accepted) = Arc::clone(&self.0.accepted).try_acquire_owned() else {
            tracing::warn!(
                step = what,
                "too many account steps queued; this one is dropped"
            );
            return;
        };
        let running = Arc::clone(&self.0.running);
        // The request's context goes with the step, so its audit events name the request.
        let context = crate::audit::RequestContext::current().unwrap_or_default();
        tokio::spawn(async move {
            let Ok(_running) = running.acquire_owned().await else {
                return;
            };
            if let Err(error) = context.scope(step).await {
                tracing::warn!(%error, step = what, "an account step after its answer failed");
            }
            drop(accepted);
        });
    }

    /// Whether a mail for `purpose` went to `user` within `registration.resend_interval`. Asked
    /// the same way, with one read, for an address that has no account (`None`): a flood of
    /// requests for one address then costs the same whether or not it has one (the write that
    /// stores a new code happens at most once per interval per account).
    async fn recently_mailed(
        &self,
        user: Option<&crate::domain::User>,
        purpose: crate::domain::TokenPurpose,
        now: time::OffsetDateTime,
    ) -> Result<bool, AccountError> {
        let id = user.map_or(crate::domain::UserId::from_uuid(uuid::Uuid::nil()), |u| {
            u.id
        });
        let latest = self.0.store.latest_account_token(id, purpose).await?;
        Ok(user.is_some() && latest.is_some_and(|t| t.created_at > now - self.resend_interval()))
    }

    fn resend_interval(&self) -> time::Duration {
        time::Duration::try_from(self.0.registration.resend_interval.get())
            .unwrap_or(time::Duration::MINUTE)
    }

    /// Stores a code and link with the mail carrying them, unless a mail for the same purpose
    /// went to the account within `registration.resend_interval` (then nothing is sent).
    async fn send_paced(
        &self,
        token: NewAccountToken,
        mail: OutgoingMail,
        now: time::OffsetDateTime,
        event: Option<&AuditEvent>,
    ) -> Result<(), AccountError> {
        let paced_since = Some(now - self.resend_interval());
        if self
            .0
            .store
            .issue_account_token(token, mail, paced_since, event)
            .await?
        {
            self.mail_queued();
        }
        Ok(())
    }

    /// Wakes this instance's mail sender (the mail is already committed).
    fn mail_queued(&self) {
        self.0.sender.wake();
    }
}
