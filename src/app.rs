//! The composition root: open the store, check or migrate its schema, build the router, bind the
//! listener, serve until told to stop. Nothing depends on this module but `main`, the CLI and tests.

mod secrets;
mod tls;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use axum::serve::ListenerExt as _;
use tokio::net::TcpListener;

use crate::admin::{Admin, AdminSetup};
use crate::audit::sealer::Sealer;
use crate::config::{Backend, Config, DatabaseConfig};
use crate::crypto::audit::AuditKeys;
use crate::domain::time::Clock;
use crate::email;
use crate::http::{self, AppState};
use crate::identity::accounts::{Accounts, AccountsSetup};
use crate::identity::second_factor::{SecondFactors, SecondFactorsSetup};
use crate::jobs::{self, key_rotation::KeyRotation};
use crate::oauth::Engine;
use crate::store::{self, ChangeFeed, Store, StoreError};

pub use secrets::{audit_keys, key_encryption_key, token_hasher};

/// A server, built and bound, ready to [`run`](App::run).
pub struct App {
    listener: TcpListener,
    router: axum::Router,
    store: Arc<dyn Store>,
    config: Arc<Config>,
    engine: Engine,
    rotation: Arc<KeyRotation>,
    changes: Option<Box<dyn ChangeFeed>>,
    mail: Arc<email::Sender>,
    sealer: Arc<Sealer>,
    /// `metrics.listen`'s own listener, when set.
    metrics_listener: Option<TcpListener>,
    /// `server.tls_cert`/`tls_key`, when this server terminates TLS itself.
    certificate: Option<Arc<tls::Certificate>>,
}

