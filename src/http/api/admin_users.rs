//! `/admin/v1/users`: the admin API's users. Every answer with one user carries its version as
//! `ETag`; profile edits honour `If-Match`, status and role changes require it (428 without).
//! Changes that end sessions or grants take effect here at once, and on other instances through
//! the change feed.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::account::profile_patch;
use super::account_devices::{BrowserView, Listed, download};
use super::query_params::QueryParams;
use super::{answer, versions};
use crate::admin::{Admin, UserListing};
use crate::domain::{Profile, User, UserId};
use crate::http::extract::admin_bearer::AdminCaller;
use crate::http::extract::api_json::ApiJson;
use crate::http::responses::Problem;
use crate::oauth::Engine;

type ApiResult = Result<Response, Problem>;

/// A user as the admin API shows it: never a password hash, secret, code or token.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AdminUserView<'a> {
    id: String,
    email: &'a str,
    email_verified: bool,
    name: Option<&'a str>,
    #[serde(flatten)]
    #[schema(inline, value_type = crate::http::openapi::ProfileFields)]
    profile: &'a Profile,
    status: &'static str,
    status_reason: Option<&'a str>,
    roles: Vec<&'a str>,
    second_factor: bool,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    updated_at: OffsetDateTime,
    /// The version `If-Match` names (the `ETag` without its quotes).
    version: i64,
}

impl<'a> From<&'a User> for AdminUserView<'a> {
    fn from(user: &'a User) -> Self {
        Self {
            id: user.id.to_string(),
            email: user.email.as_str(),
            email_verified: user.email_verified,
            name: user.name.as_deref(),
            profile: &user.profile,
            status: user.status.as_str(),
            status_reason: user.status_reason.as_deref(),
            roles: user.roles.iter().map(|r| r.as_str()).collect(),
            second_factor: user.second_factor,
            created_at: user.created_at,
            updated_at: user.updated_at,
            version: user.version,
        }
    }
}

/// One user, with its `ETag`.
fn shown(user: &User, status: StatusCode) -> Response {
    versions::tagged(answer(status, AdminUserView::from(user)), user.version)
}

/// The user id of a path. Anything that is not one names the nil id, which no user has: the
/// use-case checks the caller's permission first and then answers 404, so a caller without
/// the permission learns nothing from the path.
fn user_id(id: &str) -> UserId {
    UserId::from_uuid(uuid::Uuid::parse_str(id).unwrap_or(uuid::Uuid::nil()))
}

#[derive(Serialize, utoipa::ToSchema)]
struct Page<'a> {
    users: Vec<AdminUserView<'a>>,
    /// Pass as `cursor` for the next page; absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
}

/// The listing a query string asks for; every parameter problem at once (400).
fn listing(query: Option<&str>) -> Result<UserListing, Problem> {
    let mut listing = UserListing::default();
    let mut params = QueryParams::default();
    for (key, value) in QueryParams::pairs(query) {
        match key.as_str() {
            "q" => listing.q = Some(value),
            "status" => listing.status = Some(value),
            "role" => listing.role = Some(value),
            "sort" => listing.sort = Some(value),
            "cursor" => listing.cursor = Some(value),
            "email_verified" => listing.email_verified = params.flag("email_verified", &value),
            "exclude_self" => {
                listing.exclude_self = params.flag("exclude_self", &value).unwrap_or_default();
            }
            "limit" => listing.limit = params.limit(&value),
            "created_after" => listing.created_after = params.time("created_after", &value),
            "created_before" => listing.created_before = params.time("created_before", &value),
            _ => params.unknown(&key),
        }
    }
    params.finish(listing)
}

