//! The account page's sensitive changes: a new address (confirmed by the code mailed to it, or
//! by its link on `/confirm-email`) and deleting the account. Both need a sign-in younger than
//! `account.reauth_max_age`; an older one is asked for the password again, which then counts as
//! a fresh sign-in for the next few minutes.

use std::net::IpAddr;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use tower_sessions::Session;

use super::account::{Shown, page, signed_in_user};
use super::logout::MessagePage;
use super::{FieldMessages, PageError, PageResult, check_csrf, render, session};
use crate::domain::audit::AuditActor;
use crate::domain::{InvalidField, User};
use crate::http::extract::client_address::ClientAddress;
use crate::http::extract::page_form::PageForm;
use crate::http::paths;
use crate::identity::accounts::{AccountError, Accounts, Proof};
use crate::oauth::Engine;
use crate::oauth::authorize::SignIn;

/// Checks that the person at the keyboard is the owner: a recent sign-in, or the password in
/// the form's `current_password` (which renews the sign-in's time). The sign-in as it now is;
/// otherwise the request ends with the account page, the problem beside the form's password
/// field, `field`.
pub(super) async fn reauthenticated(
    accounts: &Accounts,
    session: &Session,
    (sign_in, user): (SignIn, &User),
    form: &PageForm,
    address: Option<IpAddr>,
    field: &'static str,
) -> PageResult<SignIn> {
    let signed_in_at = time::OffsetDateTime::from_unix_timestamp(sign_in.auth_time)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    if accounts.recently_signed_in(signed_in_at) {
        return Ok(sign_in);
    }
    let password = form.get("current_password").to_owned();
    let (message, status) = match accounts.confirm_password(user, password, address).await {
        Ok(()) => {
            let renewed = SignIn {
                auth_time: accounts.now().unix_timestamp(),
                ..sign_in
            };
            session::set_sign_in(session, &renewed).await?;
            return Ok(renewed);
        }
        Err(AccountError::WrongPassword) => (
            "enter your current password to confirm this change",
            StatusCode::FORBIDDEN,
        ),
        Err(AccountError::LockedOut) => (
            "too many wrong passwords: wait a few minutes and try again",
            StatusCode::TOO_MANY_REQUESTS,
        ),
        Err(error) => return Err(error.into()),
    };
    let problem = vec![InvalidField::new(field, message)];
    let page = refused(accounts, session, &sign_in, user, problem, status).await?;
    Err(PageError::Answer(page))
}

/// The account page with field problems (or a notice) after a refused change.
pub(super) async fn refused(
    accounts: &Accounts,
    session: &Session,
    sign_in: &SignIn,
    user: &User,
    problems: Vec<InvalidField>,
    status: StatusCode,
) -> PageResult {
    let shown = Shown::stored(None, FieldMessages::new(problems), status);
    page(accounts, session, sign_in, user, shown).await
}

