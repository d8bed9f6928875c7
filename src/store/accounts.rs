//! Self-registration, and the mailed codes and links that verify an address or recover an account.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::audit::insert_audit;
use super::error::classify_conflict;
use super::outbox::insert_mail;
use super::pool::{BeginWrite as _, SqlStore, dialect, execute, fetch, scalar, with_pool};
use super::rows::AccountTokenRow;
use super::timestamp::Ts;
use super::users::{INSERT_ROLE, INSERT_USER_ROLE, insert_user, inserted};
use super::{Conflict, StoreResult, UserStore as _, by_time};
use crate::domain::audit::AuditEvent;
use crate::domain::{
    AccountToken, NewAccountToken, NewUser, OutgoingMail, SignOut, TokenHash, TokenPurpose, User,
    UserId,
};

/// Every method that sends mail writes the message in the same transaction as the change it
/// reports, so a crash loses neither; every token is consumed with a compare-and-set, so of two
/// requests presenting one code exactly one wins.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Inserts a self-registered user with the verification code and link that `mail` carries;
    /// when the address is taken, queues `taken_mail` (to its owner) instead and answers `None`.
    /// Either way one transaction, so a taken address costs what a free one does.
    async fn register_user(
        &self,
        user: NewUser,
        token: NewAccountToken,
        mail: OutgoingMail,
        taken_mail: OutgoingMail,
        event: &AuditEvent,
    ) -> StoreResult<Option<User>>;
    /// Inserts a user an administrator invited, with the link (a recovery token) that lets them
    /// choose a password, and the invitation that carries it. `Conflict::Email` if the address
    /// is taken (then nothing is written).
    async fn invite_user(
        &self,
        user: NewUser,
        token: NewAccountToken,
        mail: OutgoingMail,
        event: &AuditEvent,
    ) -> StoreResult<User>;
    /// Stores a code and link with the mail that carries them; the user's earlier tokens for the
    /// same purpose stop working (the newest mail is the one that counts). With `paced_since`,
    /// nothing is written when a token for the purpose was made after it (one mail per interval,
    /// however many requests arrive at once). Whether it was written.
    async fn issue_account_token(
        &self,
        token: NewAccountToken,
        mail: OutgoingMail,
        paced_since: Option<OffsetDateTime>,
        event: Option<&AuditEvent>,
    ) -> StoreResult<bool>;
    /// The user's newest token for `purpose`, whether or not it is still live.
    async fn latest_account_token(
        &self,
        user: UserId,
        purpose: TokenPurpose,
    ) -> StoreResult<Option<AccountToken>>;
    async fn find_account_token_by_link(
        &self,
        link_hash: &TokenHash,
    ) -> StoreResult<Option<AccountToken>>;
    /// Every code and link the user has been sent that is not yet swept, newest first.
    async fn user_account_tokens(&self, user: UserId) -> StoreResult<Vec<AccountToken>>;
    /// Counts a guess against a token's code *before* it is checked; false when the token has
    /// no guesses left under `max_attempts` or is used up.
    async fn count_code_attempt(&self, id: Uuid, max_attempts: u32) -> StoreResult<bool>;
    /// Consumes a verification token and marks its address verified while it is still the
    /// user's. False when the token was consumed before or has expired.
    async fn verify_email(
        &self,
        id: Uuid,
        now: OffsetDateTime,
        event: AuditEvent,
    ) -> StoreResult<bool>;
    /// Consumes a recovery token and sets the user's password. In the same transaction: every
    /// recovery token of the user dies, every grant of theirs is revoked, every browser session
    /// of theirs ends, the address counts as verified (the mail reached its owner), and `mail`
    /// is queued. `None` when the token was consumed before or has expired.
    async fn reset_password(
        &self,
        id: Uuid,
        password_hash: &str,
        now: OffsetDateTime,
        mail: OutgoingMail,
        event: AuditEvent,
    ) -> StoreResult<Option<SignOut>>;
    /// Sets a new password the user chose knowing the old one. In the same transaction, as for
    /// a reset: every recovery token dies, every grant is revoked, every browser session ends
    /// and `mail` is queued.
    async fn change_password(
        &self,
        user: UserId,
        password_hash: &str,
        now: OffsetDateTime,
        mail: OutgoingMail,
        event: &AuditEvent,
    ) -> StoreResult<SignOut>;
    /// Ends the user's live tokens for `purpose` and queues `mail`, in one transaction.
    async fn end_account_tokens(
        &self,
        user: UserId,
        purpose: TokenPurpose,
        now: OffsetDateTime,
        mail: OutgoingMail,
        event: &AuditEvent,
    ) -> StoreResult<()>;
    /// Consumes an address-change token and makes its address the user's, verified. In the same
    /// transaction the user's other live codes and links die (a recovery mailed to the old
    /// address must not outlive it) and `notice` (to the old address) is queued. `None` when
    /// the token was consumed before, has expired or is not for a change; `Conflict::Email`
    /// when the address was taken meanwhile (then nothing changes).
    async fn change_email(
        &self,
        id: Uuid,
        now: OffsetDateTime,
        notice: OutgoingMail,
        event: AuditEvent,
    ) -> StoreResult<Option<User>>;
    /// Deletes an account at its owner's request, in one transaction: every grant is revoked,
    /// every browser session, consent, code and link, pending authorization code, role and
    /// guess counter (`counter_keys`) is deleted, and the row keeps only its id, renamed to
    /// `tombstone_email`, with status `deleted`; `notice` is queued. `Conflict::LastAdmin` when
    /// the user is the last active administrator, `Conflict::Version` when `expected_version`
    /// is given and the row moved on (then nothing changes). It happens at `event`'s time.
    async fn delete_account(
        &self,
        user: UserId,
        expected_version: Option<i64>,
        tombstone_email: &str,
        counter_keys: &[String],
        notice: OutgoingMail,
        event: &AuditEvent,
    ) -> StoreResult<SignOut>;
    /// Forgets tokens that expired before `before`; returns how many.
    async fn purge_expired_account_tokens(&self, before: OffsetDateTime) -> StoreResult<u64>;
}

