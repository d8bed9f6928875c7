//! Second factors: a TOTP secret per user, recovery codes, and sign-ins waiting for a code.
//!
//! Wrong codes are counted per account on the factor's row, so every session and instance
//! spends one budget. A code is *decided* only by a statement that checks the budget in the same
//! step (accepting a step, using a recovery code, or counting a failure): however many guesses
//! arrive at once, at most `limit` are ever answered "wrong" and none is accepted once the budget
//! is spent, which is what counting before checking guarantees.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::audit::insert_audit;
use super::outbox::insert_mail;
use super::pool::{BeginWrite as _, SqlStore, execute, fetch, with_pool};
use super::timestamp::Ts;
use super::{StoreError, StoreResult};
use crate::domain::audit::AuditEvent;
use crate::domain::{
    ChallengeFor, ClientId, FailureBudget, OutgoingMail, SecondFactor, SecondFactorChallenge,
    TokenHash, UserId,
};

#[async_trait]
pub trait SecondFactorStore: Send + Sync {
    /// The user's factor, confirmed or pending, with their unused recovery codes counted.
    async fn second_factor(&self, user: UserId) -> StoreResult<Option<SecondFactor>>;
    /// Stores a pending secret for the user, replacing a pending one; false (nothing written)
    /// when the user already has a confirmed factor.
    async fn begin_second_factor(
        &self,
        user: UserId,
        sealed_secret: &[u8],
        now: OffsetDateTime,
    ) -> StoreResult<bool>;
    /// Confirms the pending factor, if it still holds the secret the code was checked against,
    /// and replaces the user's recovery codes, and queues `mail`, in one transaction. False when
    /// nothing is pending or a newer start replaced the secret meanwhile.
    async fn confirm_second_factor(
        &self,
        user: UserId,
        confirmation: PendingConfirmation<'_>,
        mail: OutgoingMail,
        now: OffsetDateTime,
        event: &AuditEvent,
    ) -> StoreResult<bool>;
    /// Removes the user's factor, recovery codes and waiting sign-ins and queues `mail`, in one
    /// transaction. False when the user had no factor.
    async fn remove_second_factor(
        &self,
        user: UserId,
        mail: OutgoingMail,
        event: &AuditEvent,
    ) -> StoreResult<bool>;
    /// Replaces the recovery codes of a confirmed factor and queues `mail`. False when the user
    /// has no confirmed factor.
    async fn replace_recovery_codes(
        &self,
        user: UserId,
        codes: &[TokenHash],
        mail: OutgoingMail,
        now: OffsetDateTime,
        event: &AuditEvent,
    ) -> StoreResult<bool>;
    /// Accepts TOTP time step `step` for the user, in one statement: only if it is newer than
    /// every step accepted before and the failure budget is not spent. A success does not give
    /// the budget back: it is so many wrong codes per window, whatever else happens.
    async fn accept_totp_step(
        &self,
        user: UserId,
        step: i64,
        budget: FailureBudget,
    ) -> StoreResult<bool>;
    /// Uses up the user's unused recovery code with hash `code` if the failure budget is not
    /// spent.
    async fn use_recovery_code(
        &self,
        user: UserId,
        code: &TokenHash,
        budget: FailureBudget,
    ) -> StoreResult<bool>;
    /// Counts a wrong code against the user's budget; false when the budget was already spent
    /// (the factor is locked until the window ends).
    async fn record_second_factor_failure(
        &self,
        user: UserId,
        budget: FailureBudget,
    ) -> StoreResult<bool>;
    async fn create_second_factor_challenge(
        &self,
        challenge: &SecondFactorChallenge,
    ) -> StoreResult<()>;
    /// Counts a code tried on the waiting sign-in whose handle hashes to `handle` and gives it
    /// the new handle `next`, in one statement that also reads the user's sealed secret (`None`
    /// if their factor is gone). `None` when no such sign-in is waiting, it expired, it has had
    /// `max_guesses` codes, or its user is no longer active.
    async fn advance_second_factor_challenge(
        &self,
        handle: &TokenHash,
        next: &TokenHash,
        now: OffsetDateTime,
        max_guesses: u32,
    ) -> StoreResult<Option<(SecondFactorChallenge, Option<Vec<u8>>)>>;
    /// Ends a waiting sign-in (it passed, or gave up).
    async fn end_second_factor_challenge(&self, id: Uuid) -> StoreResult<()>;
    /// Deletes waiting sign-ins that expired before `now`.
    async fn purge_second_factor_challenges(&self, now: OffsetDateTime) -> StoreResult<u64>;
}

