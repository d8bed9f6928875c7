//! The audit log over HTTP and in the database: admin and operator actions recorded with their
//! actor, chained by the sealer, and every edit, deletion and reordering made behind the
//! server's back found by verification (the admin API's and `portcullis audit verify`).

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use super::{call, console, get, token_for};
use crate::accounts::spawn_with;
use crate::support::binary::{self, command_for};
use crate::support::eventually::eventually;
use crate::support::{Backend, TestApp};

/// A server that seals every 50 ms and checkpoints every 200 ms.
async fn spawn(backend: Backend) -> TestApp {
    let (app, _smtp) = spawn_with(backend, |config| {
        config.audit.seal_interval = portcullis::config::Duration::from_millis(50);
        config.audit.checkpoint_interval = portcullis::config::Duration::from_millis(200);
    })
    .await;
    app
}

async fn verification(app: &TestApp, token: &str) -> Value {
    let answer = get(app, token, "/admin/v1/audit-events/verification").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body
}

/// Waits until everything recorded so far is chained and a checkpoint covers it; the report.
pub(super) async fn settled(app: &TestApp, token: &str) -> Value {
    eventually(
        Duration::from_secs(10),
        "the log is sealed and checkpointed",
        || async {
            let unsealed = app
                .db
                .scalar("select count(*) from audit_events where seq is null", "")
                .await;
            let checkpointed = app
                .db
                .scalar(
                    "select count(*) from audit_checkpoints c join audit_chain h on h.seq = c.seq",
                    "",
                )
                .await;
            unsealed == Some(0) && checkpointed.unwrap_or(0) > 0
        },
    )
    .await;
    verification(app, token).await
}

fn events_of<'a>(page: &'a Value, kind: &str) -> Vec<&'a Value> {
    page["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == kind)
        .collect()
}

async fn admin_and_operator_actions_are_recorded_and_verify(backend: Backend) {
    let mut app = spawn(backend).await;
    let root = app.create_user("root@example.com", &["--role", "admin"]);
    app.create_user("boss@example.com", &["--role", "manager"]);
    let console = console(&app);
    let token = token_for(&mut app, &console, "root@example.com").await;
    let boss = token_for(&mut app, &console, "boss@example.com").await;

    let invited = call(
        &app,
        &token,
        Method::POST,
        "/admin/v1/users",
        Some(json!({"email": "new@example.com", "roles": ["manager"]})),
        None,
    )
    .await;
    let new_id = invited.body["id"].as_str().unwrap().to_owned();
    let suspended = call(
        &app,
        &token,
        Method::PUT,
        &format!("/admin/v1/users/{new_id}/status"),
        Some(json!({"status": "suspended", "reason": "not yet"})),
        invited.etag.as_deref(),
    )
    .await;
    assert_eq!(suspended.status, 200);

    let page = get(&app, &token, "/admin/v1/audit-events?type=user.").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let invitation = events_of(&page.body, "user.invited");
    assert_eq!(invitation.len(), 1);
    assert_eq!(invitation[0]["actor"], json!({"kind": "user", "id": root}));
    assert_eq!(invitation[0]["subject"], new_id.as_str());
    assert_eq!(invitation[0]["details"], json!(["role:manager"]));
    // The personal data is the administrator's request (theirs, erased with them), not the
    // invitee's address: the subject names the invitee.
    assert_eq!(invitation[0]["personal"]["email"], Value::Null);
    assert_eq!(invitation[0]["personal"]["source_address"], "127.0.0.1");
    assert!(invitation[0]["request_id"].as_str().unwrap().len() > 10);
    let status = events_of(&page.body, "user.status_changed");
    assert_eq!(status[0]["details"], json!(["status:suspended"]));
    assert!(
        !page.body.to_string().contains("not yet"),
        "a reason is not recorded"
    );
    let created = events_of(&page.body, "user.created");
    assert_eq!(created.len(), 2, "the operator's `user create`");
    assert_eq!(
        created[0]["actor"],
        json!({"kind": "operator", "id": "portcullis user create"})
    );
    let clients = get(&app, &token, "/admin/v1/audit-events?type=client.created").await;
    assert_eq!(
        events_of(&clients.body, "client.created")[0]["actor"]["kind"],
        "operator"
    );
    let keys = get(&app, &token, "/admin/v1/audit-events?type=key.&actor=").await;
    assert_eq!(keys.status, 200);
    let by_subject = get(
        &app,
        &token,
        &format!("/admin/v1/audit-events?subject={new_id}&limit=1"),
    )
    .await;
    assert_eq!(by_subject.body["events"].as_array().unwrap().len(), 1);
    let next = by_subject.body["next_cursor"].as_str().unwrap();
    let second = get(
        &app,
        &token,
        &format!("/admin/v1/audit-events?subject={new_id}&limit=1&cursor={next}"),
    )
    .await;
    assert_eq!(second.status, 200);
    assert_ne!(
        second.body["events"][0]["id"],
        by_subject.body["events"][0]["id"]
    );
    assert_eq!(
        get(&app, &token, "/admin/v1/audit-events?cursor=forged.cursor")
            .await
            .status,
        400
    );
    assert_eq!(
        get(&app, &token, "/admin/v1/audit-events?outcome=maybe")
            .await
            .status,
        400
    );
    assert_eq!(get(&app, &boss, "/admin/v1/audit-events").await.status, 403);

    let report = settled(&app, &token).await;
    assert_eq!(report["intact"], true, "{report}");
    assert!(report["events_checked"].as_u64().unwrap() >= 7, "{report}");
    assert!(report["checkpoints_checked"].as_u64().unwrap() >= 1);
    let cli = binary::run(
        {
            let mut command = command_for(&app.db);
            command.args(["audit", "verify"]);
            command
        },
        None,
    );
    cli.assert_success();
    assert_eq!(cli.json()["intact"], true);
}

