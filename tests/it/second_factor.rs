//! The second factor over HTTP: enrolment through the account API and pages, TOTP codes
//! computed here (independently of the server's TOTP code) from the secret it showed and its
//! moved clock, the sign-in page's second step, the authorization challenge endpoint, and the
//! password grant's refusal.

mod account;
mod challenge;
mod pages;

use serde_json::{Value, json};

use crate::accounts::{ACCOUNT_SCOPE, account_client};
use crate::support::TestApp;
use crate::support::browser_flow::PASSWORD;
use crate::support::oauth::TestClient;

/// RFC 6238 with HMAC-SHA-1, six digits and 30-second steps, for `secret` (base32) at `unix`.
pub fn totp_at(secret: &str, unix: i64) -> String {
    let key = base32_decode(secret);
    let step = (unix.div_euclid(30) as u64).to_be_bytes();
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, &key);
    let mac = aws_lc_rs::hmac::sign(&key, &step);
    let mac = mac.as_ref();
    let offset = usize::from(mac[19] & 0x0f);
    let value = u32::from_be_bytes([
        mac[offset],
        mac[offset + 1],
        mac[offset + 2],
        mac[offset + 3],
    ]) & 0x7fff_ffff;
    format!("{:06}", value % 1_000_000)
}

fn base32_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut bytes = Vec::new();
    let (mut buffer, mut bits) = (0_u32, 0);
    for c in text.chars().filter(|c| *c != '=') {
        let value = ALPHABET.find(c.to_ascii_uppercase()).expect("base32") as u32;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            bytes.push((buffer >> bits) as u8);
        }
    }
    bytes
}

/// The code of the server's current step, `steps` steps away (negative: earlier).
pub fn code_for(app: &TestApp, secret: &str, steps: i64) -> String {
    totp_at(secret, app.clock.now().unix_timestamp() + 30 * steps)
}

/// Moves the server's clock to the start of a fresh TOTP step, so a code computed now stays
/// the current one for the next 29 seconds of real time.
pub fn next_step(app: &TestApp) {
    let into_step = app.clock.now().unix_timestamp().rem_euclid(30);
    app.clock.advance(time::Duration::seconds(30 - into_step));
}

/// Moves the server's clock to the start of TOTP step `step`, back or forth.
pub fn at_step(app: &TestApp, step: i64) {
    let now = app.clock.now().unix_timestamp();
    app.clock.advance(time::Duration::seconds(step * 30 - now));
}

/// The newest step the server accepted for `email`.
pub async fn last_used_step(app: &TestApp, email: &str) -> i64 {
    app.db
        .scalar(
            "select last_used_step from second_factors f join users u on u.id = f.user_id
             where u.email = $1",
            email,
        )
        .await
        .expect("a factor with an accepted step")
}

/// Six digits that are not a code of `secret` now, nor one step either side.
pub fn wrong_code(app: &TestApp, secret: &str) -> String {
    let valid: Vec<String> = (-1..=1).map(|steps| code_for(app, secret, steps)).collect();
    (5..)
        .map(|steps| code_for(app, secret, steps))
        .find(|code| !valid.contains(code))
        .unwrap()
}

/// A user signed in to the account-scoped first-party app; their access token.
pub async fn account_token(app: &mut TestApp, email: &str) -> (TestClient, String) {
    let client = account_client(app);
    app.fresh_browser(email);
    let tokens = app.code_flow(&client, email, ACCOUNT_SCOPE).await;
    (client, tokens["access_token"].as_str().unwrap().to_owned())
}

