//! A relying party on its own origin: a loopback listener on another port than the server's, as
//! every real app is, that records each request it receives (so tests assert what the app got,
//! not only where the browser went) and serves a small single-page app that runs the code flow
//! with `fetch` from that origin.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::response::{Html, IntoResponse, Response};
use tokio::sync::Notify;

/// One request the app received.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: Method,
    pub path: String,
    /// Query parameters, then form fields of a form body.
    pub params: Vec<(String, String)>,
    pub body: String,
}

impl Received {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct Log {
    received: Mutex<Vec<Received>>,
    arrived: Notify,
}

/// What the single-page app needs to know; written into its script by the app.
#[derive(Debug, Clone, Default)]
pub struct SpaConfig {
    pub issuer: String,
    pub client_id: String,
    pub scope: String,
}

pub struct ClientApp {
    /// `http://127.0.0.1:<port>`: the app's origin.
    pub origin: String,
    log: Arc<Log>,
    spa: Arc<Mutex<SpaConfig>>,
    server: tokio::task::JoinHandle<()>,
}

#[derive(Clone)]
struct AppState {
    log: Arc<Log>,
    spa: Arc<Mutex<SpaConfig>>,
}

/// The single-page app: PKCE code flow, then the token, userinfo and revocation endpoints with
/// `fetch`. It reports each step to `/report` on its own origin.
const SPA_SCRIPT: &str = r#"
const report = (step, value) => fetch('/report', { method: 'POST',
  headers: { 'content-type': 'application/json' }, body: JSON.stringify({ step, value }) });
const b64url = bytes => btoa(String.fromCharCode(...new Uint8Array(bytes)))
  .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const redirectUri = location.origin + '/spa';
async function start() {
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const state = b64url(crypto.getRandomValues(new Uint8Array(16)));
  sessionStorage.setItem('pkce', JSON.stringify({ verifier, state }));
  const query = new URLSearchParams({ response_type: 'code', client_id: CONFIG.client_id,
    redirect_uri: redirectUri, scope: CONFIG.scope, state, code_challenge: challenge,
    code_challenge_method: 'S256' });
  location.assign(CONFIG.issuer + '/authorize?' + query);
}
async function call(step, url, init) {
  try {
    const response = await fetch(url, init);
    const body = await response.text();
    await report(step, { status: response.status, body });
    return JSON.parse(body || '{}');
  } catch (error) {
    await report(step, { error: String(error) });
    throw error;
  }
}
const form = body => ({ method: 'POST', body: new URLSearchParams(body) });
async function finish(params) {
  const { verifier, state } = JSON.parse(sessionStorage.getItem('pkce'));
  if (params.get('state') !== state) { await report('state', { error: 'state mismatch' }); return; }
  const tokens = await call('token', CONFIG.issuer + '/token', form({ grant_type: 'authorization_code',
    code: params.get('code'), redirect_uri: redirectUri, code_verifier: verifier, client_id: CONFIG.client_id }));
  await call('userinfo', CONFIG.issuer + '/userinfo',
    { headers: { authorization: 'Bearer ' + tokens.access_token } });
  await call('revoke', CONFIG.issuer + '/revoke', form({ token: tokens.refresh_token,
    token_type_hint: 'refresh_token', client_id: CONFIG.client_id }));
  await report('done', {});
}
// From an origin that may not be allowed: what can this page read?
async function probe(token) {
  await call('probe-token', CONFIG.issuer + '/token', form({ grant_type: 'authorization_code',
    code: 'no-such-code', redirect_uri: redirectUri, code_verifier: 'v'.repeat(43),
    client_id: CONFIG.client_id })).catch(() => {});
  await call('probe-userinfo', CONFIG.issuer + '/userinfo',
    { headers: { authorization: 'Bearer ' + token } }).catch(() => {});
}
const params = new URLSearchParams(location.search);
if (params.has('probe')) { probe(params.get('probe')); }
else if (params.has('code')) { finish(params); }
else if (params.has('error')) { report('authorize', { error: params.get('error') }); }
else if (CONFIG.client_id) { start(); }
"#;

async fn record(State(state): State<AppState>, request: Request) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let mut params: Vec<(String, String)> = request
        .uri()
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let bytes = axum::body::to_bytes(request.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    if is_form {
        params.extend(url::form_urlencoded::parse(&bytes).into_owned());
    }
    let received = Received {
        method,
        path: path.clone(),
        params,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    };
    state.log.received.lock().unwrap().push(received);
    state.log.arrived.notify_waiters();
    if path == "/spa" {
        return Html(
            "<!doctype html><title>Single-page app</title><h1>Single-page app</h1>\
             <script src=\"/spa.js\"></script>",
        )
        .into_response();
    }
    Html(format!(
        "<!doctype html><title>The app</title><h1>The app received {path}</h1>"
    ))
    .into_response()
}

async fn spa_script(State(state): State<AppState>) -> Response {
    let config = state.spa.lock().unwrap().clone();
    let config = serde_json::json!({
        "issuer": config.issuer, "client_id": config.client_id, "scope": config.scope,
    });
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        "text/javascript; charset=utf-8".parse().unwrap(),
    );
    (headers, format!("const CONFIG = {config};\n{SPA_SCRIPT}")).into_response()
}

impl ClientApp {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let log = Arc::new(Log::default());
        let spa = Arc::new(Mutex::new(SpaConfig::default()));
        let router = Router::new()
            .route("/spa.js", axum::routing::get(spa_script))
            .fallback(record)
            .with_state(AppState {
                log: log.clone(),
                spa: spa.clone(),
            });
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Self {
            origin,
            log,
            spa,
            server,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    /// Configures the single-page app served at `/spa`.
    pub fn serve_spa(&self, config: SpaConfig) {
        *self.spa.lock().unwrap() = config;
    }

    pub fn received(&self) -> Vec<Received> {
        self.log.received.lock().unwrap().clone()
    }

    /// Waits for the first request to `path` that `accept` takes.
    pub async fn wait_for_matching(
        &self,
        path: &str,
        accept: impl Fn(&Received) -> bool,
    ) -> Received {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let arrived = self.log.arrived.notified();
            if let Some(found) = self
                .received()
                .into_iter()
                .find(|r| r.path == path && accept(r))
            {
                return found;
            }
            let waited = tokio::time::timeout_at(deadline, arrived).await;
            assert!(
                waited.is_ok(),
                "the app never received {path}; it received {:?}",
                self.received()
            );
        }
    }

    /// Waits for the first request to `path`.
    pub async fn wait_for(&self, path: &str) -> Received {
        self.wait_for_matching(path, |_| true).await
    }

    /// The value the single-page app reported for `step`.
    pub async fn spa_report(&self, step: &str) -> serde_json::Value {
        let report = self
            .wait_for_matching("/report", |r| {
                serde_json::from_str::<serde_json::Value>(&r.body).is_ok_and(|v| v["step"] == step)
            })
            .await;
        serde_json::from_str::<serde_json::Value>(&report.body).unwrap()["value"].clone()
    }
}

impl Drop for ClientApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}
