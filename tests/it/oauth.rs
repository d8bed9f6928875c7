//! The OAuth / OpenID Connect endpoints over real HTTP.

mod authorization_code;
mod client_credentials;
mod discovery;
mod introspection;
mod keys;
mod revocation;
mod token_errors;
