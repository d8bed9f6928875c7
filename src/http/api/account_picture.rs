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
pub async fn remove(
    State(accounts): State<Accounts>,
    State(engine): State<Engine>,
    AccountHolder(holder): AccountHolder,
) -> ApiResult {
    let user = accounts.remove_picture(&holder).await?;
    engine.user_changed(user.id);
    Ok(super::account::shown(&user, StatusCode::OK))
}
