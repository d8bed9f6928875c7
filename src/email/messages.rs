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
pub fn test(to: Email, issuer: &str, now: OffsetDateTime) -> Result<OutgoingMail, RenderError> {
    message(
        MailKind::Test,
        to,
        format!("Mail from {issuer} works"),
        TestText { issuer },
        TestHtml { issuer },
        now,
    )
}

/// A message's template failed to render (a bug in a template, never the input's fault).
#[derive(Debug, thiserror::Error)]
#[error("rendering a mail failed: {0}")]
pub struct RenderError(#[from] askama::Error);

/// A message of `kind` to `to`, with both bodies rendered.
fn message(
    kind: MailKind,
    to: Email,
    subject: String,
    text: impl Template,
    html: impl Template,
    now: OffsetDateTime,
) -> Result<OutgoingMail, RenderError> {
    Ok(OutgoingMail {
        id: uuid::Uuid::now_v7(),
        kind,
        recipient: to,
        subject,
        text_body: text.render()?,
        html_body: html.render()?,
        created_at: now,
    })
}

/// A lifetime as a person reads it: "24 hours", "30 minutes", "1 hour".
pub fn lifetime(duration: std::time::Duration) -> String {
    let minutes = duration.as_secs() / 60;
    let (count, unit) = if minutes >= 120 && minutes.is_multiple_of(60) {
        (minutes / 60, "hour")
    } else if minutes == 60 {
        (1, "hour")
    } else {
        (minutes.max(1), "minute")
    };
    if count == 1 {
        format!("1 {unit}")
    } else {
        format!("{count} {unit}s")
    }
}

#[derive(Template)]
#[template(path = "email/verify_email.txt")]
struct VerifyEmailText<'a> {
    issuer: &'a str,
    code: &'a str,
    link: &'a str,
    valid_for: &'a str,
}

#[derive(Template)]
#[template(path = "email/verify_email.html")]
struct VerifyEmailHtml<'a> {
    issuer: &'a str,
    code: &'a str,
    link: &'a str,
    valid_for: &'a str,
}

/// The code and link that confirm a new account's address.
pub fn verify_email(
    to: Email,
    issuer: &str,
    code: &str,
    link: &str,
    valid_for: &str,
    now: OffsetDateTime,
) -> Result<OutgoingMail, RenderError> {
    message(
        MailKind::VerifyEmail,
        to,
        format!("{code} is your code to confirm your email address"),
        VerifyEmailText {
            issuer,
            code,
            link,
            valid_for,
        },
        VerifyEmailHtml {
            issuer,
            code,
            link,
            valid_for,
        },
        now,
    )
}

#[derive(Template)]
#[template(path = "email/already_registered.txt")]
struct AlreadyRegisteredText<'a> {
    issuer: &'a str,
    sign_in: &'a str,
    recover: &'a str,
}

#[derive(Template)]
#[template(path = "email/already_registered.html")]
struct AlreadyRegisteredHtml<'a> {
    issuer: &'a str,
    sign_in: &'a str,
    recover: &'a str,
}

/// Tells the owner of an address that someone tried to register it again.
pub fn already_registered(
    to: Email,
    issuer: &str,
    sign_in: &str,
    recover: &str,
    now: OffsetDateTime,
) -> Result<OutgoingMail, RenderError> {
    message(
        MailKind::AlreadyRegistered,
        to,
        "Someone tried to create an account with your address".to_owned(),
        AlreadyRegisteredText {
            issuer,
            sign_in,
            recover,
        },
        AlreadyRegisteredHtml {
            issuer,
            sign_in,
            recover,
        },
        now,
    )
}

#[derive(Template)]
#[template(path = "email/recover_password.txt")]
struct RecoverPasswordText<'a> {
    issuer: &'a str,
    code: Option<&'a str>,
    link: Option<&'a str>,
    valid_for: &'a str,
}

#[derive(Template)]
#[template(path = "email/recover_password.html")]
struct RecoverPasswordHtml<'a> {
    issuer: &'a str,
    code: Option<&'a str>,
    link: Option<&'a str>,
    valid_for: &'a str,
}

