//! The one-time codes and links in our mail: made, stored as keyed hashes bound to their token,
//! purpose and user, and checked against the guessing budgets.

use rand::RngExt as _;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{AccountError, Accounts};
use crate::crypto::constant_time;
use crate::crypto::token::{PlaintextToken, TokenHash};
use crate::domain::{
    AccountToken, Admission, Email, InvalidField, NewAccountToken, TokenPurpose, User, UserId,
};

/// How the holder of a mail proves it: the code typed in with the address, or the link opened.
#[derive(Debug, Clone)]
pub enum Proof {
    Code { email: String, code: String },
    Link { token: String },
}

/// A token to store, with the plaintext code and link that go into the mail (and nowhere else).
pub(super) struct Issued {
    pub token: NewAccountToken,
    pub code: String,
    pub link_token: PlaintextToken,
}

/// Digits in a code.
const CODE_DIGITS: usize = 6;

/// A code as typed: digits only, spaces and dashes people add are dropped.
pub(super) fn parse_code(value: &str) -> Result<String, InvalidField> {
    let code: String = value.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if code.len() == CODE_DIGITS && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(code)
    } else {
        Err(InvalidField::new(
            "code",
            "must be the 6-digit code from the email",
        ))
    }
}

impl Accounts {
    /// A fresh code and link for `purpose`, valid for `ttl` from `now`.
    pub(super) fn issue(
        &self,
        user_id: UserId,
        email: &Email,
        purpose: TokenPurpose,
        ttl: std::time::Duration,
        now: OffsetDateTime,
    ) -> Issued {
        let id = Uuid::now_v7();
        let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
        let link_token = PlaintextToken::generate();
        let ttl = time::Duration::try_from(ttl).unwrap_or(time::Duration::HOUR);
        Issued {
            token: NewAccountToken {
                id,
                user_id,
                purpose,
                email: email.clone(),
                code_hash: self.code_hash(id, user_id, purpose, &code),
                link_hash: self.link_hash(purpose, link_token.expose()),
                created_at: now,
                expires_at: now + ttl,
            },
            code,
            link_token,
        }
    }

    fn code_hash(&self, id: Uuid, user: UserId, purpose: TokenPurpose, code: &str) -> TokenHash {
        let bound = format!("code:{id}:{}:{user}:{code}", purpose.as_str());
        self.0.hasher.hash(&PlaintextToken::from_presented(bound))
    }

    fn link_hash(&self, purpose: TokenPurpose, token: &str) -> TokenHash {
        let bound = format!("link:{}:{token}", purpose.as_str());
        self.0.hasher.hash(&PlaintextToken::from_presented(bound))
    }

    /// The absolute link for a mail: `base?token=…`.
    pub(super) fn link(base: &str, token: &PlaintextToken) -> String {
        format!("{base}?token={}", token.expose())
    }

    /// Whether a link is live for `purpose` (a page shows its form only then).
    pub async fn link_is_live(
        &self,
        purpose: TokenPurpose,
        token: &str,
    ) -> Result<bool, AccountError> {
        let now = self.0.clock.now();
        let found = self
            .0
            .store
            .find_account_token_by_link(&self.link_hash(purpose, token))
            .await?;
        Ok(found.is_some_and(|t| t.purpose == purpose && t.is_live(now)))
    }

