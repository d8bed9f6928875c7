//! The sign-in's second step, after a right password. `GET|POST /login/second-factor` asks an
//! account with a second factor for a code: no one is signed in until one passes, and the
//! waiting sign-in's handle lives in the browser session, changing with every code tried.
//! `GET|POST /login/two-step-setup` takes an account that must have a factor and has none
//! through setting one up first. The enrolment and recovery-code pages are shared with the
//! account page.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use super::authorize::parked;
use super::login::{Authenticated, signed_in};
use super::session::{self, AwaitingSecondFactor, EnrollingAtSignIn};
use super::{PageResult, allowing_form_redirect_to, check_csrf, render};
use crate::domain::{ChallengeFor, User};
use crate::http::extract::client_address::ClientAddress;
use crate::http::extract::page_form::PageForm;
use crate::http::paths;
use crate::identity::second_factor::{Enrolment, FactorCode, SecondFactorError, SecondFactors};
use crate::limits::Family;
use crate::oauth::Engine;

#[derive(Template)]
#[template(path = "pages/second_factor.html")]
struct SecondFactorPage {
    action: &'static str,
    csrf_token: String,
    error: Option<&'static str>,
    sign_in: &'static str,
    stylesheet: &'static str,
}

/// Parks a sign-in whose password was right until its second factor passes, and sends the
/// browser to the page that asks for it.
pub(super) async fn ask(
    engine: &Engine,
    session: &Session,
    user: &User,
    request: Option<String>,
    device: Option<String>,
) -> PageResult {
    let handle = engine
        .second_factors
        .begin_challenge(user, ChallengeFor::Page)
        .await?;
    // A new session id once the password is right, as at every step up in trust.
    session.cycle_id().await?;
    let awaiting = AwaitingSecondFactor {
        handle: handle.expose().to_owned(),
        request,
        device,
    };
    session::set_awaiting_second_factor(session, Some(&awaiting)).await?;
    Ok(Redirect::to(paths::LOGIN_SECOND_FACTOR).into_response())
}

async fn page(
    engine: &Engine,
    session: &Session,
    awaiting: &AwaitingSecondFactor,
    error: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    let page = render(
        &SecondFactorPage {
            action: paths::LOGIN_SECOND_FACTOR,
            csrf_token: session::csrf_token(session).await?,
            error,
            sign_in: paths::LOGIN,
            stylesheet: paths::STYLESHEET,
        },
        status,
    );
    // A right code ends in the redirect to the client that asked for the sign-in.
    for_request(engine, session, awaiting.request.as_deref(), page).await
}

/// `page`, whose form may end in the redirect to the client of the parked request `request`,
/// with that client's origin allowed as a form target (see `allowing_form_redirect_to`).
async fn for_request(
    engine: &Engine,
    session: &Session,
    request: Option<&str>,
    page: Response,
) -> PageResult {
    Ok(match request {
        Some(id) => {
            let pending = parked(engine, session, id).await?;
            allowing_form_redirect_to(page, &pending.request.redirect_uri)
        }
        None => page,
    })
}

/// Back to the sign-in form (for the same request, if any).
fn start_again(awaiting: Option<&AwaitingSecondFactor>) -> Response {
    start_again_for(awaiting.and_then(|a| a.request.as_deref()))
}

fn start_again_for(request: Option<&str>) -> Response {
    Redirect::to(&super::register::with_request(paths::LOGIN, request)).into_response()
}

pub async fn show(State(engine): State<Engine>, session: Session) -> PageResult {
    let Some(awaiting) = session::awaiting_second_factor(&session).await? else {
        return Ok(start_again(None));
    };
    page(&engine, &session, &awaiting, None, StatusCode::OK).await
}

