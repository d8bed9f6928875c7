//! Mail as the outbox holds it: rendered, addressed, waiting to leave.

use time::OffsetDateTime;
use uuid::Uuid;

use super::{Email, InvalidField};

/// What a message is for; the outbox keeps it so operators can see what is waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    /// Sent by `portcullis mail test` to check the mail set-up.
    Test,
    /// A code and link confirming a new account's address.
    VerifyEmail,
    /// Someone tried to register an address that already has an account.
    AlreadyRegistered,
    /// A code or link to choose a new password.
    RecoverPassword,
    /// The password was changed or reset.
    PasswordChanged,
    /// A code and link confirming an address an account is moving to.
    ConfirmNewEmail,
    /// Someone tried to move another account to an address that has one.
    EmailInUse,
    /// To the old address: the account moved to a new one.
    EmailChanged,
    /// The account was deleted at its owner's request.
    AccountDeleted,
    /// Two-step verification was turned on or off, or new recovery codes were made.
    SecondFactorChanged,
    /// An administrator made an account for the address: a link to choose its password.
    Invitation,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Test => "test",
            Self::VerifyEmail => "verify_email",
            Self::AlreadyRegistered => "already_registered",
            Self::RecoverPassword => "recover_password",
            Self::PasswordChanged => "password_changed",
            Self::ConfirmNewEmail => "confirm_new_email",
            Self::EmailInUse => "email_in_use",
            Self::EmailChanged => "email_changed",
            Self::AccountDeleted => "account_deleted",
            Self::SecondFactorChanged => "second_factor_changed",
            Self::Invitation => "invitation",
        }
    }

    pub fn parse(value: &str) -> Result<Self, InvalidField> {
        match value {
            "test" => Ok(Self::Test),
            "verify_email" => Ok(Self::VerifyEmail),
            "already_registered" => Ok(Self::AlreadyRegistered),
            "recover_password" => Ok(Self::RecoverPassword),
            "password_changed" => Ok(Self::PasswordChanged),
            "confirm_new_email" => Ok(Self::ConfirmNewEmail),
            "email_in_use" => Ok(Self::EmailInUse),
            "email_changed" => Ok(Self::EmailChanged),
            "account_deleted" => Ok(Self::AccountDeleted),
            "second_factor_changed" => Ok(Self::SecondFactorChanged),
            "invitation" => Ok(Self::Invitation),
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
