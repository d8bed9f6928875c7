//! Signing keys (RS256 and ES256 on aws-lc-rs): generation, PKCS#8 round trip, public JWKs with
//! RFC 7638 thumbprints as key ids, and signing and verification with keys held in memory.

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    self, ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _,
    RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair, RsaPublicKeyComponents,
    UnparsedPublicKey,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::domain::SigningAlgorithm;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key generation failed")]
    Generate,
    #[error("the stored private key is not valid PKCS#8 for {0}")]
    Parse(&'static str),
    #[error("signing failed")]
    Sign,
}

enum Material {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
}

/// The public half, as bytes ready for verification and for the JWK.
#[derive(Clone)]
enum PublicParts {
    Rsa { n: Vec<u8>, e: Vec<u8> },
    Ec { point: Vec<u8> },
}

/// A key pair held in memory, with its id and algorithm.
pub struct SigningKey {
    kid: String,
    alg: SigningAlgorithm,
    material: Material,
    public: PublicParts,
}

impl SigningKey {
    /// A fresh key: RSA 2048 for RS256, P-256 for ES256.
    pub fn generate(alg: SigningAlgorithm) -> Result<Self, KeyError> {
        let material = match alg {
            SigningAlgorithm::Rs256 => Material::Rsa(
                RsaKeyPair::generate(KeySize::Rsa2048).map_err(|_| KeyError::Generate)?,
            ),
            SigningAlgorithm::Es256 => Material::Ec(
                EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
                    .map_err(|_| KeyError::Generate)?,
            ),
        };
        Ok(Self::from_material(alg, material))
    }

    /// A key read back from its PKCS#8 encoding.
    pub fn from_pkcs8(alg: SigningAlgorithm, pkcs8: &[u8]) -> Result<Self, KeyError> {
        let material = match alg {
            SigningAlgorithm::Rs256 => {
                Material::Rsa(RsaKeyPair::from_pkcs8(pkcs8).map_err(|_| KeyError::Parse("RS256"))?)
            }
            SigningAlgorithm::Es256 => Material::Ec(
                EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8)
                    .map_err(|_| KeyError::Parse("ES256"))?,
            ),
        };
        Ok(Self::from_material(alg, material))
    }

    fn from_material(alg: SigningAlgorithm, material: Material) -> Self {
        let public = match &material {
            Material::Rsa(pair) => PublicParts::Rsa {
                n: pair
                    .public_key()
                    .modulus()
                    .big_endian_without_leading_zero()
                    .to_vec(),
                e: pair
                    .public_key()
                    .exponent()
                    .big_endian_without_leading_zero()
                    .to_vec(),
            },
            Material::Ec(pair) => PublicParts::Ec {
                point: pair.public_key().as_ref().to_vec(),
            },
        };
        let kid = thumbprint(&public);
        Self {
            kid,
            alg,
            material,
            public,
        }
    }

    pub fn pkcs8(&self) -> Result<Vec<u8>, KeyError> {
        match &self.material {
            Material::Rsa(pair) => pair
                .as_der()
                .map(|der| der.as_ref().to_vec())
                .map_err(|_| KeyError::Generate),
            Material::Ec(pair) => pair
                .to_pkcs8v1()
                .map(|doc| doc.as_ref().to_vec())
                .map_err(|_| KeyError::Generate),
        }
    }

    /// The RFC 7638 thumbprint of the public key.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn alg(&self) -> SigningAlgorithm {
        self.alg
    }

    /// The public JWK: never a private parameter.
    pub fn public_jwk(&self) -> Value {
        let mut jwk = public_members(&self.public);
        if let Value::Object(members) = &mut jwk {
            members.insert("kid".into(), Value::from(self.kid.clone()));
            members.insert("use".into(), Value::from("sig"));
            members.insert("alg".into(), Value::from(self.alg.as_str()));
        }
        jwk
    }

    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        match &self.material {
            Material::Rsa(pair) => {
                let mut signature = vec![0; pair.public_modulus_len()];
                pair.sign(
                    &RSA_PKCS1_SHA256,
                    &SystemRandom::new(),
                    message,
                    &mut signature,
                )
                .map_err(|_| KeyError::Sign)?;
                Ok(signature)
            }
            Material::Ec(pair) => pair
                .sign(&SystemRandom::new(), message)
                .map(|sig| sig.as_ref().to_vec())
                .map_err(|_| KeyError::Sign),
        }
    }

    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match &self.public {
            PublicParts::Rsa { n, e } => RsaPublicKeyComponents { n, e }
                .verify(&RSA_PKCS1_2048_8192_SHA256, message, signature)
                .is_ok(),
            PublicParts::Ec { point } => UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
                .verify(message, signature)
                .is_ok(),
        }
    }
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

