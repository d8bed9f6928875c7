//! `GET|POST /authorize`: validate, then sign in, ask consent or answer the client.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use super::session::{self, Pending};
use super::{deliver, endpoint_failed, session_failed};
use crate::http::extract::page_params::PageParams;
use crate::http::paths;
use crate::http::responses::ErrorPage;
use crate::oauth::Engine;
use crate::oauth::authorize::{AuthorizationRequest, AuthorizeError, Decision};

pub async fn authorize(
    State(engine): State<Engine>,
    session: Session,
    PageParams(pairs): PageParams,
) -> Response {
    match engine.validate_authorization(pairs).await {
        Ok((request, _client)) => proceed(&engine, &session, request, None, false).await,
        Err(error) => authorize_failed(error),
    }
}

/// Moves a request on: issue the code, or park it and send the user to sign in or consent.
/// `parked` is the id of the already-parked request, if any.
pub async fn proceed(
    engine: &Engine,
    session: &Session,
    request: AuthorizationRequest,
    parked: Option<&str>,
    fresh: bool,
) -> Response {
    let client = match crate::domain::ClientId::parse(&request.client_id) {
        Ok(id) => match engine.store.find_client(&id).await {
            Ok(Some(client)) => client,
            Ok(None) => {
                return ErrorPage::new(
                    StatusCode::BAD_REQUEST,
                    "Unknown application",
                    "This application is no longer registered.",
                )
                .into_response();
            }
            Err(error) => return endpoint_failed(error.into()),
        },
        Err(_) => {
            return ErrorPage::new(
                StatusCode::BAD_REQUEST,
                "Unknown application",
                "This application is not registered.",
            )
            .into_response();
        }
    };
    let sign_in = match session::sign_in(session, &engine.config.sessions).await {
        Ok(sign_in) => sign_in,
        Err(error) => return session_failed(error),
    };
    let now = engine.now();
    let decision = match engine
        .decide(&request, &client, sign_in.as_ref(), fresh, now)
        .await
    {
        Ok(decision) => decision,
        Err(error) => {
            if let Some(id) = parked {
                let _ = session::unpark(session, id).await;
            }
            return authorize_failed(error);
        }
    };
    let next_page = match (decision, sign_in) {
        (Decision::Issue, Some(sign_in)) => {
            if let Some(id) = parked
                && let Err(error) = session::unpark(session, id).await
            {
                return session_failed(error);
            }
            return match engine.issue_code(&request, &sign_in, now).await {
                Ok(response) => deliver(&response),
                Err(error) => endpoint_failed(error),
            };
        }
        (Decision::Consent, _) => paths::CONSENT,
        (Decision::SignIn | Decision::Issue, _) => paths::LOGIN,
    };
    let id = match parked {
        Some(id) => id.to_owned(),
        None => match session::park(session, request).await {
            Ok(id) => id,
            Err(error) => return session_failed(error),
        },
    };
    Redirect::to(&format!("{next_page}?request={id}")).into_response()
}

fn authorize_failed(error: AuthorizeError) -> Response {
    match error {
        AuthorizeError::Direct(error) => ErrorPage::new(
            StatusCode::BAD_REQUEST,
            "This sign-in link is not valid",
            format!(
                "The application sent an invalid request: {}.",
                error.description
            ),
        )
        .into_response(),
        AuthorizeError::Redirect(response) => deliver(&response),
        AuthorizeError::Endpoint(error) => endpoint_failed(error),
    }
}

/// The parked request named by a page's `request` parameter, or an error page.
pub async fn parked(engine: &Engine, session: &Session, id: &str) -> Result<Pending, Response> {
    match session::pending(session, id, &engine.config.sessions).await {
        Ok(Some(pending)) => Ok(pending),
        Ok(None) => Err(ErrorPage::new(
            StatusCode::BAD_REQUEST,
            "This sign-in has expired",
            "Return to the application and start signing in again.",
        )
        .into_response()),
        Err(error) => Err(session_failed(error)),
    }
}
