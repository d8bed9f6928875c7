//! Layers applied to every request.

pub mod accounting;
pub mod announced_size;
pub mod client_address;
pub mod cors;
pub mod request_id;
pub mod security_headers;
pub mod session_failures;
pub mod timeout;
