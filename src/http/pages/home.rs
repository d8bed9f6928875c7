//! `GET /`: what this server is, for a person who opens it (instead of a 404).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::render;
use crate::http::paths;
use crate::oauth::Engine;

#[derive(Template)]
#[template(path = "pages/home.html")]
struct HomePage {
    issuer: String,
    login: &'static str,
    account: &'static str,
    discovery: &'static str,
    stylesheet: &'static str,
}

pub async fn show(State(engine): State<Engine>) -> Response {
    render(
        &HomePage {
            issuer: engine.issuer.clone(),
            login: paths::LOGIN,
            account: paths::ACCOUNT,
            discovery: paths::OPENID_CONFIGURATION,
            stylesheet: paths::STYLESHEET,
        },
        StatusCode::OK,
    )
}
