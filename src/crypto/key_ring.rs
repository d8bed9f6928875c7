//! The set of signing keys in force, with the rotation rules applied: per algorithm the newest
//! active key signs; a key is published from the moment it exists until every token it could
//! have signed has expired. Shared by all requests and replaced whole on reload.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use serde_json::json;
use time::OffsetDateTime;

use super::keys::SigningKey;
use crate::domain::SigningAlgorithm;

struct Entry {
    key: SigningKey,
    activates_at: OffsetDateTime,
    /// When a newer key of the same algorithm took over; `None` while this one is newest.
    retires_at: Option<OffsetDateTime>,
    /// Until when the key stays in the JWKS (retirement plus the longest token lifetime).
    published_until: Option<OffsetDateTime>,
}

/// A key's place in its lifecycle, for `portcullis keys list`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct KeyStatus {
    pub kid: String,
    pub alg: SigningAlgorithm,
    pub state: &'static str,
    #[serde(with = "time::serde::rfc3339")]
    pub activates_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub retires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub published_until: Option<OffsetDateTime>,
}

pub struct KeyRing {
    entries: Vec<Entry>,
    jwks: Arc<str>,
}

impl KeyRing {
    /// Builds the ring from keys and their activation times, as of `now`. `retention` is the
    /// longest lifetime of a token signed with any key.
    pub fn new(
        mut keys: Vec<(SigningKey, OffsetDateTime)>,
        retention: Duration,
        now: OffsetDateTime,
    ) -> Self {
        keys.sort_by(|(a, a_at), (b, b_at)| {
            (a.alg().as_str(), a_at, a.kid()).cmp(&(b.alg().as_str(), b_at, b.kid()))
        });
        let mut entries: Vec<Entry> = Vec::with_capacity(keys.len());
        for (key, activates_at) in keys {
            if let Some(previous) = entries.last_mut()
                && previous.key.alg() == key.alg()
            {
                previous.retires_at = Some(activates_at);
                previous.published_until = Some(activates_at + retention);
            }
            entries.push(Entry {
                key,
                activates_at,
                retires_at: None,
                published_until: None,
            });
        }
        let published: Vec<_> = entries
            .iter()
            .filter(|entry| entry.is_published(now))
            .map(|entry| entry.key.public_jwk())
            .collect();
        let jwks = json!({ "keys": published }).to_string().into();
        Self { entries, jwks }
    }

    pub fn empty() -> Self {
        Self {
            entries: Vec::new(),
            jwks: Arc::from(r#"{"keys":[]}"#),
        }
    }

    /// The key that signs `alg` tokens now: the newest one already active.
    pub fn signing_key(&self, alg: SigningAlgorithm, now: OffsetDateTime) -> Option<&SigningKey> {
        self.entries
            .iter()
            .rfind(|entry| entry.key.alg() == alg && entry.activates_at <= now)
            .map(|entry| &entry.key)
    }

    /// A published key, for verifying a token that names it.
    pub fn verification_key(&self, kid: &str, now: OffsetDateTime) -> Option<&SigningKey> {
        self.entries
            .iter()
            .find(|entry| entry.key.kid() == kid && entry.is_published(now))
            .map(|entry| &entry.key)
    }

    /// The JWKS document, serialised once.
    pub fn jwks(&self) -> Arc<str> {
        self.jwks.clone()
    }

    /// Keys no token can need any more: safe to delete.
    pub fn expired(&self, now: OffsetDateTime) -> Vec<String> {
        self.entries
            .iter()
            .filter(|entry| !entry.is_published(now))
            .map(|entry| entry.key.kid().to_owned())
            .collect()
    }

    pub fn statuses(&self, now: OffsetDateTime) -> Vec<KeyStatus> {
        self.entries
            .iter()
            .map(|entry| KeyStatus {
                kid: entry.key.kid().to_owned(),
                alg: entry.key.alg(),
                state: if entry.activates_at > now {
                    "published"
                } else if entry.retires_at.is_none_or(|at| at > now) {
                    "signing"
                } else if entry.is_published(now) {
                    "retired"
                } else {
                    "expired"
                },
                activates_at: entry.activates_at,
                retires_at: entry.retires_at,
                published_until: entry.published_until,
            })
            .collect()
    }
}

impl Entry {
    fn is_published(&self, now: OffsetDateTime) -> bool {
        self.published_until.is_none_or(|until| until > now)
    }
}

/// The ring every request reads; reloads swap in a new one.
pub struct SharedKeyRing(RwLock<Arc<KeyRing>>);

impl SharedKeyRing {
    pub fn new(ring: KeyRing) -> Self {
        Self(RwLock::new(Arc::new(ring)))
    }

    pub fn current(&self) -> Arc<KeyRing> {
        match self.0.read() {
            Ok(ring) => ring.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn replace(&self, ring: KeyRing) {
        let ring = Arc::new(ring);
        match self.0.write() {
            Ok(mut slot) => *slot = ring,
            Err(poisoned) => *poisoned.into_inner() = ring,
        }
    }
}

#[cfg(test)]
mod tests {
    use time::Duration as TimeDuration;

    use super::*;

    fn key(alg: SigningAlgorithm) -> SigningKey {
        SigningKey::generate(alg).unwrap()
    }

    #[test]
    fn the_newest_active_key_signs_and_a_pending_key_is_published_early() {
        let now = OffsetDateTime::now_utc();
        let old = key(SigningAlgorithm::Es256);
        let pending = key(SigningAlgorithm::Es256);
        let (old_kid, pending_kid) = (old.kid().to_owned(), pending.kid().to_owned());
        let ring = KeyRing::new(
            vec![
                (pending, now + TimeDuration::minutes(10)),
                (old, now - TimeDuration::days(1)),
            ],
            Duration::from_secs(3600),
            now,
        );
        assert_eq!(
            ring.signing_key(SigningAlgorithm::Es256, now)
                .unwrap()
                .kid(),
            old_kid
        );
        assert!(ring.signing_key(SigningAlgorithm::Rs256, now).is_none());
        assert!(
            ring.jwks().contains(&pending_kid),
            "published before it signs"
        );
        let later = now + TimeDuration::minutes(11);
        assert_eq!(
            ring.signing_key(SigningAlgorithm::Es256, later)
                .unwrap()
                .kid(),
            pending_kid
        );
    }

    #[test]
    fn a_retired_key_stays_verifiable_for_the_retention_then_expires() {
        let now = OffsetDateTime::now_utc();
        let retired = key(SigningAlgorithm::Rs256);
        let current = key(SigningAlgorithm::Rs256);
        let retired_kid = retired.kid().to_owned();
        let entries = |r: SigningKey, c: SigningKey| {
            vec![
                (r, now - TimeDuration::days(2)),
                (c, now - TimeDuration::minutes(30)),
            ]
        };
        let ring = KeyRing::new(entries(retired, current), Duration::from_secs(3600), now);
        assert!(ring.verification_key(&retired_kid, now).is_some());
        assert!(ring.jwks().contains(&retired_kid));
        assert!(ring.expired(now).is_empty());
        let statuses = ring.statuses(now);
        assert_eq!(statuses[0].state, "retired");
        assert_eq!(statuses[1].state, "signing");
        let much_later = now + TimeDuration::hours(1);
        assert_eq!(ring.expired(much_later), vec![retired_kid.clone()]);
        assert!(ring.verification_key(&retired_kid, much_later).is_none());
    }
}
