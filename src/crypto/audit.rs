//! The audit log's cryptography. Each event carries an HMAC-SHA-256 of its canonical form, made
//! when it is written (an edit without the key shows); the sealer chains events in order
//! (an HMAC, under a key of its own, of the previous link, the sequence number, the event and its
//! MAC), so a deletion or reordering breaks the chain, and mending it needs the key; and
//! checkpoints of the chain's head are signed with Ed25519, whose
//! public key anyone may hold to check a copy kept off the box. The keys are derived from
//! `secrets.hash_key`, which lives outside the database.

use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::hmac;
use aws_lc_rs::signature::{ED25519, Ed25519KeyPair, KeyPair as _, UnparsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::domain::audit::{AuditEvent, PersonalData};

/// The first link of every chain.
pub const GENESIS: &str = "portcullis audit chain v1";

/// The keys of the audit log. Cheap to clone.
#[derive(Clone)]
pub struct AuditKeys(std::sync::Arc<Keys>);

struct Keys {
    mac: hmac::Key,
    /// Keys the chain's links, so that rebuilding the chain after a deletion or a reordering
    /// needs the key too, not only the database.
    chain: hmac::Key,
    signing: Ed25519KeyPair,
}

impl std::fmt::Debug for AuditKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKeys(..)")
    }
}

impl AuditKeys {
    /// Derives both keys from the server's hash key.
    pub fn derive(secret: &[u8]) -> Self {
        let root = hmac::Key::new(hmac::HMAC_SHA256, secret);
        let mac_key = hmac::sign(&root, b"portcullis: audit event mac key v1");
        let chain_key = hmac::sign(&root, b"portcullis: audit chain key v1");
        let seed = hmac::sign(&root, b"portcullis: audit checkpoint signing key v1");
        let signing = Ed25519KeyPair::from_seed_unchecked(&seed.as_ref()[..32])
            .unwrap_or_else(|_| unreachable_seed());
        Self(std::sync::Arc::new(Keys {
            mac: hmac::Key::new(hmac::HMAC_SHA256, mac_key.as_ref()),
            chain: hmac::Key::new(hmac::HMAC_SHA256, chain_key.as_ref()),
            signing,
        }))
    }

    /// The event's MAC over its canonical form and its personal-data hash.
    pub fn mac(&self, event: &AuditEvent, personal_hash: &str) -> String {
        let tag = hmac::sign(&self.0.mac, &canonical(event, personal_hash));
        URL_SAFE_NO_PAD.encode(tag.as_ref())
    }

    /// Whether `mac` is the event's (constant time).
    pub fn mac_matches(&self, event: &AuditEvent, personal_hash: &str, mac: &str) -> bool {
        self.mac_matches_canonical(&canonical(event, personal_hash), mac)
    }

    fn mac_matches_canonical(&self, canonical: &[u8], mac: &str) -> bool {
        let Ok(tag) = URL_SAFE_NO_PAD.decode(mac) else {
            return false;
        };
        hmac::verify(&self.0.mac, canonical, &tag).is_ok()
    }

    /// Verification's two checks of one chained event with one canonical form: whether its MAC
    /// is its own, and whether `chain_hash` links it from `previous`.
    pub fn check_chained(
        &self,
        previous: &str,
        seq: i64,
        event: &AuditEvent,
        personal_hash: &str,
        mac: &str,
        chain_hash: &str,
    ) -> (bool, bool) {
        let canonical = canonical(event, personal_hash);
        let mac_matches = self.mac_matches_canonical(&canonical, mac);
        let link = self.link_canonical(previous, seq, &canonical, mac);
        (mac_matches, link == chain_hash)
    }

    /// The next link of the chain: an HMAC of the previous link, the sequence number, the
    /// event's canonical form and its MAC.
    pub fn link(
        &self,
        previous: &str,
        seq: i64,
        event: &AuditEvent,
        personal_hash: &str,
        mac: &str,
    ) -> String {
        self.link_canonical(previous, seq, &canonical(event, personal_hash), mac)
    }

    fn link_canonical(&self, previous: &str, seq: i64, canonical: &[u8], mac: &str) -> String {
        let mut context = hmac::Context::with_key(&self.0.chain);
        context.update(previous.as_bytes());
        context.update(&[0]);
        context.update(&seq.to_be_bytes());
        context.update(canonical);
        context.update(&[0]);
        context.update(mac.as_bytes());
        hex(context.sign().as_ref())
    }

    /// The checkpoint's Ed25519 signature.
    pub fn sign_checkpoint(&self, seq: i64, chain_hash: &str, at: i64, note: &str) -> String {
        let message = checkpoint_message(seq, chain_hash, at, note);
        URL_SAFE_NO_PAD.encode(self.0.signing.sign(&message).as_ref())
    }

    /// The public key checkpoints verify against, base64url.
    pub fn checkpoint_public_key(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0.signing.public_key().as_ref())
    }
}

/// Whether `signature` is a checkpoint signature by the holder of `public_key` (base64url).
pub fn checkpoint_signed_by(
    public_key: &str,
    seq: i64,
    chain_hash: &str,
    at: i64,
    note: &str,
    signature: &str,
) -> bool {
    let (Ok(key), Ok(signature)) = (
        URL_SAFE_NO_PAD.decode(public_key),
        URL_SAFE_NO_PAD.decode(signature),
    ) else {
        return false;
    };
    UnparsedPublicKey::new(&ED25519, key)
        .verify(&checkpoint_message(seq, chain_hash, at, note), &signature)
        .is_ok()
}

