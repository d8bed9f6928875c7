//! The messages we send, one template pair (`templates/email/<kind>.txt` and `.html`) each.

use askama::Template;
use time::OffsetDateTime;

use crate::domain::{Email, MailKind, OutgoingMail};

#[derive(Template)]
#[template(path = "email/test.txt")]
struct TestText<'a> {
    issuer: &'a str,
}

#[derive(Template)]
#[template(path = "email/test.html")]
struct TestHtml<'a> {
    issuer: &'a str,
}

/// The message `portcullis mail test` sends.
pub fn test(to: Email, issuer: &str, now: OffsetDateTime) -> Result<OutgoingMail, askama::Error> {
    Ok(OutgoingMail {
        id: uuid::Uuid::now_v7(),
        kind: MailKind::Test,
        recipient: to,
        subject: format!("Mail from {issuer} works"),
        text_body: TestText { issuer }.render()?,
        html_body: TestHtml { issuer }.render()?,
        created_at: now,
    })
}
