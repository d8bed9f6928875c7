//! `/admin/v1/audit-events`: the audit log by filter, and its verification; and
//! `/api/v1/account/security-events`: a person's own security events.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use time::OffsetDateTime;

use super::answer;
use super::query_params::QueryParams;
use crate::admin::Admin;
use crate::admin::audit_log::AuditListing;
use crate::domain::audit::StoredAuditEvent;
use crate::http::extract::account_bearer::AccountHolder;
use crate::http::extract::admin_bearer::AdminCaller;
use crate::http::responses::Problem;

type ApiResult = Result<Response, Problem>;

#[derive(Serialize, utoipa::ToSchema)]
struct ActorView<'a> {
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct PersonalView<'a> {
    email: Option<&'a str>,
    source_address: Option<&'a str>,
    user_agent: Option<&'a str>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct EventView<'a> {
    id: String,
    #[serde(with = "time::serde::rfc3339")]
    occurred_at: OffsetDateTime,
    #[serde(rename = "type")]
    kind: &'a str,
    outcome: &'static str,
    actor: ActorView<'a>,
    subject: Option<&'a str>,
    client_id: Option<&'a str>,
    request_id: Option<&'a str>,
    details: &'a [String],
    /// Absent once the person's data was erased.
    #[serde(skip_serializing_if = "Option::is_none")]
    personal: Option<PersonalView<'a>>,
    /// The event's place in the chain; absent until the sealer has chained it.
    seq: Option<i64>,
}

impl<'a> From<&'a StoredAuditEvent> for EventView<'a> {
    fn from(stored: &'a StoredAuditEvent) -> Self {
        let event = &stored.event;
        let personal = &event.personal;
        Self {
            id: event.id.to_string(),
            occurred_at: event.occurred_at,
            kind: &event.kind,
            outcome: event.outcome.as_str(),
            actor: ActorView {
                kind: event.actor.kind(),
                id: event.actor.id(),
            },
            subject: event.subject.as_deref(),
            client_id: event.client_id.as_deref(),
            request_id: event.request_id.as_deref(),
            details: &event.details,
            personal: stored.personal_salt.as_ref().map(|_| PersonalView {
                email: personal.email.as_deref(),
                source_address: personal.source_address.as_deref(),
                user_agent: personal.user_agent.as_deref(),
            }),
            seq: stored.seq,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct Page<'a> {
    events: Vec<EventView<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
}

fn listing(query: Option<&str>) -> Result<AuditListing, Problem> {
    let mut listing = AuditListing::default();
    let mut params = QueryParams::default();
    for (key, value) in QueryParams::pairs(query) {
        match key.as_str() {
            "type" => listing.kind = Some(value),
            "actor" => listing.actor = Some(value),
            "subject" => listing.subject = Some(value),
            "outcome" => listing.outcome = Some(value),
            "client_id" => listing.client_id = Some(value),
            "cursor" => listing.cursor = Some(value),
            "after" => listing.after = params.time("after", &value),
            "before" => listing.before = params.time("before", &value),
            "limit" => listing.limit = params.limit(&value),
            _ => params.unknown(&key),
        }
    }
    params.finish(listing)
}

/// `GET /admin/v1/audit-events`: newest first. Filters: `type` (a prefix such as `user.` or
/// `client.created`), `actor`, `subject`, `outcome`, `client_id`, `after`, `before`; paging
/// with `limit` (default 50, at most 200) and `cursor`.
#[utoipa::path(
    get,
    operation_id = "admin_audit_list",
    path = crate::http::paths::ADMIN_AUDIT_EVENTS,
    tag = "admin: audit",
    params(("type" = Option<String>, Query, description = "A prefix of the event type, e.g. `user.` or `client.created`"), ("actor" = Option<String>, Query), ("subject" = Option<String>, Query), ("outcome" = Option<String>, Query, description = "success or failure"), ("client_id" = Option<String>, Query), ("after" = Option<String>, Query, description = "RFC 3339"), ("before" = Option<String>, Query, description = "RFC 3339"), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, description = "A page of events, newest first", body = Page), (status = 400, description = "A filter or paging parameter cannot be used", body = Problem, content_type = "application/problem+json"), crate::http::openapi::AdminErrors),
    security(("admin_token" = [])),
)]
pub async fn list(
    State(admin): State<Admin>,
    AdminCaller(caller): AdminCaller,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let listing = listing(query.as_deref())?;
    let page = admin.audit_events(&caller, listing).await?;
    let body = Page {
        events: page.events.iter().map(EventView::from).collect(),
        next_cursor: page.next_cursor,
    };
    Ok(answer(StatusCode::OK, body))
}

/// `GET /admin/v1/audit-events/verification`: every MAC, link and checkpoint checked now.
#[utoipa::path(
    get,
    operation_id = "admin_audit_verification",
    path = crate::http::paths::ADMIN_AUDIT_VERIFICATION,
    tag = "admin: audit",
    responses((status = 200, description = "The verification report: MACs, chain and checkpoints", body = Object), crate::http::openapi::AdminErrors),
    security(("admin_token" = [])),
)]
pub async fn verification(
    State(admin): State<Admin>,
    AdminCaller(caller): AdminCaller,
) -> ApiResult {
    let report = admin.verify_audit_log(&caller).await?;
    Ok(answer(StatusCode::OK, report))
}

/// `GET /api/v1/account/security-events`: the latest 100 security events of the token's user.
#[utoipa::path(
    get,
    operation_id = "admin_audit_own_events",
    path = crate::http::paths::API_ACCOUNT_SECURITY_EVENTS,
    tag = "account",
    responses((status = 200, description = "The latest 100 security events of the account", body = Page), crate::http::openapi::AccountErrors),
    security(("account_token" = [])),
)]
pub async fn own_events(
    State(admin): State<Admin>,
    AccountHolder(holder): AccountHolder,
) -> ApiResult {
    let events = admin.own_security_events(holder.id).await?;
    let body = Page {
        events: events.iter().map(EventView::from).collect(),
        next_cursor: None,
    };
    Ok(answer(StatusCode::OK, body))
}