async fn tampering_behind_the_servers_back_is_found(backend: Backend) {
    let mut app = spawn(backend).await;
    app.create_user("root@example.com", &["--role", "admin"]);
    let console = console(&app);
    let token = token_for(&mut app, &console, "root@example.com").await;
    for n in 0..6 {
        let answer = call(
            &app,
            &token,
            Method::POST,
            "/admin/v1/users",
            Some(json!({ "email": format!("person{n}@example.com") })),
            None,
        )
        .await;
        assert_eq!(answer.status, 201);
    }
    let report = settled(&app, &token).await;
    assert_eq!(report["intact"], true, "{report}");
    let head = report["head_seq"].as_i64().unwrap();
    assert!(head >= 10, "{report}");
    let with_personal = app
        .db
        .scalar(
            "select cast(min(e.seq) as bigint) from audit_events e
             join audit_personal_data p on p.event_id = e.id
             where e.seq > 7 and p.source_address is not null and e.seq < cast($1 as bigint)",
            &head.to_string(),
        )
        .await
        .unwrap();

    // Edited, deleted, reordered, personal data changed, the newest event deleted.
    app.db
        .execute("update audit_events set outcome = 'failure' where seq = 2")
        .await;
    app.db
        .execute("delete from audit_events where seq = 3")
        .await;
    app.db
        .execute(
            "update audit_events set seq = -5 where seq = 5;
             update audit_events set seq = 5 where seq = 6;
             update audit_events set seq = 6 where seq = -5;",
        )
        .await;
    app.db
        .execute(&format!(
            "update audit_personal_data set source_address = '10.9.8.7'
             where event_id = (select id from audit_events where seq = {with_personal})"
        ))
        .await;
    app.db
        .execute(&format!("delete from audit_events where seq = {head}"))
        .await;

    let report = verification(&app, &token).await;
    assert_eq!(report["intact"], false);
    let found = |problem: &str, seq: i64| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["problem"] == problem && f["seq"] == seq)
    };
    assert!(found("edited", 2), "{report}");
    assert!(found("missing", 3), "{report}");
    assert!(found("chain_broken", 5), "{report}");
    assert!(found("personal_data_altered", with_personal), "{report}");
    assert!(found("missing", head), "{report}");
    assert!(found("checkpoint_mismatch", head), "{report}");
    let cli = binary::run(
        {
            let mut command = command_for(&app.db);
            command.args(["audit", "verify"]);
            command
        },
        None,
    );
    assert!(!cli.status.success(), "the CLI fails on a tampered log");
    assert_eq!(cli.json()["intact"], false);
}

