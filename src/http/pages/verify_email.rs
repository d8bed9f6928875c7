//! `GET|POST /verify-email`: confirm an address with the mailed code (typed in) or link (opened,
//! then confirmed with a POST: mail scanners fetch links, and a GET must change nothing). The
//! browser that registered, or was refused sign-in until the address is confirmed, is signed in
//! by the code and continues to the application.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use tower_sessions::Session;

use super::authorize::parked;
use super::login::password_passed;
use super::{FieldMessages, PageResult, allowing_form_redirect_to, check_csrf, render, session};
use crate::domain::TokenPurpose;
use crate::http::extract::client_address::ClientAddress;
use crate::http::extract::page_form::PageForm;
use crate::http::paths;
use crate::identity::accounts::{AccountError, Accounts, Proof};
use crate::limits::Family;
use crate::oauth::Engine;

#[derive(Template)]
#[template(path = "pages/verify_email.html")]
struct VerifyPage {
    action: &'static str,
    csrf_token: String,
    token: Option<String>,
    email: String,
    notice: Option<&'static str>,
    error: Option<&'static str>,
    errors: FieldMessages,
    stylesheet: &'static str,
}

#[derive(Deserialize)]
pub struct VerifyQuery {
    token: Option<String>,
}

#[derive(Default)]
struct Shown {
    token: Option<String>,
    email: Option<String>,
    notice: Option<&'static str>,
    error: Option<&'static str>,
    errors: FieldMessages,
}

async fn page(engine: &Engine, session: &Session, shown: Shown, status: StatusCode) -> PageResult {
    let verifying = session::verifying(session).await?;
    let email = shown
        .email
        .or_else(|| verifying.as_ref().map(|v| v.email.clone()))
        .unwrap_or_default();
    let page = render(
        &VerifyPage {
            action: paths::VERIFY_EMAIL,
            csrf_token: session::csrf_token(session).await?,
            token: shown.token,
            email,
            notice: shown.notice,
            error: shown.error,
            errors: shown.errors,
            stylesheet: paths::STYLESHEET,
        },
        status,
    );
    // Confirming may end in the redirect to the application this browser is signing in to.
    if let Some(id) = verifying.and_then(|v| v.request)
        && let Ok(pending) = parked(engine, session, &id).await
    {
        return Ok(allowing_form_redirect_to(
            page,
            &pending.request.redirect_uri,
        ));
    }
    Ok(page)
}

const LINK_DEAD: &str =
    "This link has expired or was already used. Sign in, or ask for a new code below.";

pub async fn show(
    State(engine): State<Engine>,
    State(accounts): State<Accounts>,
    session: Session,
    query: Result<Query<VerifyQuery>, axum::extract::rejection::QueryRejection>,
) -> PageResult {
    let token = query.ok().and_then(|Query(query)| query.token);
    let shown = match token {
        Some(token)
            if accounts
                .link_is_live(TokenPurpose::VerifyEmail, &token)
                .await? =>
        {
            Shown {
                token: Some(token),
                ..Shown::default()
            }
        }
        Some(_) => {
            let shown = Shown {
                error: Some(LINK_DEAD),
                ..Shown::default()
            };
            return page(&engine, &session, shown, StatusCode::BAD_REQUEST).await;
        }
        None => Shown::default(),
    };
    page(&engine, &session, shown, StatusCode::OK).await
}

pub async fn submit(
    State(engine): State<Engine>,
    State(accounts): State<Accounts>,
    session: Session,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    form: PageForm,
) -> PageResult {
    let family = if form.get("action") == "resend" {
        Family::Verification
    } else {
        Family::Codes
    };
    let email = form.get("email").trim();
    engine.limits.admit(family, address, Some(email)).await?;
    check_csrf(&session, form.get("csrf_token")).await?;
    let email = form.get("email").trim().to_owned();
    if form.get("action") == "resend" {
        let shown = match accounts.resend_verification(&email).await {
            Ok(()) => Shown {
                email: Some(email),
                notice: Some(
                    "If this address has an account waiting for confirmation, a new code is on its way (at most one a minute).",
                ),
                ..Shown::default()
            },
            Err(AccountError::Invalid(problems)) => Shown {
                email: Some(email),
                errors: FieldMessages::new(problems),
                ..Shown::default()
            },
            Err(error) => return Err(error.into()),
        };
        return page(&engine, &session, shown, StatusCode::OK).await;
    }
    let token = form.get("token");
    let proof = if token.is_empty() {
        Proof::Code {
            email: email.clone(),
            code: form.get("code").to_owned(),
        }
    } else {
        Proof::Link {
            token: token.to_owned(),
        }
    };
    let refused = |error: &'static str, errors, status| {
        let shown = Shown {
            email: Some(email.clone()),
            error: Some(error),
            errors,
            ..Shown::default()
        };
        (shown, status)
    };
    let (shown, status) = match accounts.verify_email(&proof).await {
        Ok(user) => {
            engine.user_changed(user.id);
            let verifying = session::verifying(&session).await?;
            if let Some(verifying) = verifying.filter(|v| v.email == user.email.as_str()) {
                session::clear_verifying(&session).await?;
                let device = session::device(&headers);
                // The password was right in this browser; a second factor is still asked for.
                return password_passed(&engine, &session, user, verifying.request, device).await;
            }
            let template = super::logout::MessagePage::new(
                "Email confirmed",
                &format!("{} is confirmed. You can sign in now.", user.email),
            );
            return Ok(render(&template, StatusCode::OK));
        }
        Err(AccountError::InvalidCode) if token.is_empty() => refused(
            "That code is not right, or it has expired. Check the latest email, or send a new code.",
            FieldMessages::default(),
            StatusCode::BAD_REQUEST,
        ),
        Err(AccountError::InvalidCode) => {
            refused(LINK_DEAD, FieldMessages::default(), StatusCode::BAD_REQUEST)
        }
        Err(AccountError::TooManyAttempts) => refused(
            "Too many wrong codes for this address. Wait an hour, then send a new code.",
            FieldMessages::default(),
            StatusCode::TOO_MANY_REQUESTS,
        ),
        Err(AccountError::Invalid(problems)) => refused(
            "Please correct the fields marked below.",
            FieldMessages::new(problems),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(error) => return Err(error.into()),
    };
    page(&engine, &session, shown, status).await
}
