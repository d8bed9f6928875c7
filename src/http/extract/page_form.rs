//! A form posted by one of our pages; anything malformed is answered with the HTML error page.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};

use crate::http::responses::ErrorPage;

pub struct PageForm(pub HashMap<String, String>);

impl PageForm {
    pub fn get(&self, name: &str) -> &str {
        self.0.get(name).map(String::as_str).unwrap_or_default()
    }
}

fn bad_request(message: &str) -> ErrorPage {
    ErrorPage::new(StatusCode::BAD_REQUEST, "Bad request", message)
}

impl<S: Send + Sync> FromRequest<S> for PageForm {
    type Rejection = ErrorPage;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_form = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(bad_request("The form was not sent as a form."));
        }
        let body = Bytes::from_request(request, state)
            .await
            .map_err(|_| bad_request("The form is too large."))?;
        let mut fields = HashMap::new();
        for (name, value) in url::form_urlencoded::parse(&body) {
            if name.contains('\u{FFFD}') || value.contains('\u{FFFD}') {
                return Err(bad_request("The form is not valid UTF-8."));
            }
            if fields
                .insert(name.into_owned(), value.into_owned())
                .is_some()
            {
                return Err(bad_request("A form field was sent twice."));
            }
        }
        Ok(Self(fields))
    }
}
