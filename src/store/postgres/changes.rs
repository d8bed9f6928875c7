//! The change feed on PostgreSQL: LISTEN on the channel the triggers of migration 0004 NOTIFY.

use async_trait::async_trait;
use sqlx::postgres::{PgListener, PgPool};
use time::OffsetDateTime;

use crate::domain::{ClientId, UserId};
use crate::store::{Change, ChangeFeed, StoreResult};

const CHANNEL: &str = "portcullis_changes";

pub(in crate::store) struct PgChangeFeed {
    /// Where the listening connection comes from (a pool of its own: it is held for good).
    pool: PgPool,
    /// None after the connection failed, until it is re-established.
    listener: Option<PgListener>,
}

impl PgChangeFeed {
    pub async fn listen(pool: PgPool) -> StoreResult<Self> {
        let listener = Some(subscribe(&pool).await?);
        Ok(Self { pool, listener })
    }
}

async fn subscribe(pool: &PgPool) -> StoreResult<PgListener> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

#[async_trait]
impl ChangeFeed for PgChangeFeed {
    async fn next(&mut self) -> StoreResult<Change> {
        let Some(listener) = self.listener.as_mut() else {
            // A fresh connection, LISTENing, before the gap is reported: whatever the caller
            // then reloads cannot miss a later change. (sqlx's own reconnect covers only some
            // errors: after a reset it would keep the dead connection.)
            self.listener = Some(subscribe(&self.pool).await?);
            return Ok(Change::Lost);
        };
        loop {
            // try_recv, not recv: recv reconnects silently, and notifications sent meanwhile are
            // gone; the caller must hear about that gap to reload.
            let notification = match listener.try_recv().await {
                Ok(Some(notification)) => notification,
                Ok(None) => return Ok(Change::Lost),
                Err(error) => {
                    self.listener = None;
                    return Err(error.into());
                }
            };
            match parse(notification.payload()) {
                Some(change) => return Ok(change),
                None => tracing::warn!(
                    payload = notification.payload(),
                    "unrecognised change notification ignored"
                ),
            }
        }
    }
}

fn parse(payload: &str) -> Option<Change> {
    let mut parts = payload.splitn(3, ' ');
    let kind = parts.next()?;
    let first = parts.next()?;
    let timestamp = || {
        first
            .parse::<i64>()
            .ok()
            .and_then(|seconds| OffsetDateTime::from_unix_timestamp(seconds).ok())
    };
    Some(match (kind, parts.next()) {
        ("t", Some(jti)) => Change::AccessTokenRevoked {
            jti: jti.to_owned(),
            expires_at: timestamp()?,
        },
        ("g", Some(id)) => Change::GrantRevoked {
            id: uuid::Uuid::parse_str(id).ok()?,
            revoked_at: timestamp()?,
        },
        ("u", None) => Change::User(UserId::from_uuid(uuid::Uuid::parse_str(first).ok()?)),
        ("c", None) => Change::Client(ClientId::parse(first).ok()?),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_of_every_kind_parse_and_garbage_does_not() {
        assert_eq!(
            parse("t 1700000000 abc def"),
            Some(Change::AccessTokenRevoked {
                jti: "abc def".into(),
                expires_at: OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap(),
            })
        );
        let id = uuid::Uuid::now_v7();
        assert_eq!(
            parse(&format!("g 1700000000 {id}")),
            Some(Change::GrantRevoked {
                id,
                revoked_at: OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap(),
            })
        );
        assert_eq!(
            parse(&format!("u {id}")),
            Some(Change::User(UserId::from_uuid(id)))
        );
        assert!(matches!(parse("c web-app"), Some(Change::Client(_))));
        for garbage in [
            "",
            "t",
            "t x jti",
            "g 1 not-a-uuid",
            "u nope",
            "x 1 2",
            "u 1 2",
        ] {
            assert_eq!(parse(garbage), None, "{garbage:?}");
        }
    }
}
