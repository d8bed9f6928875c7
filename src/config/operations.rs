//! What operators tune about running the server: rate limits and metrics.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use super::Duration;

/// Built-in rate limits. Each endpoint family has its own budget per source address, per
/// account (the email it names) and per client; 0 turns one off. Address and account budgets
/// are counted in the database, so every instance spends one budget; client budgets and the
/// flood guard are counted in each instance's memory.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitsConfig {
    pub enabled: bool,
    /// Requests one source address may make per second to the limited endpoints of one
    /// instance, before anything else is looked at (0: no flood guard).
    pub flood_per_second: u32,
    /// Sign-in with a password: the page, the password grant.
    pub sign_in: LimitConfig,
    /// The first-party challenge endpoint (`/authorize-challenge`).
    pub challenge: LimitConfig,
    pub registration: LimitConfig,
    /// Starting a password recovery.
    pub recovery: LimitConfig,
    /// Sending a verification code again.
    pub verification: LimitConfig,
    /// Submitting a one-time code (email verification, recovery, second factor).
    pub codes: LimitConfig,
    pub token: LimitConfig,
    pub introspect: LimitConfig,
    pub revoke: LimitConfig,
}

/// One family's budgets within a window.
#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitConfig {
    pub per_address: u32,
    pub per_account: u32,
    pub per_client: u32,
    pub window: Duration,
}

impl Default for LimitConfig {
    fn default() -> Self {
        Self {
            per_address: 0,
            per_account: 0,
            per_client: 0,
            window: Duration::from_secs(60),
        }
    }
}

/// The Prometheus endpoint.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    pub enabled: bool,
    /// Serve `/metrics` on this address instead of the main listener (so it need not be
    /// public); unset: on the main listener.
    pub listen: Option<SocketAddr>,
    /// Label token metrics with the client id (only for a known, small set of clients).
    pub client_id_labels: bool,
}
