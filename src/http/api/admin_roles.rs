//! `/admin/v1/roles` and `/admin/v1/permissions`: the roles (built-in and custom) and the
//! permission catalogue they are made from. A role carries its version as `ETag`; changing or
//! deleting one requires `If-Match`.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{answer, versions};
use crate::admin::Admin;
use crate::admin::roles::RoleInput;
use crate::domain::{PermissionSet, Role};
use crate::http::extract::admin_bearer::AdminCaller;
use crate::http::extract::api_json::ApiJson;
use crate::http::responses::Problem;

type ApiResult = Result<Response, Problem>;

#[derive(Serialize, utoipa::ToSchema)]
struct RoleView<'a> {
    name: &'a str,
    description: &'a str,
    builtin: bool,
    /// Permission names from the catalogue.
    #[schema(value_type = Vec<String>)]
    permissions: PermissionSet,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    version: i64,
}

impl<'a> From<&'a Role> for RoleView<'a> {
    fn from(role: &'a Role) -> Self {
        Self {
            name: role.name.as_str(),
            description: &role.description,
            builtin: role.builtin,
            permissions: role.permissions,
            created_at: role.created_at,
            version: role.version,
        }
    }
}

fn shown(role: &Role, status: StatusCode) -> Response {
    versions::tagged(answer(status, RoleView::from(role)), role.version)
}

#[derive(Serialize, utoipa::ToSchema)]
struct Roles<'a> {
    roles: Vec<RoleView<'a>>,
}

/// `GET /admin/v1/roles`.
#[utoipa::path(
    get,
    operation_id = "admin_roles_list",
    path = crate::http::paths::ADMIN_ROLES,
    tag = "admin: roles",
    responses((status = 200, description = "Every role", body = Roles), crate::http::openapi::AdminErrors),
    security(("admin_token" = [])),
)]
pub async fn list(State(admin): State<Admin>, AdminCaller(caller): AdminCaller) -> ApiResult {
    let roles = admin.roles(&caller).await?;
    let body = Roles {
        roles: roles.iter().map(RoleView::from).collect(),
    };
    Ok(answer(StatusCode::OK, body))
}

/// `GET /admin/v1/roles/{name}`.
#[utoipa::path(
    get,
    operation_id = "admin_roles_show",
    path = crate::http::paths::ADMIN_ROLE,
    tag = "admin: roles",
    params(("name" = String, Path, description = "The role's name")),
    responses((status = 200, description = "The role, with its `ETag`", body = RoleView), (status = 404, description = "No such role", body = Problem, content_type = "application/problem+json"), crate::http::openapi::AdminErrors),
    security(("admin_token" = [])),
)]
pub async fn show(
    State(admin): State<Admin>,
    AdminCaller(caller): AdminCaller,
    Path(name): Path<String>,
) -> ApiResult {
    let role = admin.role(&caller, &name).await?;
    Ok(shown(&role, StatusCode::OK))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRole {
    name: String,
    #[serde(default)]
    description: String,
    permissions: Vec<String>,
}

/// `POST /admin/v1/roles`: `{name, description?, permissions: [...]}`.
#[utoipa::path(
    post,
    operation_id = "admin_roles_create",
    path = crate::http::paths::ADMIN_ROLES,
    tag = "admin: roles",
    request_body(content = NewRole),
    responses((status = 201, description = "Made", body = RoleView), (status = 409, description = "A role of that name exists", body = Problem, content_type = "application/problem+json"), (status = 422, description = "A field is refused", body = Problem, content_type = "application/problem+json"), crate::http::openapi::AdminErrors),
    security(("admin_token" = [])),
)]
pub async fn create(
    State(admin): State<Admin>,
    AdminCaller(caller): AdminCaller,
    ApiJson(body): ApiJson<NewRole>,
) -> ApiResult {
    let input = RoleInput {
        description: body.description,
        permissions: body.permissions,
    };
    let role = admin.create_role(&caller, &body.name, &input).await?;
    let mut response = shown(&role, StatusCode::CREATED);
    if let Ok(location) = HeaderValue::from_str(&format!("/admin/v1/roles/{}", role.name)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleChange {
    #[serde(default)]
    description: String,
    permissions: Vec<String>,
}

/// `PUT /admin/v1/roles/{name}`: replaces a custom role's description and permissions, with
/// `If-Match`.
#[utoipa::path(
    put,
    operation_id = "admin_roles_update",
    path = crate::http::paths::ADMIN_ROLE,
    tag = "admin: roles",
    params(("name" = String, Path, description = "The role's name"), ("If-Match" = String, Header, description = "The `ETag` of the version read (required)")),
    request_body(content = RoleChange),
    responses((status = 200, description = "Changed", body = RoleView), (status = 404, description = "No such role", body = Problem, content_type = "application/problem+json"), (status = 409, description = "A built-in role", body = Problem, content_type = "application/problem+json"), (status = 412, description = "Changed since the `If-Match` version", body = Problem, content_type = "application/problem+json"), (status = 422, description = "A permission is not in the catalogue", body = Problem, content_type = "application/problem+json"), (status = 428, description = "`If-Match` is required", body = Problem, content_type = "application/problem+json"), crate::http::openapi::AdminErrors),
    security(("admin_token" = [])),
)]
pub async fn update(
    State(admin): State<Admin>,
    AdminCaller(caller): AdminCaller,
    Path(name): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<RoleChange>,
) -> ApiResult {
    let version = versions::required_if_match(&headers)?;
    let input = RoleInput {
        description: body.description,
        permissions: body.permissions,
    };
    let role = admin.update_role(&caller, &name, &input, version).await?;
    Ok(shown(&role, StatusCode::OK))
}

