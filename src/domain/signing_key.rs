//! Signing keys as stored: algorithm, public JWK, sealed private key and the times that drive
//! rotation.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::InvalidField;

/// JWS algorithms we sign with (RFC 7518 §3.1 names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SigningAlgorithm {
    #[serde(rename = "RS256")]
    Rs256,
    #[serde(rename = "ES256")]
    Es256,
}

impl SigningAlgorithm {
    pub const ALL: [Self; 2] = [Self::Rs256, Self::Es256];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Es256 => "ES256",
        }
    }

    pub fn parse(value: &str) -> Result<Self, InvalidField> {
        Self::ALL
            .into_iter()
            .find(|alg| alg.as_str() == value)
            .ok_or_else(|| InvalidField::new("alg", format!("`{value}` is not RS256 or ES256")))
    }
}

/// A signing key as the store keeps it. The private key is sealed (AES-256-GCM under the
/// key-encryption key), never stored in clear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSigningKey {
    pub kid: String,
    pub alg: SigningAlgorithm,
    pub sealed_private_key: Vec<u8>,
    pub created_at: OffsetDateTime,
    /// From this instant the key signs (until a newer key of its algorithm activates).
    pub activates_at: OffsetDateTime,
}