/// `GET /admin/v1/users`: a page of users; see [`listing`] for the parameters.
#[utoipa::path(
    get,
    operation_id = "admin_users_list",
    path = crate::http::paths::ADMIN_USERS,
    tag = "admin: users",
    params(("q" = Option<String>, Query, description = "A prefix of the address or the name"), ("status" = Option<String>, Query, description = "active, suspended or deleted (deleted accounts only when asked)"), ("role" = Option<String>, Query), ("email_verified" = Option<bool>, Query), ("created_after" = Option<String>, Query, description = "RFC 3339"), ("created_before" = Option<String>, Query, description = "RFC 3339"), ("exclude_self" = Option<bool>, Query), ("sort" = Option<String>, Query, description = "created_at (default), -created_at, email or -email"), ("limit" = Option<u32>, Query, description = "1-200 (larger is clamped), default 50"), ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page")),
    responses((status = 200, description = "A page of users", body = Page), (status = 400, description = "A paging, sorting or filter parameter cannot be used", body = Problem, content_type = "application/problem+json"), crate::http::openapi::AdminErrors),
    security(("admin_token" = [])),
)]
pub async fn list(
    State(admin): State<Admin>,
    AdminCaller(caller): AdminCaller,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let listing = listing(query.as_deref())?;
    let page = admin.list_users(&caller, listing).await?;
    let body = Page {
        users: page.users.iter().map(AdminUserView::from).collect(),
        next_cursor: page.next_cursor,
    };
    Ok(answer(StatusCode::OK, body))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserRequest {
    email: String,
    name: Option<String>,
    #[serde(default)]
    roles: Vec<String>,
}

/// `POST /admin/v1/users`: makes an account and mails its owner a link to choose a password.
#[utoipa::path(
    post,
    operation_id = "admin_users_create",
    path = crate::http::paths::ADMIN_USERS,
    tag = "admin: users",
    request_body(content = NewUserRequest),
    responses((status = 201, description = "Made; an invitation to choose a password went to the address", body = AdminUserView), (status = 409, description = "The address has an account", body = Problem, content_type = "application/problem+json"), (status = 422, description = "A field is refused", body = Problem, content_type = "application/problem+json"), crate::http::openapi::AdminErrors),
    security(("admin_token" = [])),
)]
pub async fn create(
    State(admin): State<Admin>,
    AdminCaller(caller): AdminCaller,
    ApiJson(body): ApiJson<NewUserRequest>,
) -> ApiResult {
    let user = admin
        .invite_user(&caller, &body.email, body.name.as_deref(), &body.roles)
        .await?;
    let mut response = shown(&user, StatusCode::CREATED);
    if let Ok(location) = HeaderValue::from_str(&format!("/admin/v1/users/{}", user.id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// `GET /admin/v1/users/{id}` (`If-None-Match` with its `ETag` answers 304).
#[utoipa::path(
    get,
    operation_id = "admin_users_show",
    path = crate::http::paths::ADMIN_USER,
    tag = "admin: users",
    params(("id" = String, Path, description = "The user's id")),
    responses((status = 200, description = "The user, with its `ETag`", body = AdminUserView), (status = 304, description = "Unchanged since `If-None-Match`"), (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"), crate::http::openapi::AdminErrors),
    security(("admin_token" = [])),
)]
pub async fn show(
    State(admin): State<Admin>,
    AdminCaller(caller): AdminCaller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult {
    let user = admin.user(&caller, user_id(&id)).await?;
    if versions::unchanged(&headers, user.version) {
        return Ok(versions::tagged(
            StatusCode::NOT_MODIFIED.into_response(),
            user.version,
        ));
    }
    Ok(shown(&user, StatusCode::OK))
}

/// `PATCH /admin/v1/users/{id}`: a JSON merge patch of the profile, as the account API takes.
#[utoipa::path(
    patch,
    operation_id = "admin_users_update",
    path = crate::http::paths::ADMIN_USER,
    tag = "admin: users",
    params(("id" = String, Path, description = "The user's id"), ("If-Match" = Option<String>, Header, description = "The `ETag` of the version read")),
    request_body(content = Object, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "The changed user", body = AdminUserView), (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"), (status = 412, description = "Changed since the `If-Match` version", body = Problem, content_type = "application/problem+json"), (status = 422, description = "A field is not the profile's, or its value is refused", body = Problem, content_type = "application/problem+json"), crate::http::openapi::AdminErrors),
    security(("admin_token" = [])),
)]
pub async fn update(
    State(admin): State<Admin>,
    State(engine): State<Engine>,
    AdminCaller(caller): AdminCaller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let id = user_id(&id);
    let changes = profile_patch(&headers, body)?;
    let version = versions::if_match(&headers)?;
    let user = admin
        .update_user_profile(&caller, id, &changes, version)
        .await?;
    engine.user_changed(id);
    Ok(shown(&user, StatusCode::OK))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    status: String,
    reason: Option<String>,
}

/// `PUT /admin/v1/users/{id}/status`: `{status: active|suspended, reason?}`, with `If-Match`.
/// Suspending ends the user's sessions, grants, access tokens and pending codes at once.
#[utoipa::path(
    put,
    operation_id = "admin_users_set_status",
    path = crate::http::paths::ADMIN_USER_STATUS,
    tag = "admin: users",
    params(("id" = String, Path, description = "The user's id"), ("If-Match" = String, Header, description = "The `ETag` of the version read (required)")),
    request_body(content = StatusChange),
    responses((status = 200, description = "The user with the new status", body = AdminUserView), (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"), (status = 409, description = "The last active administrator", body = Problem, content_type = "application/problem+json"), (status = 412, description = "Changed since the `If-Match` version", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Not active or suspended", body = Problem, content_type = "application/problem+json"), (status = 428, description = "`If-Match` is required", body = Problem, content_type = "application/problem+json"), crate::http::openapi::AdminErrors),
    security(("admin_token" = [])),
)]
pub async fn set_status(
    State(admin): State<Admin>,
    State(engine): State<Engine>,
    AdminCaller(caller): AdminCaller,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<StatusChange>,
) -> ApiResult {
    let id = user_id(&id);
    let version = versions::required_if_match(&headers)?;
    let (user, done) = admin
        .set_user_status(&caller, id, &body.status, body.reason.as_deref(), version)
        .await?;
    engine.signed_out(id, &done);
    Ok(shown(&user, StatusCode::OK))
}

/// A replacement set of roles (a user's, or a service account's).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RolesChange {
    pub(super) roles: Vec<String>,
}