/// What confirms a pending factor: the sealed secret its first code was checked against, the step
/// that code matched (spent, so it can never also sign in), and the first recovery codes.
pub struct PendingConfirmation<'a> {
    pub sealed_secret: &'a [u8],
    pub step: i64,
    pub codes: &'a [TokenHash],
}

#[derive(sqlx::FromRow)]
struct SecondFactorRow {
    user_id: Uuid,
    sealed_secret: Vec<u8>,
    confirmed_at: Option<OffsetDateTime>,
    last_used_step: Option<i64>,
    created_at: OffsetDateTime,
    recovery_codes_left: i64,
}

#[derive(sqlx::FromRow)]
struct ChallengeRow {
    id: Uuid,
    handle_hash: String,
    user_id: Uuid,
    client_id: Option<String>,
    code_challenge: Option<String>,
    scope: Option<String>,
    guesses: i32,
    created_at: OffsetDateTime,
    expires_at: OffsetDateTime,
    /// Read with the challenge when it is advanced (see `advance_second_factor_challenge`).
    #[sqlx(default)]
    sealed_secret: Option<Vec<u8>>,
}

impl ChallengeRow {
    fn into_challenge(self) -> StoreResult<SecondFactorChallenge> {
        let purpose = match (self.client_id, self.code_challenge, self.scope) {
            (None, None, None) => ChallengeFor::Page,
            (Some(client_id), Some(code_challenge), Some(scope)) => ChallengeFor::Client {
                client_id: ClientId::parse(&client_id)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                code_challenge,
                scope,
            },
            _ => {
                return Err(StoreError::Corrupt(
                    "a challenge with part of a client's binding".into(),
                ));
            }
        };
        Ok(SecondFactorChallenge {
            id: self.id,
            handle_hash: TokenHash::from_stored(self.handle_hash),
            user_id: UserId::from_uuid(self.user_id),
            purpose,
            guesses: u32::try_from(self.guesses).unwrap_or(u32::MAX),
            created_at: self.created_at,
            expires_at: self.expires_at,
        })
    }
}

