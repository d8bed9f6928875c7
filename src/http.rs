//! The HTTP boundary: the one module that knows axum and tower-http. Every route is listed in
//! [`router`]; handlers extract typed input, call one use-case and map its result.

mod api;
mod extract;
mod fallback;
mod health;
pub mod middleware;
mod oauth;
mod pages;
pub mod paths;
mod pictures;
pub mod responses;
mod session_store;
mod static_files;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::routing::{delete, get, post, put};
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

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

/// The JSON API for first-party apps (`/api/v1`).
fn api_routes() -> Router<AppState> {
    Router::new()
        .route(
            paths::API_ACCOUNT,
            get(api::account::show)
                .patch(api::account::update)
                .delete(api::account_changes::delete_account),
        )
        .route(
            paths::API_ACCOUNT_EMAIL,
            post(api::account_changes::start_email_change),
        )
        .route(
            paths::API_ACCOUNT_EMAIL_CONFIRMATION,
            post(api::account_changes::confirm_email_change),
        )
        .route(
            paths::API_ACCOUNT_PASSWORD,
            post(api::account::change_password),
        )
        .route(
            paths::API_ACCOUNT_SESSIONS,
            get(api::account_devices::sessions).delete(api::account_devices::end_all_sessions),
        )
        .route(
            paths::API_ACCOUNT_SESSION,
            delete(api::account_devices::end_session),
        )
        .route(paths::API_ACCOUNT_APPS, get(api::account_devices::apps))
        .route(
            paths::API_ACCOUNT_APP,
            delete(api::account_devices::disconnect_app),
        )
        .route(paths::API_ACCOUNT_EXPORT, get(api::account_devices::export))
        .route(
            paths::API_ACCOUNT_SECURITY_EVENTS,
            get(api::admin_audit::own_events),
        )
        .route(
            paths::API_ACCOUNT_SECOND_FACTOR,
            get(api::account_second_factor::status)
                .post(api::account_second_factor::start)
                .delete(api::account_second_factor::remove),
        )
        .route(
            paths::API_ACCOUNT_SECOND_FACTOR_CONFIRMATION,
            post(api::account_second_factor::confirm),
        )
        .route(
            paths::API_ACCOUNT_RECOVERY_CODES,
            post(api::account_second_factor::regenerate),
        )
        .route(
            paths::API_ACCOUNT_PICTURE,
            put(api::account_picture::upload)
                .delete(api::account_picture::remove)
                // A picture may be larger than other bodies (`server.body_limit`).
                .layer(DefaultBodyLimit::max(MAX_PICTURE_BYTES)),
        )
        .route(paths::API_REGISTRATIONS, post(api::accounts::register))
        .route(paths::API_VERIFICATIONS, post(api::accounts::verify))
        .route(paths::API_VERIFICATION_RESEND, post(api::accounts::resend))
        .route(paths::API_RECOVERIES, post(api::accounts::start_recovery))
        .route(
            paths::API_RECOVERY_COMPLETION,
            post(api::accounts::complete_recovery),
        )
}

/// The admin REST API (`/admin/v1`), for bearers of admin API access tokens.
fn admin_routes() -> Router<AppState> {
    use api::{admin_audit, admin_clients, admin_roles, admin_users};
    Router::new()
        .route(
            paths::ADMIN_USERS,
            get(admin_users::list).post(admin_users::create),
        )
        .route(
            paths::ADMIN_USER,
            get(admin_users::show)
                .patch(admin_users::update)
                .delete(admin_users::delete),
        )
        .route(paths::ADMIN_USER_STATUS, put(admin_users::set_status))
        .route(paths::ADMIN_USER_ROLES, put(admin_users::set_roles))
        .route(
            paths::ADMIN_USER_PASSWORD_RESET,
            post(admin_users::send_password_reset),
        )
        .route(
            paths::ADMIN_USER_SECOND_FACTOR,
            delete(admin_users::reset_second_factor),
        )
        .route(paths::ADMIN_USER_SESSIONS, get(admin_users::sessions))
        .route(paths::ADMIN_USER_SESSION, delete(admin_users::end_session))
        .route(paths::ADMIN_USER_EXPORT, get(admin_users::export))
        .route(
            paths::ADMIN_ROLES,
            get(admin_roles::list).post(admin_roles::create),
        )
        .route(
            paths::ADMIN_ROLE,
            get(admin_roles::show)
                .put(admin_roles::update)
                .delete(admin_roles::delete),
        )
        .route(paths::ADMIN_PERMISSIONS, get(admin_roles::permissions))
        .route(
            paths::ADMIN_CLIENTS,
            get(admin_clients::list).post(admin_clients::create),
        )
        .route(
            paths::ADMIN_CLIENT,
            get(admin_clients::show)
                .put(admin_clients::update)
                .delete(admin_clients::delete),
        )
        .route(
            paths::ADMIN_CLIENT_SECRET,
            post(admin_clients::rotate_secret),
        )
        .route(paths::ADMIN_CLIENT_ROLES, put(admin_clients::set_roles))
        .route(paths::ADMIN_KEYS, get(admin_clients::keys))
        .route(paths::ADMIN_KEY_ROTATION, post(admin_clients::rotate_keys))
        .route(paths::ADMIN_AUDIT_EVENTS, get(admin_audit::list))
        .route(
            paths::ADMIN_AUDIT_VERIFICATION,
            get(admin_audit::verification),
        )
}

/// Every route, and the layers every request passes through (outermost last).
pub fn router(state: AppState) -> Router {
    let config = state.config.clone();
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
        .route(
            paths::AUTHORIZATION_CHALLENGE,
            post(oauth::challenge::challenge),
        )
        .merge(api_routes())
        .merge(admin_routes())
        .merge(browser_app_routes(&state))
        .merge(browser_routes(&state))
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
        .layer(axum::middleware::from_fn(
            middleware::security_headers::apply,
        ))
        .layer(TraceLayer::new_for_http().make_span_with(middleware::request_id::make_span))
        .layer(axum::middleware::from_fn(middleware::request_id::assign))
        .with_state(state)
}