/// `PUT /admin/v1/users/{id}/roles`: `{roles: [...]}` replaces the set, with `If-Match`.
#[utoipa::path(
    put,
    operation_id = "admin_users_set_roles",
    path = crate::http::paths::ADMIN_USER_ROLES,
    tag = "admin: users",
    params(("id" = String, Path, description = "The user's id"), ("If-Match" = String, Header, description = "The `ETag` of the version read (required)")),
    request_body(content = RolesChange),
    responses((status = 200, description = "The user with the new roles", body = AdminUserView), (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"), (status = 409, description = "The last active administrator", body = Problem, content_type = "application/problem+json"), (status = 412, description = "Changed since the `If-Match` version", body = Problem, content_type = "application/problem+json"), (status = 422, description = "A role does not exist", body = Problem, content_type = "application/problem+json"), (status = 428, description = "`If-Match` is required", body = Problem, content_type = "application/problem+json"), crate::http::openapi::AdminErrors),
    security(("admin_token" = [])),
)]
pub async fn set_roles(
    State(admin): State<Admin>,
    State(engine): State<Engine>,
    AdminCaller(caller): AdminCaller,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<RolesChange>,
) -> ApiResult {
    let id = user_id(&id);
    let version = versions::required_if_match(&headers)?;
    let user = admin
        .set_user_roles(&caller, id, &body.roles, version)
        .await?;
    engine.user_changed(id);
    Ok(shown(&user, StatusCode::OK))
}