fn count(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

macro_rules! insert_recovery_codes {
    ($tx:expr, $user:expr, $codes:expr, $now:expr) => {{
        execute!(in &mut *$tx, "delete from recovery_codes where user_id = $1", $user.as_uuid())?;
        for code in $codes {
            execute!(
                in &mut *$tx,
                "insert into recovery_codes (code_hash, user_id, created_at) values ($1, $2, $3)",
                code.as_str(), $user.as_uuid(), Ts($now),
            )?;
        }
    }};
}

#[async_trait]
impl SecondFactorStore for SqlStore {
    async fn second_factor(&self, user: UserId) -> StoreResult<Option<SecondFactor>> {
        let sql = "select f.user_id, f.sealed_secret, f.confirmed_at, f.last_used_step,
                 f.created_at,
                 (select count(*) from recovery_codes c
                  where c.user_id = f.user_id and c.used_at is null) as recovery_codes_left
             from second_factors f where f.user_id = $1";
        let row = fetch!(self, fetch_optional, SecondFactorRow, sql, user.as_uuid())?;
        Ok(row.map(|row| SecondFactor {
            user_id: UserId::from_uuid(row.user_id),
            sealed_secret: row.sealed_secret,
            confirmed_at: row.confirmed_at,
            last_used_step: row.last_used_step,
            created_at: row.created_at,
            recovery_codes_left: u32::try_from(row.recovery_codes_left).unwrap_or(0),
        }))
    }

    async fn begin_second_factor(
        &self,
        user: UserId,
        sealed_secret: &[u8],
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let sql = "insert into second_factors (user_id, sealed_secret, created_at)
             values ($1, $2, $3)
             on conflict (user_id) do update
                 set sealed_secret = excluded.sealed_secret, created_at = excluded.created_at,
                     last_used_step = null
                 where second_factors.confirmed_at is null";
        let stored = execute!(self, sql, user.as_uuid(), sealed_secret, Ts(now))?;
        Ok(stored == 1)
    }

    async fn confirm_second_factor(
        &self,
        user: UserId,
        confirmation: PendingConfirmation<'_>,
        mail: OutgoingMail,
        now: OffsetDateTime,
        event: &AuditEvent,
    ) -> StoreResult<bool> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let confirmed = execute!(
                in &mut *tx,
                "update second_factors
                 set confirmed_at = $2, last_used_step = $3, failures = 0, failures_since = null
                 where user_id = $1 and confirmed_at is null and sealed_secret = $4",
                user.as_uuid(), Ts(now), confirmation.step, confirmation.sealed_secret,
            )?;
            if confirmed == 0 {
                return Ok(false);
            }
            insert_recovery_codes!(tx, user, confirmation.codes, now);
            insert_mail!(&mut *tx, &mail)?;
            insert_audit!(self, tx, event);
            tx.commit().await?;
        });
        Ok(true)
    }

    async fn remove_second_factor(
        &self,
        user: UserId,
        mail: OutgoingMail,
        event: &AuditEvent,
    ) -> StoreResult<bool> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let user = user.as_uuid();
            let removed = execute!(in &mut *tx, "delete from second_factors where user_id = $1", user)?;
            if removed == 0 {
                return Ok(false);
            }
            execute!(in &mut *tx, "delete from recovery_codes where user_id = $1", user)?;
            execute!(in &mut *tx, "delete from second_factor_challenges where user_id = $1", user)?;
            insert_mail!(&mut *tx, &mail)?;
            insert_audit!(self, tx, event);
            tx.commit().await?;
        });
        Ok(true)
    }

    async fn replace_recovery_codes(
        &self,
        user: UserId,
        codes: &[TokenHash],
        mail: OutgoingMail,
        now: OffsetDateTime,
        event: &AuditEvent,
    ) -> StoreResult<bool> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            // Also the lock that makes two replacements take turns.
            let confirmed = execute!(
                in &mut *tx,
                "update second_factors set failures = failures
                 where user_id = $1 and confirmed_at is not null",
                user.as_uuid(),
            )?;
            if confirmed == 0 {
                return Ok(false);
            }
            insert_recovery_codes!(tx, user, codes, now);
            insert_mail!(&mut *tx, &mail)?;
            insert_audit!(self, tx, event);
            tx.commit().await?;
        });
        Ok(true)
    }

    async fn accept_totp_step(
        &self,
        user: UserId,
        step: i64,
        budget: FailureBudget,
    ) -> StoreResult<bool> {
        // The budget is left while under the limit or once the window since the first failure
        // is over (the same test in every statement below).
        let sql = "update second_factors set last_used_step = $2
             where user_id = $1 and confirmed_at is not null
               and (last_used_step is null or last_used_step < $2)
               and (failures < $3 or failures_since is null or failures_since <= $4)";
        let accepted = execute!(
            self,
            sql,
            user.as_uuid(),
            step,
            count(budget.limit),
            Ts(budget.window_start),
        )?;
        Ok(accepted == 1)
    }

    async fn use_recovery_code(
        &self,
        user: UserId,
        code: &TokenHash,
        budget: FailureBudget,
    ) -> StoreResult<bool> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            // The factor's row first, guarded by the budget: a failure being counted at the same
            // moment either commits before (and this sees it) or waits for this to finish.
            let open = execute!(
                in &mut *tx,
                "update second_factors set failures = failures
                 where user_id = $1 and confirmed_at is not null
                   and (failures < $2 or failures_since is null or failures_since <= $3)",
                user.as_uuid(), count(budget.limit), Ts(budget.window_start),
            )?;
            if open == 0 {
                return Ok(false);
            }
            let used = execute!(
                in &mut *tx,
                "update recovery_codes set used_at = $3
                 where code_hash = $2 and user_id = $1 and used_at is null",
                user.as_uuid(), code.as_str(), Ts(budget.now),
            )?;
            if used == 0 {
                return Ok(false);
            }
            tx.commit().await?;
        });
        Ok(true)
    }

    async fn record_second_factor_failure(
        &self,
        user: UserId,
        budget: FailureBudget,
    ) -> StoreResult<bool> {
        let sql = "update second_factors set
                 failures = case when failures_since is null or failures_since <= $4 then 1
                                 else failures + 1 end,
                 failures_since = case when failures_since is null or failures_since <= $4
                                       then $2 else failures_since end
             where user_id = $1
               and (failures < $3 or failures_since is null or failures_since <= $4)";
        let counted = execute!(
            self,
            sql,
            user.as_uuid(),
            Ts(budget.now),
            count(budget.limit),
            Ts(budget.window_start),
        )?;
        Ok(counted == 1)
    }

    async fn create_second_factor_challenge(
        &self,
        challenge: &SecondFactorChallenge,
    ) -> StoreResult<()> {
        let (client_id, code_challenge, scope) = match &challenge.purpose {
            ChallengeFor::Page => (None, None, None),
            ChallengeFor::Client {
                client_id,
                code_challenge,
                scope,
            } => (
                Some(client_id.as_str()),
                Some(code_challenge.as_str()),
                Some(scope.as_str()),
            ),
        };
        execute!(
            self,
            "insert into second_factor_challenges (id, handle_hash, user_id, client_id,
                 code_challenge, scope, guesses, created_at, expires_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            challenge.id,
            challenge.handle_hash.as_str(),
            challenge.user_id.as_uuid(),
            client_id,
            code_challenge,
            scope,
            count(challenge.guesses),
            Ts(challenge.created_at),
            Ts(challenge.expires_at),
        )?;
        Ok(())
    }

    async fn advance_second_factor_challenge(
        &self,
        handle: &TokenHash,
        next: &TokenHash,
        now: OffsetDateTime,
        max_guesses: u32,
    ) -> StoreResult<Option<(SecondFactorChallenge, Option<Vec<u8>>)>> {
        let sql = "update second_factor_challenges
             set handle_hash = $2, guesses = guesses + 1
             where handle_hash = $1 and expires_at > $3 and guesses < $4
               and exists (select 1 from users u
                           where u.id = second_factor_challenges.user_id and u.status = 'active')
             returning *,
                 (select f.sealed_secret from second_factors f
                  where f.user_id = second_factor_challenges.user_id
                    and f.confirmed_at is not null) as sealed_secret";
        let row = fetch!(
            self,
            fetch_optional,
            ChallengeRow,
            sql,
            handle.as_str(),
            next.as_str(),
            Ts(now),
            count(max_guesses),
        )?;
        row.map(|mut row| {
            let sealed = row.sealed_secret.take();
            Ok((row.into_challenge()?, sealed))
        })
        .transpose()
    }

    async fn end_second_factor_challenge(&self, id: Uuid) -> StoreResult<()> {
        execute!(
            self,
            "delete from second_factor_challenges where id = $1",
            id
        )?;
        Ok(())
    }

    async fn purge_second_factor_challenges(&self, now: OffsetDateTime) -> StoreResult<u64> {
        let sql = "delete from second_factor_challenges where expires_at <= $1";
        Ok(execute!(self, sql, Ts(now))?)
    }
}
