//! Sealing private keys at rest: AES-256-GCM under the configured key-encryption key, with the
//! key id as associated data so a sealed key cannot be swapped onto another row.

use aws_lc_rs::aead::{AES_256_GCM, Aad, NONCE_LEN, Nonce, RandomizedNonceKey};

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("the key-encryption key must be 32 bytes")]
    BadKey,
    #[error("sealing failed")]
    Seal,
    #[error("cannot unseal: wrong key-encryption key or corrupted data")]
    Open,
}

pub struct KeyEncryptionKey(RandomizedNonceKey);

impl KeyEncryptionKey {
    pub fn new(key: &[u8]) -> Result<Self, SealError> {
        let key = key
            .get(..32)
            .filter(|_| key.len() >= 32)
            .ok_or(SealError::BadKey)?;
        RandomizedNonceKey::new(&AES_256_GCM, key)
            .map(Self)
            .map_err(|_| SealError::BadKey)
    }

    /// nonce ‖ ciphertext ‖ tag.
    pub fn seal(&self, plaintext: &[u8], associated: &str) -> Result<Vec<u8>, SealError> {
        let mut data = plaintext.to_vec();
        let nonce = self
            .0
            .seal_in_place_append_tag(Aad::from(associated.as_bytes()), &mut data)
            .map_err(|_| SealError::Seal)?;
        let mut sealed = nonce.as_ref().to_vec();
        sealed.extend_from_slice(&data);
        Ok(sealed)
    }

    pub fn open(&self, sealed: &[u8], associated: &str) -> Result<Vec<u8>, SealError> {
        if sealed.len() < NONCE_LEN {
            return Err(SealError::Open);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError::Open)?;
        let mut data = ciphertext.to_vec();
        let plaintext = self
            .0
            .open_in_place(nonce, Aad::from(associated.as_bytes()), &mut data)
            .map_err(|_| SealError::Open)?;
        Ok(plaintext.to_vec())
    }
}

impl std::fmt::Debug for KeyEncryptionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyEncryptionKey([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_data_opens_only_with_the_same_key_and_key_id() {
        let kek = KeyEncryptionKey::new(&[1; 32]).unwrap();
        let sealed = kek.seal(b"private key", "kid-1").unwrap();
        assert_ne!(&sealed[NONCE_LEN..NONCE_LEN + 11], b"private key");
        assert_eq!(kek.open(&sealed, "kid-1").unwrap(), b"private key");
        assert!(kek.open(&sealed, "kid-2").is_err());
        assert!(
            KeyEncryptionKey::new(&[2; 32])
                .unwrap()
                .open(&sealed, "kid-1")
                .is_err()
        );
        assert!(kek.open(&sealed[..5], "kid-1").is_err());
        assert!(KeyEncryptionKey::new(&[1; 16]).is_err());
    }
}
