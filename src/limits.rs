//! Built-in rate limits: a budget per endpoint family and per source address, account or
//! client, in fixed windows. Address and account budgets are counted in the database with one
//! atomic statement per hit, so several instances spend one budget; client budgets and the
//! flood guard (requests per second per address, checked first) are counted in memory. A hit is
//! counted before anything it asks for is looked at, and a window always ends: no limit locks
//! anyone out for longer than its window.

mod local;
pub mod observed;

use std::net::IpAddr;
use std::sync::Arc;

use time::OffsetDateTime;

use crate::config::{LimitConfig, RateLimitsConfig};
use crate::crypto::token::{PlaintextToken, TokenHasher};
use crate::domain::time::Clock;
use crate::metrics::Metrics;
use crate::store::{Store, StoreError, WindowCount};
use local::LocalWindows;

/// How many families there are (the variants below, in order).
const FAMILIES: usize = 9;

/// The endpoint families, each with its own budgets (`rate_limits.<family>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    SignIn,
    Challenge,
    Registration,
    Recovery,
    Verification,
    Codes,
    Token,
    Introspect,
    Revoke,
}

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Self::SignIn => "sign-in",
            Self::Challenge => "challenge",
            Self::Registration => "registration",
            Self::Recovery => "recovery",
            Self::Verification => "verification",
            Self::Codes => "codes",
            Self::Token => "token",
            Self::Introspect => "introspect",
            Self::Revoke => "revoke",
        }
    }

    /// The budget's name in the `RateLimit` fields: `<family>-<address|account|client>`.
    fn policy(self, kind: Kind) -> &'static str {
        const POLICIES: [[&str; 3]; 9] = [
            ["sign-in-address", "sign-in-account", "sign-in-client"],
            ["challenge-address", "challenge-account", "challenge-client"],
            [
                "registration-address",
                "registration-account",
                "registration-client",
            ],
            ["recovery-address", "recovery-account", "recovery-client"],
            [
                "verification-address",
                "verification-account",
                "verification-client",
            ],
            ["codes-address", "codes-account", "codes-client"],
            ["token-address", "token-account", "token-client"],
            [
                "introspect-address",
                "introspect-account",
                "introspect-client",
            ],
            ["revoke-address", "revoke-account", "revoke-client"],
        ];
        POLICIES[self as usize][kind as usize]
    }

    fn limits(self, config: &RateLimitsConfig) -> LimitConfig {
        match self {
            Self::SignIn => config.sign_in,
            Self::Challenge => config.challenge,
            Self::Registration => config.registration,
            Self::Recovery => config.recovery,
            Self::Verification => config.verification,
            Self::Codes => config.codes,
            Self::Token => config.token,
            Self::Introspect => config.introspect,
            Self::Revoke => config.revoke,
        }
    }
}

/// Whose budget: a source address's, an account's or a client's.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Address,
    Account,
    Client,
}

/// A budget as a request was counted against it: the IETF RateLimit fields' policy (`q`
/// units per `w` seconds) and state (`r` left, `t` seconds until the window ends).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quota {
    pub policy: &'static str,
    pub limit: u32,
    pub window_seconds: u64,
    pub remaining: u32,
    pub reset_seconds: u64,
}

impl Quota {
    fn of(
        policy: &'static str,
        limit: u32,
        window: time::Duration,
        count: WindowCount,
        now: OffsetDateTime,
    ) -> Self {
        let ends = count.window_start + window;
        // Whole seconds, rounded up: a client waiting `t` seconds finds the window over.
        let reset = (ends - now).whole_microseconds().max(0);
        Self {
            policy,
            limit,
            window_seconds: u64::try_from(window.whole_seconds()).unwrap_or(0),
            remaining: limit.saturating_sub(count.hits),
            reset_seconds: u64::try_from((reset + 999_999) / 1_000_000).unwrap_or(0),
        }
    }

    fn exceeded(&self, hits: u32) -> bool {
        hits > self.limit
    }

    /// Whether this budget is nearer its end than `other` (fewer left, then longer to wait).
    fn tighter_than(&self, other: &Quota) -> bool {
        (self.remaining, std::cmp::Reverse(self.reset_seconds))
            < (other.remaining, std::cmp::Reverse(other.reset_seconds))
    }
}

/// Why a request was not admitted.
#[derive(Debug, thiserror::Error)]
pub enum LimitError {
    /// Over a budget: answer 429 and let the client retry after `quota.reset_seconds`.
    #[error("rate limit {} exceeded", .0.policy)]
    Limited(Quota),
    #[error(transparent)]
    Unavailable(#[from] StoreError),
}

impl LimitError {
    /// Seconds until the client may try again (at least one).
    pub fn retry_after(&self) -> u64 {
        match self {
            Self::Limited(quota) => quota.reset_seconds.max(1),
            Self::Unavailable(_) => 5,
        }
    }
}

/// The rate limiter every door shares; cheap to clone.
#[derive(Clone)]
pub struct RateLimits(Arc<Inner>);

struct Inner {
    config: RateLimitsConfig,
    store: Arc<dyn Store>,
    /// Keys are stored as keyed hashes: no address or email lands in the counter table.
    hasher: TokenHasher,
    clock: Clock,
    /// Requests per address in the current second (the flood guard).
    flood: LocalWindows<IpAddr>,
    /// Per family (indexed by its position), requests per client in the current window.
    clients: Vec<LocalWindows<String>>,
    metrics: Metrics,
}

impl RateLimits {
    pub fn new(
        config: RateLimitsConfig,
        store: Arc<dyn Store>,
        hasher: TokenHasher,
        clock: Clock,
        metrics: Metrics,
    ) -> Self {
        Self(Arc::new(Inner {
            config,
            metrics,
            store,
            hasher,
            clock,
            flood: LocalWindows::default(),
            clients: (0..FAMILIES).map(|_| LocalWindows::default()).collect(),
        }))
    }

