//! Who may call the admin API: only our access tokens for its audience, from an active user
//! whose roles, as stored at the time of the request, give the permission.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::Method;
use serde_json::json;

use super::{call, console, get, token_for};
use crate::accounts::spawn;
use crate::support::Backend;

fn challenge(answer: &super::Answer) -> String {
    answer.headers["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned()
}

async fn only_admin_api_tokens_are_accepted(backend: Backend) {
    let (mut app, _smtp) = spawn(backend).await;
    app.create_user("root@example.com", &["--role", "admin"]);
    let console = console(&app);
    let token = token_for(&mut app, &console, "root@example.com").await;
    assert_eq!(get(&app, &token, "/admin/v1/users").await.status, 200);

    let missing = app.get("/admin/v1/users").await;
    assert_eq!(missing.status(), 401);
    assert!(
        missing.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );

    // The same person's token for the account API (another audience) is no use here.
    app.fresh_browser("account app");
    let account = app
        .code_flow(&console, "root@example.com", "openid account")
        .await;
    let account_token = account["access_token"].as_str().unwrap();
    let refused = get(&app, account_token, "/admin/v1/users").await;
    assert_eq!(refused.status, 401);
    assert!(challenge(&refused).contains("invalid_token"));
    // Nor is an ID token, though our key signed it.
    let id_token = account["id_token"].as_str().unwrap();
    assert_eq!(get(&app, id_token, "/admin/v1/users").await.status, 401);
    // And an admin token is no use at the account API.
    let response = app
        .http
        .get(app.url("/api/v1/account"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403, "no account scope");

    // Forgeries: alg none, HS256 keyed with the public key, an unknown kid, a key by reference.
    let (header, rest) = token.split_once('.').unwrap();
    let (claims, _signature) = rest.split_once('.').unwrap();
    let kid = serde_json::from_slice::<serde_json::Value>(&URL_SAFE_NO_PAD.decode(header).unwrap())
        .unwrap()["kid"]
        .as_str()
        .unwrap()
        .to_owned();
    for forged_header in [
        json!({"alg": "none", "typ": "at+jwt", "kid": kid}),
        json!({"alg": "HS256", "typ": "at+jwt", "kid": kid}),
        json!({"alg": "ES256", "typ": "at+jwt", "kid": "not-our-key"}),
        json!({"alg": "ES256", "typ": "at+jwt", "kid": kid, "jku": "https://evil.example/jwks"}),
        json!({"alg": "ES256", "typ": "at+jwt", "kid": kid, "jwk": {"kty": "EC"}}),
        json!({"alg": "ES256", "typ": "at+jwt", "kid": kid, "x5u": "https://evil.example/cert"}),
    ] {
        let header = URL_SAFE_NO_PAD.encode(forged_header.to_string());
        let signature = URL_SAFE_NO_PAD.encode(b"forged signature bytes");
        let forged = format!("{header}.{claims}.{signature}");
        let answer = get(&app, &forged, "/admin/v1/users").await;
        assert_eq!(answer.status, 401, "{forged_header}");
        assert!(challenge(&answer).contains("invalid_token"));
    }
    // The real token with its header swapped for another typ fails its signature.
    let id_typed =
        URL_SAFE_NO_PAD.encode(json!({"alg": "ES256", "typ": "JWT", "kid": kid}).to_string());
    let swapped = format!("{id_typed}.{rest}");
    assert_eq!(get(&app, &swapped, "/admin/v1/users").await.status, 401);

    // Expired: the server's clock an hour and a minute on.
    app.clock.advance(time::Duration::minutes(61));
    let expired = get(&app, &token, "/admin/v1/users").await;
    assert_eq!(expired.status, 401);
    assert!(challenge(&expired).contains("invalid_token"));
}

async fn permissions_are_read_at_every_request(backend: Backend) {
    let (mut app, _smtp) = spawn(backend).await;
    let root = app.create_user("root@example.com", &["--role", "admin"]);
    let other = app.create_user("other@example.com", &["--role", "admin"]);
    app.create_user("plain@example.com", &[]);
    let console = console(&app);
    let root_token = token_for(&mut app, &console, "root@example.com").await;
    let other_token = token_for(&mut app, &console, "other@example.com").await;
    let plain_token = token_for(&mut app, &console, "plain@example.com").await;

    // A person without admin roles gets an admin token (the scope is the client's) but no access.
    let plain = get(&app, &plain_token, "/admin/v1/users").await;
    assert_eq!(plain.status, 403);
    assert!(
        plain.body["detail"]
            .as_str()
            .unwrap()
            .contains("users:read")
    );

    // Demoted: refused at the next request, with the token unchanged.
    let path = format!("/admin/v1/users/{other}");
    let version = get(&app, &root_token, &path).await.etag.unwrap();
    let demoted = call(
        &app,
        &root_token,
        Method::PUT,
        &format!("{path}/roles"),
        Some(json!({"roles": ["manager"]})),
        Some(&version),
    )
    .await;
    assert_eq!(demoted.status, 200, "{}", demoted.body);
    assert_eq!(demoted.body["roles"], json!(["manager"]));
    assert_eq!(get(&app, &other_token, "/admin/v1/roles").await.status, 200);
    assert_eq!(
        get(&app, &other_token, "/admin/v1/users/x/export")
            .await
            .status,
        403,
        "a manager may not export"
    );

    // Suspended: every token of theirs is refused at once.
    let version = get(&app, &root_token, &path).await.etag.unwrap();
    let suspended = call(
        &app,
        &root_token,
        Method::PUT,
        &format!("{path}/status"),
        Some(json!({"status": "suspended", "reason": "left the team"})),
        Some(&version),
    )
    .await;
    assert_eq!(suspended.status, 200, "{}", suspended.body);
    assert_eq!(suspended.body["status_reason"], "left the team");
    assert_eq!(get(&app, &other_token, "/admin/v1/users").await.status, 401);

    // The last active administrator cannot suspend or demote themselves.
    let path = format!("/admin/v1/users/{root}");
    let version = get(&app, &root_token, &path).await.etag.unwrap();
    for (change, body) in [
        ("status", json!({"status": "suspended"})),
        ("roles", json!({"roles": ["manager"]})),
    ] {
        let refused = call(
            &app,
            &root_token,
            Method::PUT,
            &format!("{path}/{change}"),
            Some(body),
            Some(&version),
        )
        .await;
        assert_eq!(refused.status, 409, "{change}: {}", refused.body);
    }
    let refused = call(&app, &root_token, Method::DELETE, &path, None, None).await;
    assert_eq!(refused.status, 409);
    assert_eq!(get(&app, &root_token, &path).await.body["status"], "active");
}

async fn the_first_administrator_comes_from_the_environment_once(backend: Backend) {
    let password = crate::support::browser_flow::PASSWORD;
    let (mut app, _smtp) = crate::accounts::spawn_with(backend, |config| {
        config.bootstrap.admin_email = "first@example.com".into();
        config.bootstrap.admin_password = portcullis::config::SecretString::new(password);
    })
    .await;
    let console = console(&app);
    let token = token_for(&mut app, &console, "first@example.com").await;
    let users = get(&app, &token, "/admin/v1/users").await;
    assert_eq!(users.status, 200, "{}", users.body);
    assert_eq!(users.body["users"][0]["roles"], json!(["admin"]));
    let made = get(&app, &token, "/admin/v1/audit-events?type=user.created").await;
    assert_eq!(
        made.body["events"][0]["actor"],
        json!({"kind": "operator", "id": "bootstrap from the environment"})
    );
    // Once an administrator exists, the environment makes no one, on any instance.
    let other = app
        .sibling_with(|config| {
            config.bootstrap.admin_email = "second@example.com".into();
            config.bootstrap.admin_password = portcullis::config::SecretString::new(password);
        })
        .await;
    assert_eq!(other.users_with_email("second@example.com").await, 0);
    assert_eq!(app.users_with_email("first@example.com").await, 1);
}

/// Two administrators demoting each other at the same instant: one goes, the other stays
/// (three fresh servers, barrier-released requests), never both.
async fn two_admins_cannot_demote_each_other_at_once(backend: Backend) {
    for round in 0..3 {
        let (mut app, _smtp) = crate::accounts::spawn(backend).await;
        let a = app.create_user("a@example.com", &["--role", "admin"]);
        let b = app.create_user("b@example.com", &["--role", "admin"]);
        let console = console(&app);
        let a_token = token_for(&mut app, &console, "a@example.com").await;
        let b_token = token_for(&mut app, &console, "b@example.com").await;
        let a_version = get(&app, &b_token, &format!("/admin/v1/users/{a}"))
            .await
            .etag
            .unwrap();
        let b_version = get(&app, &a_token, &format!("/admin/v1/users/{b}"))
            .await
            .etag
            .unwrap();
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(2));
        let demote = |token: String, target: String, version: String| {
            let app = &app;
            let barrier = barrier.clone();
            async move {
                barrier.wait().await;
                call(
                    app,
                    &token,
                    Method::PUT,
                    &format!("/admin/v1/users/{target}/roles"),
                    Some(json!({"roles": ["user"]})),
                    Some(&version),
                )
                .await
                .status
            }
        };
        let (first, second) = tokio::join!(
            demote(a_token.clone(), b.clone(), b_version),
            demote(b_token.clone(), a.clone(), a_version),
        );
        // One goes; the other is refused either by the last-admin rule (409) or, when the
        // first demotion committed before the second request was authorized, because its caller
        // is no administrator any more (403).
        let mut statuses = [first, second];
        statuses.sort();
        assert!(
            statuses == [200, 409] || statuses == [200, 403],
            "round {round}: {statuses:?}"
        );
        let admins = app
            .db
            .scalar(
                "select count(*) from user_roles r join users u on u.id = r.user_id
                 where r.role_name = $1 and u.status = 'active'",
                "admin",
            )
            .await;
        assert_eq!(admins, Some(1), "round {round}");
    }
}

on_both_backends!(
    two_admins_cannot_demote_each_other_at_once,
    the_first_administrator_comes_from_the_environment_once,
    only_admin_api_tokens_are_accepted,
    permissions_are_read_at_every_request
);
