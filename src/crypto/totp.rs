//! Time-based one-time passwords (RFC 6238) as authenticator apps make them: HMAC-SHA-1, six
//! digits, 30-second steps, one step of drift either way. A check answers *which* step the code
//! belongs to, so the caller can accept each step once (§5.2).

use rand::RngExt as _;
use totp_rs::{Algorithm, Builder, Totp};

/// 160 bits, the length RFC 4226 §4 (R6) recommends.
pub const SECRET_BYTES: usize = 20;
/// Seconds per step (RFC 6238 §5.2's recommendation).
pub const STEP_SECONDS: u64 = 30;
const DIGITS: u8 = 6;
/// Steps of clock drift accepted on either side of the current one.
const DRIFT_STEPS: u16 = 1;

#[derive(Debug, thiserror::Error)]
pub enum TotpError {
    #[error("a TOTP secret must be {SECRET_BYTES} bytes")]
    BadSecret,
    #[error("the account name or issuer cannot go into an otpauth URI: {0}")]
    BadLabel(String),
}

/// A user's TOTP secret. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl TotpSecret {
    pub fn generate() -> Self {
        let bytes: [u8; SECRET_BYTES] = rand::rng().random();
        Self(bytes.to_vec())
    }

    /// A stored secret (after unsealing).
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, TotpError> {
        if bytes.len() != SECRET_BYTES {
            return Err(TotpError::BadSecret);
        }
        Ok(Self(bytes))
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// RFC 4648 base32 without padding, as authenticator apps take a secret typed by hand.
    pub fn base32(&self) -> String {
        totp_rs::Secret::from(self.0.clone()).to_base32()
    }

    fn builder(&self) -> Builder {
        Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(DIGITS)
            .with_skew(DRIFT_STEPS)
            .with_step_duration(STEP_SECONDS)
            .with_secret(self.0.clone())
    }

    fn totp(&self) -> Totp {
        // The parameters are the RFC's own, so the checks `build` would make cannot fail.
        self.builder().build_noncompliant()
    }

    /// The step (Unix time / 30 s) whose code `code` is, within one step of `unix_time`; `None`
    /// for anything else. Spaces inside the code are ignored (apps show "123 456").
    pub fn matching_step(&self, code: &str, unix_time: i64) -> Option<u64> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != usize::from(DIGITS) || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        self.totp().check(&code, u64::try_from(unix_time).ok()?)
    }

    /// The `otpauth://totp/…` URI authenticator apps read (from the QR code or pasted), naming
    /// the account and the service it belongs to.
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> Result<String, TotpError> {
        let totp = self
            .builder()
            .with_issuer(Some(issuer))
            .with_account_name(account)
            .build()
            .map_err(|e| TotpError::BadLabel(e.to_string()))?;
        totp.to_url()
            .map_err(|e| TotpError::BadLabel(e.to_string()))
    }
}

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B's SHA-1 seed and vectors (the last six of its eight digits).
    const SEED: &[u8; 20] = b"12345678901234567890";

    #[test]
    fn codes_match_the_rfc_vectors_with_one_step_of_drift() {
        let secret = TotpSecret::from_bytes(SEED.to_vec()).unwrap();
        assert_eq!(secret.matching_step("287082", 59), Some(1));
        assert_eq!(
            secret.matching_step("081804", 1_111_111_109),
            Some(37_037_036)
        );
        assert_eq!(
            secret.matching_step("050471", 1_111_111_111),
            Some(37_037_037)
        );
        assert_eq!(
            secret.matching_step("005924", 1_234_567_890),
            Some(41_152_263)
        );
        assert_eq!(
            secret.matching_step("279037", 2_000_000_000),
            Some(66_666_666)
        );
        // One step late and one step early are accepted, two are not.
        assert_eq!(
            secret.matching_step("050471", 1_111_111_111 + 30),
            Some(37_037_037)
        );
        assert_eq!(
            secret.matching_step("050471", 1_111_111_111 - 30),
            Some(37_037_037)
        );
        assert_eq!(secret.matching_step("050471", 1_111_111_111 + 60), None);
        assert_eq!(
            secret.matching_step("050 471", 1_111_111_111),
            Some(37_037_037)
        );
        assert_eq!(secret.matching_step("05047", 1_111_111_111), None);
        assert_eq!(secret.matching_step("05047a", 1_111_111_111), None);
        assert_eq!(secret.matching_step("", 1_111_111_111), None);
        assert_eq!(secret.matching_step("050471", -5), None);
    }

    #[test]
    fn the_uri_names_issuer_account_and_secret() {
        let secret = TotpSecret::from_bytes(SEED.to_vec()).unwrap();
        let uri = secret.otpauth_uri("Portcullis", "ann@example.com").unwrap();
        assert!(
            uri.starts_with("otpauth://totp/Portcullis:ann%40example.com?"),
            "{uri}"
        );
        assert!(
            uri.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
            "{uri}"
        );
        assert!(uri.contains("issuer=Portcullis"), "{uri}");
        assert_eq!(secret.base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert!(secret.otpauth_uri("a:b", "ann@example.com").is_err());
        assert!(TotpSecret::from_bytes(vec![1; 16]).is_err());
        assert_ne!(TotpSecret::generate(), TotpSecret::generate());
        assert_eq!(format!("{secret:?}"), "TotpSecret([redacted])");
    }
}
