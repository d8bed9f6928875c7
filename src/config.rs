//! Typed configuration: embedded defaults, then an optional file, then the environment.
//!
//! Values are parsed into types and cross-checked once, at start; a bad setting is an error that
//! names the key and where it came from. Depends on no other module of ours.

mod checks;
mod duration;
mod load;
mod network;
mod operations;
mod secret;

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use url::Url;

pub use duration::Duration;
pub use load::{ConfigError, Sources};
pub use network::IpNetwork;
pub use operations::{LimitConfig, MetricsConfig, RateLimitsConfig};
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
    pub audit: AuditConfig,
    pub bootstrap: BootstrapConfig,
    pub rate_limits: RateLimitsConfig,
    pub metrics: MetricsConfig,
}

/// A first administrator from the environment, for containers: made at start when no active
/// administrator exists, and ignored from then on. No account exists by default.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BootstrapConfig {
    /// The first administrator's address; empty: no bootstrap.
    pub admin_email: String,
    /// Their password (`PORTCULLIS_BOOTSTRAP__ADMIN_PASSWORD_FILE` reads it from a file).
    pub admin_password: SecretString,
}

/// The tamper-evident audit log: how soon events are chained, how often the head is signed,
/// and how long events are kept.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AuditConfig {
    /// How often each instance chains the events committed since (one instance at a time).
    pub seal_interval: Duration,
    /// Events chained per transaction.
    pub seal_batch: u32,
    /// How often the chain's head is signed and written to the log, to be kept off the box.
    pub checkpoint_interval: Duration,
    /// Verification reports an event still unsealed after this long.
    pub max_unsealed_age: Duration,
    /// How long events are kept; older ones are deleted and the deletion is checkpointed.
    pub retention: Duration,
    /// Whether every token issued at `/token` is recorded (`token.issued`); off by default, as
    /// the volume would drown the rest.
    pub record_token_issuance: bool,
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
    /// How long the link in an administrator's invitation stays valid.
    pub invitation_ttl: Duration,
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
    /// Proxies whose `X-Forwarded-For` is believed: a request from one of these takes its source
    /// address from the right-most hop of that header that is not itself a trusted proxy.
    pub trusted_proxies: Vec<IpNetwork>,
    /// Serve HTTPS (with HTTP/2) from this certificate chain and private key (PEM files, re-read
    /// on SIGHUP); both or neither. Unset: plain HTTP, for a TLS-terminating proxy in front.
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
}

impl ServerConfig {
    /// The certificate and key files, when this server terminates TLS itself.
    pub fn tls_files(&self) -> Option<(&std::path::Path, &std::path::Path)> {
        Some((self.tls_cert.as_deref()?, self.tls_key.as_deref()?))
    }
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
