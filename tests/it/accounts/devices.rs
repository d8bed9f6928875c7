//! `/api/v1/account/sessions`, `/apps` and `/export`: a person sees the browsers they are signed
//! in on and the apps they let in, ends either, and downloads what we hold about them.

use reqwest::Method;
use serde_json::Value;

use super::{ACCOUNT_SCOPE, account_client, spawn};
use crate::support::browser_flow::{AuthRequest, CALLBACK, param, pkce_pair};
use crate::support::oauth::TestClient;
use crate::support::{Backend, TestApp};

async fn call(app: &TestApp, method: Method, path: &str, token: &str) -> (u16, Value) {
    let response = app
        .http
        .request(method, app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    if status >= 400 {
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
    }
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn token(tokens: &Value, name: &str) -> String {
    tokens[name].as_str().unwrap().to_owned()
}

async fn refresh(app: &TestApp, client: &TestClient, refresh_token: &str) -> u16 {
    app.post_form_basic(
        "/token",
        client,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ],
    )
    .await
    .status()
    .as_u16()
}

async fn a_browser_signed_out_elsewhere_loses_its_session_and_its_grants(backend: Backend) {
    let (mut app, _smtp) = spawn(backend).await;
    app.create_user("devices@example.com", &[]);
    let client = account_client(&app);
    app.fresh_browser("Laptop browser");
    let laptop = app
        .code_flow(&client, "devices@example.com", ACCOUNT_SCOPE)
        .await;
    app.fresh_browser("Phone browser");
    let phone = app
        .code_flow(&client, "devices@example.com", ACCOUNT_SCOPE)
        .await;
    let phone_token = token(&phone, "access_token");

    let (status, listed) = call(&app, Method::GET, "/api/v1/account/sessions", &phone_token).await;
    assert_eq!(status, 200);
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{listed}");
    let laptop_sid = items
        .iter()
        .find(|s| s["device"] == "Laptop browser")
        .expect("the laptop is listed by its user agent")["sid"]
        .as_str()
        .unwrap()
        .to_owned();
    let laptop_id_token = app
        .verify_jwt(&token(&laptop, "id_token"), &client.id)
        .await;
    assert_eq!(
        laptop_id_token["sid"], laptop_sid,
        "the handle is the sign-in's sid"
    );
    for item in items {
        assert!(item["signed_in_at"].is_string() && item["last_active_at"].is_string());
    }

    let path = format!("/api/v1/account/sessions/{laptop_sid}");
    let (status, _) = call(&app, Method::DELETE, &path, &phone_token).await;
    assert_eq!(status, 204);
    assert_eq!(
        refresh(&app, &client, &token(&laptop, "refresh_token")).await,
        400,
        "the laptop's grant ended with its session"
    );
    let (status, _) = call(
        &app,
        Method::GET,
        "/api/v1/account",
        &token(&laptop, "access_token"),
    )
    .await;
    assert_eq!(status, 401, "the laptop's access token is inactive at once");
    assert_eq!(
        refresh(&app, &client, &token(&phone, "refresh_token")).await,
        200
    );
    let left = app
        .db
        .scalar(
            "select count(*) from browser_sessions s join users u on u.id = s.user_id
             where u.email = $1",
            "devices@example.com",
        )
        .await;
    assert_eq!(left, Some(1), "only the phone is still signed in");
    let (status, problem) = call(&app, Method::DELETE, &path, &phone_token).await;
    assert_eq!(status, 404, "{problem}");

    // Another person's sid is as unknown as a made-up one.
    app.create_user("stranger@example.com", &[]);
    app.fresh_browser("Stranger's browser");
    let stranger = app
        .code_flow(&client, "stranger@example.com", ACCOUNT_SCOPE)
        .await;
    let (_, theirs) = call(
        &app,
        Method::GET,
        "/api/v1/account/sessions",
        &token(&stranger, "access_token"),
    )
    .await;
    let stranger_sid = theirs["items"][0]["sid"].as_str().unwrap().to_owned();
    let (status, _) = call(
        &app,
        Method::DELETE,
        &format!("/api/v1/account/sessions/{stranger_sid}"),
        &phone_token,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        refresh(&app, &client, &token(&stranger, "refresh_token")).await,
        200
    );
    app.stop().await;
}

async fn disconnecting_an_app_forgets_its_consent_and_revokes_its_grants(backend: Backend) {
    let (app, _smtp) = spawn(backend).await;
    app.create_user("apps@example.com", &[]);
    let own = account_client(&app);
    let third_party = app.web_client(&[
        "--name",
        "Photo Printer",
        "--scope",
        "openid",
        "--scope",
        "email",
        "--scope",
        "offline_access",
    ]);
    let printer = app
        .code_flow(
            &third_party,
            "apps@example.com",
            "openid email offline_access",
        )
        .await;
    let mine = app.code_flow(&own, "apps@example.com", ACCOUNT_SCOPE).await;
    let my_token = token(&mine, "access_token");

    let (status, listed) = call(&app, Method::GET, "/api/v1/account/apps", &my_token).await;
    assert_eq!(status, 200);
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{listed}");
    let printer_app = items.iter().find(|a| a["name"] == "Photo Printer").unwrap();
    assert_eq!(printer_app["client_id"], third_party.id.as_str());
    assert_eq!(
        printer_app["consented_scope"],
        "email offline_access openid"
    );
    assert_eq!(printer_app["live_grants"], 1);
    let notebook = items.iter().find(|a| a["name"] == "Notebook").unwrap();
    assert!(
        notebook["consented_scope"].is_null(),
        "a first-party app is not asked"
    );

    // A code the app was given just before, but has not redeemed yet.
    let (verifier, challenge) = pkce_pair();
    let request = AuthRequest::new(&third_party, CALLBACK, "openid email", &challenge);
    let callback = app.sign_in_through(&request, "apps@example.com").await;
    let pending_code = param(&callback, "code").expect("a code for the app");

    let path = format!("/api/v1/account/apps/{}", third_party.id);
    let (status, _) = call(&app, Method::DELETE, &path, &my_token).await;
    assert_eq!(status, 204);
    let late = app
        .exchange_code(&third_party, &pending_code, CALLBACK, &verifier)
        .await;
    assert_eq!(
        late.status(),
        400,
        "a code from before the disconnection is dead"
    );
    assert_eq!(
        refresh(&app, &third_party, &token(&printer, "refresh_token")).await,
        400
    );
    let consents = app
        .db
        .scalar(
            "select count(*) from consents where client_id = $1",
            &third_party.id,
        )
        .await;
    assert_eq!(consents, Some(0), "the app will have to ask again");
    let (_, listed) = call(&app, Method::GET, "/api/v1/account/apps", &my_token).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    let (status, _) = call(&app, Method::DELETE, &path, &my_token).await;
    assert_eq!(status, 404);
    let (status, _) = call(
        &app,
        Method::DELETE,
        "/api/v1/account/apps/not%20a%20client",
        &my_token,
    )
    .await;
    assert_eq!(status, 404);

    // An app may disconnect itself: its own token stops working.
    let path = format!("/api/v1/account/apps/{}", own.id);
    let (status, _) = call(&app, Method::DELETE, &path, &my_token).await;
    assert_eq!(status, 204);
    let (status, _) = call(&app, Method::GET, "/api/v1/account", &my_token).await;
    assert_eq!(status, 401);
    app.stop().await;
}

async fn the_export_holds_every_row_about_the_person_and_no_secret(backend: Backend) {
    let (mut app, _smtp) = spawn(backend).await;
    app.create_user("export@example.com", &["--name", "Ex Porter"]);
    let client = account_client(&app);
    app.fresh_browser("Export browser");
    let tokens = app
        .code_flow(&client, "export@example.com", ACCOUNT_SCOPE)
        .await;
    let access = token(&tokens, "access_token");
    // A wrong password leaves a counter, which is about the person too.
    assert_eq!(
        app.page_sign_in("export@example.com", "Wrong-password-1")
            .await,
        401
    );

    let response = app
        .http
        .get(app.url("/api/v1/account/export"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(response.headers()["cache-control"], "no-store");
    let text = response.text().await.unwrap();
    let export: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(export["format"], "portcullis-account-export/1");
    assert_eq!(export["account"]["email"], "export@example.com");
    assert_eq!(export["account"]["name"], "Ex Porter");
    assert_eq!(export["signed_in_browsers"][0]["device"], "Export browser");
    assert_eq!(export["connected_apps"][0]["client_id"], client.id.as_str());
    let grants = export["grants"].as_array().unwrap();
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0]["scope"], "account email offline_access openid");
    let counters = export["guess_counters"].as_array().unwrap();
    assert!(
        counters
            .iter()
            .any(|c| c["key"] == "account:export@example.com" && c["failures"] == 1),
        "{counters:?}"
    );
    let refresh_token = token(&tokens, "refresh_token");
    for secret in [
        "$argon2",
        "password_hash",
        refresh_token.as_str(),
        "id_hash",
    ] {
        assert!(!text.contains(secret), "the export holds {secret}");
    }
    app.stop().await;
}

on_both_backends!(
    a_browser_signed_out_elsewhere_loses_its_session_and_its_grants,
    disconnecting_an_app_forgets_its_consent_and_revokes_its_grants,
    the_export_holds_every_row_about_the_person_and_no_secret,
);
