//! Prometheus metrics: one registry per running server (tests run many in one process), updated
//! with atomic counters and histograms, never a lock shared across requests. Labels are bounded
//! by construction: route templates (never raw paths), fixed outcome names, and client ids only
//! when `metrics.client_id_labels` is on.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::exponential_buckets;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;

pub use histogram::AtomicHistogram;

mod histogram;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    pub route: Route,
    pub method: &'static str,
    pub status: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: Route,
}

/// A route template as a label, shared rather than copied: the router's own `Arc<str>` for
/// matched routes (a reference count per request, no allocation), a fixed name otherwise.
#[derive(Debug, Clone)]
pub enum Route {
    Matched(Arc<str>),
    Unmatched,
}

impl Route {
    /// The label of a route template. Templates are interned per thread: after a route's first
    /// request on a thread, naming it costs a lookup and a reference count on that thread's copy.
    pub fn matched(template: &str) -> Self {
        thread_local! {
            static TEMPLATES: std::cell::RefCell<std::collections::HashSet<Arc<str>>> =
                std::cell::RefCell::default();
        }
        TEMPLATES.with_borrow_mut(|templates| {
            if let Some(known) = templates.get(template) {
                return Self::Matched(known.clone());
            }
            let interned: Arc<str> = Arc::from(template);
            templates.insert(interned.clone());
            Self::Matched(interned)
        })
    }

    fn as_str(&self) -> &str {
        match self {
            Self::Matched(path) => path,
            Self::Unmatched => "unmatched",
        }
    }
}

impl std::hash::Hash for Route {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialEq for Route {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Route {}

impl prometheus_client::encoding::EncodeLabelValue for Route {
    fn encode(
        &self,
        encoder: &mut prometheus_client::encoding::LabelValueEncoder,
    ) -> Result<(), std::fmt::Error> {
        std::fmt::Write::write_str(encoder, self.as_str())
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TokenLabels {
    pub grant_type: &'static str,
    pub client_kind: &'static str,
    /// Empty unless `metrics.client_id_labels` is on.
    pub client_id: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    pub outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FamilyLabels {
    pub family: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StateLabels {
    pub state: &'static str,
}

/// How a password sign-in ended, at any door (page, password grant, challenge endpoint).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInOutcome {
    Success,
    WrongCredentials,
    Locked,
    SecondFactorRequired,
    EmailNotVerified,
}

impl SignInOutcome {
    fn label(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::WrongCredentials => "wrong_credentials",
            Self::Locked => "locked",
            Self::SecondFactorRequired => "second_factor_required",
            Self::EmailNotVerified => "email_not_verified",
        }
    }
}

/// The change feed's state: none (SQLite), connected, or interrupted.
const FEED_NONE: u8 = 0;
const FEED_CONNECTED: u8 = 1;
const FEED_INTERRUPTED: u8 = 2;

/// The server's metrics; cheap to clone.
#[derive(Clone)]
pub struct Metrics(Arc<Inner>);

pub struct Inner {
    registry: Registry,
    client_id_labels: bool,
    pub http_requests: Family<HttpLabels, Counter>,
    pub http_duration: Family<RouteLabels, AtomicHistogram, fn() -> AtomicHistogram>,
    tokens_issued: Family<TokenLabels, Counter>,
    sign_ins: Family<OutcomeLabels, Counter>,
    lockouts: Counter,
    refresh_reuse: Counter,
    revocations: Counter,
    rate_limited: Family<FamilyLabels, Counter>,
    pub db_connections: Gauge,
    pub db_idle: Gauge,
    pub db_max: Gauge,
    feed_state: AtomicU8,
    feed_connected: Gauge,
    feed_resyncs: Counter,
    pub outbox_pending: Gauge,
    pub outbox_retrying: Gauge,
    pub outbox_given_up: Gauge,
    pub audit_unsealed: Gauge,
    pub audit_lag_seconds: Gauge<f64, std::sync::atomic::AtomicU64>,
    pub signing_keys: Family<StateLabels, Gauge>,
}

impl std::ops::Deref for Metrics {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

fn latency_histogram() -> AtomicHistogram {
    // 1 ms to ~16 s.
    AtomicHistogram::new(exponential_buckets(0.001, 2.0, 15))
}

impl Metrics {
    pub fn new(client_id_labels: bool, backend: &'static str) -> Self {
        let mut registry = Registry::with_prefix("portcullis");
        let http_requests = Family::<HttpLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route template, method and status class",
            http_requests.clone(),
        );
        let http_duration =
            Family::new_with_constructor(latency_histogram as fn() -> AtomicHistogram);
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by route template",
            http_duration.clone(),
        );
        let tokens_issued = Family::<TokenLabels, Counter>::default();
        registry.register(
            "tokens_issued",
            "Token responses issued at /token, by grant type and client kind",
            tokens_issued.clone(),
        );
        let sign_ins = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "sign_ins",
            "Password sign-ins decided, by outcome",
            sign_ins.clone(),
        );
        let lockouts = Counter::default();
        registry.register(
            "lockouts_started",
            "Temporary lockouts started (accounts and addresses)",
            lockouts.clone(),
        );
        let refresh_reuse = Counter::default();
        registry.register(
            "refresh_token_reuse_detected",
            "Refresh tokens presented again after rotation (their grant was revoked)",
            refresh_reuse.clone(),
        );
        let revocations = Counter::default();
        registry.register(
            "revocations",
            "Tokens revoked at /revoke",
            revocations.clone(),
        );
        let rate_limited = Family::<FamilyLabels, Counter>::default();
        registry.register(
            "rate_limited",
            "Requests refused by a rate limit, by endpoint family",
            rate_limited.clone(),
        );
        let db_connections = Gauge::default();
        registry.register(
            "db_pool_connections",
            "Open connections in this instance's database pool",
            db_connections.clone(),
        );
        let db_idle = Gauge::default();
        registry.register(
            "db_pool_idle_connections",
            "Idle connections in this instance's database pool",
            db_idle.clone(),
        );
        let db_max = Gauge::default();
        registry.register(
            "db_pool_max_connections",
            "The pool's largest size (database.max_connections)",
            db_max.clone(),
        );
        let feed_connected = Gauge::default();
        registry.register(
            "change_feed_connected",
            "1 while the PostgreSQL change feed is connected (always 0 on SQLite)",
            feed_connected.clone(),
        );
        let feed_resyncs = Counter::default();
        registry.register(
            "change_feed_resyncs",
            "Resynchronisations after the change feed lost changes",
            feed_resyncs.clone(),
        );
        let outbox_pending = Gauge::default();
        registry.register(
            "mail_outbox_pending",
            "Messages in the outbox not sent yet",
            outbox_pending.clone(),
        );
        let outbox_retrying = Gauge::default();
        registry.register(
            "mail_outbox_retrying",
            "Unsent messages whose delivery failed at least once",
            outbox_retrying.clone(),
        );
        let outbox_given_up = Gauge::default();
        registry.register(
            "mail_outbox_given_up",
            "Messages given up after their last delivery attempt (within email.retention)",
            outbox_given_up.clone(),
        );
        let audit_unsealed = Gauge::default();
        registry.register(
            "audit_unsealed_events",
            "Audit events not yet chained by the sealer",
            audit_unsealed.clone(),
        );
        let audit_lag_seconds = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
        registry.register(
            "audit_sealer_lag_seconds",
            "Age of the oldest audit event not yet chained (0 when none)",
            audit_lag_seconds.clone(),
        );
        let signing_keys = Family::<StateLabels, Gauge>::default();
        registry.register(
            "signing_keys",
            "Signing keys by lifecycle state",
            signing_keys.clone(),
        );
        let hashing = crate::crypto::password::queue_metrics();
        registry.register(
            "argon2_queue_depth",
            "Password hashes waiting for or running on a hashing thread (all servers of the process)",
            hashing.depth.clone(),
        );
        registry.register(
            "argon2_queue_wait_seconds",
            "Time a password hash waited for a hashing thread",
            hashing.wait.clone(),
        );
        registry.register(
            "build",
            "The running build",
            Info::new(vec![
                ("version", env!("CARGO_PKG_VERSION")),
                ("database", backend),
            ]),
        );
        Self(Arc::new(Inner {
            registry,
            client_id_labels,
            http_requests,
            http_duration,
            tokens_issued,
            sign_ins,
            lockouts,
            refresh_reuse,
            revocations,
            rate_limited,
            db_connections,
            db_idle,
            db_max,
            feed_state: AtomicU8::new(FEED_NONE),
            feed_connected,
            feed_resyncs,
            outbox_pending,
            outbox_retrying,
            outbox_given_up,
            audit_unsealed,
            audit_lag_seconds,
            signing_keys,
        }))
    }