impl App {
    /// Opens the database (retrying while it is unreachable, up to `database.startup_timeout`),
    /// applies or checks migrations, and binds `server.listen` (port 0 picks a free port).
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(config.server.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.server.listen))?;
        Self::build_on(config, listener).await
    }

    /// Like [`build`](App::build), on a listener the caller bound (tests bind first so that the
    /// issuer can name the port).
    pub async fn build_on(config: Config, listener: TcpListener) -> anyhow::Result<Self> {
        let store = open_store(&config).await?;
        let hasher = token_hasher(&config)?;
        let config = Arc::new(config);
        crate::admin::users::bootstrap_admin(store.as_ref(), &config)
            .await
            .context("making the first administrator from bootstrap.*")?;
        let rotation = Arc::new(key_rotation(store.clone(), config.clone())?);
        let clock = Clock::default();
        let now = clock.now();
        rotation
            .ensure_initial_keys(now)
            .await
            .context("creating the first signing keys")?;
        rotation
            .rotate(now, false, &crate::domain::audit::AuditActor::System)
            .await
            .context("rotating signing keys")?;
        let ring = rotation.load(now).await.context("loading signing keys")?;
        let transport = email::Transport::from_config(&config)?;
        if !config.email.uses_smtp() && !config.is_development() {
            tracing::warn!(
                "email.smtp_url is not set: mail is written to files under {}",
                config.server.data_dir.join("mail").display()
            );
        }
        let mail = Arc::new(email::Sender::new(
            store.clone(),
            transport,
            &config.email,
            clock.clone(),
        )?);
        let links = http::account_links(&config);
        let second_factors = SecondFactors::new(SecondFactorsSetup {
            store: store.clone(),
            hasher: hasher.clone(),
            sealer: key_encryption_key(&config)?,
            sender: mail.clone(),
            clock: clock.clone(),
            config: config.clone(),
            recover_link: links.recover.clone(),
        });
        let engine = Engine::new(
            config.clone(),
            store.clone(),
            hasher.clone(),
            ring,
            http::paths::ENDPOINTS,
            clock,
            second_factors,
        );
        engine
            .refresh_discovery()
            .await
            .context("building the discovery document")?;
        // Subscribe before loading, so that nothing revoked in between is missed.
        let changes = store
            .change_feed()
            .await
            .context("subscribing to changes")?;
        engine
            .reload_revocations(now)
            .await
            .context("loading revocations")?;
        let accounts = Accounts::new(AccountsSetup {
            store: store.clone(),
            sender: mail.clone(),
            hasher: hasher.clone(),
            clock: engine.clock(),
            logins: engine.logins.clone(),
            second_factors: engine.second_factors.clone(),
            config: config.clone(),
            links,
        });
        let audit_keys = secrets::audit_keys(&config)?;
        let admin = Admin::new(AdminSetup {
            store: store.clone(),
            accounts: accounts.clone(),
            clock: engine.clock(),
            hasher: hasher.clone(),
            rotation: rotation.clone(),
            audit_keys: audit_keys.clone(),
            audit: config.audit.clone(),
        });
        let sealer = Arc::new(Sealer::new(
            store.clone(),
            audit_keys,
            config.audit.clone(),
            engine.clock(),
        ));
        let router = http::router(AppState {
            config: config.clone(),
            store: store.clone(),
            hasher,
            engine: engine.clone(),
            accounts,
            admin,
            limits: engine.limits.clone(),
        });
        let metrics_listener = match config.metrics.listen {
            Some(address) if config.metrics.enabled => Some(
                TcpListener::bind(address)
                    .await
                    .with_context(|| format!("cannot listen on metrics.listen {address}"))?,
            ),
            _ => None,
        };
        let certificate = match config.server.tls_files() {
            Some((cert, key)) => Some(tls::Certificate::load(cert, key)?),
            None => None,
        };
        Ok(Self {
            listener,
            router,
            store,
            config,
            engine,
            rotation,
            changes,
            mail,
            sealer,
            metrics_listener,
            certificate,
        })
    }

    /// The clock the server's rules read; tests move it forward instead of waiting.
    pub fn clock(&self) -> Clock {
        self.engine.clock()
    }

    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish for up to
    /// `server.shutdown_grace` before closing the pool.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let Self {
            listener,
            router,
            store,
            config,
            engine,
            rotation,
            changes,
            mail,
            sealer,
            metrics_listener,
            certificate,
        } = self;
        let reloading = match &certificate {
            Some(certificate) => Some(reload_on_hangup(certificate.clone())?),
            None => None,
        };
        announce(&config, listener.local_addr()?);
        let metrics_server = metrics_listener.map(|listener| {
            let router = http::metrics_router(engine.clone());
            tokio::spawn(async move { axum::serve(listener, router).await })
        });
        let following =
            changes.map(|feed| tokio::spawn(jobs::change_feed::follow(engine.clone(), feed)));
        let delivery = tokio::spawn(jobs::mail_delivery::deliver(
            mail,
            config.email.poll_interval.get(),
        ));
        let sealing = tokio::spawn(crate::audit::sealer::run(sealer.clone()));
        let maintenance = tokio::spawn(jobs::maintenance::maintain(
            engine,
            rotation,
            config.keys.reload_interval.get(),
        ));
        let grace = config.server.shutdown_grace.get();
        let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
        let signal = async move {
            shutdown.await;
            tracing::info!("shutting down: finishing in-flight requests");
            let _ = stopping_tx.send(());
        };
        let service = router.into_make_service_with_connect_info::<SocketAddr>();
        let serve: std::pin::Pin<Box<dyn Future<Output = std::io::Result<()>> + Send>> =
            match certificate {
                Some(certificate) => {
                    // `tap_io` (doing nothing) is how axum gives any listener's peer address
                    // to `ConnectInfo`; TCP_NODELAY was set before the handshake.
                    let listener = tls::TlsListener::new(listener, certificate)?.tap_io(|_| {});
                    Box::pin(
                        axum::serve(listener, service)
                            .with_graceful_shutdown(signal)
                            .into_future(),
                    )
                }
                None => {
                    // Responses go out as soon as they are written, not held back by Nagle's
                    // algorithm waiting for the client's delayed ACK.
                    let listener = listener.tap_io(|stream| {
                        if let Err(error) = stream.set_nodelay(true) {
                            tracing::debug!(%error, "TCP_NODELAY not set");
                        }
                    });
                    Box::pin(
                        axum::serve(listener, service)
                            .with_graceful_shutdown(signal)
                            .into_future(),
                    )
                }
            };
        let grace_expired = async move {
            match stopping_rx.await {
                Ok(()) => tokio::time::sleep(grace).await,
                Err(_) => std::future::pending().await,
            }
        };
        tokio::select! {
            result = serve => result.context("server error")?,
            () = grace_expired => tracing::warn!("shutdown grace period over; dropping remaining connections"),
        }
        maintenance.abort();
        sealing.abort();
        // What the last requests recorded is chained before the store closes (what is left, the
        // next instance to start seals).
        if let Err(error) = sealer.seal().await {
            tracing::warn!(%error, "sealing the last audit events failed");
        }
        // A message in the middle of delivery keeps its lease and goes again when it runs out.
        delivery.abort();
        if let Some(following) = following {
            following.abort();
        }
        if let Some(metrics_server) = metrics_server {
            metrics_server.abort();
        }
        if let Some(reloading) = reloading {
            reloading.abort();
        }
        store.close().await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// Re-reads the certificate on every SIGHUP (new handshakes get it; open connections keep
