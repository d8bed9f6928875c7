//! Mail really leaves: the server's outbox sender and `portcullis mail test` talk SMTP to a
//! capture listener; what was queued before a crash goes out after the restart, once, even with
//! two instances; an SMTP outage delays mail and loses none.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use portcullis::domain::{Email, MailKind, OutgoingMail, time as clock};
use portcullis::store::Store;

use crate::support::app::test_config;
use crate::support::binary::{command_for, run};
use crate::support::eventually::eventually;
use crate::support::smtp::SmtpCapture;
use crate::support::{Backend, TestApp, TestDatabase};

fn smtp_url(capture: &SmtpCapture) -> String {
    format!("smtp://{}", capture.address)
}

fn queued(to: &str) -> OutgoingMail {
    OutgoingMail {
        id: uuid::Uuid::now_v7(),
        kind: MailKind::Test,
        recipient: Email::parse(to).unwrap(),
        subject: format!("For {to}"),
        text_body: format!("Hello {to}"),
        html_body: format!("<p>Hello {to}</p>"),
        created_at: clock::now(),
    }
}

async fn store_of(db: &TestDatabase) -> Arc<dyn Store> {
    let store = crate::support::connect_store(&db.config()).await.unwrap();
    store.migrate().await.unwrap();
    store
}

/// Mail delivery checks every 100 ms in these tests, instead of every 2 s.
fn quick_polls(config: &mut portcullis::Config, smtp_url: &str) {
    config.email.smtp_url = portcullis::config::SecretString::new(smtp_url);
    config.email.poll_interval = portcullis::config::Duration::from_millis(100);
}

async fn the_cli_test_message_arrives_over_smtp(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    let capture = SmtpCapture::start().await;
    let mut command = command_for(&db);
    command.env("PORTCULLIS_EMAIL__SMTP_URL", smtp_url(&capture));
    let out = run_mail_test(command, "ops@example.com");
    out.assert_success();
    let report = out.json();
    assert_eq!(
        (report["claimed"].as_u64(), report["sent"].as_u64()),
        (Some(1), Some(1))
    );
    let mail = capture.mail_to("ops@example.com").await;
    assert_eq!(mail.from, "no-reply@localhost");
    assert_eq!(
        mail.header("From").unwrap(),
        "Portcullis <no-reply@localhost>"
    );
    assert!(mail.header("Subject").unwrap().starts_with("Mail from "));
    assert_eq!(mail.header("Auto-Submitted").unwrap(), "auto-generated");
    let id = uuid::Uuid::parse_str(report["id"].as_str().unwrap()).unwrap();
    assert_eq!(
        mail.header("Message-ID").unwrap(),
        format!("<{}@localhost>", id.simple()),
        "the Message-ID names the outbox entry, so a resent copy is recognisably the same"
    );
    assert!(
        mail.header("Content-Type")
            .unwrap()
            .starts_with("multipart/alternative")
    );
    assert!(mail.data.contains("text/plain") && mail.data.contains("text/html"));
    assert!(mail.data.contains("portcullis mail test"));
    let left = "select count(*) from mail_outbox where kind = $1 and sent_at is null";
    assert_eq!(db.scalar(left, "test").await, Some(0));
}

fn run_mail_test(mut command: std::process::Command, to: &str) -> crate::support::binary::Run {
    command.args(["mail", "test", "--to", to]);
    run(command, None)
}

