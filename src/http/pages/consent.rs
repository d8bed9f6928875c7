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
    PageError, PageResult, allowing_form_redirect_to, check_csrf, deliver, render, session,
};
use crate::http::paths;
use crate::http::responses::ErrorPage;
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
        "profile" => "See your name and profile (picture, language, time zone)",
        "email" => "See your email address",
        "phone" => "See your phone number",
        "offline_access" => "Stay signed in to it when you are away",
        "account" => "Manage your account for you: read and change your profile",
        _ => "",
    }
}

/// Who is signed in; without a sign-in the user is sent to sign in for `request` first.
async fn signed_in(engine: &Engine, session: &Session, request: &str) -> PageResult<SignIn> {
    session::sign_in(session, &engine.config.sessions, engine.now())
        .await?
        .ok_or_else(|| PageError::Answer(to_login(request)))
}

fn to_login(request: &str) -> Response {
    Redirect::to(&format!("{}?request={request}", paths::LOGIN)).into_response()
}

pub async fn show(
    State(engine): State<Engine>,
    session: Session,
    query: Result<Query<ConsentQuery>, axum::extract::rejection::QueryRejection>,
) -> PageResult {
    let request_id = query
        .ok()
        .and_then(|Query(query)| query.request)
        .ok_or_else(|| {
            ErrorPage::new(
                StatusCode::BAD_REQUEST,
                "Nothing to approve",
                "Open this page from an application's sign-in link.",
            )
        })?;
    let pending = parked(&engine, &session, &request_id).await?;
    let sign_in = signed_in(&engine, &session, &request_id).await?;
    let client = engine.store.find_client(&pending.request.client_id).await?;
    let user = engine.store.find_user(sign_in.user_id).await?;
    let (Some(client), Some(user)) = (client, user) else {
        return Ok(to_login(&request_id));
    };
    let csrf_token = session::csrf_token(&session).await?;
    let mut scopes: Vec<&'static str> = pending
        .request
        .scope
        .iter()
        .map(describe)
        .filter(|d| !d.is_empty())
        .collect();
    let others = pending
        .request
        .scope
        .iter()
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
    Ok(allowing_form_redirect_to(
        page,
        &pending.request.redirect_uri,
    ))
}

pub async fn submit(
    State(engine): State<Engine>,
    session: Session,
    form: crate::http::extract::page_form::PageForm,
) -> PageResult {
    check_csrf(&session, form.get("csrf_token")).await?;
    let id = form.get("request").to_owned();
    let pending = parked(&engine, &session, &id).await?;
    let sign_in = signed_in(&engine, &session, &id).await?;
    session::unpark(&session, &id).await?;
    let now = engine.now();
    match form.get("decision") {
        "allow" => {
            engine
                .remember_consent(&pending.request, sign_in.user_id, now)
                .await?;
            let response = engine.issue_code(&pending.request, &sign_in, now).await?;
            Ok(deliver(&response))
        }
        _ => Ok(deliver(&engine.denied(&pending.request))),
    }
}
