//! `/api/v1/account/second-factor`: the account's second factor (TOTP with recovery codes) for
//! first-party apps. Enrolment is two calls (a secret to show, then a code from it); turning it
//! off and making new recovery codes need a recent sign-in (RFC 9470 step-up otherwise) *and* a
//! code of the factor.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::answer;
use crate::http::extract::account_bearer::{AccountHolder, RecentAccountHolder};
use crate::http::extract::api_json::ApiJson;
use crate::http::extract::client_address::ClientAddress;
use crate::http::responses::Problem;
use crate::identity::accounts::Accounts;
use crate::identity::second_factor::FactorCode;
use crate::limits::{Family, RateLimits};

type ApiResult = Result<Response, Problem>;

#[derive(Serialize, utoipa::ToSchema)]
struct Status {
    enabled: bool,
    pending: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    enrolled_at: Option<time::OffsetDateTime>,
    recovery_codes_left: u32,
    required: bool,
}

/// `GET`: whether the factor is on, since when, and how many recovery codes are left.
#[utoipa::path(
    get,
    operation_id = "account_second_factor_status",
    path = crate::http::paths::API_ACCOUNT_SECOND_FACTOR,
    tag = "account",
    responses((status = 200, description = "Whether two-step verification is on", body = Status), crate::http::openapi::AccountErrors),
    security(("account_token" = [])),
)]
pub async fn status(
    State(accounts): State<Accounts>,
    AccountHolder(holder): AccountHolder,
) -> ApiResult {
    let status = accounts.second_factors().status(&holder).await?;
    Ok(answer(
        StatusCode::OK,
        Status {
            enabled: status.enabled,
            pending: status.pending,
            enrolled_at: status.enrolled_at,
            recovery_codes_left: status.recovery_codes_left,
            required: status.required,
        },
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
struct NewSecret {
    secret: String,
    otpauth_uri: String,
    qr_svg: String,
}

/// `POST`: a new secret (replacing a pending one), shown once; 409 if the factor is on.
#[utoipa::path(
    post,
    operation_id = "account_second_factor_start",
    path = crate::http::paths::API_ACCOUNT_SECOND_FACTOR,
    tag = "account",
    responses((status = 201, description = "A new secret to confirm with a code", body = NewSecret), (status = 409, description = "Already enrolled", body = Problem, content_type = "application/problem+json"), crate::http::openapi::AccountErrors),
    security(("account_token" = [])),
)]
pub async fn start(
    State(accounts): State<Accounts>,
    AccountHolder(holder): AccountHolder,
) -> ApiResult {
    let enrolment = accounts.second_factors().start_enrolment(&holder).await?;
    Ok(answer(
        StatusCode::CREATED,
        NewSecret {
            secret: enrolment.secret,
            otpauth_uri: enrolment.otpauth_uri,
            qr_svg: enrolment.qr_svg,
        },
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Code {
    code: String,
}

#[derive(Serialize, utoipa::ToSchema)]
struct RecoveryCodes {
    recovery_codes: Vec<String>,
}

/// `POST /confirm {code}`: a code from the new secret turns the factor on; the recovery codes,
/// shown once.
#[utoipa::path(
    post,
    operation_id = "account_second_factor_confirm",
    path = crate::http::paths::API_ACCOUNT_SECOND_FACTOR_CONFIRMATION,
    tag = "account",
    request_body(content = Code),
    responses((status = 200, description = "On; the recovery codes, shown once", body = RecoveryCodes), (status = 422, description = "The code is wrong", body = Problem, content_type = "application/problem+json"), (status = 429, description = "Too many wrong codes", body = Problem, content_type = "application/problem+json"), crate::http::openapi::AccountErrors),
    security(("account_token" = [])),
)]
pub async fn confirm(
    State(accounts): State<Accounts>,
    State(limits): State<RateLimits>,
    ClientAddress(address): ClientAddress,
    AccountHolder(holder): AccountHolder,
    ApiJson(body): ApiJson<Code>,
) -> ApiResult {
    limits.admit(Family::Codes, address, None).await?;
    let factors = accounts.second_factors();
    let recovery_codes = factors.confirm_enrolment(&holder, &body.code).await?;
    Ok(answer(StatusCode::OK, RecoveryCodes { recovery_codes }))
}

/// `POST /recovery-codes {code}`: new recovery codes (the old ones stop working), shown once.
#[utoipa::path(
    post,
    operation_id = "account_second_factor_regenerate",
    path = crate::http::paths::API_ACCOUNT_RECOVERY_CODES,
    tag = "account",
    request_body(content = Code),
    responses((status = 200, description = "New recovery codes, shown once", body = RecoveryCodes), (status = 422, description = "The code is wrong", body = Problem, content_type = "application/problem+json"), crate::http::openapi::AccountErrors),
    security(("account_token" = [])),
)]
pub async fn regenerate(
    State(accounts): State<Accounts>,
    State(limits): State<RateLimits>,
    ClientAddress(address): ClientAddress,
    RecentAccountHolder(holder): RecentAccountHolder,
    ApiJson(body): ApiJson<Code>,
) -> ApiResult {
    limits.admit(Family::Codes, address, None).await?;
    let code = FactorCode::typed(&body.code);
    let factors = accounts.second_factors();
    let recovery_codes = factors.regenerate_recovery_codes(&holder, &code).await?;
    Ok(answer(StatusCode::OK, RecoveryCodes { recovery_codes }))
}

/// `DELETE {code}`: turns the factor off (the body carries a code of it, or a recovery code).
#[utoipa::path(
    delete,
    operation_id = "account_second_factor_remove",
    path = crate::http::paths::API_ACCOUNT_SECOND_FACTOR,
    tag = "account",
    request_body(content = Code),
    responses((status = 204, description = "Turned off"), (status = 409, description = "Required for this account", body = Problem, content_type = "application/problem+json"), (status = 422, description = "The code is wrong", body = Problem, content_type = "application/problem+json"), crate::http::openapi::AccountErrors),
    security(("account_token" = [])),
)]
pub async fn remove(
    State(accounts): State<Accounts>,
    State(limits): State<RateLimits>,
    ClientAddress(address): ClientAddress,
    RecentAccountHolder(holder): RecentAccountHolder,
    ApiJson(body): ApiJson<Code>,
) -> ApiResult {
    limits.admit(Family::Codes, address, None).await?;
    let code = FactorCode::typed(&body.code);
    accounts.second_factors().remove(&holder, &code).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
