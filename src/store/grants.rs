//! Codes, grants, refresh tokens and revoked access tokens, once for
//! both databases, except refresh-token rotation, whose algorithm really differs
//! (`postgres::rotation`, `sqlite::rotation`).

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::by_time;
use super::pool::{BeginWrite as _, SqlStore, execute, fetch, scalar, with_pool};
use super::rows::{CodeRow, GrantRow, RefreshTokenWithGrantRow};
use super::timestamp::Ts;
use super::{StoreResult, postgres, sqlite};
use crate::domain::{
    AuthorizationCode, Grant, NewRefreshToken, Redemption, RefreshTokenRecord, Rotation, TokenHash,
    UserId,
};

/// Codes, grants, refresh tokens and revoked access tokens. Every
/// method is one transaction; single use is enforced with a compare-and-set on `consumed_at`.
#[async_trait]
pub trait GrantStore: Send + Sync {
    async fn insert_authorization_code(&self, code: AuthorizationCode) -> StoreResult<()>;
    /// The code and whether it was already consumed.
    async fn find_authorization_code(
        &self,
        code: &TokenHash,
    ) -> StoreResult<Option<(AuthorizationCode, bool)>>;
    /// Marks a code used without granting anything (a failed check burns it).
    async fn burn_authorization_code(
        &self,
        code: &TokenHash,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Consumes the code and, in the same transaction, creates `grant` and its first refresh
    /// token. A code used before has its grant revoked.
    async fn redeem_authorization_code(
        &self,
        code: &TokenHash,
        now: OffsetDateTime,
        grant: Grant,
        refresh_token: Option<NewRefreshToken>,
    ) -> StoreResult<Redemption>;
    /// Creates a grant without a code (the password grant type).
    async fn insert_grant(
        &self,
        grant: Grant,
        refresh_token: Option<NewRefreshToken>,
    ) -> StoreResult<()>;
    async fn find_refresh_token(
        &self,
        token: &TokenHash,
    ) -> StoreResult<Option<RefreshTokenRecord>>;
    /// Consumes `token` and stores `next` in its grant, atomically. Reuse of a consumed token
    /// revokes the grant, except for a retry: the token was consumed at or after
    /// `retry_since` and its successor is `next` (derived from the token, so a retry presents
    /// the same one), still unused and live; then nothing changes and the answer is `Retried`.
    async fn rotate_refresh_token(
        &self,
        token: &TokenHash,
        now: OffsetDateTime,
        next: NewRefreshToken,
        retry_since: Option<OffsetDateTime>,
    ) -> StoreResult<Rotation>;
    async fn find_grant(&self, id: uuid::Uuid) -> StoreResult<Option<Grant>>;
    /// Every grant the user has, live or not yet swept, newest first.
    async fn user_grants(&self, user: UserId) -> StoreResult<Vec<Grant>>;
    /// Revokes a grant: its refresh tokens stop working and its access tokens introspect inactive.
    async fn revoke_grant(&self, id: uuid::Uuid, now: OffsetDateTime) -> StoreResult<()>;
    /// Records a revoked access token; revoking twice is not an error.
    async fn revoke_access_token(&self, jti: &str, expires_at: OffsetDateTime) -> StoreResult<()>;
    /// What servers keep in memory to turn tokens inactive: access tokens revoked that have not
    /// expired at `now`, and grants revoked at or after `grants_since`.
    async fn revocations(
        &self,
        now: OffsetDateTime,
        grants_since: OffsetDateTime,
    ) -> StoreResult<Revocations>;
    /// Forgets revocations of tokens that have expired anyway; returns how many.
    async fn purge_expired_revocations(&self, now: OffsetDateTime) -> StoreResult<u64>;
    /// Deletes codes, refresh tokens and grants that can no longer be used: expired before
    /// `before` (or revoked before it); returns how many rows went.
    async fn purge_expired_grants(&self, before: OffsetDateTime) -> StoreResult<u64>;
}

/// Revocations as found in the database (see [`GrantStore::revocations`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Revocations {
    /// Each revoked access token's `jti` and expiry.
    pub access_tokens: Vec<(String, OffsetDateTime)>,
    /// Each revoked grant and when it was revoked.
    pub grants: Vec<(uuid::Uuid, OffsetDateTime)>,
}

