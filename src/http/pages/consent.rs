//! `GET|POST /consent`: a third-party client asks for scopes; Allow remembers the consent and
//! answers with a code, Deny answers `access_denied`.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use super::authorize::parked;
use super::{
    allowing_form_redirect_to, csrf_failed, deliver, endpoint_failed, render, session,
    session_failed,
};
use crate::http::paths;
use crate::oauth::Engine;
use crate::oauth::authorize::SignIn;

#[derive(Template)]
#[template(path = "pages/consent.html")]
struct ConsentPage {
    action: &'static str,
    csrf_token: String,
    request_id: String,
    client_name: String,
    user_email: String,
    scopes: Vec<&'static str>,
    stylesheet: &'static str,
}

#[derive(Deserialize)]
pub struct ConsentQuery {
    request: Option<String>,
}

/// Plain-language descriptions of the scopes we know; others are listed by name.
fn describe(scope: &str) -> &'static str {
    match scope {
        "openid" => "Confirm who you are",
        "profile" => "See your name",
        "email" => "See your email address",
        "offline_access" => "Stay signed in to it when you are away",
        _ => "",
    }
}

async fn signed_in(engine: &Engine, session: &Session) -> Result<SignIn, Response> {
    match session::sign_in(session, &engine.config.sessions).await {
        Ok(Some(sign_in)) => Ok(sign_in),
        Ok(None) => Err(Redirect::to(paths::LOGIN).into_response()),
        Err(error) => Err(session_failed(error)),
    }
}

pub async fn show(
    State(engine): State<Engine>,
    session: Session,
    query: Result<Query<ConsentQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Some(request_id) = query.ok().and_then(|Query(query)| query.request) else {
        return crate::http::responses::ErrorPage::new(
            StatusCode::BAD_REQUEST,
            "Nothing to approve",
            "Open this page from an application's sign-in link.",
        )
        .into_response();
    };
    let pending = match parked(&engine, &session, &request_id).await {
        Ok(pending) => pending,
        Err(response) => return response,
    };
    let sign_in = match signed_in(&engine, &session).await {
        Ok(sign_in) => sign_in,
        Err(_) => {
            return Redirect::to(&format!("{}?request={}", paths::LOGIN, request_id))
                .into_response();
        }
    };
    let client_id = crate::domain::ClientId::parse(&pending.request.client_id);
    let client = match client_id {
        Ok(id) => engine.store.find_client(&id).await,
        Err(_) => Ok(None),
    };
    let user = engine.store.find_user(sign_in.user_id).await;
    let (client, user) = match (client, user) {
        (Ok(Some(client)), Ok(Some(user))) => (client, user),
        (Err(error), _) | (_, Err(error)) => return endpoint_failed(error.into()),
        _ => {
            return Redirect::to(&format!("{}?request={}", paths::LOGIN, request_id))
                .into_response();
        }
    };
    let csrf_token = match session::csrf_token(&session).await {
        Ok(token) => token,
        Err(error) => return session_failed(error),
    };
    let mut scopes: Vec<&'static str> = pending
        .request
        .scope
        .split(' ')
        .map(describe)
        .filter(|d| !d.is_empty())
        .collect();
    let others = pending
        .request
        .scope
        .split(' ')
        .filter(|s| describe(s).is_empty())
        .count();
    if others > 0 {
        scopes.push("Use the other permissions it asked for");
    }
    let page = render(
        &ConsentPage {
            action: paths::CONSENT,
            csrf_token,
            request_id,
            client_name: client.name,
            user_email: user.email.as_str().to_owned(),
            scopes,
            stylesheet: paths::STYLESHEET,
        },
        StatusCode::OK,
    );
    allowing_form_redirect_to(page, &pending.request.redirect_uri)
}

pub async fn submit(
    State(engine): State<Engine>,
    session: Session,
    form: crate::http::extract::page_form::PageForm,
) -> Response {
    match session::csrf_matches(&session, form.get("csrf_token")).await {
        Ok(true) => {}
        Ok(false) => return csrf_failed(),
        Err(error) => return session_failed(error),
    }
    let id = form.get("request").to_owned();
    let pending = match parked(&engine, &session, &id).await {
        Ok(pending) => pending,
        Err(response) => return response,
    };
    let sign_in = match signed_in(&engine, &session).await {
        Ok(sign_in) => sign_in,
        Err(response) => return response,
    };
    if let Err(error) = session::unpark(&session, &id).await {
        return session_failed(error);
    }
    let now = engine.now();
    match form.get("decision") {
        "allow" => {
            if let Err(error) = engine
                .remember_consent(&pending.request, sign_in.user_id, now)
                .await
            {
                return endpoint_failed(error);
            }
            match engine.issue_code(&pending.request, &sign_in, now).await {
                Ok(response) => deliver(&response),
                Err(error) => endpoint_failed(error),
            }
        }
        _ => deliver(&engine.denied(&pending.request)),
    }
}
