//! Extractors that answer malformed input in their surface's format.

pub mod account_bearer;
pub mod admin_bearer;
pub mod api_json;
pub mod client_address;
pub mod oauth_request;
pub mod page_form;
pub mod page_params;
