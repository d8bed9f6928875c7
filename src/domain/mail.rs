//! Mail as the outbox holds it: rendered, addressed, waiting to leave.

use time::OffsetDateTime;
use uuid::Uuid;

use super::{Email, InvalidField};

/// What a message is for; the outbox keeps it so operators can see what is waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    /// Sent by `portcullis mail test` to check the mail set-up.
    Test,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Test => "test",
        }
    }

    pub fn parse(value: &str) -> Result<Self, InvalidField> {
        match value {
            "test" => Ok(Self::Test),
            _ => Err(InvalidField::new("kind", "is not a kind of mail we send")),
        }
    }
}

/// A rendered message to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    pub id: Uuid,
    pub kind: MailKind,
    pub recipient: Email,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub created_at: OffsetDateTime,
}

/// A queued message a sender has claimed, with the attempt this delivery is (1 for the first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedMail {
    pub mail: OutgoingMail,
    pub attempt: u32,
}
