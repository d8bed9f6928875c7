//! `/admin/v1/users`: listing by keyset pages, invitations, edits under versions, suspension
//! that ends everything at once, and the guards that keep managers below administrators.

use std::collections::HashSet;

use reqwest::Method;
use serde_json::json;

use super::{call, console, get, token_for};
use crate::accounts::spawn;
use crate::support::Backend;

async fn listings_page_by_cursor_and_filter(backend: Backend) {
    let (mut app, _smtp) = spawn(backend).await;
    app.create_user("root@example.com", &["--role", "admin"]);
    for n in 0..7 {
        let role = if n % 3 == 0 { "manager" } else { "user" };
        app.create_user(
            &format!("person{n}@example.com"),
            &["--role", role, "--name", &format!("Person {n}")],
        );
    }
    let console = console(&app);
    let token = token_for(&mut app, &console, "root@example.com").await;

    for sort in ["created_at", "-created_at", "email", "-email"] {
        let mut seen = Vec::new();
        let mut path = format!("/admin/v1/users?limit=3&sort={sort}");
        loop {
            let page = get(&app, &token, &path).await;
            assert_eq!(page.status, 200, "{}", page.body);
            let users = page.body["users"].as_array().unwrap();
            assert!(users.len() <= 3);
            seen.extend(
                users
                    .iter()
                    .map(|u| u["email"].as_str().unwrap().to_owned()),
            );
            match page.body["next_cursor"].as_str() {
                Some(cursor) => path = format!("/admin/v1/users?limit=3&cursor={cursor}"),
                None => break,
            }
        }
        assert_eq!(seen.len(), 8, "{sort}: every user once: {seen:?}");
        assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 8);
        if sort.ends_with("email") {
            let mut sorted = seen.clone();
            sorted.sort();
            if sort.starts_with('-') {
                sorted.reverse();
            }
            assert_eq!(seen, sorted, "{sort}");
        }
    }

    let managers = get(&app, &token, "/admin/v1/users?role=manager").await;
    assert_eq!(managers.body["users"].as_array().unwrap().len(), 3);
    let prefixed = get(&app, &token, "/admin/v1/users?q=PERSON1").await;
    let emails: Vec<_> = prefixed.body["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, ["person1@example.com"]);
    let by_name = get(&app, &token, "/admin/v1/users?q=person%205").await;
    assert_eq!(by_name.body["users"][0]["name"], "Person 5");
    let wildcard = get(&app, &token, "/admin/v1/users?q=%25").await;
    assert_eq!(
        wildcard.body["users"].as_array().unwrap().len(),
        0,
        "% is literal"
    );
    let others = get(&app, &token, "/admin/v1/users?exclude_self=true&limit=200").await;
    assert_eq!(others.body["users"].as_array().unwrap().len(), 7);
    let clamped = get(&app, &token, "/admin/v1/users?limit=100000").await;
    assert_eq!(clamped.status, 200);
    let none_suspended = get(&app, &token, "/admin/v1/users?status=suspended").await;
    assert_eq!(none_suspended.body["users"].as_array().unwrap().len(), 0);
    // Not one secret in any listing.
    let text = get(&app, &token, "/admin/v1/users").await.body.to_string();
    assert!(
        !text.contains("argon2") && !text.contains("password"),
        "{text}"
    );

    // Bad paging input is a 400 naming the parameter, never a 500.
    let first = get(&app, &token, "/admin/v1/users?limit=3").await;
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
    let (payload, tag) = cursor.split_once('.').unwrap();
    let mut edited = payload.to_owned();
    edited.replace_range(0..1, if payload.starts_with('e') { "f" } else { "e" });
    for (query, field) in [
        (format!("cursor={edited}.{tag}"), "cursor"),
        ("cursor=garbage".to_owned(), "cursor"),
        (format!("cursor={cursor}&sort=email"), "cursor"),
        ("sort=password_hash".to_owned(), "sort"),
        ("limit=0".to_owned(), "limit"),
        ("limit=-1".to_owned(), "limit"),
        ("status=gone".to_owned(), "status"),
        ("email_verified=maybe".to_owned(), "email_verified"),
        ("created_after=yesterday".to_owned(), "created_after"),
        ("role=Not%20A%20Role".to_owned(), "role"),
        ("page=2".to_owned(), "query"),
    ] {
        let answer = get(&app, &token, &format!("/admin/v1/users?{query}")).await;
        assert_eq!(answer.status, 400, "{query}: {}", answer.body);
        assert_eq!(answer.body["errors"][0]["field"], field, "{query}");
    }
}

