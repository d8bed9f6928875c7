//! The HTTP boundary: the one module that knows axum and tower-http. Every route is listed in
//! [`router`]; handlers extract typed input, call one use-case and map its result.

mod extract;
mod fallback;
mod health;
pub mod middleware;
mod oauth;
pub mod paths;
pub mod responses;
mod static_files;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::http::StatusCode;
use axum::routing::{get, post};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::config::Config;
use crate::crypto::token::TokenHasher;
use crate::store::Store;

/// What handlers may ask for; each extracts only the part it uses.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Arc<dyn Store>,
    pub hasher: TokenHasher,
    pub engine: crate::oauth::Engine,
}

/// Every route, and the layers every request passes through (outermost last).
pub fn router(state: AppState) -> Router {
    let config = state.config.clone();
    Router::new()
        .route(paths::HEALTH_LIVE, get(health::live))
        .route(paths::HEALTH_READY, get(health::ready))
        .route(paths::STYLESHEET, get(static_files::stylesheet))
        .route(
            paths::OPENID_CONFIGURATION,
            get(oauth::discovery::openid_configuration),
        )
        .route(
            paths::OAUTH_AUTHORIZATION_SERVER,
            get(oauth::discovery::openid_configuration),
        )
        .route(paths::JWKS, get(oauth::discovery::jwks))
        .route(paths::TOKEN, post(oauth::token::token))
        .route(paths::INTROSPECT, post(oauth::introspect::introspect))
        .route(paths::REVOKE, post(oauth::revoke::revoke))
        .fallback(fallback::not_found)
        .method_not_allowed_fallback(fallback::method_not_allowed)
        .layer(DefaultBodyLimit::max(config.server.body_limit))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            config.server.request_timeout.get(),
        ))
        .layer(axum::middleware::from_fn(
            middleware::security_headers::apply,
        ))
        .layer(TraceLayer::new_for_http().make_span_with(middleware::request_id::make_span))
        .layer(axum::middleware::from_fn(middleware::request_id::assign))
        .with_state(state)
}