/// `DELETE /admin/v1/roles/{name}`: deletes a custom role, with `If-Match`.
#[utoipa::path(
    delete,
    operation_id = "admin_roles_delete",
    path = crate::http::paths::ADMIN_ROLE,
    tag = "admin: roles",
    params(("name" = String, Path, description = "The role's name"), ("If-Match" = String, Header, description = "The `ETag` of the version read (required)")),
    responses((status = 204, description = "Deleted; whoever held it no longer does"), (status = 404, description = "No such role", body = Problem, content_type = "application/problem+json"), (status = 409, description = "A built-in role", body = Problem, content_type = "application/problem+json"), (status = 412, description = "Changed since the `If-Match` version", body = Problem, content_type = "application/problem+json"), (status = 428, description = "`If-Match` is required", body = Problem, content_type = "application/problem+json"), crate::http::openapi::AdminErrors),
    security(("admin_token" = [])),
)]
pub async fn delete(
    State(admin): State<Admin>,
    AdminCaller(caller): AdminCaller,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> ApiResult {
    let version = versions::required_if_match(&headers)?;
    admin.delete_role(&caller, &name, version).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
struct PermissionView {
    name: &'static str,
    description: &'static str,
}

#[derive(Serialize, utoipa::ToSchema)]
struct Catalogue {
    permissions: Vec<PermissionView>,
}

/// `GET /admin/v1/permissions`: the catalogue roles are made from.
#[utoipa::path(
    get,
    operation_id = "admin_roles_permissions",
    path = crate::http::paths::ADMIN_PERMISSIONS,
    tag = "admin: roles",
    responses((status = 200, description = "The permission catalogue", body = Catalogue), crate::http::openapi::AdminErrors),
    security(("admin_token" = [])),
)]
pub async fn permissions(
    State(admin): State<Admin>,
    AdminCaller(caller): AdminCaller,
) -> ApiResult {
    let permissions = admin
        .permission_catalogue(&caller)?
        .iter()
        .map(|p| PermissionView {
            name: p.as_str(),
            description: p.description(),
        })
        .collect();
    Ok(answer(StatusCode::OK, Catalogue { permissions }))
}