async fn invitations_make_accounts_whose_owners_choose_the_password(backend: Backend) {
    let (mut app, smtp) = spawn(backend).await;
    app.create_user("root@example.com", &["--role", "admin"]);
    let console = console(&app);
    let token = token_for(&mut app, &console, "root@example.com").await;

    let created = call(
        &app,
        &token,
        Method::POST,
        "/admin/v1/users",
        Some(json!({"email": "New.Hire@Example.com", "name": "New Hire", "roles": ["manager"]})),
        None,
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        created.headers["location"],
        format!("/admin/v1/users/{id}").as_str()
    );
    assert_eq!(created.body["email"], "new.hire@example.com");
    assert_eq!(created.body["email_verified"], false);
    assert_eq!(created.body["roles"], json!(["manager"]));
    assert_eq!(
        created.etag.as_deref(),
        Some(format!("\"{}\"", created.body["version"]).as_str())
    );

    let mail = smtp.mail_to("new.hire@example.com").await;
    let link = mail.link(&app.url("/reset-password?token="));
    let page = app.http.get(&link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("password"));

    // A taken address is a conflict; two parallel invitations for one address: one of each.
    let again = call(
        &app,
        &token,
        Method::POST,
        "/admin/v1/users",
        Some(json!({"email": "new.hire@example.com"})),
        None,
    )
    .await;
    assert_eq!(again.status, 409);
    for round in 0..3 {
        let email = format!("race{round}@example.com");
        let body = json!({ "email": email });
        let (a, b) = tokio::join!(
            call(
                &app,
                &token,
                Method::POST,
                "/admin/v1/users",
                Some(body.clone()),
                None
            ),
            call(
                &app,
                &token,
                Method::POST,
                "/admin/v1/users",
                Some(body.clone()),
                None
            ),
        );
        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(statuses, [201, 409], "round {round}");
        assert_eq!(app.users_with_email(&email).await, 1);
    }

    // Field problems name the field; unknown roles and roles beyond the caller are refused.
    let bad = call(
        &app,
        &token,
        Method::POST,
        "/admin/v1/users",
        Some(json!({"email": "not an address", "roles": ["no-such-role"]})),
        None,
    )
    .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert_eq!(bad.body["errors"][0]["pointer"], "#/email");
    let unknown_role = call(
        &app,
        &token,
        Method::POST,
        "/admin/v1/users",
        Some(json!({"email": "x@example.com", "roles": ["no-such-role"]})),
        None,
    )
    .await;
    assert_eq!(unknown_role.status, 422, "{}", unknown_role.body);
    assert_eq!(unknown_role.body["errors"][0]["field"], "roles");
    let password = call(
        &app,
        &token,
        Method::POST,
        "/admin/v1/users",
        Some(json!({"email": "y@example.com", "password": "chosen by admin"})),
        None,
    )
    .await;
    assert_eq!(
        password.status, 422,
        "an administrator never sets a password"
    );
}

