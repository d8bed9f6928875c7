//! Typed configuration: embedded defaults, then an optional file, then the environment.
//!
//! Values are parsed into types and cross-checked once, at start; a bad setting is an error that
//! names the key and where it came from. Depends on no other module of ours.

mod duration;
mod load;
mod secret;

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use url::Url;

pub use duration::Duration;
pub use load::{ConfigError, Sources};
pub use secret::SecretString;

/// The whole configuration, as loaded and validated.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub keys: KeysConfig,
    pub tokens: TokensConfig,
    pub login: LoginConfig,
    pub sessions: SessionsConfig,
    pub log: LogConfig,
    pub secrets: SecretsConfig,
    pub email: EmailConfig,
    pub password: PasswordConfig,
    pub registration: RegistrationConfig,
    pub account: AccountConfig,
    pub mfa: MfaConfig,
}

/// Self-registration: whether it is open, to whom, and what a new account must do first.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrationConfig {
    pub enabled: bool,
    /// Email domains that may register (`example.com` also admits no subdomain); empty: any.
    pub allowed_domains: Vec<String>,
    /// Whether an account must verify its email before it can sign in; unset: on, except for a
    /// development issuer (loopback http).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_verified_email: Option<bool>,
    /// How long a verification code and link stay valid.
    pub verification_ttl: Duration,
    /// Fewest seconds between two verification mails to one account (resend asks sooner: ignored).
    pub resend_interval: Duration,
}

impl RegistrationConfig {
    /// Whether an unverified account is refused at sign-in.
    pub fn requires_verified_email(&self, development: bool) -> bool {
        self.require_verified_email.unwrap_or(!development)
    }

    /// Whether `domain` (lower case) may register.
    pub fn admits_domain(&self, domain: &str) -> bool {
        self.allowed_domains.is_empty()
            || self
                .allowed_domains
                .iter()
                .any(|allowed| allowed.eq_ignore_ascii_case(domain))
    }
}

/// Codes, links and the rules around sensitive changes to an account.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    /// How long a recovery code or link stays valid (a newer recovery or a new password ends it).
    pub recovery_ttl: Duration,
    /// Wrong guesses one code allows before it is dead.
    pub code_attempts: u32,
    /// Wrong code guesses one account allows per hour across all its codes.
    pub code_attempts_per_hour: u32,
    /// How recent a sign-in must be for a sensitive change (email, password, deletion).
    pub reauth_max_age: Duration,
}

/// The second factor (TOTP with recovery codes): who must have one, and how guessing is limited.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MfaConfig {
    pub policy: MfaPolicy,
    /// With `required_for_roles`: holders of any of these roles must have a second factor.
    pub required_roles: Vec<String>,
    /// The service's name as authenticator apps show it beside the account (no `:`).
    pub issuer_name: String,
    /// Codes one sign-in may try before it must start again with the password.
    pub attempts_per_sign_in: u32,
    /// Wrong codes an account allows within `failure_window` before its second factor refuses
    /// every code until the window ends (counted across sessions and instances).
    pub max_failures: u32,
    pub failure_window: Duration,
    /// How long a sign-in with a right password waits for its second factor.
    pub challenge_ttl: Duration,
}

