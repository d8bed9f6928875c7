//! The one integration-test binary: every test starts the real server or binary against a fresh
//! database, on PostgreSQL and on SQLite.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a failing test should panic"
)]

#[macro_use]
mod support;

mod accounts;
mod admin;
mod cli;
mod config;
mod expiry;
mod fallback;
mod health;
mod limits;
mod lockout;
mod log_hygiene;
mod mail;
mod metrics;
mod oauth;
mod pages;
mod resilience;
mod second_factor;
mod startup;
mod store;
mod tls;
