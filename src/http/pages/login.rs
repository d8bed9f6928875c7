//! `GET|POST /login`: the sign-in form. Every failure reads the same; success rotates the
//! session id and continues the parked authorization request.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tower_sessions::Session;

use super::authorize::{parked, proceed};
use super::{allowing_form_redirect_to, csrf_failed, render, session, session_failed};
use crate::http::extract::client_address::ClientAddress;
use crate::http::extract::page_form::PageForm;
use crate::http::paths;
use crate::http::responses::internal;
use crate::identity::login::LoginError;
use crate::oauth::Engine;
use crate::oauth::authorize::SignIn;

#[derive(Template)]
#[template(path = "pages/login.html")]
struct LoginPage {
    action: &'static str,
    csrf_token: String,
    request_id: Option<String>,
    client_name: Option<String>,
    email: String,
    error: Option<&'static str>,
    stylesheet: &'static str,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    request: Option<String>,
}

async fn page(
    engine: &Engine,
    session: &Session,
    request_id: Option<String>,
    email: String,
    error: Option<&'static str>,
    status: StatusCode,
) -> Response {
    let csrf_token = match session::csrf_token(session).await {
        Ok(token) => token,
        Err(error) => return session_failed(error),
    };
    let mut client_name = None;
    let mut email = email;
    let mut redirect_uri = None;
    if let Some(id) = &request_id {
        let pending = match parked(engine, session, id).await {
            Ok(pending) => pending,
            Err(response) => return response,
        };
        if email.is_empty() {
            email = pending.request.login_hint.clone().unwrap_or_default();
        }
        redirect_uri = Some(pending.request.redirect_uri.clone());
        if let Ok(client_id) = crate::domain::ClientId::parse(&pending.request.client_id) {
            client_name = engine
                .store
                .find_client(&client_id)
                .await
                .ok()
                .flatten()
                .map(|c| c.name);
        }
    }
    let page = render(
        &LoginPage {
            action: paths::LOGIN,
            csrf_token,
            request_id,
            client_name,
            email,
            error,
            stylesheet: paths::STYLESHEET,
        },
        status,
    );
    // A first-party client's sign-in answers with the redirect to the client.
    match redirect_uri {
        Some(target) => allowing_form_redirect_to(page, &target),
        None => page,
    }
}

pub async fn show(
    State(engine): State<Engine>,
    session: Session,
    query: Result<Query<LoginQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    page(
        &engine,
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
    session: Session,
    ClientAddress(address): ClientAddress,
    form: PageForm,
) -> Response {
    match session::csrf_matches(&session, form.get("csrf_token")).await {
        Ok(true) => {}
        Ok(false) => return csrf_failed(),
        Err(error) => return session_failed(error),
    }
    let request_id = Some(form.get("request").to_owned()).filter(|id| !id.is_empty());
    let email = form.get("email").to_owned();
    let now = engine.now();
    let result = engine
        .logins
        .verify(&email, form.get("password").to_owned(), address, now)
        .await;
    let user = match result {
        Ok(user) => user,
        Err(LoginError::InvalidCredentials) => {
            let message = Some("The email or password is incorrect.");
            return page(
                &engine,
                &session,
                request_id,
                email,
                message,
                StatusCode::UNAUTHORIZED,
            )
            .await;
        }
        Err(LoginError::LockedOut) => {
            let message = Some("Too many failed attempts. Wait a few minutes and try again.");
            return page(
                &engine,
                &session,
                request_id,
                email,
                message,
                StatusCode::TOO_MANY_REQUESTS,
            )
            .await;
        }
        Err(LoginError::Unavailable(source)) => {
            internal::log_unavailable(&source);
            return super::unavailable();
        }
        Err(LoginError::Internal(source)) => {
            return super::endpoint_failed(crate::oauth::error::EndpointError::Internal(source));
        }
    };
    let sign_in = SignIn {
        user_id: user.id,
        auth_time: now.unix_timestamp(),
        sid: uuid::Uuid::new_v4().simple().to_string(),
        amr: vec!["pwd".to_owned()],
    };
    if let Err(error) = session::set_sign_in(&session, &sign_in).await {
        return session_failed(error);
    }
    tracing::info!(user_id = %user.id, "signed in");
    let Some(id) = request_id else {
        let template = super::logout::MessagePage::new(
            "Signed in",
            &format!("You are signed in as {}.", user.email),
        );
        return render(&template, StatusCode::OK);
    };
    let pending = match parked(&engine, &session, &id).await {
        Ok(pending) => pending,
        Err(response) => return response,
    };
    let pending = match session::mark_fresh(&session, &id, pending).await {
        Ok(pending) => pending,
        Err(error) => return session_failed(error),
    };
    proceed(&engine, &session, pending.request, Some(&id), true)
        .await
        .into_response()
}
