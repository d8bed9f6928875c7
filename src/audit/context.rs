//! What an audit event records about the request that caused it, set by the HTTP layer for the
//! request's task and read wherever an event is made.

tokio::task_local! {
    static CURRENT: RequestContext;
}

/// The request being handled.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestContext {
    pub request_id: String,
    pub source_address: Option<String>,
    /// Shortened to 200 characters.
    pub user_agent: Option<String>,
}

impl RequestContext {
    /// The context of the request being handled, if called inside one.
    pub fn current() -> Option<Self> {
        CURRENT.try_with(Clone::clone).ok()
    }

    /// Runs `future` with this context as the current one.
    pub async fn scope<F: Future>(self, future: F) -> F::Output {
        CURRENT.scope(self, future).await
    }
}