/// A code or a link to choose a new password.
pub fn recover_password(
    to: Email,
    issuer: &str,
    code: Option<&str>,
    link: Option<&str>,
    valid_for: &str,
    now: OffsetDateTime,
) -> Result<OutgoingMail, RenderError> {
    let subject = match code {
        Some(code) => format!("{code} is your code to reset your password"),
        None => "Reset your password".to_owned(),
    };
    message(
        MailKind::RecoverPassword,
        to,
        subject,
        RecoverPasswordText {
            issuer,
            code,
            link,
            valid_for,
        },
        RecoverPasswordHtml {
            issuer,
            code,
            link,
            valid_for,
        },
        now,
    )
}

#[derive(Template)]
#[template(path = "email/invitation.txt")]
struct InvitationText<'a> {
    issuer: &'a str,
    link: &'a str,
    valid_for: &'a str,
}

#[derive(Template)]
#[template(path = "email/invitation.html")]
struct InvitationHtml<'a> {
    issuer: &'a str,
    link: &'a str,
    valid_for: &'a str,
}

/// An account an administrator made: a link to choose its password.
pub fn invitation(
    to: Email,
    issuer: &str,
    link: &str,
    valid_for: &str,
    now: OffsetDateTime,
) -> Result<OutgoingMail, RenderError> {
    message(
        MailKind::Invitation,
        to,
        "You have been invited: choose your password".to_owned(),
        InvitationText {
            issuer,
            link,
            valid_for,
        },
        InvitationHtml {
            issuer,
            link,
            valid_for,
        },
        now,
    )
}

#[derive(Template)]
#[template(path = "email/password_changed.txt")]
struct PasswordChangedText<'a> {
    issuer: &'a str,
    when: &'a str,
    recover: &'a str,
}

#[derive(Template)]
#[template(path = "email/password_changed.html")]
struct PasswordChangedHtml<'a> {
    issuer: &'a str,
    when: &'a str,
    recover: &'a str,
}

/// Tells the owner that their password changed (and every session ended).
pub fn password_changed(
    to: Email,
    issuer: &str,
    recover: &str,
    now: OffsetDateTime,
) -> Result<OutgoingMail, RenderError> {
    let when = shown_time(now);
    message(
        MailKind::PasswordChanged,
        to,
        "Your password was changed".to_owned(),
        PasswordChangedText {
            issuer,
            when: &when,
            recover,
        },
        PasswordChangedHtml {
            issuer,
            when: &when,
            recover,
        },
        now,
    )
}

/// A time as mail shows it, to the minute (the templates say "(UTC)").
fn shown_time(now: OffsetDateTime) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    now.format(format).unwrap_or_else(|_| now.to_string())
}

#[derive(Template)]
#[template(path = "email/confirm_new_email.txt")]
struct ConfirmNewEmailText<'a> {
    issuer: &'a str,
    code: &'a str,
    link: &'a str,
    valid_for: &'a str,
}

#[derive(Template)]
#[template(path = "email/confirm_new_email.html")]
struct ConfirmNewEmailHtml<'a> {
    issuer: &'a str,
    code: &'a str,
    link: &'a str,
    valid_for: &'a str,
}

/// The code and link that confirm the address an account is moving to.
pub fn confirm_new_email(
    to: Email,
    issuer: &str,
    code: &str,
    link: &str,
    valid_for: &str,
    now: OffsetDateTime,
) -> Result<OutgoingMail, RenderError> {
    message(
        MailKind::ConfirmNewEmail,
        to,
        format!("{code} is your code to confirm your new email address"),
        ConfirmNewEmailText {
            issuer,
            code,
            link,
            valid_for,
        },
        ConfirmNewEmailHtml {
            issuer,
            code,
            link,
            valid_for,
        },
        now,
    )
}

#[derive(Template)]
#[template(path = "email/email_in_use.txt")]
struct EmailInUseText<'a> {
    issuer: &'a str,
    sign_in: &'a str,
    recover: &'a str,
}

#[derive(Template)]
#[template(path = "email/email_in_use.html")]
struct EmailInUseHtml<'a> {
    issuer: &'a str,
    sign_in: &'a str,
    recover: &'a str,
}

/// Tells the owner of an address that someone tried to move another account to it.
pub fn email_in_use(
    to: Email,
    issuer: &str,
    sign_in: &str,
    recover: &str,
    now: OffsetDateTime,
) -> Result<OutgoingMail, RenderError> {
    message(
        MailKind::EmailInUse,
        to,
        "Someone tried to move an account to your address".to_owned(),
        EmailInUseText {
            issuer,
            sign_in,
            recover,
        },
        EmailInUseHtml {
            issuer,
            sign_in,
            recover,
        },
        now,
    )
}

