//! `GET /pictures/{id}`: uploaded profile pictures, public like the claims that name them. An
//! id is never reused for other bytes, so a picture may be cached for a year; the type is the
//! one read from its bytes at upload, and `nosniff` (set on every answer) keeps browsers to it.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::pages::PageResult;
use crate::http::responses::ErrorPage;
use crate::identity::accounts::Accounts;

pub async fn picture(State(accounts): State<Accounts>, Path(id): Path<String>) -> PageResult {
    let Some(picture) = accounts.picture(&id).await? else {
        return Err(ErrorPage::new(
            StatusCode::NOT_FOUND,
            "Not found",
            "There is no picture at this address (any more).",
        )
        .into());
    };
    let mut response: Response = (StatusCode::OK, picture.data).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(picture.kind.mime()),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("inline"),
    );
    Ok(response)
}
