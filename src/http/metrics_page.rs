//! `GET /metrics`: the Prometheus scrape, with the values read at scrape time (the pool, the
//! outbox, the audit sealer's backlog, the signing keys) brought up to date first.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::responses::internal;
use crate::oauth::Engine;

const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
const KEY_STATES: [&str; 4] = ["published", "signing", "retired", "expired"];

pub async fn metrics(State(engine): State<Engine>) -> Response {
    refresh(&engine).await;
    match engine.metrics.encode() {
        Ok(text) => {
            let mut response = (StatusCode::OK, text).into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(error) => {
            internal::log(&error);
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Reads what is only known at scrape time. A database that cannot answer leaves the last
/// values (the readiness probe says why).
async fn refresh(engine: &Engine) {
    let metrics = &engine.metrics;
    let pool = engine.store.pool_status();
    metrics.db_connections.set(i64::from(pool.size));
    metrics.db_idle.set(i64::from(pool.idle));
    metrics.db_max.set(i64::from(pool.max));
    if let Ok(outbox) = engine.store.outbox_status().await {
        metrics.outbox_pending.set(outbox.pending);
        metrics.outbox_retrying.set(outbox.retrying);
        metrics.outbox_given_up.set(outbox.given_up);
    }
    let now = engine.now();
    if let Ok((count, oldest)) = engine.store.unsealed_audit_events().await {
        metrics
            .audit_unsealed
            .set(i64::try_from(count).unwrap_or(i64::MAX));
        let lag = oldest.map_or(0.0, |oldest| (now - oldest).as_seconds_f64().max(0.0));
        metrics.audit_lag_seconds.set(lag);
    }
    let statuses = engine.keys().statuses(now);
    for state in KEY_STATES {
        let count = statuses.iter().filter(|key| key.state == state).count();
        metrics
            .signing_keys
            .get_or_create(&crate::metrics::StateLabels { state })
            .set(i64::try_from(count).unwrap_or(0));
    }
}
