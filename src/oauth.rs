//! The OAuth 2.0 / OpenID Connect engine, free of HTTP: requests come in as typed values, answers
//! go out as typed values or registered OAuth errors.

pub mod access_token;
pub mod client_auth;
pub mod discovery;
pub mod engine;
pub mod error;
pub mod grants;
pub mod introspection;
pub mod params;
pub mod revocation;
pub mod scope;
pub mod token;

pub use engine::Engine;
