//! Revoked access tokens and grants, held in memory so that checking a presented token needs no
//! database round trip. Revocations only ever accumulate until they stop mattering, so merging
//! the database's list with what the change feed and this instance added is always safe.

use std::collections::HashMap;
use std::sync::RwLock;

use time::OffsetDateTime;
use uuid::Uuid;

use crate::config::MAX_ACCESS_TOKEN_TTL;
use crate::store::Revocations;

/// How long a revoked grant is remembered: every access token minted from it (at the latest just
/// before it was revoked; a minute's slack covers a refresh racing the revocation) has expired by
/// then.
pub fn grant_memory() -> time::Duration {
    time::Duration::seconds(MAX_ACCESS_TOKEN_TTL.get().as_secs() as i64) + time::Duration::MINUTE
}

#[derive(Default)]
pub struct RevocationList {
    state: RwLock<State>,
}

#[derive(Default)]
struct State {
    /// jti → the token's expiry (unix seconds), after which it is forgotten.
    access_tokens: HashMap<String, i64>,
    /// grant → when it may be forgotten (unix seconds).
    grants: HashMap<Uuid, i64>,
}

impl RevocationList {
    pub fn is_revoked(&self, jti: &str, grant: Option<Uuid>) -> bool {
        let state = match self.state.read() {
            Ok(state) => state,
            Err(poisoned) => poisoned.into_inner(),
        };
        state.access_tokens.contains_key(jti)
            || grant.is_some_and(|id| state.grants.contains_key(&id))
    }

    pub fn access_token_revoked(&self, jti: &str, expires_at: OffsetDateTime) {
        self.with_state(|state| {
            state
                .access_tokens
                .insert(jti.to_owned(), expires_at.unix_timestamp());
        });
    }

    pub fn grant_revoked(&self, id: Uuid, revoked_at: OffsetDateTime) {
        self.with_state(|state| {
            state
                .grants
                .insert(id, (revoked_at + grant_memory()).unix_timestamp());
        });
    }

    /// Adds what the database lists (never removes: see the module comment).
    pub fn merge(&self, revocations: Revocations) {
        self.with_state(|state| {
            for (jti, expires_at) in revocations.access_tokens {
                state.access_tokens.insert(jti, expires_at.unix_timestamp());
            }
            for (id, revoked_at) in revocations.grants {
                state
                    .grants
                    .insert(id, (revoked_at + grant_memory()).unix_timestamp());
            }
        });
    }

    /// Drops entries whose tokens have all expired.
    pub fn forget_expired(&self, now: OffsetDateTime) {
        let now = now.unix_timestamp();
        self.with_state(|state| {
            state.access_tokens.retain(|_, until| *until > now);
            state.grants.retain(|_, until| *until > now);
        });
    }

    pub fn len(&self) -> usize {
        let state = match self.state.read() {
            Ok(state) => state,
            Err(poisoned) => poisoned.into_inner(),
        };
        state.access_tokens.len() + state.grants.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn with_state(&self, change: impl FnOnce(&mut State)) {
        match self.state.write() {
            Ok(mut state) => change(&mut state),
            Err(poisoned) => change(&mut poisoned.into_inner()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_grants_stay_revoked_until_they_stop_mattering() {
        let list = RevocationList::default();
        let now = OffsetDateTime::now_utc();
        let grant = Uuid::now_v7();
        assert!(!list.is_revoked("a", Some(grant)));
        list.access_token_revoked("a", now + time::Duration::minutes(5));
        assert!(list.is_revoked("a", None));
        assert!(!list.is_revoked("b", Some(grant)));
        list.merge(Revocations {
            access_tokens: vec![],
            grants: vec![(grant, now)],
        });
        assert!(list.is_revoked("b", Some(grant)));
        assert!(!list.is_revoked("b", Some(Uuid::now_v7())));
        list.forget_expired(now + time::Duration::minutes(6));
        assert!(!list.is_revoked("a", None), "the token expired anyway");
        assert!(
            list.is_revoked("b", Some(grant)),
            "its tokens may still live"
        );
        list.forget_expired(now + grant_memory() + time::Duration::SECOND);
        assert!(list.is_empty());
    }
}
