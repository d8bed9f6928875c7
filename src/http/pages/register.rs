//! `GET|POST /register`: create an account (from the sign-in page, or `prompt=create`). Success
//! always leads to the page that asks for the mailed code, whether or not the address was free.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use tower_sessions::Session;

use super::authorize::parked;
use super::{FieldMessages, PageResult, check_csrf, render, session};
use crate::http::extract::client_address::ClientAddress;
use crate::http::extract::page_form::PageForm;
use crate::http::paths;
use crate::identity::accounts::{AccountError, Accounts};
use crate::limits::Family;
use crate::oauth::Engine;

#[derive(Template)]
#[template(path = "pages/register.html")]
struct RegisterPage {
    action: &'static str,
    csrf_token: String,
    request_id: Option<String>,
    client_name: Option<String>,
    name: String,
    email: String,
    errors: FieldMessages,
    password_rules: String,
    sign_in: String,
    stylesheet: &'static str,
}

#[derive(Deserialize)]
pub struct RegisterQuery {
    request: Option<String>,
}

/// `?request=` for a link that keeps the parked request.
pub fn with_request(path: &str, request: Option<&str>) -> String {
    match request {
        Some(id) => format!("{path}?request={id}"),
        None => path.to_owned(),
    }
}

struct Filled {
    name: String,
    email: String,
    errors: FieldMessages,
    status: StatusCode,
}

async fn page(
    engine: &Engine,
    accounts: &Accounts,
    session: &Session,
    request_id: Option<String>,
    filled: Filled,
) -> PageResult {
    if !accounts.registration_open() {
        return Err(AccountError::RegistrationClosed.into());
    }
    let client_name = match &request_id {
        Some(id) => {
            let pending = parked(engine, session, id).await?;
            engine
                .client(&pending.request.client_id)
                .await?
                .map(|c| c.name.clone())
        }
        None => None,
    };
    let page = RegisterPage {
        action: paths::REGISTER,
        csrf_token: session::csrf_token(session).await?,
        sign_in: with_request(paths::LOGIN, request_id.as_deref()),
        request_id,
        client_name,
        name: filled.name,
        email: filled.email,
        errors: filled.errors,
        password_rules: accounts.password_rules(),
        stylesheet: paths::STYLESHEET,
    };
    Ok(render(&page, filled.status))
}

pub async fn show(
    State(engine): State<Engine>,
    State(accounts): State<Accounts>,
    session: Session,
    query: Result<Query<RegisterQuery>, axum::extract::rejection::QueryRejection>,
) -> PageResult {
    let request_id = query.ok().and_then(|Query(query)| query.request);
    let blank = Filled {
        name: String::new(),
        email: String::new(),
        errors: FieldMessages::default(),
        status: StatusCode::OK,
    };
    page(&engine, &accounts, &session, request_id, blank).await
}

pub async fn submit(
    State(engine): State<Engine>,
    State(accounts): State<Accounts>,
    session: Session,
    ClientAddress(address): ClientAddress,
    form: PageForm,
) -> PageResult {
    let email = form.get("email").trim();
    engine
        .limits
        .admit(Family::Registration, address, Some(email))
        .await?;
    check_csrf(&session, form.get("csrf_token")).await?;
    let request_id = Some(form.get("request").to_owned()).filter(|id| !id.is_empty());
    if let Some(id) = &request_id {
        // A request that expired meanwhile is said now, not after the account exists.
        parked(&engine, &session, id).await?;
    }
    let name = form.get("name");
    let result = accounts
        .register(
            form.get("email"),
            Some(name),
            form.get("password").to_owned(),
        )
        .await;
    match result {
        Ok(email) => {
            let verifying = session::Verifying {
                email: email.to_string(),
                request: request_id,
            };
            session::set_verifying(&session, &verifying).await?;
            Ok(Redirect::to(paths::VERIFY_EMAIL).into_response())
        }
        Err(AccountError::Invalid(problems)) => {
            let filled = Filled {
                name: name.to_owned(),
                email: form.get("email").to_owned(),
                errors: FieldMessages::new(problems),
                status: StatusCode::UNPROCESSABLE_ENTITY,
            };
            page(&engine, &accounts, &session, request_id, filled).await
        }
        Err(error) => Err(error.into()),
    }
}
