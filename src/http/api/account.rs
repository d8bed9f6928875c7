//! `/api/v1/account`: the signed-in user's own account, for first-party apps with an access
//! token granted the `account` scope. The subject is always the token's user; no id appears in
//! the path. The profile carries an `ETag`; a `PATCH` (JSON merge patch, RFC 7396) may name it in
//! `If-Match` to refuse to overwrite a change it has not seen (412).

use crate::domain::audit::AuditActor;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;

use super::{answer, versions};
use crate::domain::{Profile, ProfileField, User};
use crate::http::extract::account_bearer::AccountHolder;
use crate::http::extract::api_json::ApiJson;
use crate::http::extract::client_address::ClientAddress;
use crate::http::responses::Problem;
use crate::identity::accounts::{Accounts, ProfileChange};
use crate::oauth::Engine;

type ApiResult = Result<Response, Problem>;

#[derive(Serialize, utoipa::ToSchema)]
pub struct AccountView<'a> {
    sub: String,
    email: &'a str,
    email_verified: bool,
    name: Option<&'a str>,
    #[serde(flatten)]
    #[schema(inline, value_type = crate::http::openapi::ProfileFields)]
    profile: &'a Profile,
    roles: Vec<&'a str>,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    updated_at: OffsetDateTime,
}

/// The account as the API shows it, with its `ETag`.
pub fn shown(user: &User, status: StatusCode) -> Response {
    let view = AccountView {
        sub: user.id.to_string(),
        email: user.email.as_str(),
        email_verified: user.email_verified,
        name: user.name.as_deref(),
        profile: &user.profile,
        roles: user.roles.iter().map(|r| r.as_str()).collect(),
        created_at: user.created_at,
        updated_at: user.updated_at,
    };
    versions::tagged(answer(status, view), user.version)
}

/// `GET /api/v1/account`: the profile, with its `ETag` (`If-None-Match` with it answers 304).
#[utoipa::path(
    get,
    operation_id = "account_show",
    path = crate::http::paths::API_ACCOUNT,
    tag = "account",
    responses((status = 200, description = "The account, with its `ETag`", body = AccountView), (status = 304, description = "Unchanged since the `If-None-Match` version"), crate::http::openapi::AccountErrors),
    security(("account_token" = [])),
)]
pub async fn show(
    State(accounts): State<Accounts>,
    AccountHolder(holder): AccountHolder,
    headers: HeaderMap,
) -> ApiResult {
    let user = accounts.account(holder.id).await?;
    if versions::unchanged(&headers, user.version) {
        return Ok(versions::tagged(
            StatusCode::NOT_MODIFIED.into_response(),
            user.version,
        ));
    }
    Ok(shown(&user, StatusCode::OK))
}

/// Fields of the account that are not the profile's to change, with what to do instead.
fn not_changeable(name: &str) -> Option<&'static str> {
    match name {
        "email" => {
            Some("cannot be changed here: an address changes only once the new one is verified")
        }
        "email_verified" | "phone_number_verified" => Some("is set by verification, not by hand"),
        "roles" | "status" => {
            Some("is changed by administrators, through the user's /roles and /status")
        }
        "sub" | "id" | "created_at" | "updated_at" => Some("is read-only"),
        _ => None,
    }
}

/// `PATCH /api/v1/account`: a JSON merge patch of the profile. Each named field is set (a
/// string) or removed (`null`); a field that is not the profile's is a 422 naming it.
#[utoipa::path(
    patch,
    operation_id = "account_update",
    path = crate::http::paths::API_ACCOUNT,
    tag = "account",
    request_body(content = Object, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "The changed account", body = AccountView), (status = 412, description = "The account changed since the `If-Match` version", body = Problem, content_type = "application/problem+json"), (status = 415, description = "Not a JSON merge patch", body = Problem, content_type = "application/problem+json"), (status = 422, description = "A field is not the profile's, or its value is refused", body = Problem, content_type = "application/problem+json"), crate::http::openapi::AccountErrors),
    security(("account_token" = [])),
)]
pub async fn update(
    State(accounts): State<Accounts>,
    State(engine): State<Engine>,
    AccountHolder(holder): AccountHolder,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let changes = profile_patch(&headers, body)?;
    let base = versions::if_match(&headers)?;
    let user = accounts
        .update_profile(
            holder.id,
            &changes,
            base,
            AuditActor::User(holder.id.to_string()),
        )
        .await?;
    engine.user_changed(user.id);
    Ok(shown(&user, StatusCode::OK))
}