/// An SMTP server that is not there: the command says so and fails, and the message stays queued
/// for a retry (a sender will deliver it when the server is back).
async fn the_cli_test_fails_cleanly_when_smtp_is_down(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut command = command_for(&db);
    command.env("PORTCULLIS_EMAIL__SMTP_URL", format!("smtp://{closed}"));
    let out = run_mail_test(command, "ops@example.com");
    out.assert_clean_failure();
    assert!(
        out.stderr.contains("could not be delivered"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("mail delivery failed"),
        "the SMTP error is logged: {}",
        out.stderr
    );
    let waiting = "select count(*) from mail_outbox where kind = $1 and sent_at is null \
                   and failed_at is null and last_error is not null";
    assert_eq!(db.scalar(waiting, "test").await, Some(1));
}

/// Development needs no mail server: without `email.smtp_url` each message is an .eml file.
async fn without_smtp_mail_is_written_to_files(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    let out = run_mail_test(command_for(&db), "dev@example.com");
    out.assert_success();
    let folder = db.dir().join("data").join("mail");
    let files: Vec<_> = std::fs::read_dir(&folder)
        .unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let message = std::fs::read_to_string(&files[0]).unwrap();
    assert!(message.contains("To: dev@example.com"), "{message}");
}

/// Messages committed while no sender ran (the process was killed before it sent them) go out
/// when instances start again: two instances, each message exactly once.
async fn mail_queued_before_a_restart_leaves_once_from_two_instances(backend: Backend) {
    let capture = SmtpCapture::start().await;
    let url = smtp_url(&capture);
    let db = TestDatabase::new(backend).await;
    let store = store_of(&db).await;
    let mut expected = Vec::new();
    for i in 0..30 {
        let mail = queued(&format!("user{i}@example.com"));
        expected.push(mail.id);
        store.enqueue_mail(mail).await.unwrap();
    }
    let mut config = test_config(&db);
    quick_polls(&mut config, &url);
    let one = TestApp::spawn_on(db, config).await;
    let two = one.sibling_with(|config| quick_polls(config, &url)).await;
    eventually(
        Duration::from_secs(20),
        "all 30 messages delivered",
        || async { store.unfinished_mail_count().await.unwrap() == 0 },
    )
    .await;
    let mut seen: HashMap<String, usize> = HashMap::new();
    for mail in capture.mails() {
        *seen.entry(mail.header("Message-ID").unwrap()).or_default() += 1;
    }
    assert_eq!(seen.len(), 30, "{seen:?}");
    assert!(
        seen.values().all(|&n| n == 1),
        "each message once: {seen:?}"
    );
    for id in expected {
        assert!(seen.contains_key(&format!("<{}@localhost>", id.simple())));
    }
    one.stop().await;
    two.stop().await;
    store.close().await;
}

/// The SMTP server is down when mail is queued: the attempt fails and is retried after its
/// backoff (the clock moved, not waited for), and the message arrives once the server is back.
async fn mail_waits_out_an_smtp_outage(backend: Backend) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let url = format!("smtp://{port}");
    let app = TestApp::spawn_with(backend, |config| quick_polls(config, &url)).await;
    let store = store_of(&app.db).await;
    store
        .enqueue_mail(queued("patient@example.com"))
        .await
        .unwrap();
    let failed = "select count(*) from mail_outbox where kind = $1 and last_error is not null";
    eventually(
        Duration::from_secs(20),
        "the first attempt failed",
        || async { app.db.scalar(failed, "test").await == Some(1) },
    )
    .await;
    assert_eq!(
        store.unfinished_mail_count().await.unwrap(),
        1,
        "kept for a retry"
    );
    let capture = SmtpCapture::start_on(port).await;
    app.clock.advance(time::Duration::seconds(11));
    let mail = capture.mail_to("patient@example.com").await;
    assert_eq!(mail.header("Subject").unwrap(), "For patient@example.com");
    eventually(Duration::from_secs(10), "marked sent", || async {
        store.unfinished_mail_count().await.unwrap() == 0
    })
    .await;
    assert_eq!(capture.mails().len(), 1);
    app.stop().await;
    store.close().await;
}

on_both_backends!(
    the_cli_test_message_arrives_over_smtp,
    the_cli_test_fails_cleanly_when_smtp_is_down,
    without_smtp_mail_is_written_to_files,
    mail_queued_before_a_restart_leaves_once_from_two_instances,
    mail_waits_out_an_smtp_outage,
);
