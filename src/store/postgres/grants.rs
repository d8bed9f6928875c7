//! `GrantStore` on PostgreSQL.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::PostgresStore;
use crate::domain::{
    AuthorizationCode, Grant, NewRefreshToken, Redemption, RefreshTokenRecord, Rotation, TokenHash,
};
use crate::store::error::classify;
use crate::store::rows::{CodeRow, GrantRow, RefreshTokenWithGrantRow};
use crate::store::{GrantStore, Revocations, StoreResult};

type Tx<'c> = sqlx::Transaction<'c, sqlx::Postgres>;

async fn insert_grant(tx: &mut Tx<'_>, grant: &Grant) -> StoreResult<()> {
    sqlx::query(
        "insert into grants (id, client_id, user_id, scope, auth_time, sid, created_at, expires_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(grant.id)
    .bind(grant.client_id.as_str())
    .bind(grant.user_id.as_uuid())
    .bind(&grant.scope)
    .bind(grant.auth_time)
    .bind(&grant.sid)
    .bind(grant.created_at)
    .bind(grant.expires_at)
    .execute(&mut **tx)
    .await
    .map_err(classify)?;
    Ok(())
}

async fn insert_refresh_token(
    tx: &mut Tx<'_>,
    grant: Uuid,
    token: &NewRefreshToken,
) -> StoreResult<()> {
    sqlx::query("insert into refresh_tokens (token_hash, grant_id, created_at, expires_at) values ($1, $2, $3, $4)")
        .bind(token.token_hash.as_str())
        .bind(grant)
        .bind(token.created_at)
        .bind(token.expires_at)
        .execute(&mut **tx)
        .await
        .map_err(classify)?;
    Ok(())
}

async fn revoke_grant<'e>(
    executor: impl sqlx::PgExecutor<'e>,
    grant: Uuid,
    now: OffsetDateTime,
) -> StoreResult<()> {
    sqlx::query("update grants set revoked_at = $2 where id = $1 and revoked_at is null")
        .bind(grant)
        .bind(now)
        .execute(executor)
        .await
        .map_err(classify)?;
    Ok(())
}

