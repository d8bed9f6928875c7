//! The sensitive changes of `/api/v1/account`: a new address, and deleting the account. Both
//! need a sign-in younger than `account.reauth_max_age` (a token from an older one is answered
//! with an RFC 9470 step-up challenge; the app signs its user in again with `max_age`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::answer;
use crate::domain::audit::AuditActor;
use crate::http::extract::account_bearer::{AccountHolder, RecentAccountHolder};
use crate::http::extract::api_json::ApiJson;
use crate::http::responses::Problem;
use crate::identity::accounts::{Accounts, Proof};
use crate::oauth::Engine;

type ApiResult = Result<Response, Problem>;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEmail {
    email: String,
}

#[derive(Serialize, utoipa::ToSchema)]
struct Accepted {
    status: &'static str,
}

/// `POST /api/v1/account/email {email}`: mails a code and a link to the new address. The answer
/// is the same whether or not the address has an account (its owner is told instead).
#[utoipa::path(
    post,
    operation_id = "account_changes_start_email_change",
    path = crate::http::paths::API_ACCOUNT_EMAIL,
    tag = "account",
    request_body(content = NewEmail),
    responses((status = 202, description = "A code and link go to the new address", body = Accepted), (status = 401, description = "A more recent sign-in is needed (`insufficient_user_authentication`)", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Not an address that can be used", body = Problem, content_type = "application/problem+json"), crate::http::openapi::AccountErrors),
    security(("account_token" = [])),
)]
pub async fn start_email_change(
    State(accounts): State<Accounts>,
    RecentAccountHolder(holder): RecentAccountHolder,
    ApiJson(body): ApiJson<NewEmail>,
) -> ApiResult {
    accounts.start_email_change(&holder, &body.email).await?;
    let accepted = Accepted {
        status: "confirmation_sent",
    };
    Ok(answer(StatusCode::ACCEPTED, accepted))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Confirmation {
    code: String,
}

/// `POST /api/v1/account/email/confirm {code}`: the code from the mail to the new address makes
/// it the account's, verified; the old address is told. The account as it now is.
#[utoipa::path(
    post,
    operation_id = "account_changes_confirm_email_change",
    path = crate::http::paths::API_ACCOUNT_EMAIL_CONFIRMATION,
    tag = "account",
    request_body(content = Confirmation),
    responses((status = 200, description = "The account at its new address", body = crate::http::api::account::AccountView), (status = 400, description = "The code is wrong, used or expired", body = Problem, content_type = "application/problem+json"), crate::http::openapi::AccountErrors),
    security(("account_token" = [])),
)]
pub async fn confirm_email_change(
    State(accounts): State<Accounts>,
    State(engine): State<Engine>,
    AccountHolder(holder): AccountHolder,
    ApiJson(body): ApiJson<Confirmation>,
) -> ApiResult {
    let proof = Proof::Code {
        email: String::new(),
        code: body.code,
    };
    let user = accounts.confirm_email_change(Some(&holder), &proof).await?;
    engine.user_changed(user.id);
    Ok(super::account::shown(&user, StatusCode::OK))
}

/// `DELETE /api/v1/account`: deletes the account. Every session, grant and token ends at once
/// (the one used here too), the personal data is erased and the address is told.
#[utoipa::path(
    delete,
    operation_id = "account_changes_delete_account",
    path = crate::http::paths::API_ACCOUNT,
    tag = "account",
    responses((status = 204, description = "Deleted; every session and grant ended"), (status = 401, description = "A more recent sign-in is needed", body = Problem, content_type = "application/problem+json"), (status = 409, description = "The last active administrator cannot be deleted", body = Problem, content_type = "application/problem+json"), crate::http::openapi::AccountErrors),
    security(("account_token" = [])),
)]
pub async fn delete_account(
    State(accounts): State<Accounts>,
    State(engine): State<Engine>,
    RecentAccountHolder(holder): RecentAccountHolder,
) -> ApiResult {
    let done = accounts
        .delete_account(&holder, None, AuditActor::User(holder.id.to_string()))
        .await?;
    engine.signed_out(holder.id, &done);
    Ok(StatusCode::NO_CONTENT.into_response())
}
