//! The OAuth 2.0 / OpenID Connect engine, free of HTTP. For now it holds the error vocabulary
//! that the HTTP layer renders; endpoints arrive with the OpenID Provider.

pub mod error;
