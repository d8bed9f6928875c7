//! Test harness: fresh databases, the real server on a random port, the real binary as a
//! subprocess, and a TCP proxy that can take the database away.

#[macro_use]
pub mod backends;
pub mod app;
pub mod binary;
pub mod browser;
pub mod browser_flow;
pub mod client_app;
pub mod db;
pub mod eventually;
pub mod oauth;
pub mod proxy;
pub mod smtp;

pub use app::TestApp;
pub use backends::Backend;
pub use db::TestDatabase;

/// A store on `config`'s database, as a test reads and writes it behind the server's back (its
/// audit MAC key is the tests' own, not the server's).
pub async fn connect_store(
    config: &portcullis::config::DatabaseConfig,
) -> Result<std::sync::Arc<dyn portcullis::store::Store>, portcullis::store::StoreError> {
    portcullis::store::connect(
        config,
        portcullis::crypto::audit::AuditKeys::derive(&[0; 32]),
    )
    .await
}

/// An audit event for a store method called directly by a test.
pub fn test_event() -> portcullis::domain::audit::AuditEvent {
    portcullis::domain::audit::AuditEvent::new(
        "test.event",
        portcullis::domain::audit::AuditActor::System,
        portcullis::domain::time::now(),
    )
}