/// Who must have a second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MfaPolicy {
    /// No second factor: nobody may enrol and sign-in never asks for one.
    Off,
    /// Whoever enrols is asked for it at every sign-in.
    Optional,
    /// As `optional`, and holders of `mfa.required_roles` must enrol before signing in.
    RequiredForRoles,
    /// Everyone must enrol before signing in.
    Required,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KeysConfig {
    pub encryption_key: SecretString,
    pub rotation_interval: Duration,
    pub jwks_max_age: Duration,
    pub reload_interval: Duration,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TokensConfig {
    pub access_token_ttl: Duration,
    pub id_token_ttl: Duration,
    pub authorization_code_ttl: Duration,
    pub refresh_token_idle_ttl: Duration,
    pub refresh_token_absolute_ttl: Duration,
    /// How long after a rotation the same refresh token, retried by the same client, gets the
    /// same successor again ("0s": never).
    pub refresh_token_retry_window: Duration,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LoginConfig {
    pub max_failures: u32,
    pub max_failures_per_address: u32,
    pub lockout: Duration,
    pub max_lockout: Duration,
    pub failure_window: Duration,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SessionsConfig {
    pub idle_timeout: Duration,
    pub absolute_timeout: Duration,
    pub pending_request_ttl: Duration,
}

/// The longest access-token lifetime a client may be given.
pub const MAX_ACCESS_TOKEN_TTL: Duration =
    Duration::from_secs(crate::domain::MAX_ACCESS_TOKEN_TTL_SECONDS as u64);

impl TokensConfig {
    /// How long after a signing key stops signing its tokens may still be in use: the key stays
    /// published that long.
    pub fn longest_jwt_lifetime(&self) -> Duration {
        self.access_token_ttl
            .max(self.id_token_ttl)
            .max(MAX_ACCESS_TOKEN_TTL)
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    pub issuer: Url,
    pub body_limit: usize,
    pub request_timeout: Duration,
    pub shutdown_grace: Duration,
    pub data_dir: PathBuf,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    pub url: DatabaseUrl,
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    pub startup_timeout: Duration,
    pub migrate: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    pub format: LogFormat,
    pub filter: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SecretsConfig {
    pub hash_key: SecretString,
}

/// What a new password must be (the common-password and containment checks always apply).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordConfig {
    /// argon2id memory cost of new hashes, in KiB.
    pub argon2_memory_kib: u32,
    /// argon2id passes.
    pub argon2_iterations: u32,
    /// argon2id lanes.
    pub argon2_parallelism: u32,
    pub min_length: usize,
    pub max_length: usize,
    pub require_uppercase: bool,
    pub require_lowercase: bool,
    pub require_digit: bool,
    pub require_symbol: bool,
}

/// Outgoing mail: the SMTP server, the sender, and how the outbox retries and forgets.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    /// `smtp://`, `smtps://` (or `smtp://…?tls=required`), credentials included; a secret, as it
    /// may carry a password. Empty: messages are written as `.eml` files under
    /// `server.data_dir/mail`.
    pub smtp_url: SecretString,
    /// The `From` mailbox, e.g. `Portcullis <no-reply@example.com>`.
    pub from: String,
    /// The `Reply-To` mailbox; empty for none.
    pub reply_to: String,
    /// Delivery attempts before a message is given up (temporary failures back off, doubling
    /// from 10 s to at most 1 h; a permanent refusal ends at once).
    pub max_attempts: u32,
    /// How long sent and given-up messages stay in the outbox (their bodies are erased at once).
    pub retention: Duration,
    /// How often each instance looks for due messages (new ones from this instance go at once).
    pub poll_interval: Duration,
    /// Messages one sender claims at a time.
    pub batch_size: u32,
}

impl EmailConfig {
    /// Whether mail goes to an SMTP server (else to files).
    pub fn uses_smtp(&self) -> bool {
        !self.smtp_url.is_empty()
    }
}

/// A database URL; its scheme chooses the backend. The password never appears in `Debug` or in
/// the serialised (printed) configuration.
#[derive(Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct DatabaseUrl(String);

/// Which storage backend a [`DatabaseUrl`] selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Url::parse(url).map_err(|e| format!("not a valid postgres URL: {e}"))?;
        } else if !url.starts_with("sqlite:") {
            return Err(
                "must start with sqlite:// (embedded) or postgres:// (PostgreSQL)".to_owned(),
            );
        }
        Ok(Self(url.to_owned()))
    }

    pub fn backend(&self) -> Backend {
        if self.0.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        }
    }

    /// The full URL, password included: only for opening the connection.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL with any password replaced, for logs and `check-config`.
    pub fn redacted(&self) -> String {
        match Url::parse(&self.0) {
            Ok(mut url) if url.password().is_some() => {
                // set_password only fails for URLs that cannot carry one.
                let _ = url.set_password(Some("[redacted]"));
                url.to_string()
            }
            _ => self.0.clone(),
        }
    }
}

impl TryFrom<String> for DatabaseUrl {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl Serialize for DatabaseUrl {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.redacted())
    }
}

impl Config {
    /// Loads and validates the configuration from the given sources.
    pub fn load(sources: &Sources) -> Result<Self, ConfigError> {
        load::load(sources)
    }

    /// The issuer as it appears in tokens and metadata: the configured URL without a trailing slash.
    pub fn issuer(&self) -> String {
        self.server.issuer.as_str().trim_end_matches('/').to_owned()
    }

    /// True when the issuer is a loopback http URL: the development default, where Secure cookies
    /// are relaxed and missing secrets may be generated.
    pub fn is_development(&self) -> bool {
        self.server.issuer.scheme() == "http" && is_loopback_host(&self.server.issuer)
    }

