//! `GET|POST /login`: the sign-in form. Every failure reads the same; success rotates the
//! session id and continues the parked authorization request.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use tower_sessions::Session;

use super::authorize::{parked, proceed};
use super::register::with_request;
use super::{PageResult, allowing_form_redirect_to, check_csrf, render, session};
use crate::http::extract::client_address::ClientAddress;
use crate::http::extract::page_form::PageForm;
use crate::http::paths;
use crate::identity::accounts::Accounts;
use crate::identity::login::LoginError;
use crate::identity::second_factor::Requirement;
use crate::limits::Family;
use crate::metrics::SignInOutcome;
use crate::oauth::Engine;
use crate::oauth::authorize::SignIn;
use crate::oauth::error::EndpointError;

#[derive(Template)]
#[template(path = "pages/login.html")]
struct LoginPage {
    action: &'static str,
    csrf_token: String,
    request_id: Option<String>,
    client_name: Option<String>,
    email: String,
    error: Option<&'static str>,
    recover: &'static str,
    register: Option<String>,
    stylesheet: &'static str,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    request: Option<String>,
}

async fn page(
    engine: &Engine,
    accounts: &Accounts,
    session: &Session,
    request_id: Option<String>,
    email: String,
    error: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    let csrf_token = session::csrf_token(session).await?;
    let mut client_name = None;
    let mut email = email;
    let mut redirect_uri = None;
    if let Some(id) = &request_id {
        let pending = parked(engine, session, id).await?;
        if email.is_empty() {
            email = pending.request.login_hint.clone().unwrap_or_default();
        }
        redirect_uri = Some(pending.request.redirect_uri.clone());
        client_name = engine
            .client(&pending.request.client_id)
            .await?
            .map(|c| c.name.clone());
    }
    let register = accounts
        .registration_open()
        .then(|| with_request(paths::REGISTER, request_id.as_deref()));
    let page = render(
        &LoginPage {
            action: paths::LOGIN,
            csrf_token,
            recover: paths::RECOVER,
            register,
            request_id,
            client_name,
            email,
            error,
            stylesheet: paths::STYLESHEET,
        },
        status,
    );
    // A first-party client's sign-in answers with the redirect to the client.
    Ok(match redirect_uri {
        Some(target) => allowing_form_redirect_to(page, &target),
        None => page,
    })
}

pub async fn show(
    State(engine): State<Engine>,
    State(accounts): State<Accounts>,
    session: Session,
    query: Result<Query<LoginQuery>, axum::extract::rejection::QueryRejection>,
) -> PageResult {
    page(
        &engine,
        &accounts,
        &session,
        query.ok().and_then(|Query(query)| query.request),
        String::new(),
        None,
        StatusCode::OK,
    )
    .await
}

pub async fn submit(
    State(engine): State<Engine>,
    State(accounts): State<Accounts>,
    session: Session,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    form: PageForm,
) -> PageResult {
    let limits = &engine.limits;
    limits
        .admit(Family::SignIn, address, Some(form.get("email")))
        .await?;
    check_csrf(&session, form.get("csrf_token")).await?;
    let request_id = Some(form.get("request").to_owned()).filter(|id| !id.is_empty());
    let email = form.get("email").to_owned();
    let now = engine.now();
    let result = engine
        .logins
        .verify(&email, form.get("password").to_owned(), address, now, None)
        .await;
    let (message, status) = match result {
        Ok(user) => {
            let device = session::device(&headers);
            return password_passed(&engine, &session, user, request_id, device).await;
        }
        Err(LoginError::InvalidCredentials) => (
            "The email or password is incorrect.",
            StatusCode::UNAUTHORIZED,
        ),
        Err(LoginError::LockedOut) => (
            "Too many failed attempts. Wait a few minutes and try again.",
            StatusCode::TOO_MANY_REQUESTS,
        ),
        Err(LoginError::EmailNotVerified(user)) => {
            // The password was right: this browser may confirm the address and go on.
            let verifying = session::Verifying {
                email: user.email.to_string(),
                request: request_id,
            };
            session::set_verifying(&session, &verifying).await?;
            accounts.resend_verification(user.email.as_str()).await?;
            return Ok(Redirect::to(paths::VERIFY_EMAIL).into_response());
        }
        Err(LoginError::Unavailable(source)) => {
            return Err(EndpointError::Unavailable(source).into());
        }
        Err(LoginError::Internal(source)) => return Err(EndpointError::Internal(source).into()),
    };
    page(
        &engine,
        &accounts,
        &session,
        request_id,
        email,
        Some(message),
        status,
    )
    .await
}

/// After a right password: signs the browser in, or first asks for the account's second factor.
pub(super) async fn password_passed(
    engine: &Engine,
    session: &Session,
    user: crate::domain::User,
    request_id: Option<String>,
    device: Option<String>,
) -> PageResult {
    match engine.second_factors.requirement(&user) {
        Requirement::None => {
            let authenticated = Authenticated {
                at: engine.now(),
                device,
                amr: vec!["pwd".to_owned()],
            };
            signed_in(engine, session, user, request_id, authenticated).await
        }
        Requirement::Code => {
            engine.metrics.sign_in(SignInOutcome::SecondFactorRequired);
            super::second_factor::ask(engine, session, &user, request_id, device).await
        }
        Requirement::Enrolment => {
            engine.metrics.sign_in(SignInOutcome::SecondFactorRequired);
            super::second_factor::enrol_first(engine, session, &user, request_id, device).await
        }
    }
}

/// How a browser signed in: when, on what, and by which methods (RFC 8176 `amr` values).
pub(super) struct Authenticated {
    pub at: time::OffsetDateTime,
    pub device: Option<String>,
    pub amr: Vec<String>,
}

/// Records the sign-in and continues the parked request, if any.
pub(super) async fn signed_in(
    engine: &Engine,
    session: &Session,
    user: crate::domain::User,
    request_id: Option<String>,
    authenticated: Authenticated,
) -> PageResult {
    let sign_in = SignIn {
        user_id: user.id,
        auth_time: authenticated.at.unix_timestamp(),
        sid: uuid::Uuid::new_v4().simple().to_string(),
        amr: authenticated.amr,
        device: authenticated.device,
    };
    session::set_sign_in(session, &sign_in).await?;
    engine.metrics.sign_in(SignInOutcome::Success);
    tracing::info!(user_id = %user.id, "signed in");
    let Some(id) = request_id else {
        // Only our own paths are ever stored here (no open redirect).
        if let Some(path) = session::take_after_sign_in(session)
            .await?
            .filter(|p| p.starts_with('/') && !p.starts_with("//"))
        {
            return Ok(Redirect::to(&path).into_response());
        }
        let template = super::logout::MessagePage::new(
            "Signed in",
            &format!("You are signed in as {}.", user.email),
        );
        return Ok(render(&template, StatusCode::OK));
    };
    let pending = parked(engine, session, &id).await?;
    let pending = session::mark_fresh(session, &id, pending).await?;
    proceed(engine, session, pending.request, Some(&id), true).await
}
