//! `POST /account/two-step`: the account page's second factor. `action=start` shows a new
//! secret to scan, `action=confirm` with the app's `code` turns it on and shows the recovery
//! codes once; `action=regenerate` and `action=remove` need a recent sign-in (or the password
//! again) *and* a `code` of the factor, so a browser left signed in cannot turn it off.

use axum::extract::State;
use axum::http::StatusCode;
use tower_sessions::Session;

use super::account::{Shown, page, signed_in_user};
use super::account_changes::{reauthenticated, refused};
use super::second_factor::{EnrolPage, RecoveryCodesPage, WRONG_SETUP_CODE};
use super::{FieldMessages, PageResult, check_csrf, render, session};
use crate::domain::{InvalidField, User};
use crate::http::extract::client_address::ClientAddress;
use crate::http::extract::page_form::PageForm;
use crate::http::paths;
use crate::identity::accounts::Accounts;
use crate::identity::second_factor::{Enrolment, FactorCode, SecondFactorError};
use crate::limits::Family;
use crate::oauth::Engine;
use crate::oauth::authorize::SignIn;

async fn enrol_page(
    session: &Session,
    enrolment: Enrolment,
    error: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    let mut template = EnrolPage::new(enrolment, paths::ACCOUNT_TWO_STEP, paths::ACCOUNT);
    template.csrf_token = session::csrf_token(session).await?;
    template.error = error;
    Ok(render(&template, status))
}

fn codes_page(codes: Vec<String>, notice: &'static str) -> axum::response::Response {
    let template = RecoveryCodesPage {
        codes,
        notice: Some(notice),
        next: paths::ACCOUNT,
        next_method: "get",
        csrf_token: String::new(),
        stylesheet: paths::STYLESHEET,
    };
    render(&template, StatusCode::OK)
}

pub async fn submit(
    State(engine): State<Engine>,
    State(accounts): State<Accounts>,
    session: Session,
    ClientAddress(address): ClientAddress,
    form: PageForm,
) -> PageResult {
    engine.limits.admit(Family::Codes, address, None).await?;
    check_csrf(&session, form.get("csrf_token")).await?;
    let (sign_in, user) = signed_in_user(&engine, &accounts, &session).await?;
    let factors = accounts.second_factors();
    match form.get("action") {
        "start" => {
            let enrolment = factors.start_enrolment(&user).await?;
            enrol_page(&session, enrolment, None, StatusCode::OK).await
        }
        "confirm" => match factors.confirm_enrolment(&user, form.get("code")).await {
            Ok(codes) => Ok(codes_page(codes, "Two-step verification is on.")),
            Err(SecondFactorError::InvalidCode) => match factors.pending_enrolment(&user).await? {
                Some(enrolment) => {
                    let status = StatusCode::UNPROCESSABLE_ENTITY;
                    enrol_page(&session, enrolment, Some(WRONG_SETUP_CODE), status).await
                }
                None => account_page(&accounts, &session, &sign_in, &user, None).await,
            },
            Err(error) => Err(error.into()),
        },
        action @ ("regenerate" | "remove") => {
            const PASSWORD: &str = "two_step_current_password";
            let signed = (sign_in, &user);
            let sign_in =
                reauthenticated(&accounts, &session, signed, &form, address, PASSWORD).await?;
            let code = FactorCode::typed(form.get("code"));
            let done = if action == "remove" {
                factors.remove(&user, &code).await.map(|()| None)
            } else {
                factors
                    .regenerate_recovery_codes(&user, &code)
                    .await
                    .map(Some)
            };
            match done {
                Ok(Some(codes)) => Ok(codes_page(codes, "Your new recovery codes are ready.")),
                Ok(None) => {
                    let notice = Some("Two-step verification is off.");
                    account_page(&accounts, &session, &sign_in, &user, notice).await
                }
                Err(SecondFactorError::InvalidCode) => {
                    let problem = InvalidField::new("two_step_code", "is not valid");
                    let status = StatusCode::FORBIDDEN;
                    refused(&accounts, &session, &sign_in, &user, vec![problem], status).await
                }
                Err(SecondFactorError::Locked) => {
                    let problem = InvalidField::new(
                        "two_step_code",
                        "too many wrong codes: try again in an hour",
                    );
                    let status = StatusCode::TOO_MANY_REQUESTS;
                    refused(&accounts, &session, &sign_in, &user, vec![problem], status).await
                }
                Err(error) => Err(error.into()),
            }
        }
        _ => account_page(&accounts, &session, &sign_in, &user, None).await,
    }
}

async fn account_page(
    accounts: &Accounts,
    session: &Session,
    sign_in: &SignIn,
    user: &User,
    notice: Option<&'static str>,
) -> PageResult {
    // Read again: the factor may have changed with this request.
    let user = accounts.account(user.id).await?;
    let shown = Shown::stored(notice, FieldMessages::default(), StatusCode::OK);
    page(accounts, session, sign_in, &user, shown).await
}
