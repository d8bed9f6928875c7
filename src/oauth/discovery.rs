//! Authorization-server metadata (RFC 8414) and OpenID Provider metadata (Discovery 1.0 §3),
//! built once from the configured issuer and the endpoint paths the HTTP layer mounts.

use serde_json::{Value, json};

use crate::domain::SigningAlgorithm;

/// Endpoint paths, as mounted by the router.
#[derive(Debug, Clone, Copy)]
pub struct EndpointPaths {
    pub authorization: &'static str,
    pub token: &'static str,
    pub userinfo: &'static str,
    pub end_session: &'static str,
    pub jwks: &'static str,
    pub introspection: &'static str,
    pub revocation: &'static str,
    /// OAuth 2.0 for First-Party Applications §4.1.
    pub authorization_challenge: &'static str,
}

/// The metadata document. `password_grant` is true when some client may use that grant;
/// `registration` when people may create accounts (`prompt=create`).
pub fn document(
    issuer: &str,
    paths: &EndpointPaths,
    password_grant: bool,
    registration: bool,
) -> Value {
    let url = |path: &str| format!("{issuer}{path}");
    let mut grant_types = vec!["authorization_code", "refresh_token", "client_credentials"];
    if password_grant {
        grant_types.push("password");
    }
    let mut prompts = vec!["none", "login", "consent", "select_account"];
    if registration {
        // Initiating User Registration via OpenID Connect 1.0, §4.2.
        prompts.push("create");
    }
    let algs: Vec<&str> = SigningAlgorithm::ALL.iter().map(|a| a.as_str()).collect();
    json!({
        "issuer": issuer,
        "authorization_endpoint": url(paths.authorization),
        "token_endpoint": url(paths.token),
        "userinfo_endpoint": url(paths.userinfo),
        "end_session_endpoint": url(paths.end_session),
        "jwks_uri": url(paths.jwks),
        "introspection_endpoint": url(paths.introspection),
        "revocation_endpoint": url(paths.revocation),
        "authorization_challenge_endpoint": url(paths.authorization_challenge),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "form_post"],
        "grant_types_supported": grant_types,
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "id_token_signing_alg_values_supported": algs,
        "subject_types_supported": ["public"],
        "scopes_supported": ["openid", "profile", "email", "phone", "offline_access", "account", "admin"],
        "claims_supported": [
            "iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp", "sid",
            "name", "given_name", "family_name", "picture", "gender", "locale", "zoneinfo",
            "updated_at", "email", "email_verified", "phone_number", "phone_number_verified",
            "roles"
        ],
        "prompt_values_supported": prompts,
        "authorization_response_iss_parameter_supported": true,
        // Discovery 1.0 §3 defaults request_uri_parameter_supported to true: say we do not.
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "claims_parameter_supported": false,
    })
}
