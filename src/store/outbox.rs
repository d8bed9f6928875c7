//! The mail outbox: messages wait here until a sender on some instance delivers them.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::by_time;
use super::pool::{SqlStore, dialect, execute, fetch, scalar, with_pool};
use super::rows::MailRow;
use super::timestamp::Ts;
use super::{StoreError, StoreResult};
use crate::domain::{ClaimedMail, OutgoingMail};

/// Delivery is at least once: a message is claimed with a lease, so two senders never hold it at
/// the same time; a sender that dies after the SMTP server took the message but before it marked
/// it sent leaves it to be sent again when the lease runs out.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Queues a message, due at once.
    async fn enqueue_mail(&self, mail: OutgoingMail) -> StoreResult<()>;
    /// Claims up to `limit` due messages, oldest first, until `lease_until`, counting the attempt.
    /// Messages another sender holds are skipped, so concurrent senders share the work.
    async fn claim_due_mails(
        &self,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
        limit: u32,
    ) -> StoreResult<Vec<ClaimedMail>>;
    /// Marks a message delivered and erases its bodies (a code in them must not outlive its use).
    async fn mark_mail_sent(&self, id: Uuid, now: OffsetDateTime) -> StoreResult<()>;
    /// Records a failed attempt: due again at `retry_at`, or given up (bodies erased) when `None`.
    async fn mark_mail_failed(
        &self,
        id: Uuid,
        now: OffsetDateTime,
        error: &str,
        retry_at: Option<OffsetDateTime>,
    ) -> StoreResult<()>;
    /// Messages neither sent nor given up.
    async fn unfinished_mail_count(&self) -> StoreResult<u64>;
    /// Forgets sent and given-up messages queued before `before`; returns how many.
    async fn purge_finished_mails(&self, before: OffsetDateTime) -> StoreResult<u64>;
}

/// `claim_due_mails!("row locking clause")`: the claim statement, with the clause each backend
/// needs on the rows it picks (see the `dialect` modules).
macro_rules! claim_due_mails {
    ($lock:literal) => {
        concat!(
            "update mail_outbox set claimed_until = $2, attempts = attempts + 1
             where id in (
                 select id from mail_outbox
                 where sent_at is null and failed_at is null and next_attempt_at <= $1
                   and (claimed_until is null or claimed_until <= $1)
                 order by next_attempt_at limit $3 ",
            $lock,
            ") returning *"
        )
    };
}

/// `insert_mail!(executor, &mail)`: queues a message, due at once (in the caller's transaction
/// when `executor` is one, so the mail commits with the change that causes it).
macro_rules! insert_mail {
    ($executor:expr, $mail:expr) => {{
        let mail: &$crate::domain::OutgoingMail = $mail;
        $crate::store::pool::execute!(
            in $executor,
            "insert into mail_outbox (id, kind, recipient, subject, text_body, html_body,
                 created_at, next_attempt_at)
             values ($1, $2, $3, $4, $5, $6, $7, $7)",
            mail.id,
            mail.kind.as_str(),
            mail.recipient.as_str(),
            &mail.subject,
            &mail.text_body,
            &mail.html_body,
            $crate::store::timestamp::Ts(mail.created_at),
        )
    }};
}

pub(super) use {claim_due_mails, insert_mail};

#[async_trait]
impl OutboxStore for SqlStore {
    async fn enqueue_mail(&self, mail: OutgoingMail) -> StoreResult<()> {
        with_pool!(self, pool => insert_mail!(pool, &mail))?;
        Ok(())
    }

    async fn claim_due_mails(
        &self,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
        limit: u32,
    ) -> StoreResult<Vec<ClaimedMail>> {
        let sql = dialect!(self, CLAIM_DUE_MAILS);
        let limit = i64::from(limit);
        let rows = fetch!(
            self,
            fetch_all,
            MailRow,
            sql,
            Ts(now),
            Ts(lease_until),
            limit
        )?;
        let mut claimed = rows
            .into_iter()
            .map(MailRow::into_claimed)
            .collect::<Result<Vec<_>, StoreError>>()?;
        claimed.sort_by_key(|c| c.mail.created_at);
        Ok(claimed)
    }

    async fn mark_mail_sent(&self, id: Uuid, now: OffsetDateTime) -> StoreResult<()> {
        let sql = "update mail_outbox
             set sent_at = $2, claimed_until = null, last_error = null,
                 text_body = '', html_body = ''
             where id = $1 and sent_at is null";
        execute!(self, sql, id, Ts(now))?;
        Ok(())
    }

    async fn mark_mail_failed(
        &self,
        id: Uuid,
        now: OffsetDateTime,
        error: &str,
        retry_at: Option<OffsetDateTime>,
    ) -> StoreResult<()> {
        match retry_at {
            Some(retry_at) => {
                let sql = "update mail_outbox
                     set next_attempt_at = $3, claimed_until = null, last_error = $2
                     where id = $1 and sent_at is null";
                execute!(self, sql, id, error, Ts(retry_at))?;
            }
            None => {
                let sql = "update mail_outbox
                     set failed_at = $3, claimed_until = null, last_error = $2,
                         text_body = '', html_body = ''
                     where id = $1 and sent_at is null";
                execute!(self, sql, id, error, Ts(now))?;
            }
        }
        Ok(())
    }

    async fn unfinished_mail_count(&self) -> StoreResult<u64> {
        let sql = "select count(*) from mail_outbox where sent_at is null and failed_at is null";
        let count = scalar!(self, fetch_one, i64, sql)?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    async fn purge_finished_mails(&self, before: OffsetDateTime) -> StoreResult<u64> {
        Ok(execute!(self, by_time::PURGE_FINISHED_MAILS, Ts(before))?)
    }
}