fn checkpoint_message(seq: i64, chain_hash: &str, at: i64, note: &str) -> Vec<u8> {
    format!("portcullis audit checkpoint v1\n{seq}\n{chain_hash}\n{at}\n{note}").into_bytes()
}

/// A 32-byte seed always makes a key; kept apart so the constructor stays total.
#[cold]
fn unreachable_seed() -> Ed25519KeyPair {
    #[allow(
        clippy::panic,
        reason = "an Ed25519 seed of 32 bytes is always accepted"
    )]
    {
        panic!("Ed25519 rejected a 32-byte seed")
    }
}

/// The salted hash that commits to an event's personal data (empty data: no salt needed).
pub fn personal_hash(salt: &[u8], personal: &PersonalData) -> String {
    let fields = (
        &personal.person.map(|p| p.to_string()),
        &personal.email,
        &personal.source_address,
        &personal.user_agent,
    );
    let mut input = salt.to_vec();
    input.extend(serde_json::to_vec(&fields).unwrap_or_default());
    hex(digest(&SHA256, &input).as_ref())
}

/// Every field of the event but the personal data itself, in one fixed order.
fn canonical(event: &AuditEvent, personal_hash: &str) -> Vec<u8> {
    let fields = (
        event.id.to_string(),
        event.occurred_at.unix_timestamp_nanos() / 1_000,
        &event.kind,
        event.outcome.as_str(),
        event.actor.kind(),
        event.actor.id(),
        &event.subject,
        &event.client_id,
        &event.request_id,
        &event.details,
        personal_hash,
    );
    serde_json::to_vec(&fields).unwrap_or_default()
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit::{AuditActor, AuditOutcome};

    fn event() -> AuditEvent {
        AuditEvent {
            id: uuid::Uuid::now_v7(),
            occurred_at: time::macros::datetime!(2026-12-07 10:00:00.123456 UTC),
            kind: "user.sign_in".into(),
            outcome: AuditOutcome::Success,
            actor: AuditActor::User("u1".into()),
            subject: Some("u1".into()),
            client_id: None,
            request_id: Some("r1".into()),
            details: vec!["pwd".into()],
            personal: PersonalData::default(),
        }
    }

    #[test]
    fn any_change_breaks_the_mac_and_the_link() {
        let keys = AuditKeys::derive(&[7; 32]);
        let event = event();
        let hash = personal_hash(b"salt", &event.personal);
        let mac = keys.mac(&event, &hash);
        assert!(keys.mac_matches(&event, &hash, &mac));
        let mut edited = event.clone();
        edited.outcome = AuditOutcome::Failure;
        assert!(!keys.mac_matches(&edited, &hash, &mac));
        assert!(!AuditKeys::derive(&[8; 32]).mac_matches(&event, &hash, &mac));
        let first = keys.link(GENESIS, 1, &event, &hash, &mac);
        assert_ne!(first, keys.link(GENESIS, 2, &event, &hash, &mac));
        assert_ne!(first, keys.link("other", 1, &event, &hash, &mac));
        let other_keys = AuditKeys::derive(&[8; 32]);
        assert_ne!(first, other_keys.link(GENESIS, 1, &event, &hash, &mac));
    }

    /// Links and hashes already stored must verify after any rewrite of how they are computed:
    /// the link is the HMAC of exactly these bytes, written out in lower-case hex.
    #[test]
    fn links_are_the_hmac_of_the_documented_bytes_in_hex() {
        let keys = AuditKeys::derive(&[7; 32]);
        let event = event();
        let hash = personal_hash(b"salt", &event.personal);
        let mac = keys.mac(&event, &hash);
        let mut input = b"previous".to_vec();
        input.push(0);
        input.extend_from_slice(&42i64.to_be_bytes());
        input.extend(canonical(&event, &hash));
        input.push(0);
        input.extend_from_slice(mac.as_bytes());
        let tag = hmac::sign(&keys.0.chain, &input);
        let expected: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        let link = keys.link("previous", 42, &event, &hash, &mac);
        assert_eq!(link, expected);
        assert_eq!(
            keys.check_chained("previous", 42, &event, &hash, &mac, &link),
            (true, true)
        );
        assert_eq!(
            keys.check_chained("other", 42, &event, &hash, &mac, &link),
            (true, false)
        );
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
    }

    #[test]
    fn checkpoints_verify_with_the_public_key_only() {
        let keys = AuditKeys::derive(&[7; 32]);
        let public = keys.checkpoint_public_key();
        let signature = keys.sign_checkpoint(10, "abc", 1_700_000_000, "periodic");
        assert!(checkpoint_signed_by(
            &public,
            10,
            "abc",
            1_700_000_000,
            "periodic",
            &signature
        ));
        assert!(!checkpoint_signed_by(
            &public,
            11,
            "abc",
            1_700_000_000,
            "periodic",
            &signature
        ));
        let other = AuditKeys::derive(&[8; 32]).checkpoint_public_key();
        assert!(!checkpoint_signed_by(
            &other,
            10,
            "abc",
            1_700_000_000,
            "periodic",
            &signature
        ));
    }
}
