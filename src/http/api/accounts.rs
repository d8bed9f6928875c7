//! Registration, verification and recovery as JSON. The steps that start something answer 202
//! with one body, whatever the address: the mail says what happened.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::answer;
use crate::domain::InvalidField;
use crate::http::extract::api_json::ApiJson;
use crate::http::extract::client_address::ClientAddress;
use crate::http::responses::Problem;
use crate::identity::accounts::{AccountError, Accounts, Proof, RecoveryMethod};
use crate::limits::{Family, RateLimits};
use crate::oauth::Engine;

type ApiResult = Result<Response, Problem>;

#[derive(Serialize, utoipa::ToSchema)]
struct Accepted {
    status: &'static str,
    detail: &'static str,
}

/// The one answer to every step that only sends mail (or may not, depending on the address).
fn accepted() -> Response {
    answer(
        StatusCode::ACCEPTED,
        Accepted {
            status: "accepted",
            detail: "If the address can receive it, a message is on its way; it says what to do next.",
        },
    )
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    email: String,
    password: String,
    #[serde(default)]
    name: Option<String>,
}

/// `POST /api/v1/registrations`
#[utoipa::path(
    post,
    operation_id = "accounts_register",
    path = crate::http::paths::API_REGISTRATIONS,
    tag = "sign-up and recovery",
    request_body(content = Registration),
    responses((status = 202, description = "The same answer for every address; a code and link go to it", body = Accepted), (status = 403, description = "Registration is closed", body = Problem, content_type = "application/problem+json"), (status = 422, description = "A field is refused", body = Problem, content_type = "application/problem+json")),
)]
pub async fn register(
    State(accounts): State<Accounts>,
    State(limits): State<RateLimits>,
    ClientAddress(address): ClientAddress,
    ApiJson(body): ApiJson<Registration>,
) -> ApiResult {
    limits
        .admit(Family::Registration, address, Some(&body.email))
        .await?;
    accounts
        .register(&body.email, body.name.as_deref(), body.password)
        .await?;
    Ok(accepted())
}

/// A code with its address, or a link's token; exactly one of the two.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProofBody {
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    token: Option<String>,
}

