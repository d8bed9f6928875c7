//! The tamper-evident audit log: events made with the request they came from, written by the
//! store in the transaction of the change they record (`store::audit`), MACed as they are written,
//! chained by the sealer shortly after they commit and checkpointed with a signature
//! (`sealer`), and checked end to end by `verification` (`portcullis audit verify` and the admin
//! API).

pub mod context;
pub mod sealer;
pub mod verification;
pub mod writer;

use time::OffsetDateTime;

use crate::domain::audit::{AuditActor, AuditEvent};

pub use context::RequestContext;

/// An event of `kind` by `actor` at `now`, carrying the current request's id, source address and
/// user agent when made while handling one.
///
/// The request's details are personal data of the person acting, so a user's own requests are
/// theirs (erased with them).
pub fn event(kind: &str, actor: AuditActor, now: OffsetDateTime) -> AuditEvent {
    let person = match &actor {
        AuditActor::User(id) => uuid::Uuid::parse_str(id).ok(),
        _ => None,
    };
    let mut event = AuditEvent::new(kind, actor, now);
    event.personal.person = person;
    if let Some(context) = RequestContext::current() {
        event.request_id = Some(context.request_id);
        event.personal.source_address = context.source_address;
        event.personal.user_agent = context.user_agent;
    }
    event
}