/// `POST /account/email`: `action=start` with `email` (the new address, and `current_password`
/// when the sign-in is not recent) mails a code to it; `action=confirm` with `code` makes it the
/// account's.
pub async fn change_email(
    State(engine): State<Engine>,
    State(accounts): State<Accounts>,
    session: Session,
    ClientAddress(address): ClientAddress,
    form: PageForm,
) -> PageResult {
    check_csrf(&session, form.get("csrf_token")).await?;
    let (sign_in, user) = signed_in_user(&engine, &accounts, &session).await?;
    if form.get("action") == "confirm" {
        let proof = Proof::Code {
            email: String::new(),
            code: form.get("code").to_owned(),
        };
        return match accounts.confirm_email_change(Some(&user), &proof).await {
            Ok(changed) => {
                engine.user_changed(changed.id);
                session::set_changing_email(&session, None).await?;
                let notice = Some("Your email address is changed.");
                let shown = Shown::stored(notice, FieldMessages::default(), StatusCode::OK);
                page(&accounts, &session, &sign_in, &changed, shown).await
            }
            Err(AccountError::InvalidCode) => {
                let problem = InvalidField::new("code", "is wrong, used or expired");
                refused(
                    &accounts,
                    &session,
                    &sign_in,
                    &user,
                    vec![problem],
                    StatusCode::BAD_REQUEST,
                )
                .await
            }
            Err(AccountError::TooManyAttempts) => {
                let problem =
                    InvalidField::new("code", "too many wrong codes: try again in an hour");
                refused(
                    &accounts,
                    &session,
                    &sign_in,
                    &user,
                    vec![problem],
                    StatusCode::TOO_MANY_REQUESTS,
                )
                .await
            }
            Err(AccountError::Invalid(problems)) => {
                refused(
                    &accounts,
                    &session,
                    &sign_in,
                    &user,
                    problems,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            Err(error) => Err(error.into()),
        };
    }
    let sign_in = reauthenticated(
        &accounts,
        &session,
        (sign_in, &user),
        &form,
        address,
        "email_current_password",
    )
    .await?;
    let new_email = form.get("email").trim().to_owned();
    match accounts.start_email_change(&user, &new_email).await {
        Ok(()) => {
            session::set_changing_email(&session, Some(&new_email)).await?;
            let notice = Some(
                "We sent a code to the new address. Enter it below, or open the link in that mail.",
            );
            let shown = Shown::stored(notice, FieldMessages::default(), StatusCode::OK);
            page(&accounts, &session, &sign_in, &user, shown).await
        }
        Err(AccountError::Invalid(problems)) => {
            let problems = problems
                .into_iter()
                .map(|p| InvalidField::new("new_email", p.message))
                .collect();
            refused(
                &accounts,
                &session,
                &sign_in,
                &user,
                problems,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(error) => Err(error.into()),
    }
}

/// `POST /account/delete`: `confirm=delete` (and `current_password` when the sign-in is not
/// recent). Ends this session with every other, and says goodbye.
pub async fn delete_account(
    State(engine): State<Engine>,
    State(accounts): State<Accounts>,
    session: Session,
    ClientAddress(address): ClientAddress,
    form: PageForm,
) -> PageResult {
    check_csrf(&session, form.get("csrf_token")).await?;
    let (sign_in, user) = signed_in_user(&engine, &accounts, &session).await?;
    if form.get("confirm") != "delete" {
        let problem = InvalidField::new(
            "confirm",
            "tick the box to confirm that the account should go",
        );
        return refused(
            &accounts,
            &session,
            &sign_in,
            &user,
            vec![problem],
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let sign_in = reauthenticated(
        &accounts,
        &session,
        (sign_in, &user),
        &form,
        address,
        "delete_current_password",
    )
    .await?;
    match accounts
        .delete_account(&user, None, AuditActor::User(user.id.to_string()))
        .await
    {
        Ok(done) => {
            engine.signed_out(user.id, &done);
            session.flush().await?;
            let goodbye = MessagePage::new(
                "Your account is deleted",
                "Your account and its data are gone, and every device and app was signed out. A last mail confirms it.",
            );
            Ok(render(&goodbye, StatusCode::OK))
        }
        Err(AccountError::LastAdmin) => {
            let problem = InvalidField::new(
                "confirm",
                "you are the last administrator: make someone else an administrator first",
            );
            refused(
                &accounts,
                &session,
                &sign_in,
                &user,
                vec![problem],
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(error) => Err(error.into()),
    }
}

#[derive(Template)]
#[template(path = "pages/confirm_email.html")]
struct ConfirmEmailPage {
    action: &'static str,
    csrf_token: String,
    token: String,
    stylesheet: &'static str,
}

#[derive(Deserialize)]
pub struct LinkQuery {
    token: Option<String>,
}

/// `GET /confirm-email?token=`: the link in the mail to a new address opens a page that confirms
/// with a POST (mail scanners fetch links; a GET changes nothing).
pub async fn show_link(
    State(accounts): State<Accounts>,
    session: Session,
    Query(query): Query<LinkQuery>,
) -> PageResult {
    let token = query.token.unwrap_or_default();
    if !accounts
        .link_is_live(crate::domain::TokenPurpose::ChangeEmail, &token)
        .await?
    {
        return Ok(invalid_link());
    }
    let page = ConfirmEmailPage {
        action: paths::CONFIRM_EMAIL,
        csrf_token: session::csrf_token(&session).await?,
        token,
        stylesheet: paths::STYLESHEET,
    };
    Ok(render(&page, StatusCode::OK))
}

/// `POST /confirm-email`: `token` from the link makes its address the account's.
pub async fn confirm_link(
    State(engine): State<Engine>,
    State(accounts): State<Accounts>,
    session: Session,
    form: PageForm,
) -> PageResult {
    check_csrf(&session, form.get("csrf_token")).await?;
    let proof = Proof::Link {
        token: form.get("token").to_owned(),
    };
    match accounts.confirm_email_change(None, &proof).await {
        Ok(changed) => {
            engine.user_changed(changed.id);
            let done = MessagePage::new(
                "Your email address is changed",
                &format!("Your account now uses {}.", changed.email),
            );
            Ok(render(&done, StatusCode::OK))
        }
        Err(AccountError::InvalidCode) => Ok(invalid_link()),
        Err(error) => Err(error.into()),
    }
}

fn invalid_link() -> axum::response::Response {
    let page = MessagePage::new(
        "This link does not work",
        "The link is wrong, was used already or has expired. Ask for a new one on your account page.",
    );
    render(&page, StatusCode::BAD_REQUEST)
}
