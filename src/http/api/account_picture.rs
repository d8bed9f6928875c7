//! `PUT|DELETE /api/v1/account/picture`: a profile picture uploaded as the request body (PNG,
//! JPEG or WebP, at most 1 MB, the type read from the bytes whatever `Content-Type` says). It is
//! served back at `/pictures/<id>`, which becomes the profile's `picture`.

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::Response;

use crate::http::extract::account_bearer::AccountHolder;
use crate::http::responses::Problem;
use crate::identity::accounts::Accounts;
use crate::oauth::Engine;

type ApiResult = Result<Response, Problem>;

/// `PUT /api/v1/account/picture`: the body is the image. The account as it now is.
#[utoipa::path(
    put,
    operation_id = "account_picture_upload",
    path = crate::http::paths::API_ACCOUNT_PICTURE,
    tag = "account",
    request_body(content = Vec<u8>, content_type = "image/png"),
    responses((status = 200, description = "The account with its new picture", body = crate::http::api::account::AccountView), (status = 413, description = "Larger than 1 MB", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Not a PNG, JPEG or WebP image", body = Problem, content_type = "application/problem+json"), crate::http::openapi::AccountErrors),
    security(("account_token" = [])),
)]
pub async fn upload(
    State(accounts): State<Accounts>,
    State(engine): State<Engine>,
    AccountHolder(holder): AccountHolder,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let body = body.map_err(|_| {
        Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "Picture too large")
            .detail("A picture may be at most 1 MB.")
    })?;
    let user = accounts.upload_picture(holder.id, body.to_vec()).await?;
    engine.user_changed(user.id);
    Ok(super::account::shown(&user, StatusCode::OK))
}

/// `DELETE /api/v1/account/picture`: forgets the uploaded picture. The account as it now is.
#[utoipa::path(
    delete,
    operation_id = "account_picture_remove",
    path = crate::http::paths::API_ACCOUNT_PICTURE,
    tag = "account",
    responses((status = 200, description = "The account without a picture", body = crate::http::api::account::AccountView), crate::http::openapi::AccountErrors),
    security(("account_token" = [])),
)]
pub async fn remove(
    State(accounts): State<Accounts>,
    State(engine): State<Engine>,
    AccountHolder(holder): AccountHolder,
) -> ApiResult {
    let user = accounts.remove_picture(&holder).await?;
    engine.user_changed(user.id);
    Ok(super::account::shown(&user, StatusCode::OK))
}