    pub fn token_issued(
        &self,
        grant_type: &'static str,
        client_kind: &'static str,
        client_id: &str,
    ) {
        let client_id = if self.client_id_labels {
            client_id.to_owned()
        } else {
            String::new()
        };
        self.tokens_issued
            .get_or_create(&TokenLabels {
                grant_type,
                client_kind,
                client_id,
            })
            .inc();
    }

    pub fn sign_in(&self, outcome: SignInOutcome) {
        self.sign_ins
            .get_or_create(&OutcomeLabels {
                outcome: outcome.label(),
            })
            .inc();
    }

    pub fn lockout_started(&self) {
        self.lockouts.inc();
    }

    pub fn refresh_reuse_detected(&self) {
        self.refresh_reuse.inc();
    }

    pub fn token_revoked(&self) {
        self.revocations.inc();
    }

    pub fn rate_limited(&self, family: &'static str) {
        self.rate_limited
            .get_or_create(&FamilyLabels { family })
            .inc();
    }

    /// Records the change feed's state (called by its follower).
    pub fn change_feed(&self, connected: bool) {
        let state = if connected {
            FEED_CONNECTED
        } else {
            FEED_INTERRUPTED
        };
        self.feed_state.store(state, Ordering::Relaxed);
        self.feed_connected.set(i64::from(connected));
    }

    pub fn change_feed_resynced(&self) {
        self.feed_resyncs.inc();
    }

    /// `None` where there is no change feed (SQLite), else whether it is connected.
    pub fn change_feed_connected(&self) -> Option<bool> {
        match self.feed_state.load(Ordering::Relaxed) {
            FEED_NONE => None,
            state => Some(state == FEED_CONNECTED),
        }
    }

    /// The registry in the OpenMetrics text format.
    pub fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}
