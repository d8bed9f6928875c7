//! The OAuth / OpenID Connect endpoints over real HTTP.

mod authorization_code;
mod authorize_errors;
mod change_feed;
mod client_credentials;
mod code_exchange;
mod cors;
mod discovery;
mod end_session;
mod introspection;
mod keys;
mod password_grant;
mod refresh_rotation;
mod relying_party;
mod revocation;
mod token_errors;
mod userinfo;
