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
