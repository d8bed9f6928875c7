//! The caller of `/admin/v1`: the bearer of an access token for the admin API's audience
//! (`oauth::admin_access`), with the permissions their roles give them now. A missing, expired,
//! forged or other-audience token is a 401 with `WWW-Authenticate: Bearer error="invalid_token"`
//! (RFC 6750 §3.1); what the caller may do is checked by each use-case (403).

use axum::extract::{FromRef, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use super::account_bearer::{bearer, challenged};
use crate::admin::{Actor, Admin, AdminError, Caller};
use crate::domain::RoleName;
use crate::http::responses::Problem;
use crate::oauth::Engine;
use crate::oauth::admin_access::{ADMIN_SCOPE, AdminSubject};
use crate::oauth::error::{EndpointError, ErrorCode};

pub struct AdminCaller(pub Caller);

impl<S> FromRequestParts<S> for AdminCaller
where
    S: Send + Sync,
    Engine: FromRef<S>,
    Admin: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Some(token) = bearer(parts) else {
            // §3.1: no error code when the request carried no credentials.
            return Err(challenged(
                StatusCode::UNAUTHORIZED,
                "A bearer token is required",
                format!("Bearer realm=\"portcullis\", scope=\"{ADMIN_SCOPE}\""),
            ));
        };
        let engine = Engine::from_ref(state);
        let (actor, roles): (Actor, Vec<RoleName>) = match engine.admin_subject(token).await {
            Ok(AdminSubject::User(user)) => (Actor::User(user.id), user.roles.clone()),
            Ok(AdminSubject::Client(client)) => (
                Actor::Client(client.id.clone()),
                client.service_roles.clone(),
            ),
            Err(EndpointError::OAuth(error)) if error.code == ErrorCode::InsufficientScope => {
                return Err(challenged(
                    StatusCode::FORBIDDEN,
                    "The token lacks the admin scope",
                    format!("Bearer error=\"insufficient_scope\", scope=\"{ADMIN_SCOPE}\""),
                ));
            }
            Err(EndpointError::OAuth(_)) => {
                return Err(challenged(
                    StatusCode::UNAUTHORIZED,
                    "The access token is invalid or expired",
                    "Bearer error=\"invalid_token\"".to_owned(),
                ));
            }
            Err(EndpointError::Unavailable(source)) => {
                return Err(Problem::from(AdminError::Unavailable(source)).into_response());
            }
            Err(EndpointError::Internal(source)) => {
                return Err(Problem::from(AdminError::Internal(source)).into_response());
            }
            Err(EndpointError::RateLimited(seconds)) => {
                return Err(Problem::too_many_requests(seconds).into_response());
            }
        };
        let caller = Admin::from_ref(state)
            .caller(actor, &roles)
            .await
            .map_err(|e| Problem::from(e).into_response())?;
        Ok(Self(caller))
    }
}