#[derive(Template)]
#[template(path = "email/email_changed.txt")]
struct EmailChangedText<'a> {
    issuer: &'a str,
    when: &'a str,
    new_email: &'a str,
    recover: &'a str,
}

#[derive(Template)]
#[template(path = "email/email_changed.html")]
struct EmailChangedHtml<'a> {
    issuer: &'a str,
    when: &'a str,
    new_email: &'a str,
    recover: &'a str,
}

/// Tells the old address that the account moved to `new_email`.
pub fn email_changed(
    to: Email,
    issuer: &str,
    new_email: &str,
    recover: &str,
    now: OffsetDateTime,
) -> Result<OutgoingMail, RenderError> {
    let when = shown_time(now);
    message(
        MailKind::EmailChanged,
        to,
        "Your email address was changed".to_owned(),
        EmailChangedText {
            issuer,
            when: &when,
            new_email,
            recover,
        },
        EmailChangedHtml {
            issuer,
            when: &when,
            new_email,
            recover,
        },
        now,
    )
}

#[derive(Template)]
#[template(path = "email/account_deleted.txt")]
struct AccountDeletedText<'a> {
    issuer: &'a str,
    when: &'a str,
}

#[derive(Template)]
#[template(path = "email/account_deleted.html")]
struct AccountDeletedHtml<'a> {
    issuer: &'a str,
    when: &'a str,
}

/// The last message to a deleted account's address.
pub fn account_deleted(
    to: Email,
    issuer: &str,
    now: OffsetDateTime,
) -> Result<OutgoingMail, RenderError> {
    let when = shown_time(now);
    message(
        MailKind::AccountDeleted,
        to,
        "Your account was deleted".to_owned(),
        AccountDeletedText {
            issuer,
            when: &when,
        },
        AccountDeletedHtml {
            issuer,
            when: &when,
        },
        now,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_read_as_people_say_them() {
        assert_eq!(lifetime(std::time::Duration::from_secs(86_400)), "24 hours");
        assert_eq!(
            lifetime(std::time::Duration::from_secs(1_800)),
            "30 minutes"
        );
        assert_eq!(lifetime(std::time::Duration::from_secs(3_600)), "1 hour");
        assert_eq!(lifetime(std::time::Duration::from_secs(60)), "1 minute");
    }
}

#[derive(Template)]
#[template(path = "email/second_factor_changed.txt")]
struct SecondFactorChangedText<'a> {
    issuer: &'a str,
    what: &'a str,
    when: &'a str,
    recover: &'a str,
}

#[derive(Template)]
#[template(path = "email/second_factor_changed.html")]
struct SecondFactorChangedHtml<'a> {
    issuer: &'a str,
    what: &'a str,
    when: &'a str,
    recover: &'a str,
}

/// What happened to an account's second factor, in the words of a notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondFactorChange {
    Enrolled,
    Removed,
    NewRecoveryCodes,
}

impl SecondFactorChange {
    fn subject(self) -> &'static str {
        match self {
            Self::Enrolled => "Two-step verification is on",
            Self::Removed => "Two-step verification was turned off",
            Self::NewRecoveryCodes => "New recovery codes were made",
        }
    }

    fn sentence(self) -> &'static str {
        match self {
            Self::Enrolled => "two-step verification was turned on with an authenticator app",
            Self::Removed => "two-step verification was turned off",
            Self::NewRecoveryCodes => {
                "new recovery codes were made; the earlier ones no longer work"
            }
        }
    }
}

/// Tells the owner that their second factor changed.
pub fn second_factor_changed(
    to: Email,
    issuer: &str,
    change: SecondFactorChange,
    recover: &str,
    now: OffsetDateTime,
) -> Result<OutgoingMail, RenderError> {
    let when = shown_time(now);
    let what = change.sentence();
    message(
        MailKind::SecondFactorChanged,
        to,
        change.subject().to_owned(),
        SecondFactorChangedText {
            issuer,
            what,
            when: &when,
            recover,
        },
        SecondFactorChangedHtml {
            issuer,
            what,
            when: &when,
            recover,
        },
        now,
    )
}