/// `DELETE /admin/v1/users/{id}`: the same erasure as the owner's own deletion (`If-Match`
/// honoured).
#[utoipa::path(
    delete,
    operation_id = "admin_users_delete",
    path = crate::http::paths::ADMIN_USER,
    tag = "admin: users",
    params(("id" = String, Path, description = "The user's id"), ("If-Match" = Option<String>, Header, description = "The `ETag` of the version read")),
    responses((status = 204, description = "Deleted as the owner could: everything ended, personal data erased"), (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"), (status = 409, description = "The last active administrator", body = Problem, content_type = "application/problem+json"), (status = 412, description = "Changed since the `If-Match` version", body = Problem, content_type = "application/problem+json"), crate::http::openapi::AdminErrors),
    security(("admin_token" = [])),
)]
pub async fn delete(
    State(admin): State<Admin>,
    State(engine): State<Engine>,
    AdminCaller(caller): AdminCaller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult {
    let id = user_id(&id);
    let version = versions::if_match(&headers)?;
    let done = admin.delete_user(&caller, id, version).await?;
    engine.signed_out(id, &done);
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
struct Accepted {
    status: &'static str,
}

/// `POST /admin/v1/users/{id}/password-reset`: mails the user a link to choose a new password.
#[utoipa::path(
    post,
    operation_id = "admin_users_send_password_reset",
    path = crate::http::paths::ADMIN_USER_PASSWORD_RESET,
    tag = "admin: users",
    params(("id" = String, Path, description = "The user's id")),
    responses((status = 202, description = "A link to choose a new password went to the user", body = Accepted), (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"), crate::http::openapi::AdminErrors),
    security(("admin_token" = [])),
)]
pub async fn send_password_reset(
    State(admin): State<Admin>,
    AdminCaller(caller): AdminCaller,
    Path(id): Path<String>,
) -> ApiResult {
    admin.send_password_reset(&caller, user_id(&id)).await?;
    Ok(answer(
        StatusCode::ACCEPTED,
        Accepted {
            status: "reset_mail_queued",
        },
    ))
}

/// `DELETE /admin/v1/users/{id}/second-factor`: turns the user's second factor off.
#[utoipa::path(
    delete,
    operation_id = "admin_users_reset_second_factor",
    path = crate::http::paths::ADMIN_USER_SECOND_FACTOR,
    tag = "admin: users",
    params(("id" = String, Path, description = "The user's id")),
    responses((status = 204, description = "Turned off; the user is told"), (status = 404, description = "No such user, or no second factor", body = Problem, content_type = "application/problem+json"), crate::http::openapi::AdminErrors),
    security(("admin_token" = [])),
)]
pub async fn reset_second_factor(
    State(admin): State<Admin>,
    State(engine): State<Engine>,
    AdminCaller(caller): AdminCaller,
    Path(id): Path<String>,
) -> ApiResult {
    let id = user_id(&id);
    admin.reset_second_factor(&caller, id).await?;
    engine.user_changed(id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /admin/v1/users/{id}/sessions`: the browsers the user is signed in on.
#[utoipa::path(
    get,
    operation_id = "admin_users_sessions",
    path = crate::http::paths::ADMIN_USER_SESSIONS,
    tag = "admin: users",
    params(("id" = String, Path, description = "The user's id")),
    responses((status = 200, description = "The browsers the user is signed in on", body = crate::http::api::account_devices::Listed<crate::http::api::account_devices::BrowserView>), (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"), crate::http::openapi::AdminErrors),
    security(("admin_token" = [])),
)]
pub async fn sessions(
    State(admin): State<Admin>,
    AdminCaller(caller): AdminCaller,
    Path(id): Path<String>,
) -> ApiResult {
    let items = admin
        .user_sessions(&caller, user_id(&id))
        .await?
        .into_iter()
        .map(BrowserView::from)
        .collect();
    Ok(answer(StatusCode::OK, Listed { items }))
}

/// `DELETE /admin/v1/users/{id}/sessions/{sid}`: signs that browser out, with its grants.
#[utoipa::path(
    delete,
    operation_id = "admin_users_end_session",
    path = crate::http::paths::ADMIN_USER_SESSION,
    tag = "admin: users",
    params(("id" = String, Path, description = "The user's id"), ("sid" = String, Path, description = "The sign-in's id")),
    responses((status = 204, description = "Signed out, with its grants"), (status = 404, description = "No such user or session", body = Problem, content_type = "application/problem+json"), crate::http::openapi::AdminErrors),
    security(("admin_token" = [])),
)]
pub async fn end_session(
    State(admin): State<Admin>,
    State(engine): State<Engine>,
    AdminCaller(caller): AdminCaller,
    Path((id, sid)): Path<(String, String)>,
) -> ApiResult {
    let id = user_id(&id);
    let done = admin.end_user_session(&caller, id, &sid).await?;
    engine.signed_out(id, &done);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /admin/v1/users/{id}/export`: everything stored about the user, as a download.
#[utoipa::path(
    get,
    operation_id = "admin_users_export",
    path = crate::http::paths::ADMIN_USER_EXPORT,
    tag = "admin: users",
    params(("id" = String, Path, description = "The user's id")),
    responses((status = 200, description = "Everything held about the user, as a JSON download", body = Object), (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"), crate::http::openapi::AdminErrors),
    security(("admin_token" = [])),
)]
pub async fn export(
    State(admin): State<Admin>,
    AdminCaller(caller): AdminCaller,
    Path(id): Path<String>,
) -> ApiResult {
    let export = admin.export_user(&caller, user_id(&id)).await?;
    Ok(download(&export))
}
