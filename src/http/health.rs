//! Liveness and readiness probes for orchestrators and load balancers.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::responses::internal;
use crate::config::Backend;
use crate::store::Store;

/// Readiness answers within this long even if the database hangs.
const READY_DEADLINE: Duration = Duration::from_millis(1500);

/// The process is up and serving HTTP.
pub async fn live() -> Response {
    no_store(StatusCode::OK, json!({ "status": "ok" }))
}

/// The process can serve requests: the database answers within the deadline.
pub async fn ready(State(store): State<Arc<dyn Store>>) -> Response {
    let database = match store.backend() {
        Backend::Postgres => "postgres",
        Backend::Sqlite => "sqlite",
    };
    match tokio::time::timeout(READY_DEADLINE, store.ping()).await {
        Ok(Ok(())) => no_store(
            StatusCode::OK,
            json!({ "status": "ready", "database": database }),
        ),
        Ok(Err(error)) => {
            internal::log_unavailable(&error);
            unavailable(database)
        }
        Err(_elapsed) => {
            tracing::warn!("readiness check timed out waiting for the database");
            unavailable(database)
        }
    }
}

fn unavailable(database: &str) -> Response {
    let mut response = no_store(
        StatusCode::SERVICE_UNAVAILABLE,
        json!({ "status": "unavailable", "database": database }),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    response
}

fn no_store(status: StatusCode, body: serde_json::Value) -> Response {
    let mut response = (status, Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
