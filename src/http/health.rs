//! Liveness and readiness probes for orchestrators and load balancers.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::responses::internal;
use crate::config::Backend;
use crate::oauth::Engine;

/// Readiness answers within this long even if the database hangs.
const READY_DEADLINE: Duration = Duration::from_millis(1500);

/// The process is up and serving HTTP.
pub async fn live() -> Response {
    no_store(StatusCode::OK, json!({ "status": "ok" }))
}

/// Whether this instance can serve requests, with each dependency's state and a short reason
/// (never a secret: no URL, no server reply). Only the database decides readiness (503): an
/// interrupted change feed is repaired by the periodic reload, and mail waits in the outbox.
pub async fn ready(State(engine): State<Engine>) -> Response {
    let database = match engine.store.backend() {
        Backend::Postgres => "postgres",
        Backend::Sqlite => "sqlite",
    };
    let reachable = match tokio::time::timeout(READY_DEADLINE, engine.store.ping()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => {
            internal::log_unavailable(&error);
            Err("the database refused or dropped the connection")
        }
        Err(_elapsed) => {
            tracing::warn!("readiness check timed out waiting for the database");
            Err("the database did not answer within 1.5 s")
        }
    };
    let change_feed = match engine.metrics.change_feed_connected() {
        None => {
            json!({ "status": "not_used", "reason": "SQLite: changes are read by the periodic reload" })
        }
        Some(true) => json!({ "status": "ok" }),
        Some(false) => json!({
            "status": "interrupted",
            "reason": "reconnecting every second; caches are reloaded every keys.reload_interval meanwhile",
        }),
    };
    let mail = mail_state(&engine, reachable.is_ok()).await;
    let (status, body) = match reachable {
        Ok(()) => (
            StatusCode::OK,
            json!({
                "status": "ready",
                "database": database,
                "checks": {
                    "database": { "status": "ok" },
                    "change_feed": change_feed,
                    "mail": mail,
                },
            }),
        ),
        Err(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({
                "status": "unavailable",
                "database": database,
                "checks": {
                    "database": { "status": "unavailable", "reason": reason },
                    "change_feed": change_feed,
                    "mail": mail,
                },
            }),
        ),
    };
    let mut response = no_store(status, body);
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    }
    response
}

/// The mail sender as the outbox shows it: messages waiting after a failed delivery mean the
/// SMTP server is refusing or unreachable.
async fn mail_state(engine: &Engine, database_up: bool) -> serde_json::Value {
    let transport = if engine.config.email.uses_smtp() {
        "smtp"
    } else {
        "files"
    };
    if !database_up {
        return json!({ "status": "unknown", "transport": transport, "reason": "the outbox cannot be read" });
    }
    let outbox = tokio::time::timeout(READY_DEADLINE, engine.store.outbox_status()).await;
    match outbox {
        Ok(Ok(outbox)) if outbox.retrying == 0 => {
            json!({ "status": "ok", "transport": transport, "pending": outbox.pending })
        }
        Ok(Ok(outbox)) => json!({
            "status": "retrying",
            "transport": transport,
            "pending": outbox.pending,
            "reason": format!("{} message(s) wait for another attempt after a failed delivery", outbox.retrying),
        }),
        _ => {
            json!({ "status": "unknown", "transport": transport, "reason": "the outbox cannot be read" })
        }
    }
}

fn no_store(status: StatusCode, body: serde_json::Value) -> Response {
    let mut response = (status, Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
