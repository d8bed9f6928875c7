//! tower-sessions on our database: the session id is stored only as a keyed hash, and a new
//! session never overwrites an existing one (an id collision picks a fresh id).

use std::sync::Arc;

use async_trait::async_trait;
use time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

use crate::crypto::token::{PlaintextToken, TokenHash, TokenHasher};
use crate::oauth::authorize::SignIn;
use crate::store::{SessionOwner, Store};

#[derive(Clone)]
pub struct DatabaseSessionStore {
    store: Arc<dyn Store>,
    hasher: TokenHasher,
}

impl DatabaseSessionStore {
    pub fn new(store: Arc<dyn Store>, hasher: TokenHasher) -> Self {
        Self { store, hasher }
    }

    fn key(&self, id: &Id) -> TokenHash {
        self.hasher
            .hash(&PlaintextToken::from_presented(id.to_string()))
    }
}

impl std::fmt::Debug for DatabaseSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DatabaseSessionStore")
    }
}

/// Who is signed in to a record, if anyone: stored beside it so that a password reset can end
/// the user's sessions and the account page can list them.
fn owner(record: &Record) -> Option<SessionOwner> {
    let sign_in = record.data.get(super::pages::session::SIGN_IN)?;
    let sign_in = serde_json::from_value::<SignIn>(sign_in.clone()).ok()?;
    Some(SessionOwner {
        user: sign_in.user_id,
        signed_in_at: OffsetDateTime::from_unix_timestamp(sign_in.auth_time).ok()?,
        sid: sign_in.sid,
        device: sign_in.device,
    })
}

fn backend(error: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(error.to_string())
}

#[async_trait]
impl SessionStore for DatabaseSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let data = serde_json::to_string(&record.data)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        for _ in 0..8 {
            if self
                .store
                .create_browser_session(
                    &self.key(&record.id),
                    &data,
                    owner(record).as_ref(),
                    record.expiry_date,
                )
                .await
                .map_err(backend)?
            {
                return Ok(());
            }
            record.id = Id::default();
        }
        Err(backend("could not find a free session id"))
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = serde_json::to_string(&record.data)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        self.store
            .save_browser_session(
                &self.key(&record.id),
                &data,
                owner(record).as_ref(),
                record.expiry_date,
            )
            .await
            .map_err(backend)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let Some((data, expiry_date)) = self
            .store
            .load_browser_session(&self.key(id))
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        if expiry_date <= OffsetDateTime::now_utc() {
            return Ok(None);
        }
        let data =
            serde_json::from_str(&data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.store
            .delete_browser_session(&self.key(id))
            .await
            .map_err(backend)
    }
}
