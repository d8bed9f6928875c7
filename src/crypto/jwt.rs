//! Compact JWS (RFC 7515) signed with keys held in memory, and verification against our own keys.
//! Verification takes the key by `kid` and insists the header's `alg` is that key's algorithm, so
//! `alg: none` and algorithm confusion are refused by construction.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::keys::{KeyError, SigningKey};

/// Longest token we try to parse; ours are well under 2 KB.
const MAX_TOKEN_LEN: usize = 8 * 1024;

/// The JOSE header of our tokens. Any other parameter (`jku`, `x5u`, `jwk`, `crit`, …) makes a
/// token malformed: we never write one, and a key named by the token is never trusted.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub alg: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typ: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JwtError {
    #[error("malformed token")]
    Malformed,
    #[error("unknown signing key")]
    UnknownKey,
    #[error("algorithm does not match the key")]
    WrongAlgorithm,
    #[error("bad signature")]
    BadSignature,
    #[error("signing failed")]
    Sign,
}

impl From<KeyError> for JwtError {
    fn from(_: KeyError) -> Self {
        Self::Sign
    }
}

/// Signs `claims` with `key`; `typ` goes in the header (`at+jwt` for RFC 9068 access tokens).
pub fn sign(
    key: &SigningKey,
    typ: Option<&str>,
    claims: &impl Serialize,
) -> Result<String, JwtError> {
    let header = Header {
        alg: key.alg().as_str().to_owned(),
        kid: Some(key.kid().to_owned()),
        typ: typ.map(str::to_owned),
    };
    let header = serde_json::to_vec(&header).map_err(|_| JwtError::Sign)?;
    let claims = serde_json::to_vec(claims).map_err(|_| JwtError::Sign)?;
    // One buffer for the whole token (base64 grows each part by a third; 86 characters fit an
    // ES256 signature, 342 an RS256 one).
    let mut token = String::with_capacity((header.len() + claims.len()) * 4 / 3 + 350);
    URL_SAFE_NO_PAD.encode_string(header, &mut token);
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(claims, &mut token);
    let signature = key.sign(token.as_bytes())?;
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(signature, &mut token);
    Ok(token)
}

/// Checks the signature with the key `find_key` returns for the header's `kid`, then decodes the
/// claims. Time and audience checks are the caller's.
pub fn verify<'k, C: DeserializeOwned>(
    token: &str,
    find_key: impl FnOnce(&str) -> Option<&'k SigningKey>,
) -> Result<(Header, C), JwtError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(JwtError::Malformed);
    }
    let mut parts = token.split('.');
    let (Some(header_b64), Some(claims_b64), Some(signature_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed);
    };
    let header: Header = decode_json(header_b64)?;
    let kid = header.kid.as_deref().ok_or(JwtError::UnknownKey)?;
    let key = find_key(kid).ok_or(JwtError::UnknownKey)?;
    if header.alg != key.alg().as_str() {
        return Err(JwtError::WrongAlgorithm);
    }
    let signature = URL_SAFE_NO_PAD
        .decode(signature_b64)
        .map_err(|_| JwtError::Malformed)?;
    let signed = &token[..header_b64.len() + 1 + claims_b64.len()];
    if !key.verify(signed.as_bytes(), &signature) {
        return Err(JwtError::BadSignature);
    }
    let claims = decode_json(claims_b64)?;
    Ok((header, claims))
}

fn decode_json<T: DeserializeOwned>(part: &str) -> Result<T, JwtError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| JwtError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| JwtError::Malformed)
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::domain::SigningAlgorithm;

    #[test]
    fn a_signed_token_verifies_and_a_tampered_one_does_not() {
        for alg in SigningAlgorithm::ALL {
            let key = SigningKey::generate(alg).unwrap();
            let token = sign(&key, Some("at+jwt"), &json!({ "sub": "ada" })).unwrap();
            let (header, claims): (Header, Value) = verify(&token, |_| Some(&key)).unwrap();
            assert_eq!(header.typ.as_deref(), Some("at+jwt"));
            assert_eq!(header.kid.as_deref(), Some(key.kid()));
            assert_eq!(claims["sub"], "ada");

            let mut parts: Vec<&str> = token.split('.').collect();
            let forged = URL_SAFE_NO_PAD.encode(br#"{"sub":"eve"}"#);
            parts[1] = &forged;
            let tampered = parts.join(".");
            assert_eq!(
                verify::<Value>(&tampered, |_| Some(&key)).unwrap_err(),
                JwtError::BadSignature
            );
        }
    }

    #[test]
    fn alg_none_and_algorithm_swaps_are_refused() {
        let key = SigningKey::generate(SigningAlgorithm::Es256).unwrap();
        let claims = URL_SAFE_NO_PAD.encode(br#"{"sub":"eve"}"#);
        let none_header =
            URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"none","kid":"{}"}}"#, key.kid()));
        let unsigned = format!("{none_header}.{claims}.");
        assert_eq!(
            verify::<Value>(&unsigned, |_| Some(&key)).unwrap_err(),
            JwtError::WrongAlgorithm
        );
        let rs_header =
            URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"RS256","kid":"{}"}}"#, key.kid()));
        let swapped = format!("{rs_header}.{claims}.AAAA");
        assert_eq!(
            verify::<Value>(&swapped, |_| Some(&key)).unwrap_err(),
            JwtError::WrongAlgorithm
        );
    }

    #[test]
    fn garbage_is_malformed_not_a_panic() {
        let key = SigningKey::generate(SigningAlgorithm::Es256).unwrap();
        for garbage in ["", "a.b", "a.b.c.d", "!!!.???.###", &"x".repeat(10_000)] {
            assert!(
                verify::<Value>(garbage, |_| Some(&key)).is_err(),
                "{garbage}"
            );
        }
        let no_kid = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"ES256"}"#),
            URL_SAFE_NO_PAD.encode(b"{}")
        );
        assert_eq!(
            verify::<Value>(&no_kid, |_| Some(&key)).unwrap_err(),
            JwtError::UnknownKey
        );
    }
}
