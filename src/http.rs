//! The HTTP boundary: the one module that knows axum and tower-http. Every route is listed in
//! [`router`]; handlers extract typed input, call one use-case and map its result.

mod api;
mod extract;
mod fallback;
mod health;
mod metrics_page;
pub mod middleware;
mod oauth;
pub mod openapi;
mod pages;
pub mod paths;
mod pictures;
pub mod responses;
mod session_store;
mod static_files;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::routing::{get, post};
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use utoipa::OpenApi as _;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt as _};
use utoipa_axum::routes;
use utoipa_swagger_ui::SwaggerUi;

use crate::config::Config;
use crate::crypto::token::TokenHasher;
use crate::domain::MAX_PICTURE_BYTES;
use crate::identity::accounts::{AccountLinks, Accounts};
use crate::store::Store;

/// What handlers may ask for; each extracts only the part it uses.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Arc<dyn Store>,
    pub hasher: TokenHasher,
    pub engine: crate::oauth::Engine,
    pub accounts: Accounts,
    pub admin: crate::admin::Admin,
    pub limits: crate::limits::RateLimits,
}

/// Where the links in account mail lead, from the configured issuer (never a request's `Host`).
pub fn account_links(config: &Config) -> AccountLinks {
    let issuer = config.issuer();
    AccountLinks {
        sign_in: format!("{issuer}{}", paths::LOGIN),
        recover: format!("{issuer}{}", paths::RECOVER),
        verify: format!("{issuer}{}", paths::VERIFY_EMAIL),
        reset: format!("{issuer}{}", paths::RESET_PASSWORD),
        change_email: format!("{issuer}{}", paths::CONFIRM_EMAIL),
        pictures: format!("{issuer}{}", paths::PICTURES_PREFIX),
    }
}

/// The routes people reach with a browser: they share a server-side session (cookie `__Host-`
/// prefixed and Secure, except on a loopback http issuer in development; HttpOnly; SameSite=Lax).
fn browser_routes(state: &AppState) -> Router<AppState> {
    let development = state.config.is_development();
    let idle = time::Duration::try_from(state.config.sessions.idle_timeout.get())
        .unwrap_or(time::Duration::minutes(30));
    let sessions = SessionManagerLayer::new(session_store::DatabaseSessionStore::new(
        state.store.clone(),
        state.hasher.clone(),
    ))
    .with_name(if development {
        "portcullis_session"
    } else {
        "__Host-portcullis_session"
    })
    .with_secure(!development)
    .with_http_only(true)
    .with_same_site(SameSite::Lax)
    .with_path("/")
    .with_expiry(Expiry::OnInactivity(idle))
    .with_always_save(true);
    Router::new()
        .route(
            paths::AUTHORIZE,
            get(pages::authorize::authorize).post(pages::authorize::authorize),
        )
        .route(
            paths::LOGIN,
            get(pages::login::show).post(pages::login::submit),
        )
        .route(
            paths::LOGIN_SECOND_FACTOR,
            get(pages::second_factor::show).post(pages::second_factor::submit),
        )
        .route(
            paths::LOGIN_TWO_STEP_SETUP,
            get(pages::second_factor::show_setup).post(pages::second_factor::submit_setup),
        )
        .route(
            paths::CONSENT,
            get(pages::consent::show).post(pages::consent::submit),
        )
        .route(
            paths::END_SESSION,
            get(pages::logout::end_session).post(pages::logout::end_session),
        )
        .route(paths::LOGOUT, post(pages::logout::confirm))
        .route(
            paths::ACCOUNT,
            get(pages::account::show).post(pages::account::submit),
        )
        .route(
            paths::ACCOUNT_PASSWORD,
            post(pages::account_security::change_password),
        )
        .route(
            paths::ACCOUNT_SESSIONS,
            post(pages::account_security::end_sessions),
        )
        .route(
            paths::ACCOUNT_APPS,
            post(pages::account_security::disconnect_app),
        )
        .route(paths::ACCOUNT_EXPORT, get(pages::account_security::export))
        .route(
            paths::ACCOUNT_EMAIL,
            post(pages::account_changes::change_email),
        )
        .route(
            paths::ACCOUNT_TWO_STEP,
            post(pages::account_two_step::submit),
        )
        .route(
            paths::ACCOUNT_DELETE,
            post(pages::account_changes::delete_account),
        )
        .route(
            paths::CONFIRM_EMAIL,
            get(pages::account_changes::show_link).post(pages::account_changes::confirm_link),
        )
        .route(
            paths::REGISTER,
            get(pages::register::show).post(pages::register::submit),
        )
        .route(
            paths::VERIFY_EMAIL,
            get(pages::verify_email::show).post(pages::verify_email::submit),
        )
        .route(
            paths::RECOVER,
            get(pages::recover::show).post(pages::recover::submit),
        )
        .route(
            paths::RESET_PASSWORD,
            get(pages::recover::show_reset).post(pages::recover::submit_reset),
        )
        .layer(sessions)
        .layer(axum::middleware::from_fn(
            middleware::session_failures::render_as_page,
        ))
}

