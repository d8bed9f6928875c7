//! Uploaded profile pictures: one per user, replaced whole.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::pool::{BeginWrite as _, SqlStore, dialect, execute, fetch, scalar, with_pool};
use super::timestamp::Ts;
use super::{StoreError, StoreResult};
use crate::domain::{Picture, PictureType, UserId};

#[async_trait]
pub trait PictureStore: Send + Sync {
    /// Stores `picture` as the user's (their earlier upload goes) and sets their profile's
    /// `picture` to `url`, in one transaction. `NotFound` for no active user.
    async fn set_picture(
        &self,
        user: UserId,
        picture: &Picture,
        url: &str,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Forgets the user's upload unless their profile's `picture` (read in the same
    /// transaction, so a newer upload is never taken for an old one) is its address: the upload's
    /// id after `url_prefix`.
    async fn forget_unused_picture(&self, user: UserId, url_prefix: &str) -> StoreResult<()>;
    async fn find_picture(&self, id: Uuid) -> StoreResult<Option<Picture>>;
    /// The user's upload, if any (for their export).
    async fn user_picture(&self, user: UserId) -> StoreResult<Option<Picture>>;
}

type PictureRow = (Uuid, String, Vec<u8>);

fn into_picture((id, content_type, data): PictureRow) -> StoreResult<Picture> {
    let kind = PictureType::parse_mime(&content_type)
        .ok_or_else(|| StoreError::Corrupt(format!("picture type {content_type:?}")))?;
    Ok(Picture { id, kind, data })
}

#[async_trait]
impl PictureStore for SqlStore {
    async fn set_picture(
        &self,
        user: UserId,
        picture: &Picture,
        url: &str,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let updated = execute!(
                in &mut *tx,
                "update users set picture = $2, updated_at = $3 where id = $1 and status = 'active'",
                user.as_uuid(), url, Ts(now),
            )?;
            if updated == 0 {
                return Err(StoreError::NotFound);
            }
            execute!(in &mut *tx, "delete from pictures where user_id = $1", user.as_uuid())?;
            execute!(
                in &mut *tx,
                "insert into pictures (id, user_id, content_type, data, created_at)
                 values ($1, $2, $3, $4, $5)",
                picture.id, user.as_uuid(), picture.kind.mime(), picture.data.as_slice(), Ts(now),
            )?;
            tx.commit().await?;
            Ok(())
        })
    }

    async fn forget_unused_picture(&self, user: UserId, url_prefix: &str) -> StoreResult<()> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let named = scalar!(
                in &mut *tx, fetch_optional, Option<String>,
                dialect!(self, USER_PICTURE_FOR_WRITE), user.as_uuid(),
            )?
            .flatten();
            let keep = named
                .as_deref()
                .and_then(|url| url.strip_prefix(url_prefix))
                .and_then(|id| Uuid::parse_str(id).ok());
            execute!(
                in &mut *tx,
                "delete from pictures where user_id = $1 and id is distinct from $2",
                user.as_uuid(), keep,
            )?;
            tx.commit().await?;
            Ok(())
        })
    }

    async fn find_picture(&self, id: Uuid) -> StoreResult<Option<Picture>> {
        let sql = "select id, content_type, data from pictures where id = $1";
        let row = fetch!(self, fetch_optional, PictureRow, sql, id)?;
        row.map(into_picture).transpose()
    }

    async fn user_picture(&self, user: UserId) -> StoreResult<Option<Picture>> {
        let sql = "select id, content_type, data from pictures where user_id = $1";
        let row = fetch!(self, fetch_optional, PictureRow, sql, user.as_uuid())?;
        row.map(into_picture).transpose()
    }
}
