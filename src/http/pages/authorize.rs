//! `GET|POST /authorize`: validate, then sign in, ask consent or answer the client.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use tower_sessions::Session;

use super::session::{self, Pending};
use super::{PageError, PageResult, deliver};
use crate::http::extract::page_params::PageParams;
use crate::http::paths;
use crate::http::responses::ErrorPage;
use crate::oauth::Engine;
use crate::oauth::authorize::{AuthorizationRequest, AuthorizeError, Decision};

pub async fn authorize(
    State(engine): State<Engine>,
    session: Session,
    PageParams(pairs): PageParams,
) -> PageResult {
    match engine.validate_authorization(pairs).await {
        Ok((request, _client)) => proceed(&engine, &session, request, None, false).await,
        Err(error) => Err(authorize_failed(error)),
    }
}

fn unknown_application(message: &str) -> PageError {
    ErrorPage::new(StatusCode::BAD_REQUEST, "Unknown application", message).into()
}

/// Moves a request on: issue the code, or park it and send the user to sign in or consent.
/// `parked` is the id of the already-parked request, if any.
pub async fn proceed(
    engine: &Engine,
    session: &Session,
    request: AuthorizationRequest,
    parked: Option<&str>,
    fresh: bool,
) -> PageResult {
    let client = engine
        .store
        .find_client(&request.client_id)
        .await?
        .ok_or_else(|| unknown_application("This application is no longer registered."))?;
    let sign_in = session::sign_in(session, &engine.config.sessions, engine.now()).await?;
    let now = engine.now();
    let decision = match engine
        .decide(&request, &client, sign_in.as_ref(), fresh, now)
        .await
    {
        Ok(decision) => decision,
        Err(error) => {
            if let Some(id) = parked {
                // The request is answered with its error either way; a session that cannot
                // forget it lets it expire instead.
                let _ = session::unpark(session, id).await;
            }
            return Err(authorize_failed(error));
        }
    };
    let next_page = match (decision, sign_in) {
        (Decision::Issue, Some(sign_in)) => {
            if let Some(id) = parked {
                session::unpark(session, id).await?;
            }
            let response = engine.issue_code(&request, &sign_in, now).await?;
            return Ok(deliver(&response));
        }
        (Decision::Register, _) => paths::REGISTER,
        (Decision::Consent, _) => paths::CONSENT,
        (Decision::SignIn | Decision::Issue, _) => paths::LOGIN,
    };
    let id = match parked {
        Some(id) => id.to_owned(),
        None => session::park(session, request, now).await?,
    };
    Ok(Redirect::to(&format!("{next_page}?request={id}")).into_response())
}

fn authorize_failed(error: AuthorizeError) -> PageError {
    match error {
        AuthorizeError::Direct(error) => ErrorPage::new(
            StatusCode::BAD_REQUEST,
            "This sign-in link is not valid",
            format!(
                "The application sent an invalid request: {}.",
                error.description
            ),
        )
        .into(),
        AuthorizeError::Redirect(response) => PageError::Answer(deliver(&response)),
        AuthorizeError::Endpoint(error) => error.into(),
    }
}

/// The parked request named by a page's `request` parameter.
pub async fn parked(engine: &Engine, session: &Session, id: &str) -> PageResult<Pending> {
    session::pending(session, id, &engine.config.sessions, engine.now())
        .await?
        .ok_or_else(|| {
            ErrorPage::new(
                StatusCode::BAD_REQUEST,
                "This sign-in has expired",
                "Return to the application and start signing in again.",
            )
            .into()
        })
}