/// The endpoints single-page apps call with `fetch` from their own origin (CORS).
fn browser_app_routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route(
            paths::TOKEN,
            post(oauth::token::token).options(middleware::cors::options),
        )
        .route(
            paths::REVOKE,
            post(oauth::revoke::revoke).options(middleware::cors::options),
        )
        .route(
            paths::USERINFO,
            get(oauth::userinfo::userinfo)
                .post(oauth::userinfo::userinfo)
                .options(middleware::cors::options),
        )
        .layer(axum::middleware::from_fn_with_state(
            state.engine.clone(),
            middleware::cors::allow_client_origins,
        ))
}

/// The JSON API for first-party apps (`/api/v1`) and the first-party sign-in endpoint, each
/// route registered with its documentation.
fn api_routes() -> OpenApiRouter<AppState> {
    use api::{account, account_changes, account_devices, account_second_factor, accounts};
    OpenApiRouter::new()
        .routes(routes!(
            account::show,
            account::update,
            account_changes::delete_account
        ))
        .routes(routes!(account_changes::start_email_change))
        .routes(routes!(account_changes::confirm_email_change))
        .routes(routes!(account::change_password))
        .routes(routes!(
            account_devices::sessions,
            account_devices::end_all_sessions
        ))
        .routes(routes!(account_devices::end_session))
        .routes(routes!(account_devices::apps))
        .routes(routes!(account_devices::disconnect_app))
        .routes(routes!(account_devices::export))
        .routes(routes!(api::admin_audit::own_events))
        .routes(routes!(
            account_second_factor::status,
            account_second_factor::start,
            account_second_factor::remove
        ))
        .routes(routes!(account_second_factor::confirm))
        .routes(routes!(account_second_factor::regenerate))
        .routes(
            routes!(api::account_picture::upload, api::account_picture::remove)
                // A picture may be larger than other bodies (`server.body_limit`).
                .layer(DefaultBodyLimit::max(MAX_PICTURE_BYTES)),
        )
        .routes(routes!(accounts::register))
        .routes(routes!(accounts::verify))
        .routes(routes!(accounts::resend))
        .routes(routes!(accounts::start_recovery))
        .routes(routes!(accounts::complete_recovery))
        .routes(routes!(oauth::challenge::challenge))
}

/// The admin REST API (`/admin/v1`), for bearers of admin API access tokens.
fn admin_routes() -> OpenApiRouter<AppState> {
    use api::{admin_audit, admin_clients, admin_roles, admin_users};
    OpenApiRouter::new()
        .routes(routes!(admin_users::list, admin_users::create))
        .routes(routes!(
            admin_users::show,
            admin_users::update,
            admin_users::delete
        ))
        .routes(routes!(admin_users::set_status))
        .routes(routes!(admin_users::set_roles))
        .routes(routes!(admin_users::send_password_reset))
        .routes(routes!(admin_users::reset_second_factor))
        .routes(routes!(admin_users::sessions))
        .routes(routes!(admin_users::end_session))
        .routes(routes!(admin_users::export))
        .routes(routes!(admin_roles::list, admin_roles::create))
        .routes(routes!(
            admin_roles::show,
            admin_roles::update,
            admin_roles::delete
        ))
        .routes(routes!(admin_roles::permissions))
        .routes(routes!(admin_clients::list, admin_clients::create))
        .routes(routes!(
            admin_clients::show,
            admin_clients::update,
            admin_clients::delete
        ))
        .routes(routes!(admin_clients::rotate_secret))
        .routes(routes!(admin_clients::set_roles))
        .routes(routes!(admin_clients::keys))
        .routes(routes!(admin_clients::rotate_keys))
        .routes(routes!(admin_audit::list))
        .routes(routes!(admin_audit::verification))
}

