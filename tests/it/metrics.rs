//! `/metrics` after a scripted flow: the counters moved by exactly what the flow did, read with
//! an independent parser (the Prometheus project's Python client, `prometheus_client` from
//! PyPI, whose OpenMetrics parser refuses malformed output); and the separate metrics listener.

use std::collections::HashMap;
use std::io::Write as _;
use std::process::{Command, Stdio};

use crate::support::browser_flow::PASSWORD;
use crate::support::{Backend, TestApp};

on_both_backends!(
    the_counters_move_by_exactly_what_a_flow_did,
    metrics_can_have_a_listener_of_their_own,
);

/// Parses an OpenMetrics scrape with `prometheus_client`; samples by `name{k="v",...}` with the
/// labels sorted.
fn parse(text: &str) -> HashMap<String, f64> {
    const SCRIPT: &str = r#"
import json, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
samples = {}
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
        samples[f"{s.name}{{{labels}}}"] = s.value
print(json.dumps(samples))
"#;
    let mut child = Command::new("python3")
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "the parser refused the scrape (pip install prometheus-client; scripts/test does): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

async fn scrape(url: &str) -> HashMap<String, f64> {
    let response = reqwest::get(url).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    parse(&response.text().await.unwrap())
}

fn value(samples: &HashMap<String, f64>, key: &str) -> f64 {
    samples.get(key).copied().unwrap_or(0.0)
}

async fn the_counters_move_by_exactly_what_a_flow_did(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| {
        config.rate_limits.enabled = true;
        config.rate_limits.flood_per_second = 0;
        config.rate_limits.token.per_client = 3;
    })
    .await;
    app.create_user("metered@example.com", &[]);
    let machine = app.create_client(&["--grant-type", "client_credentials"]);
    let first_party = app.create_client(&["--first-party", "--grant-type", "password"]);
    let before = scrape(&app.url("/metrics")).await;

    // Two client_credentials tokens, a wrong and a right password, a refusal by the limit.
    app.client_credentials_token(&machine).await;
    app.client_credentials_token(&machine).await;
    let guess = |password: &'static str| {
        let (app, client) = (&app, &first_party);
        async move {
            let form = [
                ("grant_type", "password"),
                ("username", "metered@example.com"),
                ("password", password),
            ];
            app.post_form_basic("/token", client, &form).await.status()
        }
    };
    assert_eq!(guess("a wrong guess").await, 400);
    assert_eq!(guess(PASSWORD).await, 200);
    app.client_credentials_token(&machine).await;
    let limited = app
        .post_form_basic("/token", &machine, &[("grant_type", "client_credentials")])
        .await;
    assert_eq!(limited.status(), 429);

    let after = scrape(&app.url("/metrics")).await;
    let moved = |key: &str| value(&after, key) - value(&before, key);
    let cc = r#"portcullis_tokens_issued_total{client_id="",client_kind="confidential",grant_type="client_credentials"}"#;
    let password = r#"portcullis_tokens_issued_total{client_id="",client_kind="confidential",grant_type="password"}"#;
    assert_eq!((moved(cc), moved(password)), (3.0, 1.0));
    let outcome = |o: &str| moved(&format!(r#"portcullis_sign_ins_total{{outcome="{o}"}}"#));
    assert_eq!(
        (
            outcome("wrong_credentials"),
            outcome("success"),
            outcome("locked")
        ),
        (1.0, 1.0, 0.0)
    );
    assert_eq!(
        moved(r#"portcullis_rate_limited_total{family="token"}"#),
        1.0
    );
    let token_requests = |class: &str| {
        moved(&format!(
            r#"portcullis_http_requests_total{{method="POST",route="/token",status="{class}"}}"#
        ))
    };
    assert_eq!((token_requests("2xx"), token_requests("4xx")), (4.0, 2.0));
    // The latency histogram saw the same six requests under the route template.
    assert_eq!(
        moved(r#"portcullis_http_request_duration_seconds_count{route="/token"}"#),
        6.0
    );
    // Values read at scrape time.
    assert!(value(&after, "portcullis_db_pool_connections{}") >= 1.0);
    assert!(value(&after, r#"portcullis_signing_keys{state="signing"}"#) >= 1.0);
    let database = match backend {
        Backend::Postgres => "postgres",
        Backend::Sqlite => "sqlite",
    };
    let build = format!(
        r#"portcullis_build_info{{database="{database}",version="{}"}}"#,
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(
        value(&after, &build),
        1.0,
        "{:?}",
        after
            .keys()
            .filter(|k| k.contains("build"))
            .collect::<Vec<_>>()
    );
    assert!(after.contains_key("portcullis_argon2_queue_wait_seconds_count{}"));
    // No raw path ever becomes a label: an unknown path is `unmatched`.
    app.get("/no/such/page/4711").await;
    let later = scrape(&app.url("/metrics")).await;
    assert!(later.keys().all(|k| !k.contains("4711")));
    assert!(
        value(
            &later,
            r#"portcullis_http_requests_total{method="GET",route="unmatched",status="4xx"}"#
        ) >= 1.0
    );
}

async fn metrics_can_have_a_listener_of_their_own(backend: Backend) {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = free.local_addr().unwrap();
    drop(free);
    let app = TestApp::spawn_with(backend, |config| config.metrics.listen = Some(address)).await;
    assert_eq!(
        app.get("/metrics").await.status(),
        404,
        "not on the public listener"
    );
    let samples = scrape(&format!("http://{address}/metrics")).await;
    assert!(samples.contains_key("portcullis_db_pool_max_connections{}"));
}