    /// The live token a proof presents, with the user it belongs to. A code is counted against
    /// both budgets before it is compared; an unknown address takes the same steps.
    pub(super) async fn redeemable(
        &self,
        proof: &Proof,
        purpose: TokenPurpose,
    ) -> Result<(AccountToken, User), AccountError> {
        let store = self.0.store.as_ref();
        let now = self.0.clock.now();
        match proof {
            Proof::Link { token } => {
                let found = store
                    .find_account_token_by_link(&self.link_hash(purpose, token))
                    .await?
                    .filter(|t| t.purpose == purpose && t.is_live(now));
                let Some(token) = found else {
                    return Err(AccountError::InvalidCode);
                };
                let user = store.find_user(token.user_id).await?;
                user.map(|user| (token, user))
                    .ok_or(AccountError::InvalidCode)
            }
            Proof::Code { email, code } => {
                let mut problems = crate::domain::FieldErrors::default();
                let email = problems.check(Email::parse(email));
                let code = problems.check(parse_code(code));
                problems.finish().map_err(AccountError::Invalid)?;
                let (Some(email), Some(code)) = (email, code) else {
                    return Err(AccountError::Invalid(Vec::new()));
                };
                self.check_code(&email, &code, purpose, now).await
            }
        }
    }

    async fn check_code(
        &self,
        email: &Email,
        code: &str,
        purpose: TokenPurpose,
        now: OffsetDateTime,
    ) -> Result<(AccountToken, User), AccountError> {
        self.within_code_budget(&code_budget_key(email), now, async {
            let store = self.0.store.as_ref();
            let user = store.find_user_by_email(email).await?;
            let token = match &user {
                Some(user) => store
                    .latest_account_token(user.id, purpose)
                    .await?
                    .filter(|t| t.is_live(now) && t.email == *email),
                None => None,
            };
            self.compare_code(user, token, code, purpose).await
        })
        .await
    }

    /// Runs `guess` against an address's hourly budget of wrong codes (`budget`, its key):
    /// admitted first, then counted as a failure if the code was wrong.
    pub(super) async fn within_code_budget<T>(
        &self,
        budget: &str,
        now: OffsetDateTime,
        guess: impl std::future::Future<Output = Result<T, AccountError>>,
    ) -> Result<T, AccountError> {
        let store = self.0.store.as_ref();
        let per_hour = self.0.account.code_attempts_per_hour;
        let hour_ago = now - time::Duration::HOUR;
        let admission = store
            .admit_login_attempt(budget, now, hour_ago, hour_ago, per_hour)
            .await?;
        if admission != Admission::Admitted {
            return Err(AccountError::TooManyAttempts);
        }
        let result = guess.await;
        let decided = match &result {
            Err(AccountError::InvalidCode) => store
                .record_login_failure(budget, now, per_hour, now + time::Duration::HOUR)
                .await
                .map(|_| ()),
            _ => store.release_login_attempt(budget).await,
        };
        decided?;
        result
    }

    /// Counts the guess against `token` (the user's live token, if any), then compares it in
    /// constant time.
    pub(super) async fn compare_code(
        &self,
        user: Option<User>,
        token: Option<AccountToken>,
        code: &str,
        purpose: TokenPurpose,
    ) -> Result<(AccountToken, User), AccountError> {
        // Counted first; an unknown address or a token without one counts against nothing,
        // through the same statement.
        let counted = self
            .0
            .store
            .count_code_attempt(
                token.as_ref().map_or(Uuid::nil(), |t| t.id),
                self.0.account.code_attempts,
            )
            .await?;
        let (Some(user), Some(token)) = (user, token) else {
            return Err(AccountError::InvalidCode);
        };
        let presented = self.code_hash(token.id, user.id, purpose, code);
        let matches = constant_time::equal(
            presented.as_str().as_bytes(),
            token.code_hash.as_str().as_bytes(),
        );
        if counted && matches {
            Ok((token, user))
        } else {
            Err(AccountError::InvalidCode)
        }
    }
}

/// The key of an address's hourly budget of wrong codes.
pub(super) fn code_budget_key(email: &Email) -> String {
    format!("code:{email}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_as_typed_or_spaced() {
        assert_eq!(parse_code("123456").unwrap(), "123456");
        assert_eq!(parse_code("123 456").unwrap(), "123456");
        assert_eq!(parse_code("123-456").unwrap(), "123456");
        for bad in ["12345", "1234567", "12345a", "", "１２３４５６"] {
            assert!(parse_code(bad).is_err(), "{bad:?}");
        }
    }
}
