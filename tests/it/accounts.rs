//! Self-service accounts over HTTP: registration, verification and recovery through the JSON API
//! and the pages, with mail read out of the SMTP capture the server really sent it to.

mod account_page;
mod api_errors;
mod changes;
mod devices;
mod enumeration;
mod pages;
mod picture;
mod profile;
mod recovery;
mod registration;
mod rehash;

use serde_json::{Value, json};

use crate::support::browser::Browser;
use crate::support::smtp::{Mail, SmtpCapture};
use crate::support::{Backend, TestApp};

/// What a first-party app of the account tests asks for.
pub const ACCOUNT_SCOPE: &str = "openid email account offline_access";

/// A first-party web app (named "Notebook") allowed [`ACCOUNT_SCOPE`].
pub fn account_client(app: &TestApp) -> crate::support::oauth::TestClient {
    app.web_client(&[
        "--name",
        "Notebook",
        "--first-party",
        "--scope",
        "openid",
        "--scope",
        "email",
        "--scope",
        "account",
        "--scope",
        "offline_access",
    ])
}

/// The standard test password's successor after a reset.
pub const NEW_PASSWORD: &str = "Lantern orchard 77 quietly";

/// A server whose mail goes to `smtp` at once, that refuses unverified accounts at sign-in.
pub async fn spawn(backend: Backend) -> (TestApp, SmtpCapture) {
    spawn_with(backend, |_| {}).await
}

pub async fn spawn_with(
    backend: Backend,
    adjust: impl FnOnce(&mut portcullis::Config),
) -> (TestApp, SmtpCapture) {
    let smtp = SmtpCapture::start().await;
    let url = format!("smtp://{}", smtp.address);
    let app = TestApp::spawn_with(backend, |config| {
        config.email.smtp_url = portcullis::config::SecretString::new(&url);
        config.email.poll_interval = portcullis::config::Duration::from_millis(100);
        config.registration.require_verified_email = Some(true);
        adjust(config);
    })
    .await;
    (app, smtp)
}

impl TestApp {
    /// POSTs JSON to `path`; the status and the body as JSON (`Null` when there is none).
    pub async fn post_json(&self, path: &str, body: &Value) -> (u16, Value) {
        let response = self
            .http
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        if status >= 400 {
            assert_eq!(
                response.headers()["content-type"],
                "application/problem+json",
                "errors of the API are problems"
            );
        }
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Registers through the API and expects the one 202 answer.
    pub async fn register(&self, email: &str, password: &str) -> Value {
        let (status, body) = self
            .post_json(
                "/api/v1/registrations",
                &json!({"email": email, "password": password, "name": "Ada Lovelace"}),
            )
            .await;
        assert_eq!(status, 202, "{body}");
        body
    }

    /// The sign-in page's answer for `email` and `password` (no pending request): 200 when
    /// signed in, 303 to the verification page when the address is unverified, 401 when wrong.
    pub async fn page_sign_in(&self, email: &str, password: &str) -> u16 {
        let fresh = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .build()
            .unwrap();
        let page = fresh.get(self.url("/login")).send().await.unwrap();
        let html = page.text().await.unwrap();
        let csrf = crate::support::browser_flow::hidden_field(&html, "csrf_token").unwrap();
        let response = fresh
            .post(self.url("/login"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("email", email),
                ("password", password),
            ])
            .send()
            .await
            .unwrap();
        response.status().as_u16()
    }

    /// How many users have this address.
    pub async fn users_with_email(&self, email: &str) -> i64 {
        self.db
            .scalar("select count(*) from users where email = $1", email)
            .await
            .unwrap_or(0)
    }
}

/// The verification mail's code, after checking the mail carries a link too.
pub fn verification_code(mail: &Mail, app: &TestApp) -> String {
    assert!(
        mail.link(&app.url("/verify-email?token=")).len() > 60,
        "the mail carries a link with a 256-bit token"
    );
    mail.code()
}

/// Gives a test's background steps (mail after a 202) a moment to finish before checking that
/// nothing was sent: waits for a mail to a known address sent after them.
pub async fn settle(app: &TestApp, smtp: &SmtpCapture) {
    let marker = format!("marker-{}@example.com", uuid::Uuid::new_v4().simple());
    app.register(&marker, crate::support::browser_flow::PASSWORD)
        .await;
    smtp.mail_to(&marker).await;
}

/// Waits until the browser's page contains `text`.
pub async fn eventually_text(browser: &Browser, text: &str) {
    crate::support::eventually::eventually(std::time::Duration::from_secs(10), text, || async {
        browser.source().await.contains(text)
    })
    .await;
}
