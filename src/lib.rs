//! Portcullis: an OAuth 2.0 / OpenID Connect authorization server and identity manager.
//!
//! The binary is a thin shell over [`App`]; integration tests build the same `App` on port 0.

pub mod admin;
pub mod app;
pub mod audit;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod domain;
pub mod email;
pub mod http;
pub mod identity;
pub mod jobs;
pub mod limits;
pub mod metrics;
pub mod oauth;
pub mod store;
pub mod telemetry;

pub use app::App;
pub use config::Config;
