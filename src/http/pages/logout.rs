//! `GET|POST /end_session` (RP-Initiated Logout 1.0) and the confirmation form at `POST /logout`.
//! With a valid `id_token_hint` for the signed-in user the session ends at once; otherwise the
//! user confirms. The post-logout redirect is checked before it is remembered, never taken from
//! the confirmation form.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use super::{PageResult, allowing_form_redirect_to, check_csrf, render, session};
use crate::http::extract::page_form::PageForm;
use crate::http::extract::page_params::PageParams;
use crate::http::paths;
use crate::http::responses::ErrorPage;
use crate::oauth::Engine;
use crate::oauth::end_session::LogoutError;

#[derive(Template)]
#[template(path = "pages/logout.html")]
struct ConfirmPage {
    action: &'static str,
    csrf_token: String,
    stylesheet: &'static str,
}

#[derive(Template)]
#[template(path = "pages/message.html")]
pub struct MessagePage {
    title: String,
    message: String,
    stylesheet: &'static str,
}

impl MessagePage {
    pub fn new(title: &str, message: &str) -> Self {
        Self {
            title: title.to_owned(),
            message: message.to_owned(),
            stylesheet: paths::STYLESHEET,
        }
    }
}

fn signed_out(redirect: Option<String>) -> Response {
    match redirect {
        Some(target) => Redirect::to(&target).into_response(),
        None => render(
            &MessagePage::new("Signed out", "You are signed out."),
            StatusCode::OK,
        ),
    }
}

pub async fn end_session(
    State(engine): State<Engine>,
    session: Session,
    PageParams(pairs): PageParams,
) -> PageResult {
    let logout = match engine.validate_logout(pairs).await {
        Ok(logout) => logout,
        Err(LogoutError::Invalid(error)) => {
            return Err(ErrorPage::new(
                StatusCode::BAD_REQUEST,
                "This sign-out link is not valid",
                error.description,
            )
            .into());
        }
        Err(LogoutError::Store(error)) => return Err(error.into()),
    };
    let Some(sign_in) = session::sign_in(&session, &engine.config.sessions, engine.now()).await?
    else {
        // Nobody is signed in here: nothing to end.
        return Ok(signed_out(logout.redirect));
    };
    let hint_matches = logout.hinted_sub.as_deref() == Some(sign_in.user_id.to_string().as_str());
    if hint_matches {
        session::end(&session).await?;
        engine
            .record_sign_out(sign_in.user_id, "rp_initiated")
            .await?;
        tracing::info!(user_id = %sign_in.user_id, "signed out by the relying party");
        return Ok(signed_out(logout.redirect));
    }
    let csrf_token = session::csrf_token(&session).await?;
    session::set_logout_redirect(&session, logout.redirect.as_deref()).await?;
    let page = render(
        &ConfirmPage {
            action: paths::LOGOUT,
            csrf_token,
            stylesheet: paths::STYLESHEET,
        },
        StatusCode::OK,
    );
    Ok(match &logout.redirect {
        Some(target) => allowing_form_redirect_to(page, target),
        None => page,
    })
}

pub async fn confirm(State(engine): State<Engine>, session: Session, form: PageForm) -> PageResult {
    check_csrf(&session, form.get("csrf_token")).await?;
    let redirect = session::logout_redirect(&session).await?;
    let signed_in = session::sign_in(&session, &engine.config.sessions, engine.now()).await?;
    session::end(&session).await?;
    if let Some(sign_in) = signed_in {
        engine.record_sign_out(sign_in.user_id, "confirmed").await?;
    }
    Ok(signed_out(redirect))
}
