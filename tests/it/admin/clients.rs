//! `/admin/v1/clients` and `/admin/v1/keys`: clients registered, changed under versions, given a
//! new secret and service-account roles, deleted with their grants; signing keys rotated.

use reqwest::Method;
use serde_json::{Value, json};

use super::{call, console, get, token_for};
use crate::accounts::spawn;
use crate::support::oauth::TestClient;
use crate::support::{Backend, TestApp};

async fn userinfo(app: &TestApp, token: &str) -> u16 {
    let response = app
        .http
        .get(app.url("/userinfo"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    response.status().as_u16()
}

async fn token_status(app: &TestApp, client: &TestClient) -> u16 {
    app.post_form_basic("/token", client, &[("grant_type", "client_credentials")])
        .await
        .status()
        .as_u16()
}

fn machine(body: &Value) -> TestClient {
    TestClient {
        id: body["client_id"].as_str().unwrap().to_owned(),
        secret: body["client_secret"].as_str().map(str::to_owned),
    }
}

async fn clients_are_managed_and_service_accounts_hold_roles(backend: Backend) {
    let (mut app, _smtp) = spawn(backend).await;
    app.create_user("root@example.com", &["--role", "admin"]);
    let console = console(&app);
    let root = token_for(&mut app, &console, "root@example.com").await;

    // Registered with everything the CLI sets; the secret is in this answer only.
    let created = call(
        &app,
        &root,
        Method::POST,
        "/admin/v1/clients",
        Some(json!({
            "client_id": "reporting-job",
            "name": "Reporting job",
            "grant_types": ["client_credentials"],
            "scopes": ["admin", "reports:read"],
            "access_token_ttl": "5m",
        })),
        None,
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(
        created.headers["location"],
        "/admin/v1/clients/reporting-job"
    );
    let job = machine(&created.body);
    assert!(job.secret.as_ref().unwrap().len() >= 40);
    let shown = get(&app, &root, "/admin/v1/clients/reporting-job").await;
    assert!(shown.body.get("client_secret").is_none());
    assert!(
        !shown
            .body
            .to_string()
            .contains(job.secret.as_deref().unwrap())
    );
    let listed = get(&app, &root, "/admin/v1/clients").await;
    assert!(
        listed.body["clients"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["client_id"] == "reporting-job")
    );
    let again = call(
        &app,
        &root,
        Method::POST,
        "/admin/v1/clients",
        Some(json!({"client_id": "reporting-job", "name": "Twin", "grant_types": ["client_credentials"]})),
        None,
    )
    .await;
    assert_eq!(again.status, 409);
    let bad_uri = call(
        &app,
        &root,
        Method::POST,
        "/admin/v1/clients",
        Some(json!({"name": "Web", "redirect_uris": ["https://ok.example/cb", "not a uri"]})),
        None,
    )
    .await;
    assert_eq!(bad_uri.status, 422, "{}", bad_uri.body);
    assert_eq!(bad_uri.body["errors"][0]["pointer"], "#/redirect_uris/1");

    // A service account: its token is refused until the client holds a role, then allowed
    // with the same token (roles are read at every request).
    let token = app.client_credentials_token(&job).await;
    let job_token = token["access_token"].as_str().unwrap().to_owned();
    assert_eq!(get(&app, &job_token, "/admin/v1/users").await.status, 403);
    let version = shown.etag.clone().unwrap();
    let without = call(
        &app,
        &root,
        Method::PUT,
        "/admin/v1/clients/reporting-job/roles",
        Some(json!({"roles": ["manager"]})),
        None,
    )
    .await;
    assert_eq!(without.status, 428);
    let given = call(
        &app,
        &root,
        Method::PUT,
        "/admin/v1/clients/reporting-job/roles",
        Some(json!({"roles": ["manager"]})),
        Some(&version),
    )
    .await;
    assert_eq!(given.status, 200, "{}", given.body);
    assert_eq!(given.body["service_roles"], json!(["manager"]));
    assert_eq!(get(&app, &job_token, "/admin/v1/users").await.status, 200);
    assert_eq!(get(&app, &job_token, "/admin/v1/clients").await.status, 403);

    // Changed under its version; the kind cannot change.
    let version = given.etag.unwrap();
    let change = |body: Value, if_match: Option<String>| {
        let app = &app;
        let root = root.clone();
        async move {
            call(
                app,
                &root,
                Method::PUT,
                "/admin/v1/clients/reporting-job",
                Some(body),
                if_match.as_deref(),
            )
            .await
        }
    };
    let renamed = change(
        json!({"name": "Nightly reports", "grant_types": ["client_credentials"], "scopes": ["admin"]}),
        Some(version.clone()),
    )
    .await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    assert_eq!(renamed.body["name"], "Nightly reports");
    assert_eq!(renamed.body["service_roles"], json!(["manager"]));
    let stale = change(
        json!({"name": "Other", "grant_types": ["client_credentials"]}),
        Some(version),
    )
    .await;
    assert_eq!(stale.status, 412);
    let public = change(
        json!({"name": "Other", "public": true, "grant_types": ["client_credentials"]}),
        renamed.etag.clone(),
    )
    .await;
    assert_eq!(public.status, 422);

    // A new secret: the old one stops working at once.
    let rotated = call(
        &app,
        &root,
        Method::POST,
        "/admin/v1/clients/reporting-job/secret",
        None,
        None,
    )
    .await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let fresh = machine(&rotated.body);
    assert_ne!(fresh.secret, job.secret);
    assert_eq!(token_status(&app, &job).await, 401);
    assert_eq!(token_status(&app, &fresh).await, 200);

    // A manager may not touch clients, nor a client that holds more than they do.
    app.create_user("boss@example.com", &["--role", "manager"]);
    let boss = token_for(&mut app, &console, "boss@example.com").await;
    assert_eq!(get(&app, &boss, "/admin/v1/clients").await.status, 403);

    // Deleted: the grants of its users die with it.
    let web = app.web_client(&["--scope", "openid", "--first-party"]);
    app.create_user("person@example.com", &[]);
    app.fresh_browser("person");
    let tokens = app.code_flow(&web, "person@example.com", "openid").await;
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(userinfo(&app, access).await, 200);
    let deleted = call(
        &app,
        &root,
        Method::DELETE,
        &format!("/admin/v1/clients/{}", web.id),
        None,
        None,
    )
    .await;
    assert_eq!(deleted.status, 204);
    assert_eq!(userinfo(&app, access).await, 401);
    assert_eq!(
        get(&app, &root, &format!("/admin/v1/clients/{}", web.id))
            .await
            .status,
        404
    );
}

async fn signing_keys_are_listed_and_rotated(backend: Backend) {
    let (mut app, _smtp) = spawn(backend).await;
    app.create_user("root@example.com", &["--role", "admin"]);
    app.create_user("boss@example.com", &["--role", "manager"]);
    let console = console(&app);
    let root = token_for(&mut app, &console, "root@example.com").await;
    let boss = token_for(&mut app, &console, "boss@example.com").await;

    let keys = get(&app, &root, "/admin/v1/keys").await;
    assert_eq!(keys.status, 200);
    let before = keys.body["keys"].as_array().unwrap().len();
    assert!(before >= 2, "{}", keys.body);
    assert!(!keys.body.to_string().contains("private"), "{}", keys.body);
    let rotated = call(
        &app,
        &root,
        Method::POST,
        "/admin/v1/keys/rotate",
        None,
        None,
    )
    .await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    assert_eq!(rotated.body["created"].as_array().unwrap().len(), 2);
    assert_eq!(rotated.body["keys"].as_array().unwrap().len(), before + 2);
    assert_eq!(get(&app, &boss, "/admin/v1/keys").await.status, 403);
    let refused = call(
        &app,
        &boss,
        Method::POST,
        "/admin/v1/keys/rotate",
        None,
        None,
    )
    .await;
    assert_eq!(refused.status, 403);
}

on_both_backends!(
    clients_are_managed_and_service_accounts_hold_roles,
    signing_keys_are_listed_and_rotated
);
