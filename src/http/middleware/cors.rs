//! CORS for the endpoints browser apps call (`/token`, `/userinfo`, `/revoke`; OpenID Connect
//! Core §5.3, RFC 9700 §2.6): a response is readable from an origin only when the client it was
//! for lists that origin among its web origins. The handler names that client in a
//! [`CorsClient`] response extension (the client id the request claimed, or the token's client);
//! a response for no known client (an error before the client is known) is readable from any
//! registered web origin, and a preflight, which carries no client id, is answered for any
//! registered web origin too. Never `*`, never credentials: these endpoints take no cookies.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::domain::ClientId;
use crate::oauth::Engine;

/// The client a cross-origin response belongs to.
#[derive(Debug, Clone)]
pub struct CorsClient(pub ClientId);

/// How long browsers may cache a preflight answer.
const PREFLIGHT_MAX_AGE_SECONDS: &str = "600";

pub async fn allow_client_origins(
    State(engine): State<Engine>,
    request: Request,
    next: Next,
) -> Response {
    let Some(origin) = origin_of(request.headers()) else {
        // The answer depends on `Origin`: caches must not serve it to another origin.
        let mut response = next.run(request).await;
        response
            .headers_mut()
            .append(header::VARY, HeaderValue::from_static("origin"));
        return response;
    };
    if request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
    {
        let allowed = is_registered(&engine, &origin).await;
        return preflight(&origin, allowed);
    }
    let mut response = next.run(request).await;
    let allowed = match response.extensions().get::<CorsClient>() {
        // A store failure reads as "not allowed": fail closed.
        Some(CorsClient(id)) => engine
            .client(id)
            .await
            .ok()
            .flatten()
            .is_some_and(|client| {
                client
                    .web_origins
                    .iter()
                    .any(|allowed| allowed.as_str() == origin)
            }),
        None => is_registered(&engine, &origin).await,
    };
    let headers = response.headers_mut();
    headers.append(header::VARY, HeaderValue::from_static("origin"));
    if allowed && let Ok(value) = HeaderValue::from_str(&origin) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("www-authenticate, retry-after"),
        );
    }
    response
}

/// `OPTIONS` on these endpoints: a preflight is answered by [`allow_client_origins`] before it
/// gets here; anything else just learns that the method exists.
pub async fn options() -> StatusCode {
    StatusCode::NO_CONTENT
}

fn origin_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::ORIGIN)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

async fn is_registered(engine: &Engine, origin: &str) -> bool {
    match engine.store.is_web_origin(origin).await {
        Ok(registered) => registered,
        Err(error) => {
            // Without the store the answer is "not allowed": the browser reports a failed fetch.
            tracing::warn!(%error, "web origins unavailable");
            false
        }
    }
}

fn preflight(origin: &str, allowed: bool) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("origin"));
    if !allowed {
        return response;
    }
    if let Ok(value) = HeaderValue::from_str(origin) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    }
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("authorization, content-type"),
    );
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static(PREFLIGHT_MAX_AGE_SECONDS),
    );
    response
}
