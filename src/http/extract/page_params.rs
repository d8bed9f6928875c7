//! Parameters of a browser-facing protocol endpoint (`/authorize`, `/end_session`): the query of a
//! GET or the form body of a POST (OpenID Connect Core §3.1.2.1), as raw pairs so that the
//! endpoint itself can refuse repeated parameters. Malformed input gets the HTML error page.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{Method, StatusCode, header};

use crate::http::responses::ErrorPage;

pub struct PageParams(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequest<S> for PageParams {
    type Rejection = ErrorPage;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let raw = if request.method() == Method::POST {
            let is_form = request
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
            if !is_form {
                return Err(ErrorPage::new(
                    StatusCode::BAD_REQUEST,
                    "Bad request",
                    "The request must be a form.",
                ));
            }
            Bytes::from_request(request, state).await.map_err(|_| {
                ErrorPage::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "Request too large",
                    "The request is larger than this server accepts.",
                )
            })?
        } else {
            Bytes::copy_from_slice(request.uri().query().unwrap_or_default().as_bytes())
        };
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&raw).into_owned().collect();
        if pairs
            .iter()
            .any(|(k, v)| k.contains('\u{FFFD}') || v.contains('\u{FFFD}'))
        {
            return Err(ErrorPage::new(
                StatusCode::BAD_REQUEST,
                "Bad request",
                "The request is not valid UTF-8.",
            ));
        }
        Ok(Self(pairs))
    }
}
