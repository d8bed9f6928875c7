//! The account page's forms beyond the profile: a new password (the current one confirms it),
//! signing browsers out, disconnecting applications, and downloading one's data. Each answers
//! with the account page again, saying what happened, through the same use-cases as
//! `/api/v1/account`.

use crate::domain::audit::AuditActor;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use super::account::{Shown, page, signed_in_user};
use super::{FieldMessages, PageResult, check_csrf, session};
use crate::domain::InvalidField;
use crate::http::extract::client_address::ClientAddress;
use crate::http::extract::page_form::PageForm;
use crate::http::paths;
use crate::identity::accounts::{AccountError, Accounts};
use crate::oauth::Engine;
use crate::oauth::authorize::SignIn;

/// `POST /account/password`: `current_password`, `new_password`. Every other browser and grant
/// of the account ends; this browser stays signed in, under a new session id, as a fresh
/// sign-in (the person has just given their password).
pub async fn change_password(
    State(engine): State<Engine>,
    State(accounts): State<Accounts>,
    session: Session,
    ClientAddress(address): ClientAddress,
    form: PageForm,
) -> PageResult {
    check_csrf(&session, form.get("csrf_token")).await?;
    let (sign_in, user) = signed_in_user(&engine, &accounts, &session).await?;
    let current = form.get("current_password").to_owned();
    let changed = match accounts.confirm_password(&user, current, address).await {
        Ok(()) => {
            let new_password = form.get("new_password").to_owned();
            accounts.change_password(&user, new_password).await
        }
        Err(refused) => Err(refused),
    };
    let (errors, status) = match changed {
        Ok(done) => {
            engine.signed_out(user.id, &done);
            let renewed = SignIn {
                auth_time: engine.now().unix_timestamp(),
                sid: uuid::Uuid::new_v4().simple().to_string(),
                ..sign_in
            };
            session::set_sign_in(&session, &renewed).await?;
            let notice = "Your password is changed. Every other browser and app was signed out.";
            return shown(&accounts, &session, &renewed, notice).await;
        }
        Err(AccountError::WrongPassword) => (
            vec![InvalidField::new(
                "current_password",
                "is not your current password",
            )],
            StatusCode::FORBIDDEN,
        ),
        Err(AccountError::LockedOut) => (
            vec![InvalidField::new(
                "current_password",
                "too many wrong passwords: wait a few minutes and try again",
            )],
            StatusCode::TOO_MANY_REQUESTS,
        ),
        Err(AccountError::Invalid(problems)) => (problems, StatusCode::UNPROCESSABLE_ENTITY),
        Err(error) => return Err(error.into()),
    };
    let shown_page = Shown::stored(None, FieldMessages::new(errors), status);
    page(&accounts, &session, &sign_in, &user, shown_page).await
}

/// `POST /account/sessions`: `sid` of a browser to sign out, or `others` for every browser but
/// this one. Signing this browser itself out leads to the sign-in page.
pub async fn end_sessions(
    State(engine): State<Engine>,
    State(accounts): State<Accounts>,
    session: Session,
    form: PageForm,
) -> PageResult {
    check_csrf(&session, form.get("csrf_token")).await?;
    let (sign_in, user) = signed_in_user(&engine, &accounts, &session).await?;
    let sid = form.get("sid");
    let done = if sid == "others" {
        accounts
            .end_other_browser_sessions(user.id, Some(&sign_in.sid))
            .await?
    } else {
        match accounts
            .end_browser_session(user.id, sid, AuditActor::User(user.id.to_string()))
            .await
        {
            Ok(done) => done,
            // Signed out meanwhile (another tab, another device): nothing left to do.
            Err(AccountError::NotFound) => Default::default(),
            Err(error) => return Err(error.into()),
        }
    };
    engine.signed_out(user.id, &done);
    if sid == sign_in.sid {
        return Ok(Redirect::to(paths::LOGIN).into_response());
    }
    let notice = match done.ended_sessions {
        0 => "That browser was already signed out.",
        1 => "That browser is signed out.",
        _ => "Every other browser is signed out.",
    };
    shown(&accounts, &session, &sign_in, notice).await
}

/// `POST /account/apps`: `client_id` of an application to disconnect: its consent is forgotten
/// and its grants revoked, so it must ask again.
pub async fn disconnect_app(
    State(engine): State<Engine>,
    State(accounts): State<Accounts>,
    session: Session,
    form: PageForm,
) -> PageResult {
    check_csrf(&session, form.get("csrf_token")).await?;
    let (sign_in, user) = signed_in_user(&engine, &accounts, &session).await?;
    let notice = match accounts
        .disconnect_app(user.id, form.get("client_id"))
        .await
    {
        Ok(done) => {
            engine.signed_out(user.id, &done);
            "The application is disconnected. It will have to ask you again."
        }
        Err(AccountError::NotFound) => "That application was already disconnected.",
        Err(error) => return Err(error.into()),
    };
    shown(&accounts, &session, &sign_in, notice).await
}

/// `GET /account/export`: everything we hold about the signed-in person, as a JSON download.
pub async fn export(
    State(engine): State<Engine>,
    State(accounts): State<Accounts>,
    session: Session,
) -> PageResult {
    let (_, user) = signed_in_user(&engine, &accounts, &session).await?;
    let export = accounts
        .export(user.id, AuditActor::User(user.id.to_string()))
        .await?;
    Ok(crate::http::api::account_devices::download(&export))
}

/// The account page as stored now, for `sign_in`, with a notice.
async fn shown(
    accounts: &Accounts,
    session: &Session,
    sign_in: &SignIn,
    notice: &'static str,
) -> PageResult<Response> {
    let user = accounts.account(sign_in.user_id).await?;
    let shown = Shown::stored(Some(notice), FieldMessages::default(), StatusCode::OK);
    page(accounts, session, sign_in, &user, shown).await
}
