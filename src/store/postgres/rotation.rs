//! Refresh-token rotation on PostgreSQL: the consume-and-insert is one statement (a writable
//! CTE), so a rotation is one round trip.

use sqlx::postgres::PgPool;
use time::OffsetDateTime;

use crate::domain::{NewRefreshToken, Rotation, TokenHash};
use crate::store::StoreResult;
use crate::store::error::classify;
use crate::store::rows::GrantRow;
use crate::store::timestamp::Ts;

/// `GrantStore::rotate_refresh_token`.
pub async fn rotate_refresh_token(
    pool: &PgPool,
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
    .bind(Ts(now))
    .bind(next.token_hash.as_str())
    .bind(Ts(next.created_at))
    .bind(Ts(next.expires_at))
    .fetch_optional(pool)
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
        .bind(Ts(since))
        .bind(Ts(now))
        .fetch_optional(pool)
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
    .bind(Ts(now))
    .fetch_one(pool)
    .await
    .map_err(classify)?;
    Ok(if reused {
        Rotation::Reused
    } else {
        Rotation::Invalid
    })
}
