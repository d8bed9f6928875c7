//! `GET|POST /end_session` (RP-Initiated Logout 1.0) and the confirmation form at `POST /logout`.
//! With a valid `id_token_hint` for the signed-in user the session ends at once; otherwise the
//! user confirms. The post-logout redirect is checked before it is remembered, never taken from
//! the confirmation form.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use super::{allowing_form_redirect_to, csrf_failed, render, session, session_failed};
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
) -> Response {
    let logout = match engine.validate_logout(pairs).await {
        Ok(logout) => logout,
        Err(LogoutError::Invalid(error)) => {
            return ErrorPage::new(
                StatusCode::BAD_REQUEST,
                "This sign-out link is not valid",
                error.description,
            )
            .into_response();
        }
        Err(LogoutError::Store(error)) => return super::endpoint_failed(error.into()),
    };
    let sign_in = match session::sign_in(&session, &engine.config.sessions).await {
        Ok(sign_in) => sign_in,
        Err(error) => return session_failed(error),
    };
    let Some(sign_in) = sign_in else {
        // Nobody is signed in here: nothing to end.
        return signed_out(logout.redirect);
    };
    let hint_matches = logout.hinted_sub.as_deref() == Some(sign_in.user_id.to_string().as_str());
    if hint_matches {
        if let Err(error) = session::end(&session).await {
            return session_failed(error);
        }
        tracing::info!(user_id = %sign_in.user_id, "signed out by the relying party");
        return signed_out(logout.redirect);
    }
    let csrf_token = match session::csrf_token(&session).await {
        Ok(token) => token,
        Err(error) => return session_failed(error),
    };
    if let Err(error) = session::set_logout_redirect(&session, logout.redirect.as_deref()).await {
        return session_failed(error);
    }
    let page = render(
        &ConfirmPage {
            action: paths::LOGOUT,
            csrf_token,
            stylesheet: paths::STYLESHEET,
        },
        StatusCode::OK,
    );
    match &logout.redirect {
        Some(target) => allowing_form_redirect_to(page, target),
        None => page,
    }
}

pub async fn confirm(session: Session, form: PageForm) -> Response {
    match session::csrf_matches(&session, form.get("csrf_token")).await {
        Ok(true) => {}
        Ok(false) => return csrf_failed(),
        Err(error) => return session_failed(error),
    }
    let redirect = match session::logout_redirect(&session).await {
        Ok(redirect) => redirect,
        Err(error) => return session_failed(error),
    };
    if let Err(error) = session::end(&session).await {
        return session_failed(error);
    }
    signed_out(redirect)
}
