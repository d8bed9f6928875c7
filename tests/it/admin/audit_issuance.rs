//! Token issuance in the audit log: recorded only when `audit.record_token_issuance` asks,
//! and, when it does, every parallel token response recorded exactly once before its answer.

use serde_json::json;

use super::audit::settled;
use super::{console, get, token_for};
use crate::accounts::spawn_with;
use crate::support::Backend;

on_both_backends!(
    token_issuance_is_recorded_only_when_asked,
    parallel_token_issuance_is_each_recorded_once,
);

async fn token_issuance_is_recorded_only_when_asked(backend: Backend) {
    for record in [false, true] {
        let (mut app, _smtp) = spawn_with(backend, |config| {
            config.audit.record_token_issuance = record;
        })
        .await;
        app.create_user("root@example.com", &["--role", "admin"]);
        let console = console(&app);
        let token = token_for(&mut app, &console, "root@example.com").await;
        let machine = app.machine_client(&[]);
        app.client_credentials_token(&machine).await;
        let issued = get(&app, &token, "/admin/v1/audit-events?type=token.issued").await;
        let events = issued.body["events"].as_array().unwrap();
        if record {
            assert_eq!(events.len(), 2, "{}", issued.body);
            let machine_event = events
                .iter()
                .find(|e| e["client_id"] == machine.id.as_str());
            assert_eq!(
                machine_event.unwrap()["details"],
                json!(["grant_type:client_credentials"])
            );
        } else {
            assert!(events.is_empty(), "off by default: {}", issued.body);
        }
    }
}

/// Parallel token responses share commits (the audit writer's group commit): each one is still
/// recorded exactly once, answered only after its event is committed, and the chain verifies.
async fn parallel_token_issuance_is_each_recorded_once(backend: Backend) {
    const PARALLEL: usize = 40;
    let (mut app, _smtp) = spawn_with(backend, |config| {
        config.audit.record_token_issuance = true;
        config.audit.seal_interval = portcullis::config::Duration::from_millis(50);
        config.audit.checkpoint_interval = portcullis::config::Duration::from_millis(200);
    })
    .await;
    app.create_user("root@example.com", &["--role", "admin"]);
    let console = console(&app);
    let token = token_for(&mut app, &console, "root@example.com").await;
    let machine = app.machine_client(&[]);
    for round in 0..3 {
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(PARALLEL));
        let mut tasks = Vec::new();
        for _ in 0..PARALLEL {
            let (http, url, barrier) = (app.http.clone(), app.url("/token"), barrier.clone());
            let (id, secret) = (machine.id.clone(), machine.secret.clone());
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                let response = http
                    .post(url)
                    .basic_auth(id, secret)
                    .form(&[("grant_type", "client_credentials")])
                    .send()
                    .await
                    .unwrap();
                response.status().as_u16()
            }));
        }
        for task in tasks {
            assert_eq!(task.await.unwrap(), 200);
        }
        // Every answered request's event is already committed: counted at once, not eventually.
        let recorded = app
            .db
            .scalar(
                "select count(*) from audit_events where kind = 'token.issued' and client_id = $1",
                &machine.id,
            )
            .await;
        assert_eq!(
            recorded,
            Some(((round + 1) * PARALLEL) as i64),
            "round {round}"
        );
    }
    let report = settled(&app, &token).await;
    assert_eq!(report["intact"], true, "{report}");
}
