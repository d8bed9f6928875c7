//! Layers applied to every request.

pub mod announced_size;
pub mod client_address;
pub mod cors;
pub mod metrics;
pub mod rate_limit_headers;
pub mod request_id;
pub mod security_headers;
pub mod session_failures;
pub mod timeout;