/// Calls the account API with a bearer token; status and JSON body.
pub async fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = app.http.request(method, app.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Turns the factor on through the API; the secret and the recovery codes. The clock is moved
/// past the step the set-up code used (which can never sign in).
pub async fn enrol(app: &TestApp, token: &str) -> (String, Vec<String>) {
    let path = "/api/v1/account/second-factor";
    let (status, started) = call(app, reqwest::Method::POST, path, token, None).await;
    assert_eq!(status, 201, "{started}");
    let secret = started["secret"].as_str().unwrap().to_owned();
    next_step(app);
    let code = code_for(app, &secret, 0);
    let confirm = format!("{path}/confirm");
    let body = Some(json!({ "code": code }));
    let (status, confirmed) = call(app, reqwest::Method::POST, &confirm, token, body).await;
    assert_eq!(status, 200, "{confirmed}");
    let codes = confirmed["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    next_step(app);
    (secret, codes)
}

/// A user with the standard password and a confirmed factor; their secret and recovery codes.
pub async fn user_with_factor(app: &mut TestApp, email: &str) -> (String, Vec<String>) {
    app.create_user(email, &[]);
    let (_client, token) = account_token(app, email).await;
    enrol(app, &token).await
}

/// The first step at the challenge endpoint for `email`; status and body.
pub async fn challenge_password(
    app: &TestApp,
    client: &TestClient,
    email: &str,
    password: &str,
    code_challenge: &str,
) -> (u16, Value) {
    let response = app
        .post_form_basic(
            "/authorize-challenge",
            client,
            &[
                ("username", email),
                ("password", password),
                ("scope", "openid email offline_access"),
                ("code_challenge", code_challenge),
                ("code_challenge_method", "S256"),
            ],
        )
        .await;
    answer(response).await
}

/// A second step at the challenge endpoint: `auth_session` with `factor` (`totp` or
/// `recovery_code`) set to `code`.
pub async fn challenge_code(
    app: &TestApp,
    client: &TestClient,
    auth_session: &str,
    factor: &str,
    code: &str,
) -> (u16, Value) {
    let response = app
        .post_form_basic(
            "/authorize-challenge",
            client,
            &[("auth_session", auth_session), (factor, code)],
        )
        .await;
    answer(response).await
}

/// Signs `email` in at the challenge endpoint with the password and the app's current code, and
/// redeems the code; the token response.
pub async fn challenge_tokens(
    app: &TestApp,
    client: &TestClient,
    email: &str,
    secret: &str,
    scope: &str,
) -> Value {
    let (verifier, challenge) = crate::support::browser_flow::pkce_pair();
    let first = app
        .post_form_basic(
            "/authorize-challenge",
            client,
            &[
                ("username", email),
                ("password", PASSWORD),
                ("scope", scope),
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
            ],
        )
        .await;
    let (status, body) = answer(first).await;
    assert_eq!(status, 403, "{body}");
    next_step(app);
    let code = code_for(app, secret, 0);
    let session = body["auth_session"].as_str().unwrap();
    let (status, body) = challenge_code(app, client, session, "totp", &code).await;
    assert_eq!(status, 200, "{body}");
    let issued = body["authorization_code"].as_str().unwrap();
    let tokens = app
        .post_form_basic(
            "/token",
            client,
            &[
                ("grant_type", "authorization_code"),
                ("code", issued),
                ("code_verifier", &verifier),
            ],
        )
        .await;
    assert_eq!(tokens.status(), 200);
    tokens.json().await.unwrap()
}

async fn answer(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    assert_eq!(response.headers()["cache-control"], "no-store");
    (status, response.json().await.unwrap())
}

/// A first-party confidential app allowed the authorization_code grant (and so the challenge
/// endpoint).
pub fn first_party_app(app: &TestApp) -> TestClient {
    app.web_client(&[
        "--first-party",
        "--scope",
        "openid",
        "--scope",
        "email",
        "--scope",
        "offline_access",
    ])
}

pub const EMAIL: &str = "ada@example.com";

#[test]
fn the_test_totp_matches_rfc_6238() {
    // RFC 6238 Appendix B, SHA-1 seed "12345678901234567890", last six digits.
    let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    assert_eq!(totp_at(secret, 59), "287082");
    assert_eq!(totp_at(secret, 1_111_111_109), "081804");
    assert_eq!(totp_at(secret, 2_000_000_000), "279037");
}