    /// Admits one request of `family` from `address` (the flood guard, then the family's
    /// per-address budget) naming `account` (its per-account budget, the email compared
    /// case-insensitively). Each budget is counted before the next is looked at, and all before
    /// the request's own work.
    pub async fn admit(
        &self,
        family: Family,
        address: Option<IpAddr>,
        account: Option<&str>,
    ) -> Result<(), LimitError> {
        let admitted = self.count(family, address, account).await;
        self.counted_refusal(family, &admitted);
        admitted
    }

    async fn count(
        &self,
        family: Family,
        address: Option<IpAddr>,
        account: Option<&str>,
    ) -> Result<(), LimitError> {
        if !self.0.config.enabled {
            return Ok(());
        }
        let limits = family.limits(&self.0.config);
        let now = self.0.clock.now();
        if let Some(address) = address {
            self.flood_guard(address, now)?;
            if limits.per_address > 0 {
                let key = format!("{}:address:{address}", family.name());
                let policy = family.policy(Kind::Address);
                self.shared(&key, policy, limits.per_address, limits, now)
                    .await?;
            }
        }
        let account = account.map(str::trim).filter(|a| !a.is_empty());
        if let Some(account) = account.filter(|_| limits.per_account > 0) {
            let key = format!("{}:account:{}", family.name(), account.to_lowercase());
            let policy = family.policy(Kind::Account);
            self.shared(&key, policy, limits.per_account, limits, now)
                .await?;
        }
        Ok(())
    }

    /// Admits one request of `family` by an authenticated client (counted in this instance).
    pub fn admit_client(&self, family: Family, client_id: &str) -> Result<(), LimitError> {
        let limits = family.limits(&self.0.config);
        if !self.0.config.enabled || limits.per_client == 0 {
            return Ok(());
        }
        let now = self.0.clock.now();
        let window = window_of(limits);
        let count = self.0.clients[family as usize].hit(client_id, now, window);
        let policy = family.policy(Kind::Client);
        let admitted = judge(
            Quota::of(policy, limits.per_client, window, count, now),
            count.hits,
        );
        self.counted_refusal(family, &admitted);
        admitted
    }

    fn counted_refusal(&self, family: Family, admitted: &Result<(), LimitError>) {
        if let Err(LimitError::Limited(_)) = admitted {
            self.0.metrics.rate_limited(family.name());
        }
    }

    /// Requests per second per address, in memory, before any database work.
    fn flood_guard(&self, address: IpAddr, now: OffsetDateTime) -> Result<(), LimitError> {
        let per_second = self.0.config.flood_per_second;
        if per_second == 0 {
            return Ok(());
        }
        let window = time::Duration::SECOND;
        let count = self.0.flood.hit(&address, now, window);
        if count.hits > per_second {
            let quota = Quota::of("flood", per_second, window, count, now);
            observed::record(quota.clone());
            return Err(LimitError::Limited(quota));
        }
        Ok(())
    }

    async fn shared(
        &self,
        key: &str,
        policy: &'static str,
        limit: u32,
        limits: LimitConfig,
        now: OffsetDateTime,
    ) -> Result<(), LimitError> {
        let window = window_of(limits);
        let hashed = self.0.hasher.hash(&PlaintextToken::from_presented(key));
        let count = self
            .0
            .store
            .hit_rate_limit(hashed.as_str(), now, now - window)
            .await?;
        judge(Quota::of(policy, limit, window, count, now), count.hits)
    }

    /// Forgets counters whose windows have ended (the maintenance job calls this).
    pub async fn sweep(&self, now: OffsetDateTime) -> Result<u64, StoreError> {
        let longest = self.longest_window();
        self.0.flood.forget_before(now - longest);
        for clients in &self.0.clients {
            clients.forget_before(now - longest);
        }
        self.0.store.purge_rate_limits(now - longest).await
    }

    fn longest_window(&self) -> time::Duration {
        let c = &self.0.config;
        [
            c.sign_in,
            c.challenge,
            c.registration,
            c.recovery,
            c.verification,
            c.codes,
            c.token,
            c.introspect,
            c.revoke,
        ]
        .into_iter()
        .map(window_of)
        .max()
        .unwrap_or(time::Duration::MINUTE)
        .max(time::Duration::SECOND)
    }
}

fn window_of(limits: LimitConfig) -> time::Duration {
    time::Duration::try_from(limits.window.get()).unwrap_or(time::Duration::MINUTE)
}

/// Records the budget for the response's headers and refuses the hit past its limit.
fn judge(quota: Quota, hits: u32) -> Result<(), LimitError> {
    observed::record(quota.clone());
    if quota.exceeded(hits) {
        return Err(LimitError::Limited(quota));
    }
    Ok(())
}
