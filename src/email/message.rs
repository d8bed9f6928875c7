//! Turning a queued message into a MIME message: text and HTML alternatives, our sender, and a
//! Message-ID derived from the outbox id, so a message delivered twice (after a crash between
//! the SMTP server's acceptance and our record of it) is recognisably the same message.

use lettre::Message;
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};

use super::transport::DeliveryError;
use crate::domain::OutgoingMail;

/// `Auto-Submitted: auto-generated` (RFC 3834 §5): auto-responders must not answer it.
#[derive(Debug, Clone, Copy)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}

/// Who our mail comes from.
#[derive(Debug, Clone)]
pub struct Envelope {
    pub from: Mailbox,
    pub reply_to: Option<Mailbox>,
}

impl Envelope {
    /// From `email.from` and `email.reply_to` (validated when the configuration loaded).
    pub fn from_config(email: &crate::config::EmailConfig) -> anyhow::Result<Self> {
        let from = email
            .from
            .trim()
            .parse()
            .map_err(|e| anyhow::anyhow!("email.from: {e}"))?;
        let reply_to = match email.reply_to.trim() {
            "" => None,
            value => Some(
                value
                    .parse()
                    .map_err(|e| anyhow::anyhow!("email.reply_to: {e}"))?,
            ),
        };
        Ok(Self { from, reply_to })
    }

    pub fn build(&self, mail: &OutgoingMail) -> Result<Message, DeliveryError> {
        let permanent = |e: &dyn std::fmt::Display| DeliveryError::Permanent(e.to_string());
        let to: Mailbox = mail.recipient.as_str().parse().map_err(|e| permanent(&e))?;
        let domain = self.from.email.domain().to_owned();
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .date(mail.created_at.into())
            .message_id(Some(format!("<{}@{domain}>", mail.id.simple())))
            .header(AutoSubmitted);
        if let Some(reply_to) = &self.reply_to {
            builder = builder.reply_to(reply_to.clone());
        }
        builder
            .multipart(MultiPart::alternative_plain_html(
                mail.text_body.clone(),
                mail.html_body.clone(),
            ))
            .map_err(|e| permanent(&e))
    }
}
