//! The OpenAPI 3.1 document of the JSON APIs (the account API, sign-up and recovery, first-party
//! sign-in and the admin API), generated from the handlers' own annotations as the router is
//! built (`utoipa-axum`), so a route cannot exist without its documentation or the other way
//! round. Served at `/openapi.json`, with Swagger UI at `/docs` from assets in the binary.

use axum::http::{HeaderValue, header};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoResponses, Modify, OpenApi};

use super::responses::Problem;

/// The policy for the documentation page: our own scripts (Swagger UI's bundle), its inline
/// styles, calls to our own API only.
pub const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; \
     base-uri 'none'";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Portcullis",
        description = "The JSON APIs of the Portcullis authorization server: self-service accounts \
            (`/api/v1`), first-party sign-in (`/authorize-challenge`) and administration \
            (`/admin/v1`). Errors are RFC 9457 problems with a JSON Pointer per field. The OAuth \
            2.0 and OpenID Connect endpoints are described by `/.well-known/openid-configuration`."
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "account", description = "The signed-in person's own account: a bearer access token with the `account` scope."),
        (name = "sign-up and recovery", description = "Registration, address verification and password recovery, without a token."),
        (name = "first-party sign-in", description = "The Authorization Challenge Endpoint (draft-ietf-oauth-first-party-apps)."),
        (name = "admin: users", description = "Users, for callers whose roles give the `users:*` and `sessions:*` permissions."),
        (name = "admin: roles", description = "Roles and the permission catalogue."),
        (name = "admin: clients", description = "OAuth clients and signing keys."),
        (name = "admin: audit", description = "The tamper-evident audit log."),
    )
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "account_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An RFC 9068 access token of ours granted the `account` scope.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "admin_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An RFC 9068 access token of ours granted the `admin` scope; its `aud` is \
                         `{issuer}/admin/v1`. What the caller may do comes from their roles (or \
                         a client's service roles) at the time of each request.",
                    ))
                    .build(),
            ),
        );
    }
}

/// What every admin route may answer besides its success.
#[derive(IntoResponses)]
#[allow(
    dead_code,
    reason = "documentation only: the variants name the answers"
)]
pub enum AdminErrors {
    /// Missing, expired, forged or other-audience token (`WWW-Authenticate: Bearer`).
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(Problem),
    /// The caller lacks the permission, or the target holds permissions the caller lacks.
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(Problem),
    /// The database is unavailable; try again (`Retry-After`).
    #[response(status = 503, content_type = "application/problem+json")]
    Unavailable(Problem),
}

/// What every account route may answer besides its success.
#[derive(IntoResponses)]
#[allow(
    dead_code,
    reason = "documentation only: the variants name the answers"
)]
pub enum AccountErrors {
    /// Missing, expired or forged token (`WWW-Authenticate: Bearer`).
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(Problem),
    /// The token lacks the `account` scope.
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(Problem),
    /// The database is unavailable; try again (`Retry-After`).
    #[response(status = 503, content_type = "application/problem+json")]
    Unavailable(Problem),
}

/// The documentation page's security headers.
pub async fn docs_headers(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let mut response = next.run(request).await;
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(DOCS_CSP),
    );
    response
}

/// The profile claims as the APIs show them (documentation of `domain::Profile`'s fields).
#[derive(utoipa::ToSchema)]
#[allow(
    dead_code,
    reason = "documentation only: describes `domain::Profile` as serialized"
)]
pub struct ProfileFields {
    given_name: Option<String>,
    family_name: Option<String>,
    /// An https URL.
    picture: Option<String>,
    gender: Option<String>,
    /// E.164, e.g. `+14155550123`.
    phone_number: Option<String>,
    phone_number_verified: bool,
    /// A BCP 47 language tag, e.g. `en-US`.
    locale: Option<String>,
    /// An IANA time zone name, e.g. `Europe/Paris`.
    zoneinfo: Option<String>,
}

/// A signing key's place in its lifecycle (documentation of `crypto::key_ring::KeyStatus`).
#[derive(utoipa::ToSchema)]
#[allow(
    dead_code,
    reason = "documentation only: describes `KeyStatus` as serialized"
)]
pub struct KeyStatusFields {
    kid: String,
    /// `RS256` or `ES256`.
    alg: String,
    /// `published` (not signing yet), `signing`, or `retired` (verifying only).
    state: String,
    activates_at: time::OffsetDateTime,
    retires_at: Option<time::OffsetDateTime>,
    published_until: Option<time::OffsetDateTime>,
}