async fn a_user_is_edited_under_versions_and_suspended_at_once(backend: Backend) {
    let (mut app, smtp) = spawn(backend).await;
    app.create_user("root@example.com", &["--role", "admin"]);
    let user = app.create_user("worker@example.com", &["--name", "Worker"]);
    let console = console(&app);
    let token = token_for(&mut app, &console, "root@example.com").await;
    app.fresh_browser("worker's browser");
    let worker = app
        .code_flow(
            &console,
            "worker@example.com",
            "openid account offline_access",
        )
        .await;
    let worker_access = worker["access_token"].as_str().unwrap().to_owned();
    let worker_refresh = worker["refresh_token"].as_str().unwrap().to_owned();

    let path = format!("/admin/v1/users/{user}");
    let read = get(&app, &token, &path).await;
    assert_eq!(read.status, 200);
    let version = read.etag.clone().unwrap();
    let unchanged = app
        .http
        .get(app.url(&path))
        .bearer_auth(&token)
        .header("if-none-match", &version)
        .send()
        .await
        .unwrap();
    assert_eq!(unchanged.status(), 304);

    let patch = |body: serde_json::Value, if_match: Option<String>| {
        let app = &app;
        let token = token.clone();
        let path = path.clone();
        async move {
            let mut request = app
                .http
                .patch(app.url(&path))
                .bearer_auth(&token)
                .header("content-type", "application/merge-patch+json")
                .body(body.to_string());
            if let Some(version) = if_match {
                request = request.header("if-match", version);
            }
            request.send().await.unwrap()
        }
    };
    let renamed = patch(json!({"name": "Worker Bee"}), Some(version.clone())).await;
    assert_eq!(renamed.status(), 200);
    let newer = renamed.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(newer, version);
    // A second admin's edit based on the old version changes nothing.
    let stale = patch(json!({"name": "Someone Else"}), Some(version.clone())).await;
    assert_eq!(stale.status(), 412);
    assert_eq!(get(&app, &token, &path).await.body["name"], "Worker Bee");
    let roles_field = patch(json!({"roles": ["admin"]}), None).await;
    assert_eq!(roles_field.status(), 422);

    // Status and roles changes need If-Match.
    let without = call(
        &app,
        &token,
        Method::PUT,
        &format!("{path}/status"),
        Some(json!({"status": "suspended"})),
        None,
    )
    .await;
    assert_eq!(without.status, 428);
    let stale = call(
        &app,
        &token,
        Method::PUT,
        &format!("{path}/status"),
        Some(json!({"status": "suspended"})),
        Some(&version),
    )
    .await;
    assert_eq!(stale.status, 412);
    let deleted_status = call(
        &app,
        &token,
        Method::PUT,
        &format!("{path}/status"),
        Some(json!({"status": "deleted"})),
        Some(&newer),
    )
    .await;
    assert_eq!(deleted_status.status, 422);

    // Sessions, then suspension: the worker's access and refresh tokens die at once.
    let sessions = get(&app, &token, &format!("{path}/sessions")).await;
    assert_eq!(sessions.body["items"].as_array().unwrap().len(), 1);
    let suspended = call(
        &app,
        &token,
        Method::PUT,
        &format!("{path}/status"),
        Some(json!({"status": "suspended", "reason": "investigation"})),
        Some(&newer),
    )
    .await;
    assert_eq!(suspended.status, 200, "{}", suspended.body);
    assert_eq!(suspended.body["status"], "suspended");
    let account = app
        .http
        .get(app.url("/api/v1/account"))
        .bearer_auth(&worker_access)
        .send()
        .await
        .unwrap();
    assert_eq!(account.status(), 401);
    let refreshed = app
        .post_form_basic(
            "/token",
            &console,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &worker_refresh),
            ],
        )
        .await;
    assert_eq!(refreshed.status(), 400);
    let introspected = app.introspect(&console, &worker_access).await;
    assert_eq!(introspected["active"], false);
    let sessions = get(&app, &token, &format!("{path}/sessions")).await;
    assert_eq!(sessions.body["items"].as_array().unwrap().len(), 0);
    assert_eq!(
        app.page_sign_in("worker@example.com", crate::support::browser_flow::PASSWORD)
            .await,
        401,
        "a suspended account cannot sign in"
    );

    // Reactivated; a reset mail; the export; then deletion as the owner could.
    let version = suspended.etag.unwrap();
    let active = call(
        &app,
        &token,
        Method::PUT,
        &format!("{path}/status"),
        Some(json!({"status": "active"})),
        Some(&version),
    )
    .await;
    assert_eq!(active.status, 200);
    let reset = call(
        &app,
        &token,
        Method::POST,
        &format!("{path}/password-reset"),
        None,
        None,
    )
    .await;
    assert_eq!(reset.status, 202);
    let mail = smtp.mail_to("worker@example.com").await;
    assert!(mail.link(&app.url("/reset-password?token=")).len() > 60);
    let export = get(&app, &token, &format!("{path}/export")).await;
    assert_eq!(export.status, 200);
    assert_eq!(export.body["account"]["email"], "worker@example.com");
    let no_factor = call(
        &app,
        &token,
        Method::DELETE,
        &format!("{path}/second-factor"),
        None,
        None,
    )
    .await;
    assert_eq!(no_factor.status, 404);
    let stale_delete = call(&app, &token, Method::DELETE, &path, None, Some(&version)).await;
    assert_eq!(stale_delete.status, 412);
    let deleted = call(&app, &token, Method::DELETE, &path, None, None).await;
    assert_eq!(deleted.status, 204);
    let tombstone = get(&app, &token, &path).await;
    assert_eq!(tombstone.body["status"], "deleted");
    assert_eq!(
        get(&app, &token, "/admin/v1/users?q=worker").await.body["users"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        get(&app, &token, "/admin/v1/users/not-a-uuid").await.status,
        404
    );
}

