//! One layer for what every answered request is counted by: the rate-limit budget it spent,
//! told to the client (`RateLimit-Policy` and `RateLimit`, draft-ietf-httpapi-ratelimit-headers-10
//! §2–3: a quota policy item `"name";q=<units>;w=<seconds>` and its state
//! `"name";r=<left>;t=<seconds>`, and `Retry-After` on a 429), and, with metrics on, the request
//! and its latency by route template (never the raw path), method and status class. One layer
//! rather than two: every router layer costs a boxed future per request.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::limits::Quota;
use crate::limits::observed::observe;
use crate::metrics::{HttpLabels, Metrics, Route, RouteLabels};

pub async fn record(
    State(metrics): State<Option<Metrics>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(metrics) = metrics else {
        let (mut response, quota) = observe(next.run(request)).await;
        if let Some(quota) = quota {
            write_quota(&mut response, &quota);
        }
        return response;
    };
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(Route::Unmatched, |path| Route::matched(path.as_str()));
    let method = method_label(request.method());
    let (mut response, quota) = observe(next.run(request)).await;
    if let Some(quota) = quota {
        write_quota(&mut response, &quota);
    }
    let status = match response.status().as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    };
    metrics
        .http_duration
        .get_or_create(&RouteLabels {
            route: route.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    metrics
        .http_requests
        .get_or_create(&HttpLabels {
            route,
            method,
            status,
        })
        .inc();
    response
}

fn write_quota(response: &mut Response, quota: &Quota) {
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

/// The method as a label: the standard ones by name, anything else as `other` (bounded).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}