/// Ends the live tokens of user `$1` for purpose `$2` at `$3`.
const END_LIVE_TOKENS: &str = "update account_tokens set consumed_at = $3
     where user_id = $1 and purpose = $2 and consumed_at is null";

/// `insert_account_token!(transaction, &token)`: ends the user's earlier tokens for the same
/// purpose, then stores this one.
macro_rules! insert_account_token {
    ($tx:expr, $token:expr) => {{
        let token: &NewAccountToken = $token;
        execute!(
            in &mut *$tx,
            END_LIVE_TOKENS,
            token.user_id.as_uuid(), token.purpose.as_str(), Ts(token.created_at),
        )?;
        execute!(
            in &mut *$tx,
            "insert into account_tokens
                 (id, user_id, purpose, email, code_hash, link_hash, created_at, expires_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8)",
            token.id, token.user_id.as_uuid(), token.purpose.as_str(), token.email.as_str(),
            token.code_hash.as_str(), token.link_hash.as_str(),
            Ts(token.created_at), Ts(token.expires_at),
        )?;
    }};
}

/// `sign_out_everywhere!(transaction, user_id, now)`: what a new password ends — the user's
/// recoveries and pending address changes (someone who knew the old password may have started
/// one), unredeemed authorization codes, grants and browser sessions; evaluates to the `SignOut`
/// it did.
macro_rules! sign_out_everywhere {
    ($tx:expr, $user:expr, $now:expr) => {{
        execute!(
            in &mut *$tx,
            "update account_tokens set consumed_at = $3
             where user_id = $1 and purpose <> $2 and consumed_at is null",
            $user, TokenPurpose::VerifyEmail.as_str(), Ts($now),
        )?;
        execute!(in &mut *$tx, "delete from authorization_codes where user_id = $1", $user)?;
        let revoked_grants = scalar!(
            in &mut *$tx, fetch_all, Uuid,
            "update grants set revoked_at = $2
             where user_id = $1 and revoked_at is null returning id",
            $user, Ts($now),
        )?;
        let ended_sessions =
            execute!(in &mut *$tx, "delete from browser_sessions where user_id = $1", $user)?;
        SignOut { revoked_grants, ended_sessions }
    }};
}

pub(super) use sign_out_everywhere;

