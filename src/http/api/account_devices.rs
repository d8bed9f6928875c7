//! `/api/v1/account/sessions`, `/apps` and `/export`: the browsers the token's user is signed in
//! on, the applications they let in, and a copy of everything we hold about them. Ending a
//! session or an application takes effect at once here, and on other instances through the
//! change feed.

use crate::domain::audit::AuditActor;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use time::OffsetDateTime;

use super::answer;
use crate::http::extract::account_bearer::AccountHolder;
use crate::http::responses::Problem;
use crate::identity::accounts::{AccountError, Accounts, SignedInBrowser};
use crate::oauth::Engine;

type ApiResult = Result<Response, Problem>;

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct BrowserView {
    sid: String,
    #[serde(with = "time::serde::rfc3339")]
    signed_in_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    last_active_at: OffsetDateTime,
    device: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct AppView {
    client_id: String,
    name: String,
    consented_scope: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    consented_at: Option<OffsetDateTime>,
    live_grants: i64,
}

impl From<SignedInBrowser> for BrowserView {
    fn from(b: SignedInBrowser) -> Self {
        Self {
            sid: b.sid,
            signed_in_at: b.signed_in_at,
            last_active_at: b.last_active_at,
            device: b.device,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct Listed<T> {
    pub items: Vec<T>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct Ended {
    ended_sessions: u64,
    revoked_grants: usize,
}

/// `NotFound` of a session or an application, named as such (not "no such account").
fn not_found(what: &'static str) -> impl FnOnce(AccountError) -> Problem {
    move |error| match error {
        AccountError::NotFound => Problem::new(StatusCode::NOT_FOUND, what),
        other => other.into(),
    }
}

/// `GET /api/v1/account/sessions`: the browsers signed in, the most recently active first.
#[utoipa::path(
    get,
    operation_id = "account_devices_sessions",
    path = crate::http::paths::API_ACCOUNT_SESSIONS,
    tag = "account",
    responses((status = 200, description = "The browsers signed in", body = Listed<BrowserView>), crate::http::openapi::AccountErrors),
    security(("account_token" = [])),
)]
pub async fn sessions(
    State(accounts): State<Accounts>,
    AccountHolder(holder): AccountHolder,
) -> ApiResult {
    let items = accounts
        .signed_in_browsers(holder.id)
        .await?
        .into_iter()
        .map(BrowserView::from)
        .collect();
    Ok(answer(StatusCode::OK, Listed { items }))
}

/// `DELETE /api/v1/account/sessions/{sid}`: signs that browser out, with the grants made
/// through its sign-in.
#[utoipa::path(
    delete,
    operation_id = "account_devices_end_session",
    path = crate::http::paths::API_ACCOUNT_SESSION,
    tag = "account",
    params(("sid" = String, Path, description = "The sign-in's id")),
    responses((status = 204, description = "Signed out, with the grants made through it"), (status = 404, description = "No such session", body = Problem, content_type = "application/problem+json"), crate::http::openapi::AccountErrors),
    security(("account_token" = [])),
)]
pub async fn end_session(
    State(accounts): State<Accounts>,
    State(engine): State<Engine>,
    AccountHolder(holder): AccountHolder,
    Path(sid): Path<String>,
) -> ApiResult {
    let done = accounts
        .end_browser_session(holder.id, &sid, AuditActor::User(holder.id.to_string()))
        .await
        .map_err(not_found("No such session"))?;
    engine.signed_out(holder.id, &done);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `DELETE /api/v1/account/sessions`: signs every browser out (an app's own tokens are not a
/// browser session; revoke those at `/revoke`, or disconnect the app).
#[utoipa::path(
    delete,
    operation_id = "account_devices_end_all_sessions",
    path = crate::http::paths::API_ACCOUNT_SESSIONS,
    tag = "account",
    responses((status = 200, description = "Every browser signed out", body = Ended), crate::http::openapi::AccountErrors),
    security(("account_token" = [])),
)]
pub async fn end_all_sessions(
    State(accounts): State<Accounts>,
    State(engine): State<Engine>,
    AccountHolder(holder): AccountHolder,
) -> ApiResult {
    let done = accounts.end_other_browser_sessions(holder.id, None).await?;
    engine.signed_out(holder.id, &done);
    let ended = Ended {
        ended_sessions: done.ended_sessions,
        revoked_grants: done.revoked_grants.len(),
    };
    Ok(answer(StatusCode::OK, ended))
}

/// `GET /api/v1/account/apps`: the applications let in, by name.
#[utoipa::path(
    get,
    operation_id = "account_devices_apps",
    path = crate::http::paths::API_ACCOUNT_APPS,
    tag = "account",
    responses((status = 200, description = "The applications let in", body = Listed<AppView>), crate::http::openapi::AccountErrors),
    security(("account_token" = [])),
)]
pub async fn apps(
    State(accounts): State<Accounts>,
    AccountHolder(holder): AccountHolder,
) -> ApiResult {
    let items = accounts
        .connected_apps(holder.id)
        .await?
        .into_iter()
        .map(|app| AppView {
            client_id: app.client_id.as_str().to_owned(),
            name: app.client_name,
            consented_scope: app.consented_scope,
            consented_at: app.consented_at,
            live_grants: app.live_grants,
        })
        .collect();
    Ok(answer(StatusCode::OK, Listed { items }))
}

/// `DELETE /api/v1/account/apps/{client_id}`: forgets the consent and revokes the app's grants
/// (the calling app may disconnect itself; its own token then stops working).
#[utoipa::path(
    delete,
    operation_id = "account_devices_disconnect_app",
    path = crate::http::paths::API_ACCOUNT_APP,
    tag = "account",
    params(("client_id" = String, Path, description = "The application's client id")),
    responses((status = 204, description = "Consent forgotten and grants revoked"), (status = 404, description = "No such connected application", body = Problem, content_type = "application/problem+json"), crate::http::openapi::AccountErrors),
    security(("account_token" = [])),
)]
pub async fn disconnect_app(
    State(accounts): State<Accounts>,
    State(engine): State<Engine>,
    AccountHolder(holder): AccountHolder,
    Path(client_id): Path<String>,
) -> ApiResult {
    let done = accounts
        .disconnect_app(holder.id, &client_id)
        .await
        .map_err(not_found("No such connected application"))?;
    engine.signed_out(holder.id, &done);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /api/v1/account/export`: everything we hold about the user, as a JSON download.
#[utoipa::path(
    get,
    operation_id = "account_devices_export",
    path = crate::http::paths::API_ACCOUNT_EXPORT,
    tag = "account",
    responses((status = 200, description = "Everything held about the account, as a JSON download", body = Object), crate::http::openapi::AccountErrors),
    security(("account_token" = [])),
)]
pub async fn export(
    State(accounts): State<Accounts>,
    AccountHolder(holder): AccountHolder,
) -> ApiResult {
    let export = accounts
        .export(holder.id, AuditActor::User(holder.id.to_string()))
        .await?;
    Ok(download(&export))
}

/// The export as a file download that no cache keeps.
pub fn download(export: &crate::identity::accounts::AccountExport) -> Response {
    let mut response = answer(StatusCode::OK, export);
    response.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"portcullis-account.json\""),
    );
    response
}
