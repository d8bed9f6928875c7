//! Thin adapters from HTTP to the OAuth engine.

pub mod challenge;
pub mod discovery;
pub mod introspect;
pub mod revoke;
pub mod token;
pub mod userinfo;
