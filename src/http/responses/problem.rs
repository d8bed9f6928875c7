//! RFC 9457 problem details for the REST APIs, with an `errors` extension listing field problems
//! and the request id as `instance`.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::internal;
use crate::admin::AdminError;
use crate::domain::InvalidField;
use crate::http::middleware::request_id::RequestId;
use crate::identity::accounts::AccountError;
use crate::identity::second_factor::SecondFactorError;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FieldProblem {
    pub field: String,
    /// RFC 9457 §3's example extension: a JSON Pointer (RFC 6901) into the request body, as a
    /// URI fragment.
    pub pointer: String,
    pub detail: String,
}

impl FieldProblem {
    pub fn new(field: impl Into<String>, detail: impl Into<String>) -> Self {
        let field = field.into();
        Self {
            pointer: format!("#/{}", field.replace('~', "~0").replace('/', "~1")),
            field,
            detail: detail.into(),
        }
    }
}

/// An RFC 9457 problem: every error of the REST APIs (`application/problem+json`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: String,
    #[serde(serialize_with = "serialize_status")]
    #[schema(value_type = u16)]
    pub status: StatusCode,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

fn serialize_status<S: serde::Serializer>(status: &StatusCode, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u16(status.as_u16())
}

impl Problem {
    pub fn new(status: StatusCode, title: impl Into<String>) -> Self {
        Self {
            kind: "about:blank",
            title: title.into(),
            status,
            detail: None,
            instance: RequestId::current().map(|id| format!("urn:request-id:{}", id.as_str())),
            errors: Vec::new(),
        }
    }

    /// Over a rate limit (the rate-limit layer adds `Retry-After` and the `RateLimit` fields).
    pub fn too_many_requests(retry_after: u64) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, "Too many requests").detail(format!(
            "Too many requests came from here. Retry after {retry_after} seconds."
        ))
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn field_errors(mut self, fields: &[InvalidField]) -> Self {
        self.errors = fields
            .iter()
            .map(|f| {
                let mut problem = FieldProblem::new(f.field, f.message.clone());
                if let Some(index) = f.index {
                    problem.pointer = format!("{}/{index}", problem.pointer);
                }
                problem
            })
            .collect();
        self
    }

    /// Adds one field's problem.
    pub fn field(mut self, field: impl Into<String>, detail: impl Into<String>) -> Self {
        self.errors.push(FieldProblem::new(field, detail));
        self
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status;
        let mut response = (status, Json(self)).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if status == StatusCode::SERVICE_UNAVAILABLE {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        response
    }
}

impl From<crate::limits::LimitError> for Problem {
    fn from(error: crate::limits::LimitError) -> Self {
        match error {
            crate::limits::LimitError::Unavailable(source) => {
                super::internal::log_unavailable(&source);
                Problem::new(StatusCode::SERVICE_UNAVAILABLE, "Temporarily unavailable")
            }
            limited @ crate::limits::LimitError::Limited(_) => {
                Problem::too_many_requests(limited.retry_after())
            }
        }
    }
}

impl From<AdminError> for Problem {
    fn from(error: AdminError) -> Self {
        match &error {
            AdminError::Invalid(fields) => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "The request has invalid fields",
            )
            .field_errors(fields),
            AdminError::EmailTaken => {
                Problem::new(StatusCode::CONFLICT, "Conflict").detail(error.to_string())
            }
            AdminError::ClientIdTaken => {
                Problem::new(StatusCode::CONFLICT, "Conflict").detail(error.to_string())
            }
            AdminError::NotFound => Problem::new(StatusCode::NOT_FOUND, "Not found"),
            AdminError::Forbidden(reason) => {
                Problem::new(StatusCode::FORBIDDEN, "Forbidden").detail(format!("{reason}."))
            }
            AdminError::Changed => crate::http::api::versions::stale(),
            AdminError::LastAdmin => Problem::new(StatusCode::CONFLICT, "Last administrator")
                .detail("The last active administrator cannot be suspended, deleted or demoted; make someone else an administrator first."),
            AdminError::BadQuery(fields) => Problem::new(
                StatusCode::BAD_REQUEST,
                "The query has invalid parameters",
            )
            .field_errors(fields),
            AdminError::RoleNameTaken => {
                Problem::new(StatusCode::CONFLICT, "Conflict").detail(error.to_string())
            }
            AdminError::BuiltinRole => Problem::new(StatusCode::CONFLICT, "Built-in role")
                .detail("The built-in roles (admin, manager, user) cannot be changed or deleted; make a custom role instead."),
            AdminError::Unavailable(source) => {
                internal::log_unavailable(source);
                Problem::new(StatusCode::SERVICE_UNAVAILABLE, "Service unavailable")
                    .detail("The database is unavailable; try again shortly.")
            }
            AdminError::Internal(_) => {
                internal::log(&error);
                Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal error")
                    .detail(internal::MESSAGE)
            }
        }
    }
}