/// The profile changes a JSON merge patch (RFC 7396) asks for, every field checked: a 415 for
/// another media type, 400 for malformed JSON, 422 naming every field that is not the
/// profile's or whose value is refused.
pub fn profile_patch(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Vec<ProfileChange>, Problem> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.starts_with("application/merge-patch+json") || v.starts_with("application/json")
        });
    if !json {
        return Err(
            Problem::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "Unsupported media type")
                .detail("Send a JSON merge patch (Content-Type: application/merge-patch+json)."),
        );
    }
    let body =
        body.map_err(|_| Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large"))?;
    let patch: Value = serde_json::from_slice(&body).map_err(|_| {
        Problem::new(StatusCode::BAD_REQUEST, "Malformed JSON")
            .detail("The body is not valid JSON.")
    })?;
    let Value::Object(fields) = patch else {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The request has invalid fields",
        )
        .detail("A merge patch of the profile is a JSON object."));
    };
    let mut problem = Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "The request has invalid fields",
    );
    let mut changes = Vec::new();
    for (name, value) in &fields {
        match (ProfileField::parse(name), value) {
            (Some(field), Value::String(text)) => changes.push((field, Some(text.clone()))),
            (Some(field), Value::Null) => changes.push((field, None)),
            (Some(_), _) => problem = problem.field(name, "must be a string, or null to remove it"),
            (None, _) => {
                let detail = not_changeable(name).unwrap_or("is not a field of the profile");
                problem = problem.field(name, detail);
            }
        }
    }
    if !problem.errors.is_empty() {
        // Every problem at once: the values of the fields that are the profile's too.
        for (field, value) in &changes {
            if let Err(refused) = field.check(value.as_deref()) {
                problem = problem.field(refused.field, refused.message);
            }
        }
        return Err(problem);
    }
    Ok(changes)
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    current_password: String,
    new_password: String,
}

#[derive(Serialize, utoipa::ToSchema)]
struct PasswordChanged {
    status: &'static str,
    ended_sessions: u64,
    revoked_grants: usize,
}

/// `POST /api/v1/account/password`: `{current_password, new_password}`. The current password is
/// checked like a sign-in (the same lockout); then every session and grant of the account ends,
/// the token used here included, and the owner is told by mail.
#[utoipa::path(
    post,
    operation_id = "account_change_password",
    path = crate::http::paths::API_ACCOUNT_PASSWORD,
    tag = "account",
    request_body(content = PasswordChange),
    responses((status = 200, description = "Changed; every session and grant ended", body = PasswordChanged), (status = 403, description = "The current password is wrong", body = Problem, content_type = "application/problem+json"), (status = 422, description = "The new password is refused", body = Problem, content_type = "application/problem+json"), (status = 429, description = "Too many wrong passwords", body = Problem, content_type = "application/problem+json"), crate::http::openapi::AccountErrors),
    security(("account_token" = [])),
)]
pub async fn change_password(
    State(accounts): State<Accounts>,
    State(engine): State<Engine>,
    AccountHolder(holder): AccountHolder,
    ClientAddress(address): ClientAddress,
    ApiJson(body): ApiJson<PasswordChange>,
) -> ApiResult {
    accounts
        .confirm_password(&holder, body.current_password, address)
        .await?;
    let reset = accounts.change_password(&holder, body.new_password).await?;
    engine.signed_out(holder.id, &reset);
    Ok(answer(
        StatusCode::OK,
        PasswordChanged {
            status: "password_changed",
            ended_sessions: reset.ended_sessions,
            revoked_grants: reset.revoked_grants.len(),
        },
    ))
}
