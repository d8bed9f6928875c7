//! The OAuth 2.0 / OpenID Connect engine, free of HTTP: requests come in as typed values, answers
//! go out as typed values or registered OAuth errors.

pub mod access_token;
pub mod account_access;
pub mod admin_access;
pub mod authorize;
pub mod cache;
pub mod challenge;
pub mod client_auth;
pub mod discovery;
pub mod end_session;
pub mod engine;
pub mod error;
pub mod grant_types;
pub mod id_token;
pub mod introspection;
pub mod issue;
pub mod params;
pub mod pkce;
pub mod redirect_uri;
pub mod revocation;
pub mod revocation_list;
pub mod scope;
pub mod token;
pub mod userinfo;

pub use engine::Engine;
