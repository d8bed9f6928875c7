//! A profile picture uploaded instead of linked: checked by its bytes, stored with us, and
//! served at `/pictures/<id>` (a new id per upload), which becomes the profile's `picture`.

use uuid::Uuid;

use super::{AccountError, Accounts};
use crate::domain::{
    InvalidField, MAX_PICTURE_BYTES, Picture, PictureType, ProfileField, User, UserId,
};
use crate::store::StoreError;

impl Accounts {
    /// Stores `bytes` as `user`'s picture; the account as it now is.
    pub async fn upload_picture(&self, user: UserId, bytes: Vec<u8>) -> Result<User, AccountError> {
        let refused =
            |message: &str| AccountError::Invalid(vec![InvalidField::new("picture", message)]);
        if bytes.len() > MAX_PICTURE_BYTES {
            return Err(refused("must be at most 1 MB"));
        }
        if bytes.is_empty() {
            return Err(refused("is empty"));
        }
        let kind = PictureType::sniff(&bytes)
            .ok_or_else(|| refused("must be a PNG, JPEG or WebP image"))?;
        let picture = Picture {
            id: Uuid::new_v4(),
            kind,
            data: bytes,
        };
        let url = self.picture_url(picture.id);
        match self
            .0
            .store
            .set_picture(user, &picture, &url, self.0.clock.now())
            .await
        {
            Ok(()) => {}
            Err(StoreError::NotFound) => return Err(AccountError::NotFound),
            Err(error) => return Err(error.into()),
        }
        self.account(user).await
    }

    /// Takes the picture off `user`'s profile (an upload is forgotten with it).
    pub async fn remove_picture(&self, user: &User) -> Result<User, AccountError> {
        let actor = crate::domain::audit::AuditActor::User(user.id.to_string());
        self.update_profile(user.id, &[(ProfileField::Picture, None)], None, actor)
            .await
    }

    /// Forgets an upload the profile no longer names (it was replaced by a link or removed).
    pub(super) async fn forget_unused_picture(&self, user: UserId) -> Result<(), AccountError> {
        let prefix = self.0.links.pictures.as_str();
        Ok(self.0.store.forget_unused_picture(user, prefix).await?)
    }

    /// A stored picture by its public id.
    pub async fn picture(&self, id: &str) -> Result<Option<Picture>, AccountError> {
        let Ok(id) = Uuid::parse_str(id) else {
            return Ok(None);
        };
        Ok(self.0.store.find_picture(id).await?)
    }

    /// Where picture `id` is served.
    fn picture_url(&self, id: Uuid) -> String {
        format!("{}{}", self.0.links.pictures, id)
    }
}
