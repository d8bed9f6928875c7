//! The whole flow driven by an independent relying party, the `openidconnect` crate: discovery,
//! authorization with PKCE, sign-in, code exchange, ID token verification against our JWKS,
//! userinfo, refresh, revocation and RP-initiated logout.

use openidconnect::core::{
    CoreClient, CoreJwsSigningAlgorithm, CoreResponseType, CoreUserInfoClaims,
};
use openidconnect::{
    AccessTokenHash, AuthenticationFlow, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    HttpRequest, HttpResponse, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PostLogoutRedirectUrl, ProviderMetadataWithLogout, RedirectUrl, Scope, TokenResponse,
};
use serde_json::Value;

use crate::support::browser_flow::{PASSWORD, location, param};
use crate::support::{Backend, TestApp};

const CALLBACK: &str = "https://app.example.com/callback";

/// The relying party's HTTP client: reqwest, no redirects, no cookies (it is a back channel).
async fn http_client(request: HttpRequest) -> Result<HttpResponse, std::io::Error> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(std::io::Error::other)?;
    let (parts, body) = request.into_parts();
    let mut builder = client.request(parts.method, parts.uri.to_string());
    for (name, value) in &parts.headers {
        builder = builder.header(name, value);
    }
    let response = builder
        .body(body)
        .send()
        .await
        .map_err(std::io::Error::other)?;
    let mut out = openidconnect::http::Response::builder().status(response.status());
    for (name, value) in response.headers() {
        out = out.header(name, value);
    }
    let bytes = response.bytes().await.map_err(std::io::Error::other)?;
    out.body(bytes.to_vec()).map_err(std::io::Error::other)
}

async fn a_certified_style_client_completes_the_whole_lifecycle(
    backend: Backend,
    id_token_alg: &str,
) {
    let app = TestApp::spawn(backend).await;
    let user_id = app.create_user("rp@example.com", &["--name", "Relying Party User"]);
    let registered = app.web_client(&["--first-party", "--id-token-alg", id_token_alg]);

    let provider = ProviderMetadataWithLogout::discover_async(
        IssuerUrl::new(app.base_url.clone()).unwrap(),
        &http_client,
    )
    .await
    .expect("discovery");
    let end_session = provider
        .additional_metadata()
        .end_session_endpoint
        .clone()
        .expect("end_session_endpoint");
    let client = CoreClient::from_provider_metadata(
        provider,
        ClientId::new(registered.id.clone()),
        Some(ClientSecret::new(registered.secret.clone().unwrap())),
    )
    .set_redirect_uri(RedirectUrl::new(CALLBACK.into()).unwrap());

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (authorize_url, state, nonce) = client
        .authorize_url(
            AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("offline_access".into()))
        .set_pkce_challenge(challenge)
        .url();

    // The browser part, as a user agent would do it.
    let start = app.http.get(authorize_url.as_str()).send().await.unwrap();
    let login = app
        .submit_login(&location(&start), "rp@example.com", PASSWORD)
        .await;
    let callback = location(&login);
    assert_eq!(
        param(&callback, "state").as_deref(),
        Some(state.secret().as_str())
    );
    assert_eq!(
        param(&callback, "iss").as_deref(),
        Some(app.base_url.as_str())
    );
    let code = param(&callback, "code").unwrap();

    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http_client)
        .await
        .expect("code exchange");
    let mut verifier = client.id_token_verifier();
    if id_token_alg == "ES256" {
        verifier = verifier.set_allowed_algs(vec![CoreJwsSigningAlgorithm::EcdsaP256Sha256]);
    }
    let id_token = tokens.id_token().expect("an ID token");
    let claims = id_token
        .claims(&verifier, &nonce)
        .expect("ID token verifies against the JWKS");
    assert_eq!(claims.subject().as_str(), user_id);
    assert_eq!(claims.email().map(|e| e.as_str()), Some("rp@example.com"));
    let expected_hash = AccessTokenHash::from_token(
        tokens.access_token(),
        id_token.signing_alg().unwrap(),
        id_token.signing_key(&verifier).unwrap(),
    )
    .unwrap();
    assert_eq!(claims.access_token_hash(), Some(&expected_hash));

    let userinfo: CoreUserInfoClaims = client
        .user_info(
            tokens.access_token().clone(),
            Some(claims.subject().clone()),
        )
        .unwrap()
        .request_async(&http_client)
        .await
        .expect("userinfo");
    assert_eq!(userinfo.email().map(|e| e.as_str()), Some("rp@example.com"));

    let refreshed = client
        .exchange_refresh_token(tokens.refresh_token().expect("a refresh token"))
        .unwrap()
        .request_async(&http_client)
        .await
        .expect("refresh");
    assert_ne!(
        refreshed.refresh_token().unwrap().secret(),
        tokens.refresh_token().unwrap().secret()
    );

    let introspected: Value = app
        .post_form_basic(
            "/introspect",
            &registered,
            &[("token", refreshed.access_token().secret())],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(introspected["active"], true);
    let revoked = app
        .post_form_basic(
            "/revoke",
            &registered,
            &[("token", refreshed.refresh_token().unwrap().secret())],
        )
        .await;
    assert_eq!(revoked.status(), 200);
    let introspected: Value = app
        .post_form_basic(
            "/introspect",
            &registered,
            &[("token", refreshed.access_token().secret())],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(introspected["active"], false);

    let logout = openidconnect::LogoutRequest::from(end_session)
        .set_id_token_hint(id_token)
        .set_post_logout_redirect_uri(
            PostLogoutRedirectUrl::new("https://app.example.com/signed-out".into()).unwrap(),
        )
        .set_state(CsrfToken::new("after-logout".into()))
        .http_get_url();
    let response = app.http.get(logout.as_str()).send().await.unwrap();
    assert_eq!(
        location(&response),
        "https://app.example.com/signed-out?state=after-logout"
    );
    app.stop().await;
}

async fn with_rs256_id_tokens(backend: Backend) {
    a_certified_style_client_completes_the_whole_lifecycle(backend, "RS256").await;
}

async fn with_es256_id_tokens(backend: Backend) {
    a_certified_style_client_completes_the_whole_lifecycle(backend, "ES256").await;
}

on_both_backends!(with_rs256_id_tokens, with_es256_id_tokens);