async fn managers_act_only_on_users_without_permissions(backend: Backend) {
    let (mut app, _smtp) = spawn(backend).await;
    let root = app.create_user("root@example.com", &["--role", "admin"]);
    let peer = app.create_user("peer@example.com", &["--role", "manager"]);
    let plain = app.create_user("plain@example.com", &["--role", "user"]);
    app.create_user("boss@example.com", &["--role", "manager"]);
    let console = console(&app);
    let boss = token_for(&mut app, &console, "boss@example.com").await;

    assert_eq!(get(&app, &boss, "/admin/v1/users").await.status, 200);
    let suspend = |id: String| {
        let app = &app;
        let boss = boss.clone();
        async move {
            let path = format!("/admin/v1/users/{id}");
            let version = get(app, &boss, &path).await.etag.unwrap();
            call(
                app,
                &boss,
                Method::PUT,
                &format!("{path}/status"),
                Some(json!({"status": "suspended"})),
                Some(&version),
            )
            .await
        }
    };
    assert_eq!(suspend(plain.clone()).await.status, 200);
    assert_eq!(
        suspend(peer.clone()).await.status,
        403,
        "not another manager"
    );
    assert_eq!(
        suspend(root.clone()).await.status,
        403,
        "not an administrator"
    );

    let path = format!("/admin/v1/users/{plain}");
    let version = get(&app, &boss, &path).await.etag.unwrap();
    let promote = call(
        &app,
        &boss,
        Method::PUT,
        &format!("{path}/roles"),
        Some(json!({"roles": ["manager"]})),
        Some(&version),
    )
    .await;
    assert_eq!(promote.status, 403, "managers change no roles");
    assert_eq!(
        call(&app, &boss, Method::DELETE, &path, None, None)
            .await
            .status,
        403
    );
    let invite_admin = call(
        &app,
        &boss,
        Method::POST,
        "/admin/v1/users",
        Some(json!({"email": "sneaky@example.com", "roles": ["admin"]})),
        None,
    )
    .await;
    assert_eq!(invite_admin.status, 403);
    assert_eq!(app.users_with_email("sneaky@example.com").await, 0);
}

on_both_backends!(
    a_lost_second_factor_is_reset_and_a_browser_signed_out,
    listings_page_by_cursor_and_filter,
    invitations_make_accounts_whose_owners_choose_the_password,
    a_user_is_edited_under_versions_and_suspended_at_once,
    managers_act_only_on_users_without_permissions,
);

/// An administrator frees a user of a lost second factor (the user is told by mail, and signs in
/// with the password alone again) and signs one of their browsers out.
async fn a_lost_second_factor_is_reset_and_a_browser_signed_out(backend: Backend) {
    let (mut app, smtp) = spawn(backend).await;
    app.create_user("root@example.com", &["--role", "admin"]);
    let console = console(&app);
    let token = token_for(&mut app, &console, "root@example.com").await;
    crate::second_factor::user_with_factor(&mut app, "phone-lost@example.com").await;
    let id = app
        .db
        .scalar(
            "select count(*) from second_factors f join users u on u.id = f.user_id
             where u.email = $1 and f.confirmed_at is not null",
            "phone-lost@example.com",
        )
        .await;
    assert_eq!(id, Some(1));
    let listed = get(&app, &token, "/admin/v1/users?q=phone-lost").await;
    let user = listed.body["users"][0].clone();
    assert_eq!(user["second_factor"], true);
    let path = format!("/admin/v1/users/{}", user["id"].as_str().unwrap());

    let sessions = get(&app, &token, &format!("{path}/sessions")).await;
    let sid = sessions.body["items"][0]["sid"]
        .as_str()
        .unwrap()
        .to_owned();
    let ended = call(
        &app,
        &token,
        Method::DELETE,
        &format!("{path}/sessions/{sid}"),
        None,
        None,
    )
    .await;
    assert_eq!(ended.status, 204);
    let sessions = get(&app, &token, &format!("{path}/sessions")).await;
    assert!(sessions.body["items"].as_array().unwrap().is_empty());
    let again = call(
        &app,
        &token,
        Method::DELETE,
        &format!("{path}/sessions/{sid}"),
        None,
        None,
    )
    .await;
    assert_eq!(again.status, 404);

    let reset = call(
        &app,
        &token,
        Method::DELETE,
        &format!("{path}/second-factor"),
        None,
        None,
    )
    .await;
    assert_eq!(reset.status, 204);
    assert_eq!(get(&app, &token, &path).await.body["second_factor"], false);
    // The enrolment's notice, then the removal's.
    let removal = smtp.nth_mail_to("phone-lost@example.com", 2).await;
    assert_eq!(
        removal.header("subject").as_deref(),
        Some("Two-step verification was turned off")
    );
    assert_eq!(
        app.page_sign_in(
            "phone-lost@example.com",
            crate::support::browser_flow::PASSWORD
        )
        .await,
        200,
        "the password alone signs in again"
    );
}
