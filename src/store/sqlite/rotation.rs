//! Refresh-token rotation on SQLite: one `begin immediate` transaction (SQLite has no writable
//! CTEs), so writers queue on the busy timeout instead of failing to upgrade a read.

use sqlx::sqlite::SqlitePool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::{NewRefreshToken, Rotation, TokenHash};
use crate::store::StoreResult;
use crate::store::grants::{RETRIED_ROTATION, insert_refresh_token, revoke_grant};
use crate::store::pool::{BeginWrite as _, fetch, scalar};
use crate::store::rows::GrantRow;
use crate::store::timestamp::Ts;

/// `GrantStore::rotate_refresh_token`.
pub async fn rotate_refresh_token(
    pool: &SqlitePool,
    token: &TokenHash,
    now: OffsetDateTime,
    next: NewRefreshToken,
    retry_since: Option<OffsetDateTime>,
) -> StoreResult<Rotation> {
    let consume = "update refresh_tokens set consumed_at = $2
         where token_hash = $1 and consumed_at is null returning grant_id, expires_at";
    let mut tx = pool.begin_write().await?;
    let consumed = fetch!(
        in &mut *tx, fetch_optional, (Uuid, OffsetDateTime), consume, token.as_str(), Ts(now)
    )?;
    let Some((grant_id, expires_at)) = consumed else {
        if let Some(since) = retry_since {
            let retried = fetch!(
                in &mut *tx,
                fetch_optional,
                GrantRow,
                RETRIED_ROTATION,
                token.as_str(),
                next.token_hash.as_str(),
                Ts(since),
                Ts(now),
            )?;
            if let Some(grant) = retried {
                tx.commit().await?;
                return Ok(Rotation::Retried(grant.into_grant()?));
            }
        }
        let grant_of = "select grant_id from refresh_tokens where token_hash = $1";
        let outcome = match scalar!(in &mut *tx, fetch_optional, Uuid, grant_of, token.as_str())? {
            // A rotated token came back: assume theft and end the grant (RFC 9700 §4.14.2).
            Some(grant_id) => {
                revoke_grant!(&mut *tx, grant_id, now)?;
                Rotation::Reused
            }
            None => Rotation::Invalid,
        };
        tx.commit().await?;
        return Ok(outcome);
    };
    let grant = fetch!(in &mut *tx, fetch_optional, GrantRow, "select * from grants where id = $1", grant_id)?
        .map(GrantRow::into_grant)
        .transpose()?;
    let Some(grant) =
        grant.filter(|g| g.revoked_at.is_none() && g.expires_at > now && expires_at > now)
    else {
        // Leave the token as it was: nothing is issued and nothing changes.
        tx.rollback().await?;
        return Ok(Rotation::Invalid);
    };
    insert_refresh_token!(&mut *tx, grant.id, &next)?;
    tx.commit().await?;
    Ok(Rotation::Rotated(grant))
}