impl From<AccountError> for Problem {
    fn from(error: AccountError) -> Self {
        match error {
            AccountError::Invalid(fields) => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "The request has invalid fields",
            )
            .field_errors(&fields),
            AccountError::RegistrationClosed => {
                Problem::new(StatusCode::FORBIDDEN, "Registration is closed")
                    .detail("New accounts cannot be created here; ask an administrator.")
            }
            AccountError::InvalidCode => Problem::new(StatusCode::BAD_REQUEST, "Invalid code")
                .detail("The code or link is wrong, already used or expired. Ask for a new one."),
            AccountError::NotFound => Problem::new(StatusCode::NOT_FOUND, "No such account"),
            AccountError::Changed => {
                Problem::new(StatusCode::PRECONDITION_FAILED, "Changed meanwhile").detail(
                    "The account changed since the version named in If-Match; read it again.",
                )
            }
            AccountError::WrongPassword => Problem::new(StatusCode::FORBIDDEN, "Wrong password")
                .field("current_password", "is not the account's password"),
            AccountError::LastAdmin => Problem::new(StatusCode::CONFLICT, "Last administrator")
                .detail("The last active administrator cannot delete their account; make someone else an administrator first."),
            AccountError::ReauthenticationRequired => {
                Problem::new(StatusCode::UNAUTHORIZED, "Sign in again")
                    .detail("This change needs a recent sign-in.")
            }
            AccountError::LockedOut => {
                Problem::new(StatusCode::TOO_MANY_REQUESTS, "Too many attempts")
                    .detail("Too many wrong passwords; try again later.")
            }
            AccountError::TooManyAttempts => {
                Problem::new(StatusCode::TOO_MANY_REQUESTS, "Too many attempts")
                    .detail("Too many wrong codes for this address. Try again in an hour.")
            }
            AccountError::Unavailable(source) => {
                internal::log_unavailable(&source);
                Problem::new(StatusCode::SERVICE_UNAVAILABLE, "Service unavailable")
                    .detail("The database is unavailable; try again shortly.")
            }
            AccountError::Internal(source) => {
                internal::log(source.as_ref());
                Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal error")
                    .detail(internal::MESSAGE)
            }
        }
    }
}

impl From<SecondFactorError> for Problem {
    fn from(error: SecondFactorError) -> Self {
        match error {
            SecondFactorError::InvalidCode => {
                Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "Invalid code")
                    .field("code", "is wrong, already used or too old")
            }
            SecondFactorError::Locked => {
                Problem::new(StatusCode::TOO_MANY_REQUESTS, "Too many attempts")
                    .detail("Too many wrong codes for this account. Try again in an hour.")
            }
            SecondFactorError::Required => Problem::new(
                StatusCode::CONFLICT,
                "Two-step verification is required",
            )
            .detail(
                "This account must keep two-step verification; make new recovery codes instead.",
            ),
            SecondFactorError::ChallengeOver => {
                Problem::new(StatusCode::BAD_REQUEST, "Sign-in over")
                    .detail("The sign-in is over; start again with the password.")
            }
            SecondFactorError::Disabled => {
                Problem::new(StatusCode::NOT_FOUND, "Two-step verification is turned off")
            }
            SecondFactorError::NotEnrolled => {
                Problem::new(StatusCode::CONFLICT, "Two-step verification is not set up")
                    .detail("Start an enrolment first (POST /api/v1/account/second-factor).")
            }
            SecondFactorError::AlreadyEnrolled => {
                Problem::new(StatusCode::CONFLICT, "Two-step verification is already on")
                    .detail("Turn it off first to enrol another authenticator.")
            }
            SecondFactorError::Unavailable(source) => {
                internal::log_unavailable(&source);
                Problem::new(StatusCode::SERVICE_UNAVAILABLE, "Service unavailable")
                    .detail("The database is unavailable; try again shortly.")
            }
            SecondFactorError::Internal(source) => {
                internal::log(source.as_ref());
                Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal error")
                    .detail(internal::MESSAGE)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn invalid_input_becomes_422_with_field_details() {
        let error =
            AdminError::Invalid(vec![InvalidField::new("email", "must be an email address")]);
        let response = Problem::from(error).into_response();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        let body = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["status"], 422);
        assert_eq!(json["errors"][0]["field"], "email");
        assert_eq!(json["errors"][0]["pointer"], "#/email");
    }

    #[test]
    fn conflicts_are_409_and_internal_errors_hide_their_cause() {
        assert_eq!(
            Problem::from(AdminError::EmailTaken).status,
            StatusCode::CONFLICT
        );
        let internal = AdminError::Internal("secret detail".into());
        let problem = Problem::from(internal);
        assert_eq!(problem.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!problem.detail.unwrap_or_default().contains("secret detail"));
    }
}