/// The required public members, in lexicographic order (RFC 7638 §3.2).
fn public_members(public: &PublicParts) -> Value {
    match public {
        PublicParts::Rsa { n, e } => json!({
            "e": URL_SAFE_NO_PAD.encode(e),
            "kty": "RSA",
            "n": URL_SAFE_NO_PAD.encode(n),
        }),
        PublicParts::Ec { point } => {
            // Uncompressed point: 0x04 ‖ x ‖ y, 32 bytes each for P-256.
            let (x, y) = point
                .get(1..)
                .unwrap_or_default()
                .split_at(point.len().saturating_sub(1) / 2);
            json!({
                "crv": "P-256",
                "kty": "EC",
                "x": URL_SAFE_NO_PAD.encode(x),
                "y": URL_SAFE_NO_PAD.encode(y),
            })
        }
    }
}

fn thumbprint(public: &PublicParts) -> String {
    // serde_json keeps object keys sorted (no preserve_order), which RFC 7638 requires.
    let canonical = public_members(public).to_string();
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, canonical.as_bytes());
    URL_SAFE_NO_PAD.encode(digest.as_ref())
}

/// Verification with a public JWK we did not generate (tests use it on the JWKS we publish).
pub fn verify_with_jwk(jwk: &Value, message: &[u8], signature: &[u8]) -> bool {
    let field = |name: &str| {
        jwk.get(name)
            .and_then(Value::as_str)
            .and_then(|v| URL_SAFE_NO_PAD.decode(v).ok())
    };
    match jwk.get("kty").and_then(Value::as_str) {
        Some("RSA") => match (field("n"), field("e")) {
            (Some(n), Some(e)) => RsaPublicKeyComponents { n: &n, e: &e }
                .verify(&RSA_PKCS1_2048_8192_SHA256, message, signature)
                .is_ok(),
            _ => false,
        },
        Some("EC") => match (field("x"), field("y")) {
            (Some(x), Some(y)) => {
                let mut point = vec![4];
                point.extend(x);
                point.extend(y);
                signature::UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
                    .verify(message, signature)
                    .is_ok()
            }
            _ => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sign_verify_and_survive_a_pkcs8_round_trip() {
        for alg in SigningAlgorithm::ALL {
            let key = SigningKey::generate(alg).unwrap();
            let signature = key.sign(b"message").unwrap();
            assert!(key.verify(b"message", &signature), "{alg:?}");
            assert!(!key.verify(b"tampered", &signature), "{alg:?}");
            assert!(
                verify_with_jwk(&key.public_jwk(), b"message", &signature),
                "{alg:?}"
            );
            let reloaded = SigningKey::from_pkcs8(alg, &key.pkcs8().unwrap()).unwrap();
            assert_eq!(reloaded.kid(), key.kid());
            assert!(reloaded.verify(b"message", &signature));
        }
    }

    #[test]
    fn public_jwks_carry_no_private_parameters() {
        for alg in SigningAlgorithm::ALL {
            let jwk = SigningKey::generate(alg).unwrap().public_jwk();
            for private in ["d", "p", "q", "dp", "dq", "qi", "k"] {
                assert!(jwk.get(private).is_none(), "{alg:?} leaks {private}");
            }
            assert_eq!(jwk["use"], "sig");
            assert_eq!(jwk["alg"], alg.as_str());
        }
        let rsa = SigningKey::generate(SigningAlgorithm::Rs256).unwrap();
        let n = URL_SAFE_NO_PAD
            .decode(rsa.public_jwk()["n"].as_str().unwrap())
            .unwrap();
        assert_eq!(n.len(), 256, "RSA 2048");
        let ec = SigningKey::generate(SigningAlgorithm::Es256)
            .unwrap()
            .public_jwk();
        assert_eq!(
            URL_SAFE_NO_PAD
                .decode(ec["x"].as_str().unwrap())
                .unwrap()
                .len(),
            32
        );
    }

    #[test]
    fn the_key_id_is_the_rfc_7638_thumbprint() {
        // RFC 7638 §3.1 example key and its thumbprint.
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        let public = PublicParts::Rsa {
            n: URL_SAFE_NO_PAD.decode(n).unwrap(),
            e: URL_SAFE_NO_PAD.decode("AQAB").unwrap(),
        };
        assert_eq!(
            thumbprint(&public),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }
}