impl ProofBody {
    fn into_proof(self) -> Result<Proof, Problem> {
        match (self.email, self.code, self.token) {
            (None, None, Some(token)) => Ok(Proof::Link { token }),
            (Some(email), Some(code), None) => Ok(Proof::Code { email, code }),
            (email, code, token) => {
                let mut fields = Vec::new();
                if token.is_some() {
                    fields.push(InvalidField::new(
                        "token",
                        "send either token, or email and code",
                    ));
                } else {
                    if email.is_none() {
                        fields.push(InvalidField::new("email", "is required with code"));
                    }
                    if code.is_none() {
                        fields.push(InvalidField::new(
                            "code",
                            "is required (or a token instead)",
                        ));
                    }
                }
                Err(AccountError::Invalid(fields).into())
            }
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct Verified {
    status: &'static str,
    email: String,
    email_verified: bool,
}

/// `POST /api/v1/verifications`: `{email, code}` or `{token}`.
#[utoipa::path(
    post,
    operation_id = "accounts_verify",
    path = crate::http::paths::API_VERIFICATIONS,
    tag = "sign-up and recovery",
    request_body(content = ProofBody),
    responses((status = 200, description = "Verified", body = Verified), (status = 400, description = "The code or link is wrong, used or expired", body = Problem, content_type = "application/problem+json"), (status = 429, description = "Too many wrong codes", body = Problem, content_type = "application/problem+json")),
)]
pub async fn verify(
    State(accounts): State<Accounts>,
    State(engine): State<Engine>,
    ClientAddress(address): ClientAddress,
    ApiJson(body): ApiJson<ProofBody>,
) -> ApiResult {
    let email = body.email.as_deref();
    engine.limits.admit(Family::Codes, address, email).await?;
    let user = accounts.verify_email(&body.into_proof()?).await?;
    engine.user_changed(user.id);
    Ok(answer(
        StatusCode::OK,
        Verified {
            status: "verified",
            email: user.email.to_string(),
            email_verified: true,
        },
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailOnly {
    email: String,
}

/// `POST /api/v1/verifications/resend`
#[utoipa::path(
    post,
    operation_id = "accounts_resend",
    path = crate::http::paths::API_VERIFICATION_RESEND,
    tag = "sign-up and recovery",
    request_body(content = EmailOnly),
    responses((status = 202, description = "The same answer for every address", body = Accepted)),
)]
pub async fn resend(
    State(accounts): State<Accounts>,
    State(limits): State<RateLimits>,
    ClientAddress(address): ClientAddress,
    ApiJson(body): ApiJson<EmailOnly>,
) -> ApiResult {
    limits
        .admit(Family::Verification, address, Some(&body.email))
        .await?;
    accounts.resend_verification(&body.email).await?;
    Ok(accepted())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecoveryStart {
    email: String,
    #[serde(default)]
    method: Option<String>,
}

/// `POST /api/v1/recoveries`: `{email, method: "code" | "link"}` (a code when left out).
#[utoipa::path(
    post,
    operation_id = "accounts_start_recovery",
    path = crate::http::paths::API_RECOVERIES,
    tag = "sign-up and recovery",
    request_body(content = RecoveryStart),
    responses((status = 202, description = "The same answer for every address", body = Accepted)),
)]
pub async fn start_recovery(
    State(accounts): State<Accounts>,
    State(limits): State<RateLimits>,
    ClientAddress(address): ClientAddress,
    ApiJson(body): ApiJson<RecoveryStart>,
) -> ApiResult {
    limits
        .admit(Family::Recovery, address, Some(&body.email))
        .await?;
    let method = match body.method.as_deref() {
        None => RecoveryMethod::Code,
        Some(method) => RecoveryMethod::parse(method)
            .map_err(|e| Problem::from(AccountError::Invalid(vec![e])))?,
    };
    accounts.start_recovery(&body.email, method).await?;
    Ok(accepted())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecoveryCompletion {
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    token: Option<String>,
    new_password: String,
}

#[derive(Serialize, utoipa::ToSchema)]
struct PasswordChanged {
    status: &'static str,
    /// Browser sessions that were signed out.
    ended_sessions: u64,
    /// Grants (refresh tokens and their access tokens) revoked.
    revoked_grants: usize,
}

/// `POST /api/v1/recoveries/complete`: `{email, code, new_password}` or `{token, new_password}`.
#[utoipa::path(
    post,
    operation_id = "accounts_complete_recovery",
    path = crate::http::paths::API_RECOVERY_COMPLETION,
    tag = "sign-up and recovery",
    request_body(content = RecoveryCompletion),
    responses((status = 200, description = "The new password is set; every session and grant ended", body = PasswordChanged), (status = 400, description = "The code or link is wrong, used or expired", body = Problem, content_type = "application/problem+json"), (status = 422, description = "The new password is refused", body = Problem, content_type = "application/problem+json")),
)]
pub async fn complete_recovery(
    State(accounts): State<Accounts>,
    State(engine): State<Engine>,
    ClientAddress(address): ClientAddress,
    ApiJson(body): ApiJson<RecoveryCompletion>,
) -> ApiResult {
    let email = body.email.as_deref();
    engine.limits.admit(Family::Codes, address, email).await?;
    let proof = ProofBody {
        email: body.email,
        code: body.code,
        token: body.token,
    }
    .into_proof()?;
    let (user, reset) = accounts
        .complete_recovery(&proof, body.new_password)
        .await?;
    engine.signed_out(user.id, &reset);
    Ok(answer(
        StatusCode::OK,
        PasswordChanged {
            status: "password_changed",
            ended_sessions: reset.ended_sessions,
            revoked_grants: reset.revoked_grants.len(),
        },
    ))
}
