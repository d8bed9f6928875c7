//! A request id on every request: taken from a well-formed incoming `x-request-id` (so a proxy's
//! id carries through) or generated, echoed in the response, recorded in the log span and readable
//! anywhere in the request's task through [`RequestId::current`].

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

use super::client_address;
use crate::audit::RequestContext;
use crate::config::IpNetwork;
use crate::http::extract::client_address::ClientAddress;

pub const HEADER: &str = "x-request-id";

tokio::task_local! {
    static CURRENT: RequestId;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(String);

impl RequestId {
    /// The id of the request being handled, if called inside one.
    pub fn current() -> Option<Self> {
        CURRENT.try_with(Clone::clone).ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn from_header(value: &HeaderValue) -> Option<Self> {
        let value = value.to_str().ok()?;
        let well_formed = !value.is_empty()
            && value.len() <= 64
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        well_formed.then(|| Self(value.to_owned()))
    }
}

/// Also resolves the request's source address first (see `client_address`), so that every
/// later layer and the audit context see the same one.
pub async fn assign(
    State(trusted_proxies): State<Arc<[IpNetwork]>>,
    mut request: Request,
    next: Next,
) -> Response {
    client_address::resolve(&mut request, &trusted_proxies);
    let id = request
        .headers()
        .get(HEADER)
        .and_then(RequestId::from_header)
        .unwrap_or_else(|| RequestId(uuid::Uuid::new_v4().to_string()));
    let header = HeaderValue::from_str(id.as_str()).ok();
    if let Some(header) = &header {
        request.headers_mut().insert(HEADER, header.clone());
    }
    request.extensions_mut().insert(id.clone());
    let context = audit_context(&request, &id);
    let mut response = CURRENT.scope(id, context.scope(next.run(request))).await;
    if let Some(header) = header {
        response.headers_mut().insert(HEADER, header);
    }
    response
}

/// What the audit events of this request record about it: its id, its source address (as the
/// client-address layer resolved it) and a shortened user agent.
fn audit_context(request: &Request, id: &RequestId) -> RequestContext {
    let source_address = ClientAddress::of(request.extensions())
        .0
        .map(|address| address.to_string());
    let user_agent = request
        .headers()
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.chars().take(200).collect());
    RequestContext {
        request_id: id.as_str().to_owned(),
        source_address,
        user_agent,
    }
}

/// The log span of a request: method, path (never the query, which may carry codes), route
/// template and id; `client_id` is filled in once a client has authenticated.
pub fn make_span(request: &Request) -> tracing::Span {
    let id = request
        .extensions()
        .get::<RequestId>()
        .map(|id| id.as_str().to_owned())
        .unwrap_or_default();
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or("unmatched", |path| path.as_str());
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        route = %route,
        request_id = %id,
        client_id = tracing::field::Empty,
    )
}
