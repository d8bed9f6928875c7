//! Extractors that answer malformed input in their surface's format.

pub mod oauth_request;