/// `insert_grant!(executor, &grant)`: a new grant.
macro_rules! insert_grant {
    ($executor:expr, $grant:expr) => {{
        let grant: &Grant = $grant;
        execute!(
            in $executor,
            "insert into grants
                 (id, client_id, user_id, scope, auth_time, sid, created_at, expires_at, amr)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            grant.id,
            grant.client_id.as_str(),
            grant.user_id.as_uuid(),
            &grant.scope,
            Ts(grant.auth_time),
            &grant.sid,
            Ts(grant.created_at),
            Ts(grant.expires_at),
            grant.amr.join(" "),
        )
    }};
}

/// `insert_refresh_token!(executor, grant_id, &token)`: a refresh token in grant `grant_id`.
macro_rules! insert_refresh_token {
    ($executor:expr, $grant:expr, $token:expr) => {{
        let token: &$crate::domain::NewRefreshToken = $token;
        $crate::store::pool::execute!(
            in $executor,
            "insert into refresh_tokens (token_hash, grant_id, created_at, expires_at)
             values ($1, $2, $3, $4)",
            token.token_hash.as_str(),
            $grant,
            $crate::store::timestamp::Ts(token.created_at),
            $crate::store::timestamp::Ts(token.expires_at),
        )
    }};
}

/// `revoke_grant!(executor, grant_id, now)`: ends a grant (once; revoking again changes nothing).
macro_rules! revoke_grant {
    ($executor:expr, $grant:expr, $now:expr) => {
        $crate::store::pool::execute!(
            in $executor,
            "update grants set revoked_at = $2 where id = $1 and revoked_at is null",
            $grant,
            $crate::store::timestamp::Ts($now),
        )
    };
}

/// The grant of token `$1` when this is a retry of its rotation (see
/// `GrantStore::rotate_refresh_token`): it was consumed at or after `$3`, and its successor `$2`
/// is unused and live at `$4`, as is the grant.
pub(super) const RETRIED_ROTATION: &str = "select g.* from refresh_tokens rt
     join refresh_tokens next on next.token_hash = $2 and next.grant_id = rt.grant_id
     join grants g on g.id = rt.grant_id
     where rt.token_hash = $1 and rt.consumed_at >= $3
       and next.consumed_at is null and next.expires_at > $4
       and g.revoked_at is null and g.expires_at > $4";

pub(super) use {insert_refresh_token, revoke_grant};

