//! Secret configuration values: never printed, never logged.

use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// A configured secret. `Debug` and `Serialize` (used by `check-config`) show `[redacted]`.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct SecretString(String);

impl SecretString {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl std::fmt::Debug for SecretString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.is_empty() {
            "[unset]"
        } else {
            "[redacted]"
        })
    }
}

impl Serialize for SecretString {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(if self.is_empty() { "" } else { "[redacted]" })
    }
}

/// Decodes a base64 key (standard or URL-safe alphabet, padding optional) of at least 32 bytes.
pub fn decode_key(secret: &SecretString) -> Result<Vec<u8>, String> {
    let text = secret.expose().trim();
    let engines = [
        base64::engine::general_purpose::STANDARD,
        base64::engine::general_purpose::STANDARD_NO_PAD,
        base64::engine::general_purpose::URL_SAFE,
        base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    let bytes = engines
        .iter()
        .find_map(|engine| engine.decode(text).ok())
        .ok_or_else(|| "must be base64 (for example `openssl rand -base64 32`)".to_owned())?;
    if bytes.len() < 32 {
        return Err(format!(
            "must decode to at least 32 bytes, got {}",
            bytes.len()
        ));
    }
    Ok(bytes)
}
