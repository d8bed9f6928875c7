//! Checking a password sign-in, for the login page and the password grant type alike: the same
//! answer for an unknown email, a wrong password and a suspended account, the same time (a dummy
//! argon2 check runs when there is no hash), and a temporary, exponential lockout per account and
//! per source address.

use crate::domain::audit::{AuditActor, AuditEvent};
use crate::metrics::{Metrics, SignInOutcome};
use std::net::IpAddr;
use std::sync::Arc;

use time::OffsetDateTime;

use crate::config::{Config, LoginConfig};
use crate::crypto::password::{self, HashCost, PasswordError};
use crate::domain::{Admission, Email, Password, User, UserStatus};
use crate::store::{Store, StoreError};

use super::keyed_permits::KeyedPermits;

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Wrong email, wrong password or suspended account: callers must not tell them apart.
    #[error("invalid email or password")]
    InvalidCredentials,
    #[error("too many failed attempts; try again later")]
    LockedOut,
    /// The password was right, but the account must verify its email address first
    /// (`registration.require_verified_email`). Only someone who knows the password hears this.
    #[error("the email address is not verified yet")]
    EmailNotVerified(Box<User>),
    #[error("storage unavailable")]
    Unavailable(#[source] StoreError),
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<StoreError> for LoginError {
    fn from(error: StoreError) -> Self {
        if error.is_unavailable() {
            Self::Unavailable(error)
        } else {
            Self::Internal(Box::new(error))
        }
    }
}

impl From<PasswordError> for LoginError {
    fn from(error: PasswordError) -> Self {
        Self::Internal(Box::new(error))
    }
}

/// Password sign-in for the sign-in page and the password grant type alike; one per server process,
/// cheap to clone.
#[derive(Clone)]
pub struct PasswordLogins(Arc<Inner>);

struct Inner {
    metrics: Metrics,
    store: Arc<dyn Store>,
    policy: LoginConfig,
    require_verified_email: bool,
    /// The cost of new hashes: a cheaper stored hash is replaced after a right password.
    hash_cost: HashCost,
    /// Attempts for one key queue here before they ask the store (see [`KeyedPermits`]).
    places: KeyedPermits,
}

impl PasswordLogins {
    pub fn new(store: Arc<dyn Store>, config: &Config, metrics: Metrics) -> Self {
        Self(Arc::new(Inner {
            store,
            metrics,
            policy: config.login.clone(),
            require_verified_email: config
                .registration
                .requires_verified_email(config.is_development()),
            hash_cost: HashCost::configured(&config.password),
            places: KeyedPermits::default(),
        }))
    }

    /// Checks `email` and `password`. `address` is the client's IP when known.
    ///
    /// The attempt is admitted against the account (and the address) *before* the password is
    /// checked: failures and attempts in flight together never pass the threshold, so however
    /// many guesses arrive at once, at most `max_failures` of them are checked per lockout.
    /// Attempts over the budget wait briefly for those in flight (a right password frees its
    /// place), then are refused as locked out. The check runs to its end even when the request
    /// is abandoned (the client left, the request timed out): an admitted attempt is always
    /// decided.
    ///
    /// Every decided attempt is recorded in the audit log (`user.sign_in.password`), with the
    /// client it came through (`client`) when there is one.
    pub async fn verify(
        &self,
        email: &str,
        password: String,
        address: Option<IpAddr>,
        now: OffsetDateTime,
        client: Option<&str>,
    ) -> Result<User, LoginError> {
        let this = self.clone();
        let typed = email.to_owned();
        // The request's context goes along, so the lockout event names the request.
        let context = crate::audit::RequestContext::current().unwrap_or_default();
        let attempt = tokio::spawn(
            context.scope(async move { this.attempt(&typed, password, address, now).await }),
        );
        let result = attempt
            .await
            .unwrap_or_else(|failed| Err(LoginError::Internal(Box::new(failed))));
        // A refused attempt names the account it was against, so its owner sees it among
        // their security events: looked up after every refusal alike, known address or not.
        let target = match &result {
            Err(LoginError::InvalidCredentials | LoginError::LockedOut) => {
                match Email::parse(email) {
                    Ok(parsed) => self
                        .0
                        .store
                        .find_user_by_email(&parsed)
                        .await
                        .ok()
                        .flatten(),
                    Err(_) => None,
                }
            }
            _ => None,
        };
        match &result {
            Err(LoginError::InvalidCredentials) => {
                self.0.metrics.sign_in(SignInOutcome::WrongCredentials);
            }
            Err(LoginError::LockedOut) => self.0.metrics.sign_in(SignInOutcome::Locked),
            Err(LoginError::EmailNotVerified(_)) => {
                self.0.metrics.sign_in(SignInOutcome::EmailNotVerified);
            }
            // A right password: the door counts success or the second factor it asks for.
            _ => {}
        }
        if let Some(event) = sign_in_event(email, &result, target.as_ref(), now, client)
            && let Err(error) = self.0.store.record_audit_event(&event).await
        {
            // The answer does not wait on the log being reachable (the attempt was counted).
            tracing::warn!(%error, "recording a sign-in in the audit log failed");
        }
        result
    }

    async fn attempt(
        &self,
        email: &str,
        password: String,
        address: Option<IpAddr>,
        now: OffsetDateTime,
    ) -> Result<User, LoginError> {
        let store = self.0.store.as_ref();
        let policy = &self.0.policy;
        let account = Counter {
            key: account_counter_key(email),
            threshold: policy.max_failures,
        };
        let address = address.map(|ip| Counter {
            key: format!("address:{ip}"),
            threshold: policy.max_failures_per_address,
        });
        let places = &self.0.places;
        let Some(_account_place) = places
            .acquire(&account.key, account.threshold, ADMISSION_WAIT)
            .await
        else {
            return Err(LoginError::LockedOut);
        };
        let _address_place = match &address {
            Some(address) => Some(
                places
                    .acquire(&address.key, address.threshold, ADMISSION_WAIT)
                    .await
                    .ok_or(LoginError::LockedOut)?,
            ),
            None => None,
        };
        if !account.admit(store, policy, now).await? {
            return Err(LoginError::LockedOut);
        }
        // From here on every exit decides or gives back each place taken (best effort when the
        // store itself is what failed), so no attempt stays counted as in flight.
        let release = |counters: &[Option<&Counter>]| {
            let keys: Vec<String> = counters.iter().flatten().map(|c| c.key.clone()).collect();
            async move {
                for key in keys {
                    let _ = store.release_login_attempt(&key).await;
                }
            }
        };
        if let Some(address) = &address {
            match address.admit(store, policy, now).await {
                Ok(true) => {}
                Ok(false) => {
                    release(&[Some(&account)]).await;
                    return Err(LoginError::LockedOut);
                }
                Err(error) => {
                    release(&[Some(&account)]).await;
                    return Err(error);
                }
            }
        }
        // Kept for an upgrade of the stored hash, should it turn out cheaper than configured.
        let password_for_rehash = Password::new(password.clone()).ok();
        let credentials = match check(store, email, password, self.0.hash_cost).await {
            Ok(credentials) => credentials,
            Err(error) => {
                release(&[Some(&account), address.as_ref()]).await;
                return Err(error);
            }
        };
        match credentials {
            Some((user, hash)) if user.status == UserStatus::Active => {
                if let Err(error) = store.record_login_success(&account.key, now).await {
                    release(&[Some(&account), address.as_ref()]).await;
                    return Err(error.into());
                }
                // A source address is not forgiven by one account's success.
                release(&[address.as_ref()]).await;
                self.rehash_if_outdated(&user, hash, password_for_rehash);
                if self.0.require_verified_email && !user.email_verified {
                    return Err(LoginError::EmailNotVerified(Box::new(user)));
                }
                Ok(user)
            }
            _ => {
                match account.fail(store, policy, now).await {
                    Ok(Some(lockout)) => self.lockout_started(email, lockout, now).await,
                    Ok(None) => {}
                    Err(error) => {
                        release(&[Some(&account), address.as_ref()]).await;
                        return Err(error);
                    }
                }
                if let Some(address) = &address
                    && let Err(error) = address.fail(store, policy, now).await.map(|lockout| {
                        if lockout.is_some() {
                            self.0.metrics.lockout_started();
                        }
                    })
                {
                    release(&[Some(address)]).await;
                    return Err(error);
                }
                Err(LoginError::InvalidCredentials)
            }
        }
    }
}

/// The audit event of a decided password attempt (none when the store failed: nothing was
/// decided).
fn sign_in_event(
    email: &str,
    result: &Result<User, LoginError>,
    target: Option<&User>,
    now: OffsetDateTime,
    client: Option<&str>,
) -> Option<AuditEvent> {
    const KIND: &str = "user.sign_in.password";
    let event = match result {
        Ok(user) => crate::audit::event(KIND, AuditActor::User(user.id.to_string()), now)
            .subject(user.id)
            .person(user.id.as_uuid(), user.email.as_str()),
        Err(LoginError::EmailNotVerified(user)) => {
            crate::audit::event(KIND, AuditActor::Anonymous, now)
                .failed()
                .subject(user.id)
                .person(user.id.as_uuid(), user.email.as_str())
                .detail("email_not_verified")
        }
        Err(LoginError::InvalidCredentials) => {
            crate::audit::event(KIND, AuditActor::Anonymous, now)
                .failed()
                .typed_email(email)
                .detail("invalid_credentials")
        }
        Err(LoginError::LockedOut) => crate::audit::event(KIND, AuditActor::Anonymous, now)
            .failed()
            .typed_email(email)
            .detail("locked_out"),
        Err(LoginError::Unavailable(_) | LoginError::Internal(_)) => return None,
    };
    let event = match target {
        Some(user) => event
            .subject(user.id)
            .person(user.id.as_uuid(), user.email.as_str()),
        None => event,
    };
    Some(match client {
        Some(client) => event.client(client),
        None => event,
    })
}

/// The user whose password this is, with its stored hash, if any (`None` for a wrong password
/// or an unknown email, checked in the same time).
async fn check(
    store: &dyn Store,
    email: &str,
    password: String,
    cost: HashCost,
) -> Result<Option<(User, String)>, LoginError> {
    let credentials = match Email::parse(email) {
        Ok(email) => store.find_credentials(&email).await?,
        Err(_) => None,
    };
    let (user, hash) = match credentials {
        Some((user, Some(hash))) => (user, hash),
        _ => {
            password::verify_dummy(password, cost).await?;
            return Ok(None);
        }
    };
    let verified = password::verify(password, hash.clone()).await?;
    Ok(verified.then_some((user, hash)))
}

impl PasswordLogins {
    /// Records that `email`'s account is locked for `lockout` (its end is that time: the next
    /// admitted attempt after it is recorded as usual).
    async fn lockout_started(&self, email: &str, lockout: time::Duration, now: OffsetDateTime) {
        self.0.metrics.lockout_started();
        let event = crate::audit::event("user.lockout_started", AuditActor::System, now)
            .typed_email(email)
            .detail(format!("until:{}", (now + lockout).unix_timestamp()));
        if let Err(error) = self.0.store.record_audit_event(&event).await {
            tracing::warn!(%error, "recording a lockout in the audit log failed");
        }
    }

    /// After a right password whose stored hash is cheaper than `password.argon2_*` asks: hashes
    /// it again at today's cost, in the background (the sign-in does not wait), replacing the
    /// stored hash only if it is still the one checked (a reset meanwhile wins).
    fn rehash_if_outdated(&self, user: &User, stored: String, password: Option<Password>) {
        let cost = self.0.hash_cost;
        let Some(password) = password.filter(|_| password::is_outdated(&stored, cost)) else {
            return;
        };
        let store = Arc::clone(&self.0.store);
        let user_id = user.id;
        tokio::spawn(async move {
            let replaced = match password::hash(password, cost).await {
                Ok(fresh) => store.replace_password_hash(user_id, &stored, &fresh).await,
                Err(error) => {
                    tracing::warn!(%error, "re-hashing a password failed");
                    return;
                }
            };
            match replaced {
                Ok(true) => tracing::info!(user_id = %user_id, "password hash upgraded"),
                Ok(false) => {}
                Err(error) => tracing::warn!(%error, "storing an upgraded password hash failed"),
            }
        });
    }
}

/// An attempt still counted as in flight this long after its key was last touched has ended
/// without being decided (its request was cut off: `server.request_timeout` is 30 s by default).
const IN_FLIGHT_STALE: time::Duration = time::Duration::minutes(2);
/// How long an attempt over the budget waits for those in flight to be decided.
const ADMISSION_WAIT: std::time::Duration = std::time::Duration::from_secs(2);
const ADMISSION_POLL: std::time::Duration = std::time::Duration::from_millis(20);

/// One guessing counter: an account or a source address.
struct Counter {
    key: String,
    threshold: u32,
}

impl Counter {
    /// Admits an attempt, waiting a little while the budget is taken by attempts in flight;
    /// false when the key is locked.
    async fn admit(
        &self,
        store: &dyn Store,
        policy: &LoginConfig,
        now: OffsetDateTime,
    ) -> Result<bool, LoginError> {
        let window = duration(policy.failure_window.get());
        let window_start = now - window;
        let stale_before = now - IN_FLIGHT_STALE.min(window);
        let started = std::time::Instant::now();
        loop {
            let admission = store
                .admit_login_attempt(&self.key, now, window_start, stale_before, self.threshold)
                .await?;
            match admission {
                Admission::Admitted => return Ok(true),
                Admission::Locked => return Ok(false),
                Admission::Busy if started.elapsed() >= ADMISSION_WAIT => return Ok(false),
                Admission::Busy => tokio::time::sleep(ADMISSION_POLL).await,
            }
        }
    }

    /// Records a wrong guess; the one that reaches the threshold locks the key. The lockout
    /// this guess started, if it is the first over the threshold.
    async fn fail(
        &self,
        store: &dyn Store,
        policy: &LoginConfig,
        now: OffsetDateTime,
    ) -> Result<Option<time::Duration>, LoginError> {
        let longest = duration(policy.max_lockout.get());
        let failures = store
            .record_login_failure(&self.key, now, self.threshold, now + longest)
            .await?;
        if let Some(lockout) = lockout_for(policy, failures, self.threshold)
            && let Err(error) = store.lock_login(&self.key, failures, now + lockout).await
        {
            // The failure is recorded and the key held at the longest lockout: safe as it is.
            tracing::warn!(%error, "setting the exact lockout failed; the longest one holds");
        }
        Ok(lockout_for(policy, failures, self.threshold).filter(|_| failures == self.threshold))
    }
}

fn duration(value: std::time::Duration) -> time::Duration {
    time::Duration::try_from(value).unwrap_or(time::Duration::HOUR)
}

/// The lockout after `failures` failures: none below the threshold, then `lockout` doubling per
/// further failure, capped at `max_lockout`.
pub fn lockout_for(policy: &LoginConfig, failures: u32, threshold: u32) -> Option<time::Duration> {
    let beyond = failures.checked_sub(threshold)?;
    let base = policy.lockout.get();
    let scaled = base
        .checked_mul(2_u32.saturating_pow(beyond.min(20)))
        .unwrap_or(policy.max_lockout.get());
    time::Duration::try_from(scaled.min(policy.max_lockout.get())).ok()
}

/// The key of an address's wrong-password counter.
pub fn account_counter_key(email: &str) -> String {
    format!("account:{}", email.trim().to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Duration;

    fn policy() -> LoginConfig {
        LoginConfig {
            max_failures: 5,
            max_failures_per_address: 50,
            lockout: Duration::from_secs(30),
            max_lockout: Duration::from_secs(900),
            failure_window: Duration::from_secs(3600),
        }
    }

    #[test]
    fn lockouts_start_at_the_threshold_double_and_are_capped() {
        let policy = policy();
        assert_eq!(lockout_for(&policy, 4, 5), None);
        assert_eq!(
            lockout_for(&policy, 5, 5),
            Some(time::Duration::seconds(30))
        );
        assert_eq!(
            lockout_for(&policy, 6, 5),
            Some(time::Duration::seconds(60))
        );
        assert_eq!(
            lockout_for(&policy, 8, 5),
            Some(time::Duration::seconds(240))
        );
        assert_eq!(
            lockout_for(&policy, 40, 5),
            Some(time::Duration::seconds(900))
        );
    }
}
