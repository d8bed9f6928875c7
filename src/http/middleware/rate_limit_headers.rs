//! Tells clients about the budget a request was counted against, whatever answered it:
//! `RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-headers-10 §2, §3: a quota
//! policy item `"name";q=<units>;w=<seconds>` and its state `"name";r=<left>;t=<seconds>`),
//! and `Retry-After` on a 429.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::limits::Quota;
use crate::limits::observed::observe;

pub async fn apply(request: Request, next: Next) -> Response {
    let (mut response, quota) = observe(next.run(request)).await;
    if let Some(quota) = quota {
        write(&mut response, &quota);
    }
    response
}

fn write(response: &mut Response, quota: &Quota) {
    let too_many = response.status() == StatusCode::TOO_MANY_REQUESTS;
    let headers = response.headers_mut();
    let policy = format!(
        "\"{}\";q={};w={}",
        quota.policy, quota.limit, quota.window_seconds
    );
    let state = format!(
        "\"{}\";r={};t={}",
        quota.policy, quota.remaining, quota.reset_seconds
    );
    if let (Ok(policy), Ok(state)) = (
        HeaderValue::from_str(&policy),
        HeaderValue::from_str(&state),
    ) {
        headers.insert("ratelimit-policy", policy);
        headers.insert("ratelimit", state);
    }
    if too_many && quota.remaining == 0 {
        headers.insert(
            header::RETRY_AFTER,
            HeaderValue::from(quota.reset_seconds.max(1)),
        );
    }
}