pub async fn submit(
    State(engine): State<Engine>,
    session: Session,
    ClientAddress(address): ClientAddress,
    form: PageForm,
) -> PageResult {
    engine.limits.admit(Family::Codes, address, None).await?;
    check_csrf(&session, form.get("csrf_token")).await?;
    let Some(mut awaiting) = session::awaiting_second_factor(&session).await? else {
        return Ok(start_again(None));
    };
    let code = FactorCode::typed(form.get("code"));
    let factors: &SecondFactors = &engine.second_factors;
    let refusal = match factors
        .answer_challenge(
            &awaiting.handle,
            |purpose| *purpose == ChallengeFor::Page,
            &code,
        )
        .await
    {
        Ok(passed) => {
            session::set_awaiting_second_factor(&session, None).await?;
            let Some(user) = engine.store.find_user(passed.user_id).await? else {
                return Ok(start_again(Some(&awaiting)));
            };
            let authenticated = Authenticated {
                at: engine.now(),
                device: awaiting.device.clone(),
                amr: SecondFactors::amr_with_second_factor(),
            };
            let request = awaiting.request.clone();
            return signed_in(&engine, &session, user, request, authenticated).await;
        }
        Err(refusal) => refusal,
    };
    let Some(next) = refusal.next_handle else {
        session::set_awaiting_second_factor(&session, None).await?;
        return Ok(match refusal.error {
            SecondFactorError::Unavailable(_) | SecondFactorError::Internal(_) => {
                return Err(refusal.error.into());
            }
            SecondFactorError::Locked => render(
                &super::logout::MessagePage::new(
                    "Too many wrong codes",
                    "Too many wrong codes were entered for this account. Wait an hour and sign in again.",
                ),
                StatusCode::TOO_MANY_REQUESTS,
            ),
            _ => start_again(Some(&awaiting)),
        });
    };
    awaiting.handle = next.expose().to_owned();
    session::set_awaiting_second_factor(&session, Some(&awaiting)).await?;
    let message = "That code is not valid. Codes change every 30 seconds; enter the current one.";
    page(
        &engine,
        &session,
        &awaiting,
        Some(message),
        StatusCode::UNAUTHORIZED,
    )
    .await
}

#[derive(Template)]
#[template(path = "pages/enrol.html")]
pub(super) struct EnrolPage {
    pub action: &'static str,
    pub csrf_token: String,
    pub secret: String,
    pub qr_svg: String,
    pub error: Option<&'static str>,
    /// The account must have a second factor (set up at sign-in).
    pub required: bool,
    pub back: &'static str,
    pub stylesheet: &'static str,
}

impl EnrolPage {
    pub fn new(enrolment: Enrolment, action: &'static str, back: &'static str) -> Self {
        Self {
            action,
            csrf_token: String::new(),
            secret: enrolment.secret,
            qr_svg: enrolment.qr_svg,
            error: None,
            required: false,
            back,
            stylesheet: paths::STYLESHEET,
        }
    }
}

#[derive(Template)]
#[template(path = "pages/recovery_codes.html")]
pub(super) struct RecoveryCodesPage {
    pub codes: Vec<String>,
    pub notice: Option<&'static str>,
    /// Where "continue" leads, and whether it is a form to post (with the CSRF token).
    pub next: &'static str,
    pub next_method: &'static str,
    pub csrf_token: String,
    pub stylesheet: &'static str,
}

/// The message beside a set-up code that did not match.
pub(super) const WRONG_SETUP_CODE: &str =
    "That code does not match. Check the app's clock and enter the code it shows now.";

/// Parks a sign-in whose password was right for an account that must have a second factor and
/// has none, and sends the browser to set one up.
pub(super) async fn enrol_first(
    engine: &Engine,
    session: &Session,
    user: &User,
    request: Option<String>,
    device: Option<String>,
) -> PageResult {
    // The secret is made here, on the form's POST, so the page that shows it writes nothing.
    engine.second_factors.start_enrolment(user).await?;
    let enrolling = EnrollingAtSignIn {
        user_id: user.id,
        request,
        device,
        started_at: engine.now().unix_timestamp(),
        confirmed: false,
    };
    session.cycle_id().await?;
    session::set_enrolling(session, Some(&enrolling)).await?;
    Ok(Redirect::to(paths::LOGIN_TWO_STEP_SETUP).into_response())
}

