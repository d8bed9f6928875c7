//! A relying party driving the authorization code flow over plain HTTP: the same requests a
//! browser makes, with this test's cookie jar, following our redirects by hand.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::Response;
use serde_json::Value;

use super::TestApp;
use super::binary::{self, command_for};
use super::oauth::TestClient;

/// Where test clients send their users back.
pub const CALLBACK: &str = "https://app.example.com/callback";

pub const PASSWORD: &str = "Correct horse battery staple 9";

/// A PKCE pair: verifier and its S256 challenge.
pub fn pkce_pair() -> (String, String) {
    let verifier = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
    (verifier, URL_SAFE_NO_PAD.encode(digest.as_ref()))
}

/// The value of a hidden input in a page.
pub fn hidden_field(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_owned())
}

pub fn location(response: &Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// Query parameters of a URL.
pub fn query(url: &str) -> Vec<(String, String)> {
    let url = url::Url::parse(url).unwrap();
    url.query_pairs().into_owned().collect()
}

pub fn param(url: &str, name: &str) -> Option<String> {
    query(url)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// What the RP asks for.
#[derive(Debug, Clone)]
pub struct AuthRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub state: String,
    pub nonce: String,
    pub challenge: String,
    pub extra: Vec<(String, String)>,
}

impl AuthRequest {
    pub fn new(client: &TestClient, redirect_uri: &str, scope: &str, challenge: &str) -> Self {
        Self {
            client_id: client.id.clone(),
            redirect_uri: redirect_uri.to_owned(),
            scope: scope.to_owned(),
            state: uuid::Uuid::new_v4().simple().to_string(),
            nonce: uuid::Uuid::new_v4().simple().to_string(),
            challenge: challenge.to_owned(),
            extra: Vec::new(),
        }
    }

    /// A request to the usual test callback with a fresh PKCE challenge whose verifier the test
    /// does not need.
    pub fn to_callback(client: &TestClient, scope: &str) -> Self {
        let (_, challenge) = pkce_pair();
        Self::new(client, CALLBACK, scope, &challenge)
    }

    pub fn with(mut self, name: &str, value: &str) -> Self {
        self.extra.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn pairs(&self) -> Vec<(String, String)> {
        let mut pairs = vec![
            ("response_type".to_owned(), "code".to_owned()),
            ("client_id".to_owned(), self.client_id.clone()),
            ("redirect_uri".to_owned(), self.redirect_uri.clone()),
            ("scope".to_owned(), self.scope.clone()),
            ("state".to_owned(), self.state.clone()),
            ("nonce".to_owned(), self.nonce.clone()),
            ("code_challenge".to_owned(), self.challenge.clone()),
            ("code_challenge_method".to_owned(), "S256".to_owned()),
        ];
        pairs.extend(self.extra.iter().cloned());
        pairs
    }

    pub fn url(&self, app: &TestApp) -> String {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(self.pairs())
            .finish();
        app.url(&format!("/authorize?{query}"))
    }
}

impl TestApp {
    /// `portcullis user create` with the standard test password; returns the user id.
    pub fn create_user(&self, email: &str, extra: &[&str]) -> String {
        let mut command = command_for(&self.db);
        command
            .args(["user", "create", "--email", email, "--password-stdin"])
            .args(extra);
        let run = binary::run(command, Some(&format!("{PASSWORD}\n")));
        run.assert_success();
        run.json()["id"].as_str().unwrap().to_owned()
    }

    /// A confidential web client with a loopback-free https redirect URI.
    pub fn web_client(&self, extra: &[&str]) -> TestClient {
        let mut args = vec![
            "--redirect-uri",
            CALLBACK,
            "--post-logout-redirect-uri",
            "https://app.example.com/signed-out",
            "--grant-type",
            "authorization_code",
            "--grant-type",
            "refresh_token",
        ];
        args.extend_from_slice(extra);
        self.create_client(&args)
    }

    /// GET the authorization URL (no redirects followed).
    pub async fn start_authorization(&self, request: &AuthRequest) -> Response {
        self.http.get(request.url(self)).send().await.unwrap()
    }

    /// Posts the sign-in form of the login page at `login_url` (a path with `?request=`).
    pub async fn submit_login(&self, login_url: &str, email: &str, password: &str) -> Response {
        let page = self.http.get(self.url(login_url)).send().await.unwrap();
        assert_eq!(page.status(), 200, "login page");
        let html = page.text().await.unwrap();
        let csrf = hidden_field(&html, "csrf_token").expect("a CSRF token on the login form");
        let mut form = vec![
            ("csrf_token", csrf),
            ("email", email.to_owned()),
            ("password", password.to_owned()),
        ];
        if let Some(request) = hidden_field(&html, "request") {
            form.push(("request", request));
        }
        self.http
            .post(self.url("/login"))
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    /// Posts a sign-in form without fetching the page first (the page itself may be failing).
    pub async fn submit_login_raw(&self, login_url: &str, email: &str, password: &str) -> Response {
        let request = param(&self.url(login_url), "request").unwrap_or_default();
        let form = [
            ("csrf_token", "unknown"),
            ("email", email),
            ("password", password),
            ("request", request.as_str()),
        ];
        self.http
            .post(self.url("/login"))
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    /// Answers the consent page at `consent_url` with "allow" or "deny".
    pub async fn submit_consent(&self, consent_url: &str, decision: &str) -> Response {
        let page = self.http.get(self.url(consent_url)).send().await.unwrap();
        assert_eq!(page.status(), 200, "consent page");
        let html = page.text().await.unwrap();
        let form = [
            ("csrf_token", hidden_field(&html, "csrf_token").unwrap()),
            ("request", hidden_field(&html, "request").unwrap()),
            ("decision", decision.to_owned()),
        ];
        self.http
            .post(self.url("/consent"))
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    /// A silent authorization request (`prompt=none`) answers `login_required`: the browser has
    /// no session.
    pub async fn assert_no_session(&self, client: &TestClient) {
        let silent = AuthRequest::to_callback(client, "openid").with("prompt", "none");
        let response = self.start_authorization(&silent).await;
        assert_eq!(
            param(&location(&response), "error").as_deref(),
            Some("login_required"),
            "the browser still has a session"
        );
    }

    /// Runs the flow through sign-in (and consent when asked) and returns the final redirect to
    /// the client.
    pub async fn sign_in_through(&self, request: &AuthRequest, email: &str) -> String {
        let start = self.start_authorization(request).await;
        assert_eq!(start.status(), 303, "{:?}", start.text().await);
        let mut next = location(&start);
        if next.starts_with("/login") {
            let login = self.submit_login(&next, email, PASSWORD).await;
            assert_eq!(
                login.status(),
                303,
                "sign-in failed: {:?}",
                login.text().await
            );
            next = location(&login);
        }
        if next.starts_with("/consent") {
            let consent = self.submit_consent(&next, "allow").await;
            assert_eq!(consent.status(), 303);
            next = location(&consent);
        }
        next
    }

    /// Exchanges a code at the token endpoint.
    pub async fn exchange_code(
        &self,
        client: &TestClient,
        code: &str,
        redirect_uri: &str,
        verifier: &str,
    ) -> Response {
        self.post_form_basic(
            "/token",
            client,
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", redirect_uri),
                ("code_verifier", verifier),
            ],
        )
        .await
    }

    /// The whole code flow for `email`; returns the token response.
    pub async fn code_flow(&self, client: &TestClient, email: &str, scope: &str) -> Value {
        let (verifier, challenge) = pkce_pair();
        let request = AuthRequest::new(client, CALLBACK, scope, &challenge);
        let callback = self.sign_in_through(&request, email).await;
        assert!(callback.starts_with(&format!("{CALLBACK}?")), "{callback}");
        assert_eq!(
            param(&callback, "state").as_deref(),
            Some(request.state.as_str())
        );
        let code = param(&callback, "code").expect("a code");
        let response = self
            .exchange_code(client, &code, &request.redirect_uri, &verifier)
            .await;
        assert_eq!(response.status(), 200, "{:?}", response.text().await);
        response.json().await.unwrap()
    }
}
