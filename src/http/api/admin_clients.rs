//! `/admin/v1/clients` and `/admin/v1/keys`: OAuth clients (everything `portcullis client
//! create` sets, plus change, secret rotation, service-account roles and deletion) and the
//! signing keys. A client carries its version as `ETag`; changes and role changes require
//! `If-Match`, rotation and deletion honour it.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::admin_users::RolesChange;
use super::{answer, versions};
use crate::admin::clients::CreateClient;
use crate::admin::{Admin, AdminError};
use crate::domain::{Client, InvalidField};
use crate::http::extract::admin_bearer::AdminCaller;
use crate::http::extract::api_json::ApiJson;
use crate::http::responses::Problem;
use crate::oauth::Engine;

type ApiResult = Result<Response, Problem>;

/// A client as the admin API shows it: never its secret or the secret's hash.
#[derive(Serialize, utoipa::ToSchema)]
struct ClientView<'a> {
    client_id: &'a str,
    name: &'a str,
    public: bool,
    first_party: bool,
    redirect_uris: Vec<&'a str>,
    post_logout_redirect_uris: Vec<&'a str>,
    web_origins: Vec<&'a str>,
    grant_types: Vec<&'a str>,
    scopes: Vec<&'a str>,
    audience: Option<&'a str>,
    access_token_alg: &'a str,
    id_token_alg: &'a str,
    access_token_ttl_seconds: Option<u32>,
    service_roles: Vec<&'a str>,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    updated_at: OffsetDateTime,
    version: i64,
    /// Only in the answer that made it: shown once, stored hashed.
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret: Option<&'a str>,
}

impl<'a> ClientView<'a> {
    fn of(client: &'a Client, secret: Option<&'a str>) -> Self {
        Self {
            client_id: client.id.as_str(),
            name: &client.name,
            public: client.kind == crate::domain::ClientKind::Public,
            first_party: client.first_party,
            redirect_uris: client.redirect_uris.iter().map(|u| u.as_str()).collect(),
            post_logout_redirect_uris: client
                .post_logout_redirect_uris
                .iter()
                .map(|u| u.as_str())
                .collect(),
            web_origins: client.web_origins.iter().map(|o| o.as_str()).collect(),
            grant_types: client.grant_types.iter().map(|g| g.as_str()).collect(),
            scopes: client.scopes.iter().map(|s| s.as_str()).collect(),
            audience: client.audience.as_deref(),
            access_token_alg: client.access_token_alg.as_str(),
            id_token_alg: client.id_token_alg.as_str(),
            access_token_ttl_seconds: client.access_token_ttl_seconds,
            service_roles: client.service_roles.iter().map(|r| r.as_str()).collect(),
            created_at: client.created_at,
            updated_at: client.updated_at,
            version: client.version,
            client_secret: secret,
        }
    }
}

fn shown(client: &Client, secret: Option<&str>, status: StatusCode) -> Response {
    versions::tagged(
        answer(status, ClientView::of(client, secret)),
        client.version,
    )
}

/// A client as the API takes it (the same fields as `portcullis client create`).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientRequest {
    client_id: Option<String>,
    name: String,
    #[serde(default)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    post_logout_redirect_uris: Vec<String>,
    #[serde(default)]
    web_origins: Vec<String>,
    #[serde(default)]
    grant_types: Vec<String>,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default)]
    public: bool,
    #[serde(default)]
    first_party: bool,
    audience: Option<String>,
    access_token_alg: Option<String>,
    id_token_alg: Option<String>,
    access_token_ttl: Option<String>,
}

impl From<ClientRequest> for CreateClient {
    fn from(body: ClientRequest) -> Self {
        Self {
            name: body.name,
            client_id: body.client_id,
            redirect_uris: body.redirect_uris,
            post_logout_redirect_uris: body.post_logout_redirect_uris,
            web_origins: body.web_origins,
            grant_types: body.grant_types,
            scopes: body.scopes,
            public: body.public,
            first_party: body.first_party,
            audience: body.audience,
            access_token_alg: body.access_token_alg,
            id_token_alg: body.id_token_alg,
            access_token_ttl: body.access_token_ttl,
        }
    }
}

/// The body's name for a field the use-case names as the CLI flag does (`redirect_uri` is one
/// entry of `redirect_uris`), so pointers lead into the body: `#/redirect_uris/2`.
fn body_field(field: &'static str) -> &'static str {
    match field {
        "redirect_uri" => "redirect_uris",
        "post_logout_redirect_uri" => "post_logout_redirect_uris",
        "web_origin" => "web_origins",
        "grant_type" => "grant_types",
        "scope" => "scopes",
        other => other,
    }
}

fn in_body_terms(error: AdminError) -> Problem {
    match error {
        AdminError::Invalid(fields) => Problem::from(AdminError::Invalid(
            fields
                .into_iter()
                .map(|f| InvalidField {
                    field: body_field(f.field),
                    ..f
                })
                .collect(),
        )),
        other => other.into(),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct Clients<'a> {
    clients: Vec<ClientView<'a>>,
}

/// `GET /admin/v1/clients`.
#[utoipa::path(
    get,
    operation_id = "admin_clients_list",
    path = crate::http::paths::ADMIN_CLIENTS,
    tag = "admin: clients",
    responses((status = 200, description = "Every client", body = Clients), crate::http::openapi::AdminErrors),
    security(("admin_token" = [])),
)]
pub async fn list(State(admin): State<Admin>, AdminCaller(caller): AdminCaller) -> ApiResult {
    let clients = admin.clients(&caller).await?;
    let body = Clients {
        clients: clients.iter().map(|c| ClientView::of(c, None)).collect(),
    };
    Ok(answer(StatusCode::OK, body))
}