async fn erasing_a_person_keeps_the_log_verifiable(backend: Backend) {
    let mut app = spawn(backend).await;
    app.create_user("root@example.com", &["--role", "admin"]);
    let leaving = app.create_user("leaving@example.com", &[]);
    let console = console(&app);
    let token = token_for(&mut app, &console, "root@example.com").await;
    let held = app
        .db
        .scalar(
            "select count(*) from audit_events where subject = $1",
            &leaving,
        )
        .await;
    assert_eq!(held, Some(1), "the operator's `user create`");
    let deleted = call(
        &app,
        &token,
        Method::DELETE,
        &format!("/admin/v1/users/{leaving}"),
        None,
        None,
    )
    .await;
    assert_eq!(deleted.status, 204);
    let page = get(
        &app,
        &token,
        &format!("/admin/v1/audit-events?subject={leaving}"),
    )
    .await;
    let created = events_of(&page.body, "user.created");
    assert!(
        created[0].get("personal").is_none(),
        "erased: {}",
        page.body
    );
    assert_eq!(events_of(&page.body, "user.deleted").len(), 1);
    let report = settled(&app, &token).await;
    assert_eq!(report["intact"], true, "{report}");
}

async fn sign_ins_and_account_changes_are_recorded_for_their_owner(backend: Backend) {
    let mut app = spawn(backend).await;
    app.create_user("root@example.com", &["--role", "admin"]);
    let person = app.create_user("person@example.com", &[]);
    let console = console(&app);

    for _ in 0..5 {
        assert_eq!(
            app.page_sign_in("person@example.com", "not the password")
                .await,
            401
        );
    }
    app.clock.advance(time::Duration::hours(2));
    let root = token_for(&mut app, &console, "root@example.com").await;
    app.fresh_browser("person's browser");
    let tokens = app
        .code_flow(
            &console,
            "person@example.com",
            "openid account offline_access",
        )
        .await;
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let renamed = app
        .http
        .patch(app.url("/api/v1/account"))
        .bearer_auth(access)
        .header("content-type", "application/merge-patch+json")
        .body(json!({"name": "Person"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), 200);

    let own = app
        .http
        .get(app.url("/api/v1/account/security-events"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 200);
    let own: Value = own.json().await.unwrap();
    let kinds: Vec<(&str, &str)> = own["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["type"].as_str().unwrap(), e["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == ("user.sign_in.password", "failure"))
            .count(),
        5,
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("user.sign_in.password", "success")),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("user.profile_updated", "success")),
        "{kinds:?}"
    );
    assert!(kinds.contains(&("user.created", "success")), "{kinds:?}");
    assert!(
        own["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["subject"] == person.as_str())
    );
    let updated = own["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "user.profile_updated")
        .unwrap();
    assert_eq!(
        updated["details"],
        json!(["name"]),
        "field names, never values"
    );

    let lockouts = get(
        &app,
        &root,
        "/admin/v1/audit-events?type=user.lockout_started",
    )
    .await;
    let lockout = &lockouts.body["events"][0];
    assert_eq!(
        lockout["personal"]["email"], "person@example.com",
        "{}",
        lockouts.body
    );

    // A refresh token used again after its successor was used: the reuse is recorded.
    let refreshed = |token: String| {
        let app = &app;
        let console = &console;
        async move {
            app.post_form_basic(
                "/token",
                console,
                &[("grant_type", "refresh_token"), ("refresh_token", &token)],
            )
            .await
        }
    };
    let second: Value = refreshed(refresh.to_owned()).await.json().await.unwrap();
    let second = second["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(refreshed(second).await.status(), 200);
    assert_eq!(refreshed(refresh.to_owned()).await.status(), 400);
    let reuse = get(
        &app,
        &root,
        "/admin/v1/audit-events?type=token.refresh_reuse_detected",
    )
    .await;
    assert_eq!(reuse.body["events"][0]["client_id"], console.id.as_str());
    assert_eq!(reuse.body["events"][0]["subject"], person.as_str());
    let report = settled(&app, &root).await;
    assert_eq!(report["intact"], true, "{report}");
}

async fn retention_removes_old_events_and_the_log_still_verifies(backend: Backend) {
    let (mut app, _smtp) = spawn_with(backend, |config| {
        config.audit.seal_interval = portcullis::config::Duration::from_millis(50);
        config.audit.checkpoint_interval = portcullis::config::Duration::from_millis(200);
        config.audit.retention = portcullis::config::Duration::from_millis(86_400_000);
    })
    .await;
    app.create_user("root@example.com", &["--role", "admin"]);
    let console = console(&app);
    let token = token_for(&mut app, &console, "root@example.com").await;
    let before = settled(&app, &token).await;
    let old_head = before["head_seq"].as_i64().unwrap();

    app.clock.advance(time::Duration::days(2));
    let token = token_for(&mut app, &console, "root@example.com").await;
    eventually(Duration::from_secs(10), "retention runs", || async {
        app.db
            .scalar("select pruned_through from audit_chain", "")
            .await
            .unwrap_or(0)
            >= old_head
    })
    .await;
    let kept = app
        .db
        .scalar(
            "select count(*) from audit_events where seq <= cast($1 as bigint)",
            &old_head.to_string(),
        )
        .await;
    assert_eq!(kept, Some(0), "the events older than a day are gone");
    let report = settled(&app, &token).await;
    assert_eq!(report["intact"], true, "{report}");
    let pruning = get(&app, &token, "/admin/v1/audit-events?limit=200").await;
    assert!(!pruning.body["events"].as_array().unwrap().is_empty());

    // Moving the chain's start by hand is not a retention.
    app.db
        .execute("update audit_chain set pruned_through = pruned_through + 1")
        .await;
    let report = verification(&app, &token).await;
    assert_eq!(report["intact"], false, "{report}");
}

on_both_backends!(
    retention_removes_old_events_and_the_log_still_verifies,
    sign_ins_and_account_changes_are_recorded_for_their_owner,
    admin_and_operator_actions_are_recorded_and_verify,
    tampering_behind_the_servers_back_is_found,
    erasing_a_person_keeps_the_log_verifiable,
);

/// Two instances on one PostgreSQL both seal every 50 ms: every event gets exactly one place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_seal_one_chain() {
    let mut first = spawn(Backend::Postgres).await;
    let second = first
        .sibling_with(|config| {
            config.audit.seal_interval = portcullis::config::Duration::from_millis(50);
        })
        .await;
    first.create_user("root@example.com", &["--role", "admin"]);
    let console = console(&first);
    let token = token_for(&mut first, &console, "root@example.com").await;
    for round in 0..3 {
        let invites = (0..20).map(|n| {
            let app = if n % 2 == 0 { &first } else { &second };
            let token = token.clone();
            async move {
                call(
                    app,
                    &token,
                    Method::POST,
                    "/admin/v1/users",
                    Some(json!({ "email": format!("r{round}-p{n}@example.com") })),
                    None,
                )
                .await
                .status
            }
        });
        let statuses = futures_util::future::join_all(invites).await;
        assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    }
    let report = settled(&first, &token).await;
    assert_eq!(report["intact"], true, "{report}");
    let events = first
        .db
        .scalar("select count(*) from audit_events", "")
        .await
        .unwrap();
    assert_eq!(report["head_seq"].as_i64(), Some(events), "{report}");
    assert_eq!(report["events_checked"].as_i64(), Some(events));
}
