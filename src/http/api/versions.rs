//! Versions on the wire (RFC 9110 §8.8.3, §13.1): every resource the APIs let two people edit
//! carries its row version as a strong `ETag`; a write names the version it read in `If-Match`
//! and changes nothing when the row moved on (412), and the writes that must never overwrite
//! blindly refuse to run without one (428, RFC 6585 §3).

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

use crate::http::responses::Problem;

/// The `ETag` of a version.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// Sets `ETag` on an answer.
pub fn tagged(mut response: Response, version: i64) -> Response {
    if let Ok(value) = HeaderValue::from_str(&etag(version)) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// Whether `If-None-Match` names `version` (a `GET` then answers 304).
pub fn unchanged(headers: &HeaderMap, version: i64) -> bool {
    let current = etag(version);
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == current))
}

/// The version `If-Match` names: `None` without the header or for `*`. A value that cannot be
/// one of our versions (a weak tag, a list, garbage) matches none: 412.
pub fn if_match(headers: &HeaderMap) -> Result<Option<i64>, Problem> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let value = value.to_str().map(str::trim).unwrap_or_default();
    if value == "*" {
        return Ok(None);
    }
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .and_then(|v| v.parse().ok())
        .map(Some)
        .ok_or_else(stale)
}

/// As [`if_match`], for writes that must name the version they change: 428 without one.
pub fn required_if_match(headers: &HeaderMap) -> Result<i64, Problem> {
    if_match(headers)?.ok_or_else(|| {
        Problem::new(
            StatusCode::PRECONDITION_REQUIRED,
            "This change needs If-Match",
        )
        .detail("send the ETag of the version you read in If-Match, so no change made meanwhile is overwritten")
    })
}

/// The answer to a write whose `If-Match` names a version that is no longer current.
pub fn stale() -> Problem {
    Problem::new(
        StatusCode::PRECONDITION_FAILED,
        "The resource changed meanwhile",
    )
    .detail("read it again and apply your change to the current version")
}
