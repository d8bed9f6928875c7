//! Refresh-token rotation on PostgreSQL: the consume-and-insert is one statement (a writable
//! CTE), so a rotation is one round trip.

use sqlx::postgres::PgPool;
use time::OffsetDateTime;

use crate::domain::{NewRefreshToken, Rotation, TokenHash};
use crate::store::StoreResult;
use crate::store::grants::RETRIED_ROTATION;
use crate::store::pool::{fetch, scalar};
use crate::store::rows::GrantRow;
use crate::store::timestamp::Ts;

/// Consumes the token (compare-and-set on consumed_at) only while it and its grant are live, and
/// inserts its successor in the same grant.
const ROTATE: &str = "with consumed as (
         update refresh_tokens rt set consumed_at = $2
         from grants g
         where rt.token_hash = $1 and rt.consumed_at is null and rt.expires_at > $2
           and g.id = rt.grant_id and g.revoked_at is null and g.expires_at > $2
         returning g.*
     ), successor as (
         insert into refresh_tokens (token_hash, grant_id, created_at, expires_at)
         select $3, id, $4, $5 from consumed
     )
     select * from consumed";

/// Whether token `$1` was consumed before; if so its grant is revoked at `$2`.
const REVOKE_IF_REUSED: &str = "with reused as (
         select grant_id from refresh_tokens where token_hash = $1 and consumed_at is not null
     ), revoked as (
         update grants set revoked_at = $2
         where id in (select grant_id from reused) and revoked_at is null
     )
     select exists (select 1 from reused)";

/// `GrantStore::rotate_refresh_token`.
pub async fn rotate_refresh_token(
    pool: &PgPool,
    token: &TokenHash,
    now: OffsetDateTime,
    next: NewRefreshToken,
    retry_since: Option<OffsetDateTime>,
) -> StoreResult<Rotation> {
    let rotated = fetch!(
        in pool,
        fetch_optional,
        GrantRow,
        ROTATE,
        token.as_str(),
        Ts(now),
        next.token_hash.as_str(),
        Ts(next.created_at),
        Ts(next.expires_at),
    )?;
    if let Some(grant) = rotated {
        return Ok(Rotation::Rotated(grant.into_grant()?));
    }
    if let Some(since) = retry_since {
        let retried = fetch!(
            in pool,
            fetch_optional,
            GrantRow,
            RETRIED_ROTATION,
            token.as_str(),
            next.token_hash.as_str(),
            Ts(since),
            Ts(now),
        )?;
        if let Some(grant) = retried {
            return Ok(Rotation::Retried(grant.into_grant()?));
        }
    }
    // Not rotated. A token that was consumed before came back: assume theft and end the
    // grant (RFC 9700 §4.14.2). Anything else (unknown, expired, revoked) changes nothing.
    let reused = scalar!(in pool, fetch_one, bool, REVOKE_IF_REUSED, token.as_str(), Ts(now))?;
    Ok(if reused {
        Rotation::Reused
    } else {
        Rotation::Invalid
    })
}