    /// Settings that are valid but risky in production, as (key, why) pairs, for
    /// `check-config` to print. (Whether a client may use the password grant is in the database,
    /// not here.)
    pub fn warnings(&self) -> Vec<(&'static str, &'static str)> {
        let mut warnings = Vec::new();
        let development = self.is_development();
        if development {
            warnings.push((
                "server.issuer",
                "an http issuer on loopback is for development: cookies are not Secure and \
                 missing keys are generated",
            ));
        }
        for (key, value) in [
            ("secrets.hash_key", &self.secrets.hash_key),
            ("keys.encryption_key", &self.keys.encryption_key),
        ] {
            if value.expose().trim().is_empty() {
                warnings.push((
                    key,
                    "not set: a development key is generated into server.data_dir; set one \
                     from a secret store for production",
                ));
            }
        }
        let admins_need_a_factor = match self.mfa.policy {
            MfaPolicy::Required => true,
            MfaPolicy::RequiredForRoles => self.mfa.required_roles.iter().any(|r| r == "admin"),
            MfaPolicy::Off | MfaPolicy::Optional => false,
        };
        if !admins_need_a_factor {
            warnings.push((
                "mfa.policy",
                "administrators may sign in with a password alone; set \"required_for_roles\" \
                 with admin in mfa.required_roles, or \"required\"",
            ));
        }
        if self.registration.enabled && !self.registration.requires_verified_email(development) {
            warnings.push((
                "registration.require_verified_email",
                "registration is open and new accounts can sign in before proving they own \
                 their address",
            ));
        }
        warnings
    }