/// The documented routes (the JSON APIs) as a router, and the OpenAPI document they make.
pub fn documented_routes() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .merge(api_routes())
        .merge(admin_routes())
        .split_for_parts()
}

/// `/metrics` on the main listener, unless it is off or has a listener of its own.
fn metrics_route(state: &AppState) -> Router<AppState> {
    let metrics = &state.config.metrics;
    if metrics.enabled && metrics.listen.is_none() {
        Router::new().route(paths::METRICS, get(metrics_page::metrics))
    } else {
        Router::new()
    }
}

/// `/metrics` alone, for `metrics.listen`.
pub fn metrics_router(engine: crate::oauth::Engine) -> Router {
    Router::new()
        .route(paths::METRICS, get(metrics_page::metrics))
        .with_state(engine)
}

/// Every route, and the layers every request passes through (outermost last).
pub fn router(state: AppState) -> Router {
    let config = state.config.clone();
    let (documented, document) = documented_routes();
    Router::new()
        .route(paths::HEALTH_LIVE, get(health::live))
        .route(paths::HEALTH_READY, get(health::ready))
        .route(paths::STYLESHEET, get(static_files::stylesheet))
        .route(paths::FAVICON_SVG, get(static_files::favicon))
        .route(paths::FAVICON_ICO, get(static_files::favicon))
        .route(paths::HOME, get(pages::home::show))
        .route(paths::PICTURE, get(pictures::picture))
        .route(
            paths::OPENID_CONFIGURATION,
            get(oauth::discovery::openid_configuration),
        )
        .route(
            paths::OAUTH_AUTHORIZATION_SERVER,
            get(oauth::discovery::openid_configuration),
        )
        .route(paths::JWKS, get(oauth::discovery::jwks))
        .route(paths::INTROSPECT, post(oauth::introspect::introspect))
        .merge(documented)
        .merge(
            Router::from(SwaggerUi::new(paths::DOCS).url(paths::OPENAPI, document))
                .layer(axum::middleware::from_fn(openapi::docs_headers)),
        )
        .merge(browser_app_routes(&state))
        .merge(browser_routes(&state))
        .merge(metrics_route(&state))
        .fallback(fallback::not_found)
        .method_not_allowed_fallback(fallback::method_not_allowed)
        .layer(DefaultBodyLimit::max(config.server.body_limit))
        .layer(axum::middleware::from_fn_with_state(
            config.server.body_limit,
            middleware::announced_size::refuse_oversized,
        ))
        .layer(axum::middleware::from_fn_with_state(
            config.server.request_timeout.get(),
            middleware::timeout::answer_in_time,
        ))
        .layer(axum::middleware::from_fn_with_state(
            // HSTS only when we serve TLS ourselves: behind a proxy, the proxy owns it.
            config.server.tls_files().is_some(),
            middleware::security_headers::apply,
        ))
        // With metrics off, requests are not even timed.
        .layer(axum::middleware::from_fn_with_state(
            config.metrics.enabled.then(|| state.engine.metrics.clone()),
            middleware::accounting::record,
        ))
        .layer(TraceLayer::new_for_http().make_span_with(middleware::request_id::make_span))
        .layer(axum::middleware::from_fn_with_state(
            Arc::from(config.server.trusted_proxies.as_slice()),
            middleware::request_id::assign,
        ))
        .with_state(state)
}
