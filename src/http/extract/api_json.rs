//! A JSON body for the REST APIs; anything malformed is answered as problem+json: 415 for
//! another content type, 413 for a body over `server.body_limit`, 400 for broken JSON, 422 for
//! JSON of the wrong shape (with a pointer to the field when serde names one).

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::http::responses::Problem;

pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(problem(&rejection)),
        }
    }
}

fn problem(rejection: &JsonRejection) -> Problem {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => {
            Problem::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "Unsupported media type")
                .detail("Send the body as JSON with Content-Type: application/json.")
        }
        JsonRejection::JsonSyntaxError(_) => {
            Problem::new(StatusCode::BAD_REQUEST, "Malformed JSON")
                .detail("The body is not valid JSON.")
        }
        JsonRejection::JsonDataError(error) => {
            let message = error.body_text();
            let field = named_field(&message);
            let detail = shape_detail(&message);
            let problem = Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "The request has invalid fields",
            )
            .detail(detail.clone());
            match field {
                Some(field) => problem.field(field, detail),
                None => problem,
            }
        }
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large")
        }
        _ => Problem::new(StatusCode::BAD_REQUEST, "Unreadable body")
            .detail("The body could not be read."),
    }
}

/// serde's description without axum's prefix and the position, e.g. "missing field `email`".
fn shape_detail(message: &str) -> String {
    let message = message.split_once(": ").map_or(message, |(_, rest)| rest);
    let message = message
        .rsplit_once(" at line ")
        .map_or(message, |(before, _)| before);
    message.to_owned()
}

/// The field serde names in "missing field `x`" or "unknown field `x`".
fn named_field(message: &str) -> Option<&str> {
    let (_, rest) = message
        .split_once("missing field `")
        .or_else(|| message.split_once("unknown field `"))?;
    rest.split_once('`').map(|(field, _)| field)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_name_their_field() {
        let message = "Failed to deserialize the JSON body into the target type: missing field \
                       `email` at line 1 column 2";
        assert_eq!(named_field(message), Some("email"));
        assert_eq!(shape_detail(message), "missing field `email`");
        assert_eq!(
            named_field("unknown field `roles`, expected one of `email`"),
            Some("roles")
        );
        assert_eq!(named_field("invalid type: integer"), None);
    }
}
