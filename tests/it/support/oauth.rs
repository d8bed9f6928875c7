//! OAuth fixtures and calls: clients made through the real CLI, token requests over HTTP, and
//! JWT checks done independently with the jsonwebtoken crate against the published JWKS.

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{DecodingKey, Validation};
use serde_json::Value;

use super::TestApp;
use super::binary::{self, command_for};

/// A client as the CLI created it.
#[derive(Debug, Clone)]
pub struct TestClient {
    pub id: String,
    pub secret: Option<String>,
}

impl TestApp {
    /// `portcullis client create --name NAME ARGS...` against this app's database.
    pub fn create_client(&self, args: &[&str]) -> TestClient {
        let mut command = command_for(&self.db);
        command.args(["client", "create"]).args(args);
        if !args.contains(&"--name") {
            command.args(["--name", "Test client"]);
        }
        let run = binary::run(command, None);
        run.assert_success();
        let json = run.json();
        TestClient {
            id: json["client_id"].as_str().unwrap().to_owned(),
            secret: json["client_secret"].as_str().map(str::to_owned),
        }
    }

    /// A confidential machine client allowed `client_credentials` and the given extra args.
    pub fn machine_client(&self, extra: &[&str]) -> TestClient {
        let mut args = vec![
            "--grant-type",
            "client_credentials",
            "--scope",
            "api:read",
            "--scope",
            "api:write",
        ];
        args.extend_from_slice(extra);
        self.create_client(&args)
    }

    /// Introspects `token` as `caller` (RFC 7662); the answer is never cached.
    pub async fn introspect(&self, caller: &TestClient, token: &str) -> Value {
        let response = self
            .post_form_basic("/introspect", caller, &[("token", token)])
            .await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["cache-control"], "no-store");
        response.json().await.unwrap()
    }

    /// POSTs a form to `path`, authenticating with HTTP Basic.
    pub async fn post_form_basic(
        &self,
        path: &str,
        client: &TestClient,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .basic_auth(&client.id, client.secret.as_deref())
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// A client_credentials access token (panics on failure).
    pub async fn client_credentials_token(&self, client: &TestClient) -> Value {
        let response = self
            .post_form_basic("/token", client, &[("grant_type", "client_credentials")])
            .await;
        assert_eq!(response.status(), 200, "{:?}", response.text().await);
        response.json().await.unwrap()
    }

    pub async fn jwks(&self) -> JwkSet {
        self.get("/jwks").await.json().await.unwrap()
    }

    /// Verifies a JWT against the published JWKS with an independent library and returns its claims.
    pub async fn verify_jwt(&self, token: &str, audience: &str) -> Value {
        let header = jsonwebtoken::decode_header(token).unwrap();
        let kid = header.kid.expect("tokens name their key");
        let jwks = self.jwks().await;
        let jwk = jwks
            .find(&kid)
            .unwrap_or_else(|| panic!("kid {kid} is not in the JWKS"));
        let key = DecodingKey::from_jwk(jwk).unwrap();
        let mut validation = Validation::new(header.alg);
        validation.set_audience(&[audience]);
        validation.set_issuer(&[&self.base_url]);
        jsonwebtoken::decode::<Value>(token, &key, &validation)
            .unwrap()
            .claims
    }
}

/// The JOSE header of a JWT, unverified.
/// The RFC 6749 error code of a 400 answer.
pub async fn oauth_error(response: reqwest::Response) -> String {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 400, "{body}");
    body["error"].as_str().unwrap().to_owned()
}

pub fn jwt_header(token: &str) -> jsonwebtoken::Header {
    jsonwebtoken::decode_header(token).unwrap()
}
