//! What is checked of a loaded configuration: the cross-checks between keys that make it an
//! error (`validate`), and the valid settings that are risky in production (`warnings`).

use super::{Config, Duration, MAX_ACCESS_TOKEN_TTL, MfaPolicy, is_loopback_host};

impl Config {
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
    pub(super) fn validate(&self) -> Result<(), (&'static str, String)> {
        if self.server.tls_cert.is_some() != self.server.tls_key.is_some() {
            return Err((
                "server.tls_cert",
                "tls_cert and tls_key are set together or not at all".into(),
            ));
        }
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
        if !self.bootstrap.admin_email.trim().is_empty() && self.bootstrap.admin_password.is_empty()
        {
            return Err((
                "bootstrap.admin_password",
                "is needed with bootstrap.admin_email (PORTCULLIS_BOOTSTRAP__ADMIN_PASSWORD_FILE)"
                    .into(),
            ));
        }
        let audit = &self.audit;
        for (key, value) in [
            ("audit.seal_interval", audit.seal_interval),
            ("audit.checkpoint_interval", audit.checkpoint_interval),
            ("audit.max_unsealed_age", audit.max_unsealed_age),
        ] {
            if value.is_zero() {
                return Err((key, "must be greater than zero".into()));
            }
        }
        if audit.seal_batch == 0 || audit.seal_batch > 10_000 {
            // One batch is one statement with three parameters per event.
            return Err(("audit.seal_batch", "must be between 1 and 10000".into()));
        }
        if audit.retention.get() < std::time::Duration::from_secs(86_400) {
            return Err(("audit.retention", "must be at least 1d".into()));
        }
        for (key, value) in [
            (
                "registration.verification_ttl",
                self.registration.verification_ttl,
            ),
            ("account.recovery_ttl", self.account.recovery_ttl),
            ("account.invitation_ttl", self.account.invitation_ttl),
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
                super::secret::decode_key(secret).map_err(|e| (key, e))?;
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

/// Whether `value` is a mailbox (`a@example.com` or `Name <a@example.com>`).
fn is_mailbox(value: &str) -> bool {
    value.trim().parse::<lettre::message::Mailbox>().is_ok()
}
