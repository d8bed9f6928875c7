//! The browsers a person is signed in on and the applications they let in: listed, and ended
//! one at a time or all together. Ending a browser's session also revokes the grants signed in
//! through it (they carry its `sid`), as a person who signs a lost laptop out expects; ending an
//! application forgets its consent and revokes every grant it holds for the person.

use crate::domain::audit::AuditActor;
use time::OffsetDateTime;

use super::{AccountError, Accounts};
use crate::domain::{ClientId, SignOut, UserId};
use crate::store::{ConnectedApp, UserBrowserSession};

/// A browser the person is signed in on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedInBrowser {
    /// The sign-in's id: what ends it.
    pub sid: String,
    pub signed_in_at: OffsetDateTime,
    /// The last request it made (sessions end after `sessions.idle_timeout` without one).
    pub last_active_at: OffsetDateTime,
    /// The browser's own description of itself.
    pub device: Option<String>,
}

impl Accounts {
    /// The browsers `user` is signed in on now, the most recently active first.
    pub async fn signed_in_browsers(
        &self,
        user: UserId,
    ) -> Result<Vec<SignedInBrowser>, AccountError> {
        let idle = time::Duration::try_from(self.0.session_idle).unwrap_or(time::Duration::ZERO);
        Ok(self
            .live_sessions(user)
            .await?
            .into_iter()
            .filter_map(|session| {
                Some(SignedInBrowser {
                    sid: session.sid?,
                    signed_in_at: session.signed_in_at?,
                    last_active_at: session.expires_at - idle,
                    device: session.device,
                })
            })
            .collect())
    }

    /// Signs the browser with sign-in `sid` out, with the grants made through it.
    /// `NotFound` when `user` has no such sign-in (ended before, or someone else's).
    pub async fn end_browser_session(
        &self,
        user: UserId,
        sid: &str,
        actor: AuditActor,
    ) -> Result<SignOut, AccountError> {
        let ending: Vec<_> = self
            .live_sessions(user)
            .await?
            .into_iter()
            .filter(|s| s.sid.as_deref() == Some(sid))
            .collect();
        let done = self.end_sessions(user, &ending, actor).await?;
        if done.ended_sessions == 0 {
            return Err(AccountError::NotFound);
        }
        Ok(done)
    }

    /// Signs every browser of `user` out but the one with sign-in `keep` (the caller's own),
    /// with the grants made through them.
    pub async fn end_other_browser_sessions(
        &self,
        user: UserId,
        keep: Option<&str>,
    ) -> Result<SignOut, AccountError> {
        let ending: Vec<_> = self
            .live_sessions(user)
            .await?
            .into_iter()
            .filter(|s| keep.is_none() || s.sid.as_deref() != keep)
            .collect();
        self.end_sessions(user, &ending, AuditActor::User(user.to_string()))
            .await
    }

    /// The applications `user` has let in.
    pub async fn connected_apps(&self, user: UserId) -> Result<Vec<ConnectedApp>, AccountError> {
        Ok(self
            .0
            .store
            .connected_apps(user, self.0.clock.now())
            .await?)
    }

    /// Forgets `user`'s consent to `client` and revokes its grants. `NotFound` when the
    /// application holds neither.
    pub async fn disconnect_app(
        &self,
        user: UserId,
        client: &str,
    ) -> Result<SignOut, AccountError> {
        let client = ClientId::parse(client).map_err(|_| AccountError::NotFound)?;
        let done = self
            .0
            .store
            .disconnect_app(
                user,
                &client,
                self.0.clock.now(),
                &crate::audit::event(
                    "consent.revoked",
                    AuditActor::User(user.to_string()),
                    self.0.clock.now(),
                )
                .subject(user)
                .client(client.as_str()),
            )
            .await?
            .ok_or(AccountError::NotFound)?;
        tracing::info!(user_id = %user, client_id = %client.as_str(), "application disconnected");
        Ok(done)
    }

    async fn live_sessions(&self, user: UserId) -> Result<Vec<UserBrowserSession>, AccountError> {
        Ok(self
            .0
            .store
            .user_browser_sessions(user, self.0.clock.now())
            .await?)
    }

    async fn end_sessions(
        &self,
        user: UserId,
        sessions: &[UserBrowserSession],
        actor: AuditActor,
    ) -> Result<SignOut, AccountError> {
        let now = self.0.clock.now();
        let event = crate::audit::event("user.sessions_ended", actor, now)
            .subject(user)
            .details(
                sessions
                    .iter()
                    .filter_map(|s| s.sid.as_ref().map(|sid| format!("sid:{sid}"))),
            );
        let done = self
            .0
            .store
            .end_browser_sessions(user, sessions, now, &event)
            .await?;
        tracing::info!(
            user_id = %user,
            ended_sessions = done.ended_sessions,
            revoked_grants = done.revoked_grants.len(),
            "browser sessions ended by their owner"
        );
        Ok(done)
    }
}