#[async_trait]
impl GrantStore for PostgresStore {
    async fn insert_authorization_code(&self, code: AuthorizationCode) -> StoreResult<()> {
        sqlx::query(
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
        .bind(code.auth_time)
        .bind(&code.sid)
        .bind(code.created_at)
        .bind(code.expires_at)
        .execute(&self.pool)
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn find_authorization_code(
        &self,
        code: &TokenHash,
    ) -> StoreResult<Option<(AuthorizationCode, bool)>> {
        sqlx::query_as::<_, CodeRow>("select * from authorization_codes where code_hash = $1")
            .bind(code.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(classify)?
            .map(CodeRow::into_code)
            .transpose()
    }

    async fn burn_authorization_code(
        &self,
        code: &TokenHash,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        sqlx::query("update authorization_codes set consumed_at = $2 where code_hash = $1 and consumed_at is null")
            .bind(code.as_str())
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn redeem_authorization_code(
        &self,
        code: &TokenHash,
        now: OffsetDateTime,
        grant: Grant,
        refresh_token: Option<NewRefreshToken>,
    ) -> StoreResult<Redemption> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        let consumed: Option<OffsetDateTime> = sqlx::query_scalar(
            "update authorization_codes set consumed_at = $2
             where code_hash = $1 and consumed_at is null returning expires_at",
        )
        .bind(code.as_str())
        .bind(now)
        .fetch_optional(&mut *tx)
        .await
        .map_err(classify)?;
        let Some(expires_at) = consumed else {
            // Used before: whatever it granted is revoked (RFC 6749 §4.1.2).
            let earlier: Option<Option<Uuid>> =
                sqlx::query_scalar("select grant_id from authorization_codes where code_hash = $1")
                    .bind(code.as_str())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(classify)?;
            let outcome = match earlier {
                Some(Some(grant_id)) => {
                    revoke_grant(&mut *tx, grant_id, now).await?;
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
        insert_grant(&mut tx, &grant).await?;
        if let Some(token) = &refresh_token {
            insert_refresh_token(&mut tx, grant.id, token).await?;
        }
        sqlx::query("update authorization_codes set grant_id = $2 where code_hash = $1")
            .bind(code.as_str())
            .bind(grant.id)
            .execute(&mut *tx)
            .await
            .map_err(classify)?;
        tx.commit().await.map_err(classify)?;
        Ok(Redemption::Granted(grant))
    }

    async fn insert_grant(
        &self,
        grant: Grant,
        refresh_token: Option<NewRefreshToken>,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(classify)?;
        insert_grant(&mut tx, &grant).await?;
        if let Some(token) = &refresh_token {
            insert_refresh_token(&mut tx, grant.id, token).await?;
        }
        tx.commit().await.map_err(classify)
    }

    async fn find_refresh_token(
        &self,
        token: &TokenHash,
    ) -> StoreResult<Option<RefreshTokenRecord>> {
        // One round trip: the token and its family together.
        sqlx::query_as::<_, RefreshTokenWithGrantRow>(
            "select rt.token_hash, rt.expires_at as token_expires_at, rt.consumed_at, g.*
             from refresh_tokens rt join grants g on g.id = rt.grant_id
             where rt.token_hash = $1",
        )
        .bind(token.as_str())
        .fetch_optional(&self.pool)
        .await
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
        // One statement, so one round trip: consume the token (compare-and-set on consumed_at)
        // only while it and its grant are live, and insert its successor in the same family.
        let rotated = sqlx::query_as::<_, GrantRow>(
            "with consumed as (
                 update refresh_tokens rt set consumed_at = $2
                 from grants g
                 where rt.token_hash = $1 and rt.consumed_at is null and rt.expires_at > $2
                   and g.id = rt.grant_id and g.revoked_at is null and g.expires_at > $2
                 returning g.*
             ), successor as (
                 insert into refresh_tokens (token_hash, grant_id, created_at, expires_at)
                 select $3, id, $4, $5 from consumed
             )
             select * from consumed",
        )
        .bind(token.as_str())
        .bind(now)
        .bind(next.token_hash.as_str())
        .bind(next.created_at)
        .bind(next.expires_at)
        .fetch_optional(&self.pool)
        .await
        .map_err(classify)?;
        if let Some(grant) = rotated {
            return Ok(Rotation::Rotated(grant.into_grant()?));
        }
        if let Some(since) = retry_since {
            let retried = sqlx::query_as::<_, GrantRow>(
                "select g.* from refresh_tokens rt
                 join refresh_tokens next on next.token_hash = $2 and next.grant_id = rt.grant_id
                 join grants g on g.id = rt.grant_id
                 where rt.token_hash = $1 and rt.consumed_at >= $3
                   and next.consumed_at is null and next.expires_at > $4
                   and g.revoked_at is null and g.expires_at > $4",
            )
            .bind(token.as_str())
            .bind(next.token_hash.as_str())
            .bind(since)
            .bind(now)
            .fetch_optional(&self.pool)
            .await
            .map_err(classify)?;
            if let Some(grant) = retried {
                return Ok(Rotation::Retried(grant.into_grant()?));
            }
        }
        // Not rotated. A token that was consumed before came back: assume theft and end the
        // family (RFC 9700 §4.14.2). Anything else (unknown, expired, revoked) changes nothing.
        let reused: bool = sqlx::query_scalar(
            "with reused as (
                 select grant_id from refresh_tokens where token_hash = $1 and consumed_at is not null
             ), revoked as (
                 update grants set revoked_at = $2
                 where id in (select grant_id from reused) and revoked_at is null
             )
             select exists (select 1 from reused)",
        )
        .bind(token.as_str())
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(classify)?;
        Ok(if reused {
            Rotation::Reused
        } else {
            Rotation::Invalid
        })
    }

    async fn find_grant(&self, id: Uuid) -> StoreResult<Option<Grant>> {
        sqlx::query_as::<_, GrantRow>("select * from grants where id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(classify)?
            .map(GrantRow::into_grant)
            .transpose()
    }

    async fn revoke_grant(&self, id: Uuid, now: OffsetDateTime) -> StoreResult<()> {
        revoke_grant(&self.pool, id, now).await
    }

    async fn revoke_access_token(&self, jti: &str, expires_at: OffsetDateTime) -> StoreResult<()> {
        sqlx::query(
            "insert into revoked_access_tokens (jti, expires_at) values ($1, $2)
             on conflict (jti) do nothing",
        )
        .bind(jti)
        .bind(expires_at)
        .execute(&self.pool)
        .await
        .map_err(classify)?;
        Ok(())
    }

    async fn revocations(
        &self,
        now: OffsetDateTime,
        grants_since: OffsetDateTime,
    ) -> StoreResult<Revocations> {
        let access_tokens = sqlx::query_as(
            "select jti, expires_at from revoked_access_tokens where expires_at > $1",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await
        .map_err(classify)?;
        let grants = sqlx::query_as("select id, revoked_at from grants where revoked_at >= $1")
            .bind(grants_since)
            .fetch_all(&self.pool)
            .await
            .map_err(classify)?;
        Ok(Revocations {
            access_tokens,
            grants,
        })
    }

    async fn purge_expired_revocations(&self, now: OffsetDateTime) -> StoreResult<u64> {
        let result = sqlx::query("delete from revoked_access_tokens where expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(classify)?;
        Ok(result.rows_affected())
    }

    async fn purge_expired_grants(&self, before: OffsetDateTime) -> StoreResult<u64> {
        let mut removed = 0;
        for statement in [
            "delete from authorization_codes where expires_at <= $1",
            "delete from refresh_tokens where expires_at <= $1",
            "delete from grants where expires_at <= $1 or (revoked_at is not null and revoked_at <= $1)",
        ] {
            let result = sqlx::query(statement)
                .bind(before)
                .execute(&self.pool)
                .await
                .map_err(classify)?;
            removed += result.rows_affected();
        }
        Ok(removed)
    }
}
