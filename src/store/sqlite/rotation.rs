//! Refresh-token rotation on SQLite: one `begin immediate` transaction (SQLite has no writable
//! CTEs), so writers queue on the busy timeout instead of failing to upgrade a read.

use sqlx::sqlite::SqlitePool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::{Grant, NewRefreshToken, Rotation, TokenHash};
use crate::store::StoreResult;
use crate::store::error::classify;
use crate::store::grants::{insert_refresh_token, revoke_grant};
use crate::store::rows::GrantRow;
use crate::store::timestamp::Ts;

type Tx<'c> = sqlx::Transaction<'c, sqlx::Sqlite>;

async fn grant_in(tx: &mut Tx<'_>, grant: Uuid) -> StoreResult<Option<Grant>> {
    sqlx::query_as::<_, GrantRow>("select * from grants where id = $1")
        .bind(grant)
        .fetch_optional(&mut **tx)
        .await
        .map_err(classify)?
        .map(GrantRow::into_grant)
        .transpose()
}

/// `GrantStore::rotate_refresh_token`.
pub async fn rotate_refresh_token(
    pool: &SqlitePool,
    token: &TokenHash,
    now: OffsetDateTime,
    next: NewRefreshToken,
    retry_since: Option<OffsetDateTime>,
) -> StoreResult<Rotation> {
    let mut tx = pool.begin_with("begin immediate").await.map_err(classify)?;
    let consumed: Option<(Uuid, OffsetDateTime)> = sqlx::query_as(
        "update refresh_tokens set consumed_at = $2
         where token_hash = $1 and consumed_at is null returning grant_id, expires_at",
    )
    .bind(token.as_str())
    .bind(Ts(now))
    .fetch_optional(&mut *tx)
    .await
    .map_err(classify)?;
    let Some((grant_id, expires_at)) = consumed else {
        if let Some(since) = retry_since {
            let retried = sqlx::query_as::<_, GrantRow>(
                "select g.* from refresh_tokens rt
                 join refresh_tokens next on next.token_hash = $2 and next.grant_id = rt.grant_id
                 join grants g on g.id = rt.grant_id
                 where rt.token_hash = $1
                   and rt.consumed_at >= $3
                   and next.consumed_at is null
                   and next.expires_at > $4
                   and g.revoked_at is null
                   and g.expires_at > $4",
            )
            .bind(token.as_str())
            .bind(next.token_hash.as_str())
            .bind(Ts(since))
            .bind(Ts(now))
            .fetch_optional(&mut *tx)
            .await
            .map_err(classify)?;
            if let Some(grant) = retried {
                tx.commit().await.map_err(classify)?;
                return Ok(Rotation::Retried(grant.into_grant()?));
            }
        }
        let family: Option<Uuid> =
            sqlx::query_scalar("select grant_id from refresh_tokens where token_hash = $1")
                .bind(token.as_str())
                .fetch_optional(&mut *tx)
                .await
                .map_err(classify)?;
        let outcome = match family {
            // A rotated token came back: assume theft and end the family (RFC 9700 §4.14.2).
            Some(grant_id) => {
                revoke_grant!(&mut *tx, grant_id, now)?;
                Rotation::Reused
            }
            None => Rotation::Invalid,
        };
        tx.commit().await.map_err(classify)?;
        return Ok(outcome);
    };
    let grant = grant_in(&mut tx, grant_id).await?;
    let Some(grant) =
        grant.filter(|g| g.revoked_at.is_none() && g.expires_at > now && expires_at > now)
    else {
        // Leave the token as it was: nothing is issued and nothing changes.
        tx.rollback().await.map_err(classify)?;
        return Ok(Rotation::Invalid);
    };
    insert_refresh_token!(&mut *tx, grant.id, &next)?;
    tx.commit().await.map_err(classify)?;
    Ok(Rotation::Rotated(grant))
}
