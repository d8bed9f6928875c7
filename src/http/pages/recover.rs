//! `GET|POST /recover` asks for a recovery mail (a link, or a code to type in); `GET|POST
//! /reset-password` takes the code or link with the new password. The answers never say whether
//! the address has an account.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use tower_sessions::Session;

use super::{FieldMessages, PageResult, check_csrf, render, session};
use crate::domain::TokenPurpose;
use crate::http::extract::client_address::ClientAddress;
use crate::http::extract::page_form::PageForm;
use crate::http::paths;
use crate::identity::accounts::{AccountError, Accounts, Proof, RecoveryMethod};
use crate::limits::{Family, RateLimits};
use crate::oauth::Engine;

#[derive(Template)]
#[template(path = "pages/recover.html")]
struct RecoverPage {
    action: &'static str,
    csrf_token: String,
    email: String,
    errors: FieldMessages,
    sign_in: &'static str,
    stylesheet: &'static str,
}

async fn recover_page(
    session: &Session,
    email: String,
    errors: FieldMessages,
    status: StatusCode,
) -> PageResult {
    let page = RecoverPage {
        action: paths::RECOVER,
        csrf_token: session::csrf_token(session).await?,
        email,
        errors,
        sign_in: paths::LOGIN,
        stylesheet: paths::STYLESHEET,
    };
    Ok(render(&page, status))
}

pub async fn show(session: Session) -> PageResult {
    recover_page(
        &session,
        String::new(),
        FieldMessages::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn submit(
    State(accounts): State<Accounts>,
    State(limits): State<RateLimits>,
    session: Session,
    ClientAddress(address): ClientAddress,
    form: PageForm,
) -> PageResult {
    let email = form.get("email").trim();
    limits.admit(Family::Recovery, address, Some(email)).await?;
    check_csrf(&session, form.get("csrf_token")).await?;
    let email = form.get("email").trim().to_owned();
    let method = if form.get("method") == "code" {
        RecoveryMethod::Code
    } else {
        RecoveryMethod::Link
    };
    match accounts.start_recovery(&email, method).await {
        Ok(()) => {}
        Err(AccountError::Invalid(problems)) => {
            let errors = FieldMessages::new(problems);
            return recover_page(&session, email, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(error) => return Err(error.into()),
    }
    match method {
        RecoveryMethod::Code => {
            // The address rides in the session, not the URL (no addresses in access logs).
            session::set_recovering(&session, &email).await?;
            Ok(Redirect::to(paths::RESET_PASSWORD).into_response())
        }
        RecoveryMethod::Link => {
            let template = super::logout::MessagePage::new(
                "Check your email",
                &format!(
                    "If {email} has an account here, a link to choose a new password is on its way. It works once, for a limited time."
                ),
            );
            Ok(render(&template, StatusCode::OK))
        }
    }
}

#[derive(Template)]
#[template(path = "pages/reset_password.html")]
struct ResetPage {
    action: &'static str,
    csrf_token: String,
    token: Option<String>,
    email: String,
    notice: Option<&'static str>,
    error: Option<&'static str>,
    errors: FieldMessages,
    password_rules: String,
    sign_in: &'static str,
    stylesheet: &'static str,
}

#[derive(Default)]
struct Shown {
    token: Option<String>,
    email: String,
    notice: Option<&'static str>,
    error: Option<&'static str>,
    errors: FieldMessages,
}

async fn reset_page(
    accounts: &Accounts,
    session: &Session,
    shown: Shown,
    status: StatusCode,
) -> PageResult {
    let page = ResetPage {
        action: paths::RESET_PASSWORD,
        csrf_token: session::csrf_token(session).await?,
        token: shown.token,
        email: shown.email,
        notice: shown.notice,
        error: shown.error,
        errors: shown.errors,
        password_rules: accounts.password_rules(),
        sign_in: paths::LOGIN,
        stylesheet: paths::STYLESHEET,
    };
    Ok(render(&page, status))
}

#[derive(Deserialize)]
pub struct ResetQuery {
    token: Option<String>,
}

const LINK_DEAD: &str =
    "This link has expired or was already used. Ask for a new one from the sign-in page.";

pub async fn show_reset(
    State(accounts): State<Accounts>,
    session: Session,
    query: Result<Query<ResetQuery>, axum::extract::rejection::QueryRejection>,
) -> PageResult {
    let token = query.ok().and_then(|Query(query)| query.token);
    let email = session::recovering(&session).await?.unwrap_or_default();
    let shown = match token {
        Some(token) if accounts.link_is_live(TokenPurpose::RecoverPassword, &token).await? => {
            Shown {
                token: Some(token),
                ..Shown::default()
            }
        }
        Some(_) => {
            let template = super::logout::MessagePage::new("Link expired", LINK_DEAD);
            return Ok(render(&template, StatusCode::BAD_REQUEST));
        }
        None => Shown {
            notice: (!email.is_empty()).then_some(
                "If this address has an account here, a 6-digit code is on its way. Enter it with your new password.",
            ),
            email,
            ..Shown::default()
        },
    };
    reset_page(&accounts, &session, shown, StatusCode::OK).await
}

pub async fn submit_reset(
    State(engine): State<Engine>,
    State(accounts): State<Accounts>,
    session: Session,
    ClientAddress(address): ClientAddress,
    form: PageForm,
) -> PageResult {
    let email = form.get("email").trim();
    engine
        .limits
        .admit(Family::Codes, address, Some(email))
        .await?;
    check_csrf(&session, form.get("csrf_token")).await?;
    let token = Some(form.get("token").to_owned()).filter(|t| !t.is_empty());
    let email = form.get("email").trim().to_owned();
    let proof = match &token {
        Some(token) => Proof::Link {
            token: token.clone(),
        },
        None => Proof::Code {
            email: email.clone(),
            code: form.get("code").to_owned(),
        },
    };
    let refused = |error: Option<&'static str>, errors| Shown {
        token: token.clone(),
        email: email.clone(),
        error,
        errors,
        ..Shown::default()
    };
    let (shown, status) = match accounts
        .complete_recovery(&proof, form.get("new_password").to_owned())
        .await
    {
        Ok((user, reset)) => {
            engine.signed_out(user.id, &reset);
            // This browser's session may have been one of those ended: start clean.
            session::end(&session).await?;
            let template = super::logout::MessagePage::new(
                "Password changed",
                "Your password is changed and every device that was signed in is signed out. Sign in with your new password.",
            );
            return Ok(render(&template, StatusCode::OK));
        }
        Err(AccountError::InvalidCode) if token.is_some() => {
            let template = super::logout::MessagePage::new("Link expired", LINK_DEAD);
            return Ok(render(&template, StatusCode::BAD_REQUEST));
        }
        Err(AccountError::InvalidCode) => (
            refused(
                Some(
                    "That code is not right, or it has expired. Check the latest email, or ask for a new one.",
                ),
                FieldMessages::default(),
            ),
            StatusCode::BAD_REQUEST,
        ),
        Err(AccountError::TooManyAttempts) => (
            refused(
                Some(
                    "Too many wrong codes for this address. Wait an hour, then ask for a new one.",
                ),
                FieldMessages::default(),
            ),
            StatusCode::TOO_MANY_REQUESTS,
        ),
        Err(AccountError::Invalid(problems)) => (
            refused(
                Some("Please correct the fields marked below."),
                FieldMessages::new(problems),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(error) => return Err(error.into()),
    };
    reset_page(&accounts, &session, shown, status).await
}