    /// Cross-checks between keys; returns (key, message) of the first problem.
    fn validate(&self) -> Result<(), (&'static str, String)> {
        let issuer = &self.server.issuer;
        if issuer.cannot_be_a_base() || issuer.host_str().is_none() {
            return Err(("server.issuer", "must be an absolute http(s) URL".into()));
        }
        if issuer.query().is_some() || issuer.fragment().is_some() {
            return Err(("server.issuer", "must not have a query or fragment".into()));
        }
        if !issuer.username().is_empty() || issuer.password().is_some() {
            return Err(("server.issuer", "must not contain credentials".into()));
        }
        match issuer.scheme() {
            "https" => {}
            "http" if is_loopback_host(issuer) => {}
            "http" => {
                return Err((
                    "server.issuer",
                    format!("must use https (http is allowed only on loopback): {issuer}"),
                ));
            }
            other => return Err(("server.issuer", format!("unsupported scheme {other}"))),
        }
        if self.server.body_limit < 1024 {
            return Err(("server.body_limit", "must be at least 1024 bytes".into()));
        }
        if self.server.request_timeout.is_zero() {
            return Err(("server.request_timeout", "must be greater than zero".into()));
        }
        if self.database.max_connections == 0 {
            return Err(("database.max_connections", "must be at least 1".into()));
        }
        if self.database.acquire_timeout.is_zero() {
            return Err((
                "database.acquire_timeout",
                "must be greater than zero".into(),
            ));
        }
        let tokens = &self.tokens;
        for (key, value) in [
            ("tokens.access_token_ttl", tokens.access_token_ttl),
            ("tokens.id_token_ttl", tokens.id_token_ttl),
            (
                "tokens.authorization_code_ttl",
                tokens.authorization_code_ttl,
            ),
            (
                "tokens.refresh_token_idle_ttl",
                tokens.refresh_token_idle_ttl,
            ),
            ("keys.reload_interval", self.keys.reload_interval),
            ("keys.rotation_interval", self.keys.rotation_interval),
        ] {
            if value.get() < std::time::Duration::from_secs(1) {
                return Err((key, "must be at least 1s".into()));
            }
        }
        let email = &self.email;
        if email.uses_smtp() {
            let url = email.smtp_url.expose().trim();
            if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                return Err((
                    "email.smtp_url",
                    "must start with smtp:// or smtps:// (or be empty to write mail to files)"
                        .into(),
                ));
            }
        }
        if !is_mailbox(&email.from) {
            return Err((
                "email.from",
                format!(
                    "must be an address or `Name <address>`, got {:?}",
                    email.from
                ),
            ));
        }
        if !email.reply_to.trim().is_empty() && !is_mailbox(&email.reply_to) {
            return Err((
                "email.reply_to",
                "must be an address or `Name <address>`".into(),
            ));
        }
        let mfa = &self.mfa;
        if mfa.issuer_name.trim().is_empty() || mfa.issuer_name.contains(':') {
            return Err((
                "mfa.issuer_name",
                "must be a non-empty name without ':' (authenticator apps split on it)".into(),
            ));
        }
        if let Some(bad) = mfa
            .required_roles
            .iter()
            .find(|role| crate::domain::RoleName::parse(role).is_err())
        {
            return Err(("mfa.required_roles", format!("{bad:?} is not a role name")));
        }
        for (key, value) in [
            ("mfa.attempts_per_sign_in", mfa.attempts_per_sign_in),
            ("mfa.max_failures", mfa.max_failures),
        ] {
            if value == 0 {
                return Err((key, "must be at least 1".into()));
            }
        }
        if mfa.challenge_ttl.get() < std::time::Duration::from_secs(30) {
            return Err(("mfa.challenge_ttl", "must be at least 30s".into()));
        }
        let password = &self.password;
        if !(8_192..=65_536).contains(&password.argon2_memory_kib) {
            return Err((
                "password.argon2_memory_kib",
                "must be between 8192 and 65536 (KiB)".into(),
            ));
        }
        if !(1..=10).contains(&password.argon2_iterations)
            || !(1..=8).contains(&password.argon2_parallelism)
        {
            return Err((
                "password.argon2_iterations",
                "must be 1 to 10 (and password.argon2_parallelism 1 to 8)".into(),
            ));
        }
        if password.min_length < 8 {
            return Err((
                "password.min_length",
                "must be at least 8 (NIST SP 800-63B)".into(),
            ));
        }
        if !(64..=256).contains(&password.max_length) {
            return Err((
                "password.max_length",
                "must be between 64 (NIST SP 800-63B) and 256".into(),
            ));
        }
        if password.min_length > password.max_length {
            return Err((
                "password.min_length",
                "must not exceed password.max_length".into(),
            ));
        }
        if email.max_attempts == 0 || email.batch_size == 0 {
            return Err((
                "email.max_attempts",
                "must be at least 1 (and email.batch_size too)".into(),
            ));
        }
        if email.poll_interval.is_zero() {
            return Err(("email.poll_interval", "must be greater than zero".into()));
        }
        for (key, value) in [
            (
                "registration.verification_ttl",
                self.registration.verification_ttl,
            ),
            ("account.recovery_ttl", self.account.recovery_ttl),
        ] {
            if value.get() < std::time::Duration::from_secs(60) {
                return Err((key, "must be at least 1m".into()));
            }
        }
        if let Some(domain) = self
            .registration
            .allowed_domains
            .iter()
            .find(|domain| domain.is_empty() || domain.contains('@') || domain.contains(' '))
        {
            return Err((
                "registration.allowed_domains",
                format!("{domain:?} is not a domain like example.com"),
            ));
        }
        if self.account.code_attempts == 0 || self.account.code_attempts_per_hour == 0 {
            return Err((
                "account.code_attempts",
                "must be at least 1 (and account.code_attempts_per_hour too)".into(),
            ));
        }
        if self.login.max_failures == 0 || self.login.max_failures_per_address == 0 {
            return Err(("login.max_failures", "must be at least 1".into()));
        }
        if self.login.max_lockout < self.login.lockout {
            return Err((
                "login.max_lockout",
                "must not be shorter than login.lockout".into(),
            ));
        }
        if self.sessions.absolute_timeout < self.sessions.idle_timeout {
            return Err((
                "sessions.absolute_timeout",
                "must not be shorter than sessions.idle_timeout".into(),
            ));
        }
        if tokens.access_token_ttl > MAX_ACCESS_TOKEN_TTL {
            return Err(("tokens.access_token_ttl", "must be at most 1h".into()));
        }
        if tokens.id_token_ttl > MAX_ACCESS_TOKEN_TTL {
            return Err(("tokens.id_token_ttl", "must be at most 1h".into()));
        }
        if tokens.authorization_code_ttl > Duration::from_secs(600) {
            return Err((
                "tokens.authorization_code_ttl",
                "must be at most 10m (RFC 6749 §4.1.2)".into(),
            ));
        }
        if tokens.refresh_token_retry_window > Duration::from_secs(60) {
            return Err((
                "tokens.refresh_token_retry_window",
                "must be at most 60s".into(),
            ));
        }
        if tokens.refresh_token_absolute_ttl < tokens.refresh_token_idle_ttl {
            return Err((
                "tokens.refresh_token_absolute_ttl",
                "must not be shorter than tokens.refresh_token_idle_ttl".into(),
            ));
        }
        let lead = self.keys.jwks_max_age.get() + self.keys.reload_interval.get();
        if self.keys.rotation_interval.get() <= lead {
            return Err((
                "keys.rotation_interval",
                "must be longer than keys.jwks_max_age + keys.reload_interval".into(),
            ));
        }
        for (key, secret) in [
            ("secrets.hash_key", &self.secrets.hash_key),
            ("keys.encryption_key", &self.keys.encryption_key),
        ] {
            if !secret.is_empty() {
                secret::decode_key(secret).map_err(|e| (key, e))?;
            } else if !self.is_development() {
                return Err((
                    key,
                    "is required when the issuer is not a loopback http URL \
                     (generate one with `openssl rand -base64 32`)"
                        .into(),
                ));
            }
        }
        Ok(())
    }
}

fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

pub use secret::decode_key as decode_secret_key;

/// Whether `value` is a mailbox (`a@example.com` or `Name <a@example.com>`).
fn is_mailbox(value: &str) -> bool {
    value.trim().parse::<lettre::message::Mailbox>().is_ok()
}