/// What an account's deletion erases outright, by user `$1` (grants stay, revoked, so that their
/// tokens stay inactive everywhere until they expire).
const ERASED_WITH_ACCOUNT: [&str; 10] = [
    // The audit log keeps the events, committed to by hashes; the personal data beside them goes.
    "delete from audit_personal_data where person = $1",
    // Addresses typed at failed sign-ins, which could not name a person.
    "delete from audit_personal_data where email = (select email from users where id = $1)",
    "delete from pictures where user_id = $1",
    "delete from second_factors where user_id = $1",
    "delete from recovery_codes where user_id = $1",
    "delete from second_factor_challenges where user_id = $1",
    "delete from consents where user_id = $1",
    "delete from account_tokens where user_id = $1",
    "delete from authorization_codes where user_id = $1",
    "delete from user_roles where user_id = $1",
];

/// Consumes live token `$1` at `$2`; returns its user and address.
const CONSUME_TOKEN: &str = "update account_tokens set consumed_at = $2
     where id = $1 and consumed_at is null and expires_at > $2
     returning user_id, email";

#[async_trait]
impl AccountStore for SqlStore {
    async fn register_user(
        &self,
        user: NewUser,
        token: NewAccountToken,
        mail: OutgoingMail,
        taken_mail: OutgoingMail,
        event: &AuditEvent,
    ) -> StoreResult<Option<User>> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if !insert_user!(tx, &user, unless_taken) {
                insert_mail!(&mut *tx, &taken_mail)?;
                tx.commit().await?;
                return Ok(None);
            }
            insert_account_token!(tx, &token);
            insert_mail!(&mut *tx, &mail)?;
            insert_audit!(self, tx, event);
            tx.commit().await?;
        });
        Ok(Some(inserted(user)))
    }

    async fn invite_user(
        &self,
        user: NewUser,
        token: NewAccountToken,
        mail: OutgoingMail,
        event: &AuditEvent,
    ) -> StoreResult<User> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            insert_user!(tx, &user);
            insert_account_token!(tx, &token);
            insert_mail!(&mut *tx, &mail)?;
            insert_audit!(self, tx, event);
            tx.commit().await?;
        });
        Ok(inserted(user))
    }

    async fn issue_account_token(
        &self,
        token: NewAccountToken,
        mail: OutgoingMail,
        paced_since: Option<OffsetDateTime>,
        event: Option<&AuditEvent>,
    ) -> StoreResult<bool> {
        let lock_user = dialect!(self, USER_EXISTS_FOR_WRITE);
        let recent = "select count(*) from account_tokens
             where user_id = $1 and purpose = $2 and created_at > $3";
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            // Requests for one user take turns from here, so the pacing check below holds.
            let user = token.user_id.as_uuid();
            if scalar!(in &mut *tx, fetch_optional, i32, lock_user, user)?.is_none() {
                return Ok(false);
            }
            if let Some(since) = paced_since {
                let purpose = token.purpose.as_str();
                let made = scalar!(in &mut *tx, fetch_one, i64, recent, user, purpose, Ts(since))?;
                if made > 0 {
                    return Ok(false);
                }
            }
            insert_account_token!(tx, &token);
            insert_mail!(&mut *tx, &mail)?;
            if let Some(event) = event { insert_audit!(self, tx, event); }
            tx.commit().await?;
        });
        Ok(true)
    }

    async fn latest_account_token(
        &self,
        user: UserId,
        purpose: TokenPurpose,
    ) -> StoreResult<Option<AccountToken>> {
        let sql = "select * from account_tokens where user_id = $1 and purpose = $2
             order by created_at desc limit 1";
        let row = fetch!(
            self,
            fetch_optional,
            AccountTokenRow,
            sql,
            user.as_uuid(),
            purpose.as_str()
        )?;
        row.map(AccountTokenRow::into_token).transpose()
    }

    async fn find_account_token_by_link(
        &self,
        link_hash: &TokenHash,
    ) -> StoreResult<Option<AccountToken>> {
        let sql = "select * from account_tokens where link_hash = $1";
        let row = fetch!(
            self,
            fetch_optional,
            AccountTokenRow,
            sql,
            link_hash.as_str()
        )?;
        row.map(AccountTokenRow::into_token).transpose()
    }

    async fn user_account_tokens(&self, user: UserId) -> StoreResult<Vec<AccountToken>> {
        let sql = "select * from account_tokens where user_id = $1 order by created_at desc";
        let rows = fetch!(self, fetch_all, AccountTokenRow, sql, user.as_uuid())?;
        rows.into_iter().map(AccountTokenRow::into_token).collect()
    }

    async fn count_code_attempt(&self, id: Uuid, max_attempts: u32) -> StoreResult<bool> {
        let sql = "update account_tokens set attempts = attempts + 1
             where id = $1 and consumed_at is null and attempts < $2";
        let max = i32::try_from(max_attempts).unwrap_or(i32::MAX);
        Ok(execute!(self, sql, id, max)? == 1)
    }

    async fn verify_email(
        &self,
        id: Uuid,
        now: OffsetDateTime,
        event: AuditEvent,
    ) -> StoreResult<bool> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let consumed =
                fetch!(in &mut *tx, fetch_optional, (Uuid, String), CONSUME_TOKEN, id, Ts(now))?;
            let Some((user_id, email)) = consumed else {
                return Ok(false);
            };
            execute!(
                in &mut *tx,
                "update users set email_verified_at = $2, updated_at = $2
                 where id = $1 and email = $3 and email_verified_at is null",
                user_id, Ts(now), &email,
            )?;
            insert_audit!(self, tx, &event.subject(user_id).person(user_id, &email));
            tx.commit().await?;
        });
        Ok(true)
    }

    async fn reset_password(
        &self,
        id: Uuid,
        password_hash: &str,
        now: OffsetDateTime,
        mail: OutgoingMail,
        event: AuditEvent,
    ) -> StoreResult<Option<SignOut>> {
        let reset = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let consumed =
                fetch!(in &mut *tx, fetch_optional, (Uuid, String), CONSUME_TOKEN, id, Ts(now))?;
            let Some((user_id, email)) = consumed else {
                return Ok(None);
            };
            execute!(
                in &mut *tx,
                "update users set password_hash = $2, updated_at = $3,
                     email_verified_at = case when email = $4 then coalesce(email_verified_at, $3)
                                              else email_verified_at end
                 where id = $1",
                user_id, password_hash, Ts(now), &email,
            )?;
            let reset = sign_out_everywhere!(tx, user_id, now);
            insert_mail!(&mut *tx, &mail)?;
            insert_audit!(self, tx, &event.subject(user_id).person(user_id, &email));
            tx.commit().await?;
            reset
        });
        Ok(Some(reset))
    }

    async fn change_password(
        &self,
        user: UserId,
        password_hash: &str,
        now: OffsetDateTime,
        mail: OutgoingMail,
        event: &AuditEvent,
    ) -> StoreResult<SignOut> {
        let user_id = user.as_uuid();
        let reset = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let sql = "update users set password_hash = $2, updated_at = $3
                 where id = $1 and status = 'active'";
            if execute!(in &mut *tx, sql, user_id, password_hash, Ts(now))? == 0 {
                return Err(super::StoreError::NotFound);
            }
            let reset = sign_out_everywhere!(tx, user_id, now);
            insert_mail!(&mut *tx, &mail)?;
            insert_audit!(self, tx, event);
            tx.commit().await?;
            reset
        });
        Ok(reset)
    }

    async fn end_account_tokens(
        &self,
        user: UserId,
        purpose: TokenPurpose,
        now: OffsetDateTime,
        mail: OutgoingMail,
        event: &AuditEvent,
    ) -> StoreResult<()> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            execute!(in &mut *tx, END_LIVE_TOKENS, user.as_uuid(), purpose.as_str(), Ts(now))?;
            insert_mail!(&mut *tx, &mail)?;
            insert_audit!(self, tx, event);
            tx.commit().await?;
            Ok(())
        })
    }

    async fn change_email(
        &self,
        id: Uuid,
        now: OffsetDateTime,
        notice: OutgoingMail,
        event: AuditEvent,
    ) -> StoreResult<Option<User>> {
        let changed = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let consumed = fetch!(
                in &mut *tx, fetch_optional, (Uuid, String),
                "update account_tokens set consumed_at = $2
                 where id = $1 and purpose = $3 and consumed_at is null and expires_at > $2
                 returning user_id, email",
                id, Ts(now), TokenPurpose::ChangeEmail.as_str(),
            )?;
            let Some((user_id, email)) = consumed else {
                return Ok(None);
            };
            let changed = execute!(
                in &mut *tx,
                "update users set email = $2, email_verified_at = $3, updated_at = $3
                 where id = $1 and status = 'active'",
                user_id, &email, Ts(now),
            )
            .map_err(|e| classify_conflict(e, Conflict::Email))?;
            if changed == 0 {
                // Not active (suspended or deleted meanwhile): nothing changes, the token stays.
                return Ok(None);
            }
            execute!(
                in &mut *tx,
                "update account_tokens set consumed_at = $2
                 where user_id = $1 and consumed_at is null",
                user_id, Ts(now),
            )?;
            insert_mail!(&mut *tx, &notice)?;
            insert_audit!(self, tx, &event.subject(user_id).person(user_id, &email));
            tx.commit().await?;
            user_id
        });
        self.find_user(UserId::from_uuid(changed)).await
    }

    async fn delete_account(
        &self,
        user: UserId,
        expected_version: Option<i64>,
        tombstone_email: &str,
        counter_keys: &[String],
        notice: OutgoingMail,
        event: &AuditEvent,
    ) -> StoreResult<SignOut> {
        // The deletion happens when its event says.
        let now = event.occurred_at;
        let user_id = user.as_uuid();
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            // Administrators delete themselves one at a time, so two cannot each leave the
            // other as the last one and both go. Their rows are locked first, in id order, and
            // then the user's own (already held if an administrator), so two deletions always
            // lock in the same order.
            scalar!(in &mut *tx, fetch_all, Uuid, dialect!(self, ACTIVE_ADMINS_FOR_WRITE))?;
            // The user's row before anything of theirs is deleted, so that a concurrent change
            // of it (a new picture, say) either commits before and is erased here, or waits and
            // then finds the tombstone.
            let lock_user = dialect!(self, USER_VERSION_FOR_WRITE);
            match fetch!(in &mut *tx, fetch_optional, (i64, String), lock_user, user_id)? {
                None => return Err(super::StoreError::NotFound),
                Some((version, _)) if expected_version.is_some_and(|v| v != version) => {
                    return Err(super::StoreError::Conflict(Conflict::Version));
                }
                Some(_) => {}
            }
            // Read afresh once the locks are held (see `user_admin::ACTIVE_ADMINS`).
            let admins = scalar!(in &mut *tx, fetch_all, Uuid, super::user_admin::ACTIVE_ADMINS)?;
            if admins == [user_id] {
                return Err(super::StoreError::Conflict(Conflict::LastAdmin));
            }
            let revoked_grants = scalar!(
                in &mut *tx, fetch_all, Uuid,
                "update grants set revoked_at = $2
                 where user_id = $1 and revoked_at is null returning id",
                user_id, Ts(now),
            )?;
            let ended_sessions =
                execute!(in &mut *tx, "delete from browser_sessions where user_id = $1", user_id)?;
            // The event first, so that the personal data it carries, when it is the person's own
            // (a deletion of one's own account), goes with the rest of theirs just below.
            insert_audit!(self, tx, event);
            for table in ERASED_WITH_ACCOUNT {
                execute!(in &mut *tx, table, user_id)?;
            }
            for key in counter_keys {
                execute!(in &mut *tx, "delete from login_failures where key = $1", key.as_str())?;
            }
            let erased = execute!(
                in &mut *tx,
                "update users set email = $2, status = 'deleted', updated_at = $3,
                     name = null, password_hash = null, email_verified_at = null,
                     given_name = null, family_name = null, picture = null, gender = null,
                     phone_number = null, phone_number_verified = false, locale = null,
                     zoneinfo = null
                 where id = $1 and status <> 'deleted'",
                user_id, tombstone_email, Ts(now),
            )?;
            if erased == 0 {
                return Err(super::StoreError::NotFound);
            }
            insert_mail!(&mut *tx, &notice)?;
            tx.commit().await?;
            Ok(SignOut { revoked_grants, ended_sessions })
        })
    }

    async fn purge_expired_account_tokens(&self, before: OffsetDateTime) -> StoreResult<u64> {
        Ok(execute!(
            self,
            by_time::PURGE_EXPIRED_ACCOUNT_TOKENS,
            Ts(before)
        )?)
    }
}
