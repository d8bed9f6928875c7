//! `GrantStore`, once for both databases, except refresh-token rotation, whose algorithm really
//! differs (`postgres::rotation`, `sqlite::rotation`).

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::by_time;
use super::error::classify;
use super::pool::{BeginWrite as _, PoolRef, SqlBackend, with_pool};
use super::rows::{CodeRow, GrantRow, RefreshTokenWithGrantRow};
use super::timestamp::Ts;
use super::{GrantStore, Revocations, StoreResult, postgres, sqlite};
use crate::domain::{
    AuthorizationCode, Grant, NewRefreshToken, Redemption, RefreshTokenRecord, Rotation, TokenHash,
};

/// `insert_grant!(executor, &grant)`: a new family.
macro_rules! insert_grant {
    ($executor:expr, $grant:expr) => {{
        let grant: &Grant = $grant;
        sqlx::query(
            "insert into grants (id, client_id, user_id, scope, auth_time, sid, created_at, expires_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(grant.id)
        .bind(grant.client_id.as_str())
        .bind(grant.user_id.as_uuid())
        .bind(&grant.scope)
        .bind(Ts(grant.auth_time))
        .bind(&grant.sid)
        .bind(Ts(grant.created_at))
        .bind(Ts(grant.expires_at))
        .execute($executor)
        .await
        .map(|_| ())
        .map_err($crate::store::error::classify)
    }};
}

/// `insert_refresh_token!(executor, grant_id, &token)`: a refresh token in family `grant_id`.
macro_rules! insert_refresh_token {
    ($executor:expr, $grant:expr, $token:expr) => {{
        let token: &$crate::domain::NewRefreshToken = $token;
        sqlx::query(
            "insert into refresh_tokens (token_hash, grant_id, created_at, expires_at)
             values ($1, $2, $3, $4)",
        )
        .bind(token.token_hash.as_str())
        .bind($grant)
        .bind(Ts(token.created_at))
        .bind(Ts(token.expires_at))
        .execute($executor)
        .await
        .map(|_| ())
        .map_err($crate::store::error::classify)
    }};
}

/// `revoke_grant!(executor, grant_id, now)`: ends a family (once; revoking again changes nothing).
macro_rules! revoke_grant {
    ($executor:expr, $grant:expr, $now:expr) => {
        sqlx::query("update grants set revoked_at = $2 where id = $1 and revoked_at is null")
            .bind($grant)
            .bind(Ts($now))
            .execute($executor)
            .await
            .map(|_| ())
            .map_err($crate::store::error::classify)
    };
}

pub(super) use {insert_refresh_token, revoke_grant};

#[async_trait]
impl<S: SqlBackend> GrantStore for S {
    async fn insert_authorization_code(&self, code: AuthorizationCode) -> StoreResult<()> {
        with_pool!(self, pool => sqlx::query(
            "insert into authorization_codes (code_hash, client_id, user_id, redirect_uri, scope,
                 nonce, code_challenge, auth_time, sid, created_at, expires_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(code.code_hash.as_str())
        .bind(code.client_id.as_str())
        .bind(code.user_id.as_uuid())
        .bind(&code.redirect_uri)
        .bind(&code.scope)
        .bind(&code.nonce)
        .bind(&code.code_challenge)
        .bind(Ts(code.auth_time))
        .bind(&code.sid)
        .bind(Ts(code.created_at))
        .bind(Ts(code.expires_at))
        .execute(pool)
        .await
        .map(|_| ()))
        .map_err(classify)
    }

    async fn find_authorization_code(
        &self,
        code: &TokenHash,
    ) -> StoreResult<Option<(AuthorizationCode, bool)>> {
        with_pool!(self, pool => sqlx::query_as::<_, CodeRow>(
            "select * from authorization_codes where code_hash = $1",
        )
        .bind(code.as_str())
        .fetch_optional(pool)
        .await)
        .map_err(classify)?
        .map(CodeRow::into_code)
        .transpose()
    }

    async fn burn_authorization_code(
        &self,
        code: &TokenHash,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        with_pool!(self, pool => sqlx::query(
            "update authorization_codes set consumed_at = $2
             where code_hash = $1 and consumed_at is null",
        )
        .bind(code.as_str())
        .bind(Ts(now))
        .execute(pool)
        .await
        .map(|_| ()))
        .map_err(classify)
    }

    async fn redeem_authorization_code(
        &self,
        code: &TokenHash,
        now: OffsetDateTime,
        grant: Grant,
        refresh_token: Option<NewRefreshToken>,
    ) -> StoreResult<Redemption> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await.map_err(classify)?;
            let consumed: Option<OffsetDateTime> = sqlx::query_scalar(
                "update authorization_codes set consumed_at = $2
                 where code_hash = $1 and consumed_at is null returning expires_at",
            )
            .bind(code.as_str())
            .bind(Ts(now))
            .fetch_optional(&mut *tx)
            .await
            .map_err(classify)?;
            let Some(expires_at) = consumed else {
                // Used before: whatever it granted is revoked (RFC 6749 §4.1.2).
                let earlier: Option<Option<Uuid>> = sqlx::query_scalar(
                    "select grant_id from authorization_codes where code_hash = $1",
                )
                .bind(code.as_str())
                .fetch_optional(&mut *tx)
                .await
                .map_err(classify)?;
                let outcome = match earlier {
                    Some(Some(grant_id)) => {
                        revoke_grant!(&mut *tx, grant_id, now)?;
                        Redemption::Replayed {
                            revoked: Some(grant_id),
                        }
                    }
                    Some(None) => Redemption::Replayed { revoked: None },
                    None => Redemption::Invalid,
                };
                tx.commit().await.map_err(classify)?;
                return Ok(outcome);
            };
            if expires_at <= now {
                tx.commit().await.map_err(classify)?;
                return Ok(Redemption::Invalid);
            }
            insert_grant!(&mut *tx, &grant)?;
            if let Some(token) = &refresh_token {
                insert_refresh_token!(&mut *tx, grant.id, token)?;
            }
            sqlx::query("update authorization_codes set grant_id = $2 where code_hash = $1")
                .bind(code.as_str())
                .bind(grant.id)
                .execute(&mut *tx)
                .await
                .map_err(classify)?;
            tx.commit().await.map_err(classify)?;
        });
        Ok(Redemption::Granted(grant))
    }

    async fn insert_grant(
        &self,
        grant: Grant,
        refresh_token: Option<NewRefreshToken>,
    ) -> StoreResult<()> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await.map_err(classify)?;
            insert_grant!(&mut *tx, &grant)?;
            if let Some(token) = &refresh_token {
                insert_refresh_token!(&mut *tx, grant.id, token)?;
            }
            tx.commit().await.map_err(classify)
        })
    }

    async fn find_refresh_token(
        &self,
        token: &TokenHash,
    ) -> StoreResult<Option<RefreshTokenRecord>> {
        // One round trip: the token and its family together.
        with_pool!(self, pool => sqlx::query_as::<_, RefreshTokenWithGrantRow>(
            "select rt.token_hash, rt.expires_at as token_expires_at, rt.consumed_at, g.*
             from refresh_tokens rt join grants g on g.id = rt.grant_id
             where rt.token_hash = $1",
        )
        .bind(token.as_str())
        .fetch_optional(pool)
        .await)
        .map_err(classify)?
        .map(RefreshTokenWithGrantRow::into_record)
        .transpose()
    }

    async fn rotate_refresh_token(
        &self,
        token: &TokenHash,
        now: OffsetDateTime,
        next: NewRefreshToken,
        retry_since: Option<OffsetDateTime>,
    ) -> StoreResult<Rotation> {
        match self.pool() {
            PoolRef::Postgres(pool) => {
                postgres::rotation::rotate_refresh_token(pool, token, now, next, retry_since).await
            }
            PoolRef::Sqlite(pool) => {
                sqlite::rotation::rotate_refresh_token(pool, token, now, next, retry_since).await
            }
        }
    }

    async fn find_grant(&self, id: Uuid) -> StoreResult<Option<Grant>> {
        with_pool!(self, pool => sqlx::query_as::<_, GrantRow>("select * from grants where id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await)
        .map_err(classify)?
        .map(GrantRow::into_grant)
        .transpose()
    }

    async fn revoke_grant(&self, id: Uuid, now: OffsetDateTime) -> StoreResult<()> {
        with_pool!(self, pool => revoke_grant!(pool, id, now))
    }

    async fn revoke_access_token(&self, jti: &str, expires_at: OffsetDateTime) -> StoreResult<()> {
        with_pool!(self, pool => sqlx::query(
            "insert into revoked_access_tokens (jti, expires_at) values ($1, $2)
             on conflict (jti) do nothing",
        )
        .bind(jti)
        .bind(Ts(expires_at))
        .execute(pool)
        .await
        .map(|_| ()))
        .map_err(classify)
    }

    async fn revocations(
        &self,
        now: OffsetDateTime,
        grants_since: OffsetDateTime,
    ) -> StoreResult<Revocations> {
        let access_tokens = with_pool!(self, pool => sqlx::query_as(
            by_time::LIVE_REVOKED_ACCESS_TOKENS,
        )
        .bind(Ts(now))
        .fetch_all(pool)
        .await)
        .map_err(classify)?;
        let grants = with_pool!(self, pool => sqlx::query_as(by_time::GRANTS_REVOKED_SINCE)
            .bind(Ts(grants_since))
            .fetch_all(pool)
            .await)
        .map_err(classify)?;
        Ok(Revocations {
            access_tokens,
            grants,
        })
    }

    async fn purge_expired_revocations(&self, now: OffsetDateTime) -> StoreResult<u64> {
        with_pool!(self, pool => sqlx::query(by_time::PURGE_EXPIRED_REVOCATIONS)
            .bind(Ts(now))
            .execute(pool)
            .await
            .map(|done| done.rows_affected()))
        .map_err(classify)
    }

    async fn purge_expired_grants(&self, before: OffsetDateTime) -> StoreResult<u64> {
        let mut removed = 0;
        for statement in by_time::PURGE_EXPIRED_GRANTS {
            removed += with_pool!(self, pool => sqlx::query(statement)
                .bind(Ts(before))
                .execute(pool)
                .await
                .map(|done| done.rows_affected()))
            .map_err(classify)?;
        }
        Ok(removed)
    }
}
