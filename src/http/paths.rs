//! Every endpoint path, in one place: the router mounts these and discovery advertises them.

pub const HEALTH_LIVE: &str = "/health/live";
pub const OPENAPI: &str = "/openapi.json";
pub const DOCS: &str = "/docs";
pub const HEALTH_READY: &str = "/health/ready";
pub const METRICS: &str = "/metrics";
pub const STYLESHEET: &str = "/static/css/portcullis.css";
pub const HOME: &str = "/";
pub const FAVICON_SVG: &str = "/favicon.svg";
pub const FAVICON_ICO: &str = "/favicon.ico";

pub const OPENID_CONFIGURATION: &str = "/.well-known/openid-configuration";
pub const OAUTH_AUTHORIZATION_SERVER: &str = "/.well-known/oauth-authorization-server";
pub const JWKS: &str = "/jwks";
pub const TOKEN: &str = "/token";
pub const INTROSPECT: &str = "/introspect";
pub const REVOKE: &str = "/revoke";
pub const AUTHORIZE: &str = "/authorize";
pub const AUTHORIZATION_CHALLENGE: &str = "/authorize-challenge";
pub const USERINFO: &str = "/userinfo";
pub const END_SESSION: &str = "/end_session";
pub const LOGIN: &str = "/login";
pub const LOGIN_SECOND_FACTOR: &str = "/login/second-factor";
pub const LOGIN_TWO_STEP_SETUP: &str = "/login/two-step-setup";
pub const CONSENT: &str = "/consent";
pub const LOGOUT: &str = "/logout";
pub const ACCOUNT: &str = "/account";
pub const ACCOUNT_PASSWORD: &str = "/account/password";
pub const ACCOUNT_SESSIONS: &str = "/account/sessions";
pub const ACCOUNT_APPS: &str = "/account/apps";
pub const ACCOUNT_EXPORT: &str = "/account/export";
pub const ACCOUNT_EMAIL: &str = "/account/email";
pub const ACCOUNT_DELETE: &str = "/account/delete";
pub const ACCOUNT_TWO_STEP: &str = "/account/two-step";
pub const CONFIRM_EMAIL: &str = "/confirm-email";
/// Uploaded profile pictures: `/pictures/{id}`.
pub const PICTURES_PREFIX: &str = "/pictures/";
pub const PICTURE: &str = "/pictures/{id}";
pub const REGISTER: &str = "/register";
pub const VERIFY_EMAIL: &str = "/verify-email";
pub const RECOVER: &str = "/recover";
pub const RESET_PASSWORD: &str = "/reset-password";

pub const API_ACCOUNT: &str = "/api/v1/account";
pub const API_ACCOUNT_PASSWORD: &str = "/api/v1/account/password";
pub const API_ACCOUNT_SESSIONS: &str = "/api/v1/account/sessions";
pub const API_ACCOUNT_SESSION: &str = "/api/v1/account/sessions/{sid}";
pub const API_ACCOUNT_APPS: &str = "/api/v1/account/apps";
pub const API_ACCOUNT_APP: &str = "/api/v1/account/apps/{client_id}";
pub const API_ACCOUNT_EXPORT: &str = "/api/v1/account/export";
pub const API_ACCOUNT_EMAIL: &str = "/api/v1/account/email";
pub const API_ACCOUNT_PICTURE: &str = "/api/v1/account/picture";
pub const API_ACCOUNT_SECOND_FACTOR: &str = "/api/v1/account/second-factor";
pub const API_ACCOUNT_SECOND_FACTOR_CONFIRMATION: &str = "/api/v1/account/second-factor/confirm";
pub const API_ACCOUNT_RECOVERY_CODES: &str = "/api/v1/account/second-factor/recovery-codes";
pub const API_ACCOUNT_EMAIL_CONFIRMATION: &str = "/api/v1/account/email/confirm";
pub const API_REGISTRATIONS: &str = "/api/v1/registrations";
pub const API_VERIFICATIONS: &str = "/api/v1/verifications";
pub const API_VERIFICATION_RESEND: &str = "/api/v1/verifications/resend";
pub const API_RECOVERIES: &str = "/api/v1/recoveries";
pub const API_RECOVERY_COMPLETION: &str = "/api/v1/recoveries/complete";

pub const ADMIN_USERS: &str = "/admin/v1/users";
pub const ADMIN_USER: &str = "/admin/v1/users/{id}";
pub const ADMIN_USER_STATUS: &str = "/admin/v1/users/{id}/status";
pub const ADMIN_USER_ROLES: &str = "/admin/v1/users/{id}/roles";
pub const ADMIN_USER_PASSWORD_RESET: &str = "/admin/v1/users/{id}/password-reset";
pub const ADMIN_USER_SECOND_FACTOR: &str = "/admin/v1/users/{id}/second-factor";
pub const ADMIN_USER_SESSIONS: &str = "/admin/v1/users/{id}/sessions";
pub const ADMIN_USER_SESSION: &str = "/admin/v1/users/{id}/sessions/{sid}";
pub const ADMIN_USER_EXPORT: &str = "/admin/v1/users/{id}/export";
pub const ADMIN_ROLES: &str = "/admin/v1/roles";
pub const ADMIN_ROLE: &str = "/admin/v1/roles/{name}";
pub const ADMIN_PERMISSIONS: &str = "/admin/v1/permissions";
pub const ADMIN_CLIENTS: &str = "/admin/v1/clients";
pub const ADMIN_CLIENT: &str = "/admin/v1/clients/{client_id}";
pub const ADMIN_CLIENT_SECRET: &str = "/admin/v1/clients/{client_id}/secret";
pub const ADMIN_CLIENT_ROLES: &str = "/admin/v1/clients/{client_id}/roles";
pub const ADMIN_KEYS: &str = "/admin/v1/keys";
pub const ADMIN_AUDIT_EVENTS: &str = "/admin/v1/audit-events";
pub const ADMIN_AUDIT_VERIFICATION: &str = "/admin/v1/audit-events/verification";
pub const API_ACCOUNT_SECURITY_EVENTS: &str = "/api/v1/account/security-events";
pub const ADMIN_KEY_ROTATION: &str = "/admin/v1/keys/rotate";

/// The paths discovery advertises, taken from the constants the router mounts.
pub const ENDPOINTS: crate::oauth::discovery::EndpointPaths =
    crate::oauth::discovery::EndpointPaths {
        authorization: AUTHORIZE,
        token: TOKEN,
        userinfo: USERINFO,
        end_session: END_SESSION,
        jwks: JWKS,
        introspection: INTROSPECT,
        revocation: REVOKE,
        authorization_challenge: AUTHORIZATION_CHALLENGE,
    };

/// Path prefixes whose errors are RFC 9457 problem+json.
pub const PROBLEM_JSON_PREFIXES: [&str; 2] = ["/api/", "/admin/"];
/// Paths whose errors are RFC 6749 JSON (the OAuth and OpenID Connect endpoints).
pub const OAUTH_JSON_PREFIXES: [&str; 7] = [
    "/token",
    "/authorize-challenge",
    "/introspect",
    "/revoke",
    "/userinfo",
    "/jwks",
    "/.well-known/",
];