/// The sign-in being set up in this browser and its user, while the set-up has time left.
async fn enrolling(
    engine: &Engine,
    session: &Session,
) -> PageResult<Option<(EnrollingAtSignIn, User)>> {
    let Some(enrolling) = session::enrolling(session).await? else {
        return Ok(None);
    };
    let ttl = engine.second_factors.challenge_ttl().whole_seconds();
    if engine.now().unix_timestamp() - enrolling.started_at > ttl {
        session::set_enrolling(session, None).await?;
        return Ok(None);
    }
    let user = engine.store.find_user(enrolling.user_id).await?;
    Ok(user
        .filter(|u| u.status == crate::domain::UserStatus::Active)
        .map(|user| (enrolling, user)))
}

async fn setup_page(
    engine: &Engine,
    session: &Session,
    enrolling: &EnrollingAtSignIn,
    enrolment: Enrolment,
    error: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    let mut template = EnrolPage::new(enrolment, paths::LOGIN_TWO_STEP_SETUP, paths::LOGIN);
    template.csrf_token = session::csrf_token(session).await?;
    template.error = error;
    template.required = true;
    let page = render(&template, status);
    for_request(engine, session, enrolling.request.as_deref(), page).await
}

/// `GET /login/two-step-setup`: the secret to scan, made when the password passed.
pub async fn show_setup(State(engine): State<Engine>, session: Session) -> PageResult {
    let Some((enrolling, user)) = enrolling(&engine, &session).await? else {
        return Ok(start_again(None));
    };
    let pending = engine.second_factors.pending_enrolment(&user).await?;
    match pending.filter(|_| !enrolling.confirmed) {
        Some(enrolment) => {
            setup_page(
                &engine,
                &session,
                &enrolling,
                enrolment,
                None,
                StatusCode::OK,
            )
            .await
        }
        None => Ok(start_again_for(enrolling.request.as_deref())),
    }
}

/// `POST /login/two-step-setup`: `action=confirm` with the app's `code` turns the factor on and
/// shows the recovery codes; `action=continue` then signs in.
pub async fn submit_setup(
    State(engine): State<Engine>,
    session: Session,
    ClientAddress(address): ClientAddress,
    form: PageForm,
) -> PageResult {
    engine.limits.admit(Family::Codes, address, None).await?;
    check_csrf(&session, form.get("csrf_token")).await?;
    let Some((mut enrolling, user)) = enrolling(&engine, &session).await? else {
        return Ok(start_again(None));
    };
    let factors = &engine.second_factors;
    if form.get("action") == "continue" && enrolling.confirmed {
        session::set_enrolling(&session, None).await?;
        let authenticated = Authenticated {
            at: engine.now(),
            device: enrolling.device.clone(),
            amr: SecondFactors::amr_with_second_factor(),
        };
        return signed_in(&engine, &session, user, enrolling.request, authenticated).await;
    }
    match factors.confirm_enrolment(&user, form.get("code")).await {
        Ok(codes) => {
            enrolling.confirmed = true;
            session::set_enrolling(&session, Some(&enrolling)).await?;
            let template = RecoveryCodesPage {
                codes,
                notice: Some("Two-step verification is on."),
                next: paths::LOGIN_TWO_STEP_SETUP,
                next_method: "post",
                csrf_token: session::csrf_token(&session).await?,
                stylesheet: paths::STYLESHEET,
            };
            let page = render(&template, StatusCode::OK);
            for_request(&engine, &session, enrolling.request.as_deref(), page).await
        }
        Err(SecondFactorError::InvalidCode) => {
            let Some(enrolment) = factors.pending_enrolment(&user).await? else {
                return Ok(start_again_for(enrolling.request.as_deref()));
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            let error = Some(WRONG_SETUP_CODE);
            setup_page(&engine, &session, &enrolling, enrolment, error, status).await
        }
        Err(error) => Err(error.into()),
    }
}
