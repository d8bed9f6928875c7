//! Internal failures: logged once, here, with the whole source chain (the request span adds the
//! request id); the client only ever sees a constant message.

use std::error::Error;
use std::fmt::Write as _;

/// What every surface says about a failure that is ours, not the caller's.
pub const MESSAGE: &str =
    "An internal error occurred. It has been logged; quote the request id when reporting it.";

/// Logs an internal error with its causes.
pub fn log(error: &(dyn Error + 'static)) {
    let mut chain = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let _ = write!(chain, ": {cause}");
        source = cause.source();
    }
    tracing::error!(error = %chain, "internal error");
}

/// Logs that the database is unreachable; warn, not error, since it is an outage, not a bug.
pub fn log_unavailable(error: &(dyn Error + 'static)) {
    let cause = error.source().map(ToString::to_string).unwrap_or_default();
    tracing::warn!(error = %error, cause = %cause, "storage unavailable");
}
