//! `/admin/v1/roles` and `/admin/v1/permissions`: custom roles made from the catalogue, edited
//! under versions, and never used to give anyone more than the caller holds.

use reqwest::Method;
use serde_json::json;

use super::{call, console, get, token_for};
use crate::accounts::spawn;
use crate::support::Backend;

async fn custom_roles_are_subsets_of_what_their_maker_holds(backend: Backend) {
    let (mut app, _smtp) = spawn(backend).await;
    app.create_user("root@example.com", &["--role", "admin"]);
    let plain = app.create_user("plain@example.com", &[]);
    let console = console(&app);
    let root = token_for(&mut app, &console, "root@example.com").await;
    let deputy_id = app.create_user("deputy@example.com", &[]);
    let deputy = token_for(&mut app, &console, "deputy@example.com").await;

    let catalogue = get(&app, &root, "/admin/v1/permissions").await;
    assert_eq!(catalogue.status, 200);
    let names: Vec<_> = catalogue.body["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"users:roles") && names.contains(&"audit:read"));

    let roles = get(&app, &root, "/admin/v1/roles").await;
    let builtin: Vec<_> = roles.body["roles"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["builtin"] == true)
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(builtin, ["admin", "manager", "user"]);
    let admin_role = get(&app, &root, "/admin/v1/roles/admin").await;
    assert_eq!(
        admin_role.body["permissions"].as_array().unwrap().len(),
        names.len()
    );
    let version = admin_role.etag.unwrap();
    let edit_builtin = call(
        &app,
        &root,
        Method::PUT,
        "/admin/v1/roles/admin",
        Some(json!({"permissions": []})),
        Some(&version),
    )
    .await;
    assert_eq!(edit_builtin.status, 409);

    let create = |body: serde_json::Value, token: String| {
        let app = &app;
        async move {
            call(
                app,
                &token,
                Method::POST,
                "/admin/v1/roles",
                Some(body),
                None,
            )
            .await
        }
    };
    let delegate = create(
        json!({"name": "delegate", "description": "hands out plain roles",
               "permissions": ["users:read", "users:roles", "roles:read"]}),
        root.clone(),
    )
    .await;
    assert_eq!(delegate.status, 201, "{}", delegate.body);
    assert_eq!(delegate.headers["location"], "/admin/v1/roles/delegate");
    assert_eq!(
        create(json!({"name": "delegate", "permissions": []}), root.clone())
            .await
            .status,
        409
    );
    let unknown = create(
        json!({"name": "x", "permissions": ["users:everything"]}),
        root.clone(),
    )
    .await;
    assert_eq!(unknown.status, 422);
    assert_eq!(unknown.body["errors"][0]["field"], "permissions");
    assert_eq!(
        create(json!({"name": "manager", "permissions": []}), root.clone())
            .await
            .status,
        422
    );

    // Someone holding `delegate` gives plain roles, but nothing they lack.
    let deputy_path = format!("/admin/v1/users/{deputy_id}");
    let version = get(&app, &root, &deputy_path).await.etag.unwrap();
    let made_deputy = call(
        &app,
        &root,
        Method::PUT,
        &format!("{deputy_path}/roles"),
        Some(json!({"roles": ["delegate"]})),
        Some(&version),
    )
    .await;
    assert_eq!(made_deputy.status, 200, "{}", made_deputy.body);
    let path = format!("/admin/v1/users/{plain}");
    let give = |roles: serde_json::Value| {
        let app = &app;
        let deputy = deputy.clone();
        let path = path.clone();
        async move {
            let version = get(app, &deputy, &path).await.etag.unwrap();
            call(
                app,
                &deputy,
                Method::PUT,
                &format!("{path}/roles"),
                Some(json!({ "roles": roles })),
                Some(&version),
            )
            .await
        }
    };
    assert_eq!(give(json!(["admin"])).await.status, 403);
    assert_eq!(
        give(json!(["manager"])).await.status,
        403,
        "manager can suspend; the deputy cannot"
    );
    let plain_role = give(json!(["user", "user"])).await;
    assert_eq!(plain_role.status, 200, "{}", plain_role.body);
    assert_eq!(plain_role.body["roles"], json!(["user"]));
    let escalate = create(
        json!({"name": "mine", "permissions": ["users:read"]}),
        deputy.clone(),
    )
    .await;
    assert_eq!(escalate.status, 403, "no roles:write");

    // Changing a role needs its version; a stale one changes nothing.
    let read = get(&app, &root, "/admin/v1/roles/delegate").await;
    let version = read.etag.unwrap();
    let change = |body: serde_json::Value, if_match: Option<String>| {
        let app = &app;
        let root = root.clone();
        async move {
            call(
                app,
                &root,
                Method::PUT,
                "/admin/v1/roles/delegate",
                Some(body),
                if_match.as_deref(),
            )
            .await
        }
    };
    assert_eq!(
        change(json!({"permissions": ["users:read"]}), None)
            .await
            .status,
        428
    );
    let narrowed = change(
        json!({"permissions": ["users:read"]}),
        Some(version.clone()),
    )
    .await;
    assert_eq!(narrowed.status, 200, "{}", narrowed.body);
    assert_eq!(narrowed.body["permissions"], json!(["users:read"]));
    assert_eq!(
        change(json!({"permissions": []}), Some(version))
            .await
            .status,
        412
    );
    // The deputy lost users:roles at once.
    assert_eq!(give(json!([])).await.status, 403);

    let version = get(&app, &root, "/admin/v1/roles/delegate")
        .await
        .etag
        .unwrap();
    let without = call(
        &app,
        &root,
        Method::DELETE,
        "/admin/v1/roles/delegate",
        None,
        None,
    )
    .await;
    assert_eq!(without.status, 428);
    let deleted = call(
        &app,
        &root,
        Method::DELETE,
        "/admin/v1/roles/delegate",
        None,
        Some(&version),
    )
    .await;
    assert_eq!(deleted.status, 204);
    assert_eq!(
        get(&app, &root, "/admin/v1/roles/delegate").await.status,
        404
    );
    assert_eq!(get(&app, &deputy, "/admin/v1/users").await.status, 403);
}

on_both_backends!(custom_roles_are_subsets_of_what_their_maker_holds);