#[async_trait]
impl GrantStore for SqlStore {
    async fn insert_authorization_code(&self, code: AuthorizationCode) -> StoreResult<()> {
        execute!(
            self,
            "insert into authorization_codes (code_hash, client_id, user_id, redirect_uri, scope,
                 nonce, code_challenge, auth_time, sid, created_at, expires_at, amr)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            code.code_hash.as_str(),
            code.client_id.as_str(),
            code.user_id.as_uuid(),
            &code.redirect_uri,
            &code.scope,
            &code.nonce,
            &code.code_challenge,
            Ts(code.auth_time),
            &code.sid,
            Ts(code.created_at),
            Ts(code.expires_at),
            code.amr.join(" "),
        )?;
        Ok(())
    }

    async fn find_authorization_code(
        &self,
        code: &TokenHash,
    ) -> StoreResult<Option<(AuthorizationCode, bool)>> {
        let sql = "select * from authorization_codes where code_hash = $1";
        let row = fetch!(self, fetch_optional, CodeRow, sql, code.as_str())?;
        row.map(CodeRow::into_code).transpose()
    }

    async fn burn_authorization_code(
        &self,
        code: &TokenHash,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let sql = "update authorization_codes set consumed_at = $2
             where code_hash = $1 and consumed_at is null";
        execute!(self, sql, code.as_str(), Ts(now))?;
        Ok(())
    }

    async fn redeem_authorization_code(
        &self,
        code: &TokenHash,
        now: OffsetDateTime,
        grant: Grant,
        refresh_token: Option<NewRefreshToken>,
    ) -> StoreResult<Redemption> {
        let consume = "update authorization_codes set consumed_at = $2
             where code_hash = $1 and consumed_at is null returning expires_at";
        let earlier = "select grant_id from authorization_codes where code_hash = $1";
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let consumed =
                scalar!(in &mut *tx, fetch_optional, OffsetDateTime, consume, code.as_str(), Ts(now))?;
            let Some(expires_at) = consumed else {
                // Used before: whatever it granted is revoked (RFC 6749 §4.1.2).
                let outcome = match scalar!(in &mut *tx, fetch_optional, Option<Uuid>, earlier, code.as_str())? {
                    Some(Some(grant_id)) => {
                        revoke_grant!(&mut *tx, grant_id, now)?;
                        Redemption::Replayed { revoked: Some(grant_id) }
                    }
                    Some(None) => Redemption::Replayed { revoked: None },
                    None => Redemption::Invalid,
                };
                tx.commit().await?;
                return Ok(outcome);
            };
            if expires_at <= now {
                tx.commit().await?;
                return Ok(Redemption::Invalid);
            }
            insert_grant!(&mut *tx, &grant)?;
            if let Some(token) = &refresh_token {
                insert_refresh_token!(&mut *tx, grant.id, token)?;
            }
            let link = "update authorization_codes set grant_id = $2 where code_hash = $1";
            execute!(in &mut *tx, link, code.as_str(), grant.id)?;
            tx.commit().await?;
        });
        Ok(Redemption::Granted(grant))
    }

    async fn insert_grant(
        &self,
        grant: Grant,
        refresh_token: Option<NewRefreshToken>,
    ) -> StoreResult<()> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            insert_grant!(&mut *tx, &grant)?;
            if let Some(token) = &refresh_token {
                insert_refresh_token!(&mut *tx, grant.id, token)?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    async fn find_refresh_token(
        &self,
        token: &TokenHash,
    ) -> StoreResult<Option<RefreshTokenRecord>> {
        // One round trip: the token and its grant together.
        let sql = "select rt.token_hash, rt.expires_at as token_expires_at, rt.consumed_at, g.*
             from refresh_tokens rt join grants g on g.id = rt.grant_id
             where rt.token_hash = $1";
        let row = fetch!(
            self,
            fetch_optional,
            RefreshTokenWithGrantRow,
            sql,
            token.as_str()
        )?;
        row.map(RefreshTokenWithGrantRow::into_record).transpose()
    }

    async fn rotate_refresh_token(
        &self,
        token: &TokenHash,
        now: OffsetDateTime,
        next: NewRefreshToken,
        retry_since: Option<OffsetDateTime>,
    ) -> StoreResult<Rotation> {
        match self {
            SqlStore::Postgres { pool, .. } => {
                postgres::rotation::rotate_refresh_token(pool, token, now, next, retry_since).await
            }
            SqlStore::Sqlite { pool, .. } => {
                sqlite::rotation::rotate_refresh_token(pool, token, now, next, retry_since).await
            }
        }
    }

    async fn find_grant(&self, id: Uuid) -> StoreResult<Option<Grant>> {
        let row = fetch!(
            self,
            fetch_optional,
            GrantRow,
            "select * from grants where id = $1",
            id
        )?;
        row.map(GrantRow::into_grant).transpose()
    }

    async fn user_grants(&self, user: UserId) -> StoreResult<Vec<Grant>> {
        let sql = "select * from grants where user_id = $1 order by created_at desc";
        let rows = fetch!(self, fetch_all, GrantRow, sql, user.as_uuid())?;
        rows.into_iter().map(GrantRow::into_grant).collect()
    }

    async fn revoke_grant(&self, id: Uuid, now: OffsetDateTime) -> StoreResult<()> {
        with_pool!(self, pool => revoke_grant!(pool, id, now))?;
        Ok(())
    }

    async fn revoke_access_token(&self, jti: &str, expires_at: OffsetDateTime) -> StoreResult<()> {
        let sql = "insert into revoked_access_tokens (jti, expires_at) values ($1, $2)
             on conflict (jti) do nothing";
        execute!(self, sql, jti, Ts(expires_at))?;
        Ok(())
    }

    async fn revocations(
        &self,
        now: OffsetDateTime,
        grants_since: OffsetDateTime,
    ) -> StoreResult<Revocations> {
        let access_tokens = fetch!(
            self,
            fetch_all,
            (String, OffsetDateTime),
            by_time::LIVE_REVOKED_ACCESS_TOKENS,
            Ts(now),
        )?;
        let grants = fetch!(
            self,
            fetch_all,
            (Uuid, OffsetDateTime),
            by_time::GRANTS_REVOKED_SINCE,
            Ts(grants_since),
        )?;
        Ok(Revocations {
            access_tokens,
            grants,
        })
    }

    async fn purge_expired_revocations(&self, now: OffsetDateTime) -> StoreResult<u64> {
        Ok(execute!(self, by_time::PURGE_EXPIRED_REVOCATIONS, Ts(now))?)
    }

    async fn purge_expired_grants(&self, before: OffsetDateTime) -> StoreResult<u64> {
        let mut removed = 0;
        for statement in by_time::PURGE_EXPIRED_GRANTS {
            removed += execute!(self, statement, Ts(before))?;
        }
        Ok(removed)
    }
}
