//! End-user accounts: signing in with a password (with the lockout every path shares). Depends on
//! domain, store, crypto and config; never on oauth.

pub mod accounts;
mod keyed_permits;
pub mod login;
pub mod password_policy;
pub mod second_factor;