/// theirs). A certificate that cannot be read is logged and the one in use stays.
fn reload_on_hangup(
    certificate: Arc<tls::Certificate>,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hangups = signal(SignalKind::hangup()).context("listening for SIGHUP")?;
    Ok(tokio::spawn(async move {
        while hangups.recv().await.is_some() {
            match certificate.reload() {
                Ok(()) => tracing::info!("TLS certificate reloaded"),
                Err(error) => tracing::warn!(
                    error = %format!("{error:#}"),
                    "reloading the TLS certificate failed; the current one stays"
                ),
            }
        }
    }))
}

/// The key lifecycle for this configuration and store.
pub fn key_rotation(store: Arc<dyn Store>, config: Arc<Config>) -> anyhow::Result<KeyRotation> {
    let kek = key_encryption_key(&config)?;
    Ok(KeyRotation::new(store, kek, config))
}

/// The one line an operator reads at start: where, on what, and whether this is development.
fn announce(config: &Config, address: SocketAddr) {
    let database = match config.database.url.backend() {
        Backend::Sqlite => "embedded SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    let mode = if config.is_development() {
        "development defaults: loopback http issuer; set PORTCULLIS_ISSUER and DATABASE_URL for production"
    } else {
        "production"
    };
    let scheme = if config.server.tls_files().is_some() {
        "https"
    } else {
        "http"
    };
    tracing::info!(
        "Portcullis listening on {scheme}://{address} (issuer {}), database {database} at {}; {mode}",
        config.issuer(),
        config.database.url.redacted(),
    );
}

/// Connects, refuses a schema newer than this binary, and migrates (or, with migrations off,
/// refuses a schema older than this binary).
pub async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    let audit = secrets::audit_keys(config)?;
    let store = connect_with_retry(&config.database, audit).await?;
    let schema = store
        .schema_version()
        .await
        .context("reading the schema version")?;
    if schema.applied > schema.supported {
        bail!(StoreError::SchemaTooNew {
            applied: schema.applied,
            supported: schema.supported
        });
    }
    if config.database.migrate {
        store
            .migrate()
            .await
            .context("applying database migrations")?;
        if schema.applied < schema.supported {
            tracing::info!(
                from = schema.applied,
                to = schema.supported,
                "database schema migrated"
            );
        }
    } else if schema.applied < schema.supported {
        bail!(StoreError::SchemaTooOld {
            applied: schema.applied,
            supported: schema.supported
        });
    }
    Ok(store)
}

/// Keeps trying an unreachable database with exponential backoff until `startup_timeout`.
async fn connect_with_retry(
    config: &DatabaseConfig,
    audit: AuditKeys,
) -> anyhow::Result<Arc<dyn Store>> {
    let deadline = Instant::now() + config.startup_timeout.get();
    let mut delay = Duration::from_millis(200);
    loop {
        match store::connect(config, audit.clone()).await {
            Ok(store) => return Ok(store),
            Err(error) if error.is_unavailable() && Instant::now() + delay < deadline => {
                tracing::warn!(
                    database = %config.url.redacted(),
                    retry_in_ms = delay.as_millis() as u64,
                    "database unreachable; retrying"
                );
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
            Err(error) => {
                let source = std::error::Error::source(&error)
                    .map(|cause| format!(": {cause}"))
                    .unwrap_or_default();
                bail!(
                    "cannot open the database at {} (waited up to {}): {error}{source}",
                    config.url.redacted(),
                    config.startup_timeout,
                );
            }
        }
    }
}

/// Completes on SIGTERM or Ctrl-C. The handlers are installed when this is called, before the
/// server says it is listening: installed on first poll instead, a SIGTERM sent the moment the
/// "listening" line appeared found the default action and killed the process uncleanly.
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{Signal, SignalKind, signal};
        async fn received(signal: Option<Signal>) {
            match signal {
                Some(mut signal) => {
                    signal.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        }
        let terminate = received(signal(SignalKind::terminate()).ok());
        let interrupt = received(signal(SignalKind::interrupt()).ok());
        async move {
            tokio::select! {
                () = terminate => {}
                () = interrupt => {}
            }
        }
    }
    #[cfg(not(unix))]
    async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