/// `GET /admin/v1/clients/{client_id}`.
#[utoipa::path(
    get,
    operation_id = "admin_clients_show",
    path = crate::http::paths::ADMIN_CLIENT,
    tag = "admin: clients",
    params(("client_id" = String, Path, description = "The client's id")),
    responses((status = 200, description = "The client, with its `ETag`", body = ClientView), (status = 404, description = "No such client", body = Problem, content_type = "application/problem+json"), crate::http::openapi::AdminErrors),
    security(("admin_token" = [])),
)]
pub async fn show(
    State(admin): State<Admin>,
    AdminCaller(caller): AdminCaller,
    Path(id): Path<String>,
) -> ApiResult {
    let client = admin.client(&caller, &id).await?;
    Ok(shown(&client, None, StatusCode::OK))
}

/// `POST /admin/v1/clients`: registers a client; a confidential one's secret is in this answer
/// only.
#[utoipa::path(
    post,
    operation_id = "admin_clients_create",
    path = crate::http::paths::ADMIN_CLIENTS,
    tag = "admin: clients",
    request_body(content = ClientRequest),
    responses((status = 201, description = "Registered; a confidential client's secret is in this answer only", body = ClientView), (status = 409, description = "The client id is taken", body = Problem, content_type = "application/problem+json"), (status = 422, description = "A field is refused; list entries are pointed at (`#/redirect_uris/1`)", body = Problem, content_type = "application/problem+json"), crate::http::openapi::AdminErrors),
    security(("admin_token" = [])),
)]
pub async fn create(
    State(admin): State<Admin>,
    AdminCaller(caller): AdminCaller,
    ApiJson(body): ApiJson<ClientRequest>,
) -> ApiResult {
    let created = admin
        .create_client(&caller, body.into())
        .await
        .map_err(in_body_terms)?;
    let secret = created.secret.as_ref().map(|s| s.expose());
    let mut response = shown(&created.client, secret, StatusCode::CREATED);
    let location = format!("/admin/v1/clients/{}", created.client.id.as_str());
    if let Ok(location) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// `PUT /admin/v1/clients/{client_id}`: replaces the client's settings (not its id, kind or
/// secret), with `If-Match`.
#[utoipa::path(
    put,
    operation_id = "admin_clients_update",
    path = crate::http::paths::ADMIN_CLIENT,
    tag = "admin: clients",
    params(("client_id" = String, Path, description = "The client's id"), ("If-Match" = String, Header, description = "The `ETag` of the version read (required)")),
    request_body(content = ClientRequest),
    responses((status = 200, description = "Changed", body = ClientView), (status = 404, description = "No such client", body = Problem, content_type = "application/problem+json"), (status = 412, description = "Changed since the `If-Match` version", body = Problem, content_type = "application/problem+json"), (status = 422, description = "A field is refused", body = Problem, content_type = "application/problem+json"), (status = 428, description = "`If-Match` is required", body = Problem, content_type = "application/problem+json"), crate::http::openapi::AdminErrors),
    security(("admin_token" = [])),
)]
pub async fn update(
    State(admin): State<Admin>,
    State(engine): State<Engine>,
    AdminCaller(caller): AdminCaller,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ClientRequest>,
) -> ApiResult {
    let version = versions::required_if_match(&headers)?;
    if body.client_id.as_deref().is_some_and(|named| named != id) {
        return Err(Problem::from(AdminError::Invalid(vec![InvalidField::new(
            "client_id",
            "cannot change; register a new client instead",
        )])));
    }
    let client = admin
        .update_client(&caller, &id, body.into(), version)
        .await
        .map_err(in_body_terms)?;
    engine.client_changed(&client.id);
    Ok(shown(&client, None, StatusCode::OK))
}

