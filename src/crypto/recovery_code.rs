//! Recovery codes: single-use second factors for a lost authenticator. Sixteen characters of
//! Crockford's base-32 (80 random bits), shown as four dash-joined groups of four, read back
//! forgivingly (any case, with or without dashes or spaces, O for 0 and I or L for 1), and stored
//! only as a keyed hash: a code is looked up by its hash, so one attempt costs one HMAC.

use rand::RngExt as _;

use super::token::{PlaintextToken, TokenHash, TokenHasher};

/// Crockford's base-32 alphabet: no I, L, O or U, so nothing reads as something else.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const LENGTH: usize = 16;
const GROUP: usize = 4;
/// How many codes a person gets at once.
pub const BATCH: usize = 10;

/// A recovery code as shown to its owner, once. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct RecoveryCode(String);

impl RecoveryCode {
    pub fn generate() -> Self {
        let mut rng = rand::rng();
        let chars: String = (0..LENGTH)
            .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
            .collect();
        Self(chars)
    }

    /// A code as typed, in its one canonical form; `None` when it cannot be a recovery code.
    pub fn parse(typed: &str) -> Option<Self> {
        let mut canonical = String::with_capacity(LENGTH);
        for c in typed.chars() {
            let c = match c.to_ascii_uppercase() {
                '-' | ' ' => continue,
                'O' => '0',
                'I' | 'L' => '1',
                c if c.is_ascii() && ALPHABET.contains(&(c as u8)) => c,
                _ => return None,
            };
            canonical.push(c);
        }
        (canonical.len() == LENGTH).then_some(Self(canonical))
    }

    /// The code grouped for reading: four groups of four characters joined by dashes.
    pub fn display(&self) -> String {
        let groups: Vec<&str> = (0..LENGTH / GROUP)
            .map(|i| &self.0[i * GROUP..(i + 1) * GROUP])
            .collect();
        groups.join("-")
    }

    /// The stored form (keyed, and apart from every other kind of secret we hash).
    pub fn hash(&self, hasher: &TokenHasher) -> TokenHash {
        hasher.hash(&PlaintextToken::from_presented(format!(
            "recovery-code:{}",
            self.0
        )))
    }
}

impl std::fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecoveryCode([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_grouped_and_read_back_forgivingly() {
        let code = RecoveryCode::generate();
        let shown = code.display();
        assert_eq!(shown.len(), 19);
        assert_eq!(shown.matches('-').count(), 3);
        assert_eq!(RecoveryCode::parse(&shown), Some(code.clone()));
        assert_eq!(
            RecoveryCode::parse(&shown.to_lowercase().replace('-', " ")),
            Some(code.clone())
        );
        assert_eq!(
            RecoveryCode::parse("oo11-ilAB-CDEF-GHJK")
                .unwrap()
                .display(),
            "0011-11AB-CDEF-GHJK"
        );
        assert_eq!(RecoveryCode::parse("0011-11AB-CDEF-GHJ"), None);
        assert_eq!(RecoveryCode::parse("0011-11AB-CDEF-GHJU"), None);
        assert_eq!(RecoveryCode::parse("0011-11AB-CDEF-GHJKK"), None);
        assert_ne!(RecoveryCode::generate(), RecoveryCode::generate());
        assert!(!format!("{code:?}").contains(&shown[..4]));
    }

    #[test]
    fn the_hash_is_keyed_and_the_same_for_every_spelling() {
        let hasher = TokenHasher::new(&[7; 32]);
        let code = RecoveryCode::parse("ABCD-EFGH-JKMN-PQRS").unwrap();
        let again = RecoveryCode::parse("abcdefghjkmnpqrs").unwrap();
        assert_eq!(code.hash(&hasher), again.hash(&hasher));
        assert_ne!(code.hash(&hasher), code.hash(&TokenHasher::new(&[8; 32])));
        assert!(!code.hash(&hasher).as_str().contains("ABCD"));
    }
}
