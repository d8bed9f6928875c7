//! The JSON API under `/api/v1` for first-party apps: RFC 9457 problems for every error, with a
//! pointer per field.

pub mod account;
pub mod account_changes;
pub mod account_devices;
pub mod account_picture;
pub mod account_second_factor;
pub mod accounts;
pub mod admin_audit;
pub mod admin_clients;
pub mod admin_roles;
pub mod admin_users;
pub mod query_params;
pub mod versions;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A JSON answer that no cache keeps.
pub fn answer(status: StatusCode, body: impl Serialize) -> Response {
    let mut response = (status, Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
