//! Random opaque secrets (client secrets, codes, refresh tokens) and the keyed hash they are
//! stored as. A random 256-bit value needs no slow password hash: HMAC-SHA-256 under a server key
//! makes a leaked table useless without the key, and costs microseconds.

use std::sync::Arc;

use aws_lc_rs::hmac;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngExt as _;

use super::constant_time;
pub use crate::domain::TokenHash;

/// A secret value as handed to its owner once. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct PlaintextToken(String);

impl PlaintextToken {
    /// 256 random bits, base64url without padding (43 characters).
    pub fn generate() -> Self {
        let bytes: [u8; 32] = rand::rng().random();
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    pub fn from_presented(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PlaintextToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PlaintextToken([redacted])")
    }
}

/// Computes and checks keyed hashes of secrets. Cheap to clone (the application state holding it
/// is cloned for every request, and cloning an HMAC key copies its context).
#[derive(Clone)]
pub struct TokenHasher(Arc<HasherKeys>);

struct HasherKeys {
    key: hmac::Key,
    /// A key of its own for deriving refresh-token successors, so a derived token can never
    /// equal a stored hash.
    successor_key: hmac::Key,
}

impl TokenHasher {
    pub fn new(key_bytes: &[u8]) -> Self {
        let key = hmac::Key::new(hmac::HMAC_SHA256, key_bytes);
        let derived = hmac::sign(&key, b"portcullis: refresh-token successor key v1");
        Self(Arc::new(HasherKeys {
            successor_key: hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref()),
            key,
        }))
    }

    /// The refresh token that succeeds `token`: the same every time, so a retried rotation can
    /// answer with the successor again without storing it, and unguessable without the key.
    pub fn successor(&self, token: &PlaintextToken) -> PlaintextToken {
        let tag = hmac::sign(&self.0.successor_key, token.expose().as_bytes());
        PlaintextToken(URL_SAFE_NO_PAD.encode(tag.as_ref()))
    }

    pub fn hash(&self, token: &PlaintextToken) -> TokenHash {
        let tag = hmac::sign(&self.0.key, token.expose().as_bytes());
        TokenHash::from_stored(URL_SAFE_NO_PAD.encode(tag.as_ref()))
    }

    /// Checks a presented secret against a stored hash in constant time.
    pub fn verify(&self, presented: &PlaintextToken, stored: &TokenHash) -> bool {
        constant_time::equal(
            self.hash(presented).as_str().as_bytes(),
            stored.as_str().as_bytes(),
        )
    }
}

impl std::fmt::Debug for TokenHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenHasher([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_carry_256_bits_and_differ() {
        let a = PlaintextToken::generate();
        let b = PlaintextToken::generate();
        assert_eq!(a.expose().len(), 43);
        assert_ne!(a, b);
        assert!(!format!("{a:?}").contains(a.expose()));
    }

    #[test]
    fn hashes_depend_on_the_key_and_verify_only_the_same_token() {
        let token = PlaintextToken::generate();
        let hasher = TokenHasher::new(&[7; 32]);
        let other_key = TokenHasher::new(&[8; 32]);
        let stored = hasher.hash(&token);
        assert!(hasher.verify(&token, &stored));
        assert!(!hasher.verify(&PlaintextToken::generate(), &stored));
        assert_ne!(other_key.hash(&token), stored);
        assert_ne!(stored.as_str(), token.expose());
    }

    #[test]
    fn successors_are_deterministic_keyed_and_unlike_the_stored_hash() {
        let token = PlaintextToken::generate();
        let hasher = TokenHasher::new(&[7; 32]);
        let next = hasher.successor(&token);
        assert_eq!(next, hasher.successor(&token));
        assert_eq!(next.expose().len(), 43);
        assert_ne!(next, hasher.successor(&PlaintextToken::generate()));
        assert_ne!(next, TokenHasher::new(&[8; 32]).successor(&token));
        assert_ne!(next.expose(), hasher.hash(&token).as_str());
    }
}