/// `POST /admin/v1/clients/{client_id}/secret`: a new secret, in this answer only; the old one
/// stops working at once (`If-Match` honoured).
#[utoipa::path(
    post,
    operation_id = "admin_clients_rotate_secret",
    path = crate::http::paths::ADMIN_CLIENT_SECRET,
    tag = "admin: clients",
    params(("client_id" = String, Path, description = "The client's id"), ("If-Match" = Option<String>, Header, description = "The `ETag` of the version read")),
    responses((status = 200, description = "A new secret, in this answer only; the old one stopped working", body = ClientView), (status = 404, description = "No such client", body = Problem, content_type = "application/problem+json"), (status = 412, description = "Changed since the `If-Match` version", body = Problem, content_type = "application/problem+json"), (status = 422, description = "A public client has no secret", body = Problem, content_type = "application/problem+json"), crate::http::openapi::AdminErrors),
    security(("admin_token" = [])),
)]
pub async fn rotate_secret(
    State(admin): State<Admin>,
    State(engine): State<Engine>,
    AdminCaller(caller): AdminCaller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult {
    let version = versions::if_match(&headers)?;
    let (client, secret) = admin.rotate_client_secret(&caller, &id, version).await?;
    engine.client_changed(&client.id);
    Ok(shown(&client, Some(secret.expose()), StatusCode::OK))
}

/// `PUT /admin/v1/clients/{client_id}/roles`: the roles the client holds as a service account,
/// with `If-Match`.
#[utoipa::path(
    put,
    operation_id = "admin_clients_set_roles",
    path = crate::http::paths::ADMIN_CLIENT_ROLES,
    tag = "admin: clients",
    params(("client_id" = String, Path, description = "The client's id"), ("If-Match" = String, Header, description = "The `ETag` of the version read (required)")),
    request_body(content = RolesChange),
    responses((status = 200, description = "The client with its new service roles", body = ClientView), (status = 404, description = "No such client", body = Problem, content_type = "application/problem+json"), (status = 412, description = "Changed since the `If-Match` version", body = Problem, content_type = "application/problem+json"), (status = 422, description = "A role does not exist, or the client is public", body = Problem, content_type = "application/problem+json"), (status = 428, description = "`If-Match` is required", body = Problem, content_type = "application/problem+json"), crate::http::openapi::AdminErrors),
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
    let version = versions::required_if_match(&headers)?;
    let client = admin
        .set_client_roles(&caller, &id, &body.roles, version)
        .await?;
    engine.client_changed(&client.id);
    Ok(shown(&client, None, StatusCode::OK))
}

/// `DELETE /admin/v1/clients/{client_id}`: the client, its grants (their tokens stop working),
/// codes and consents (`If-Match` honoured).
#[utoipa::path(
    delete,
    operation_id = "admin_clients_delete",
    path = crate::http::paths::ADMIN_CLIENT,
    tag = "admin: clients",
    params(("client_id" = String, Path, description = "The client's id"), ("If-Match" = Option<String>, Header, description = "The `ETag` of the version read")),
    responses((status = 204, description = "Deleted with its grants, codes and consents"), (status = 404, description = "No such client", body = Problem, content_type = "application/problem+json"), (status = 412, description = "Changed since the `If-Match` version", body = Problem, content_type = "application/problem+json"), crate::http::openapi::AdminErrors),
    security(("admin_token" = [])),
)]
pub async fn delete(
    State(admin): State<Admin>,
    State(engine): State<Engine>,
    AdminCaller(caller): AdminCaller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult {
    let version = versions::if_match(&headers)?;
    let grants = admin.delete_client(&caller, &id, version).await?;
    let now = engine.now();
    for grant in grants {
        engine.grant_revoked(grant, now);
    }
    if let Ok(id) = crate::domain::ClientId::parse(&id) {
        engine.client_changed(&id);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
struct Keys {
    #[schema(value_type = Vec<crate::http::openapi::KeyStatusFields>)]
    keys: Vec<crate::crypto::key_ring::KeyStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    created: Option<Vec<String>>,
}

/// `GET /admin/v1/keys`: every signing key and its place in its lifecycle (public parts only).
#[utoipa::path(
    get,
    operation_id = "admin_clients_keys",
    path = crate::http::paths::ADMIN_KEYS,
    tag = "admin: clients",
    responses((status = 200, description = "Every signing key and its state", body = Keys), crate::http::openapi::AdminErrors),
    security(("admin_token" = [])),
)]
pub async fn keys(State(admin): State<Admin>, AdminCaller(caller): AdminCaller) -> ApiResult {
    let keys = admin.keys(&caller).await?;
    Ok(answer(
        StatusCode::OK,
        Keys {
            keys,
            created: None,
        },
    ))
}

/// `POST /admin/v1/keys/rotate`: publishes a successor for every algorithm.
#[utoipa::path(
    post,
    operation_id = "admin_clients_rotate_keys",
    path = crate::http::paths::ADMIN_KEY_ROTATION,
    tag = "admin: clients",
    responses((status = 200, description = "Successors published for every algorithm", body = Keys), crate::http::openapi::AdminErrors),
    security(("admin_token" = [])),
)]
pub async fn rotate_keys(
    State(admin): State<Admin>,
    AdminCaller(caller): AdminCaller,
) -> ApiResult {
    let created = admin.rotate_keys(&caller).await?;
    let keys = admin.keys(&caller).await?;
    Ok(answer(
        StatusCode::OK,
        Keys {
            keys,
            created: Some(created),
        },
    ))
}
