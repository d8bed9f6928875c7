//! The Authorization Challenge Endpoint (OAuth 2.0 for First-Party Applications,
//! draft-ietf-oauth-first-party-apps-04): a first-party app posts the user's credentials and
//! gets an authorization code, redeemed at `/token` with its PKCE verifier as usual, without a
//! browser. A user with a second factor gets `insufficient_authorization` and an `auth_session`
//! instead, and the app posts that with a code of the factor.
//!
//! The same password check, lockout and enumeration resistance as the sign-in page and the
//! password grant (`identity::login`), and the same second-factor check as the sign-in page
//! (`identity::second_factor`): one use-case, three doors.

use std::net::IpAddr;

use time::OffsetDateTime;

use super::Engine;
use super::client_auth::{self, ClientCredentials};
use super::error::{EndpointError, ErrorCode};
use super::params::Params;
use super::pkce;
use super::scope::Scope;
use crate::crypto::token::PlaintextToken;
use crate::domain::{AuthorizationCode, ChallengeFor, Client, GrantType, UserId};
use crate::identity::login::LoginError;
use crate::identity::second_factor::{FactorCode, Requirement, SecondFactorError, SecondFactors};
use crate::limits::Family;
use crate::metrics::SignInOutcome;

/// The factors a client may answer `insufficient_authorization` with (our extension member
/// `factors`, naming the request parameter each is sent in).
pub const FACTORS: [&str; 2] = ["totp", "recovery_code"];

/// How a challenge request failed.
#[derive(Debug)]
pub enum ChallengeFailure {
    /// An error answered as at any OAuth endpoint (`invalid_session` and `redirect_to_web`
    /// among them).
    Endpoint(EndpointError),
    /// `insufficient_authorization` (403): post `auth_session` again with one of [`FACTORS`].
    SecondFactorRequired {
        auth_session: PlaintextToken,
        description: &'static str,
    },
}

impl From<EndpointError> for ChallengeFailure {
    fn from(error: EndpointError) -> Self {
        Self::Endpoint(error)
    }
}

impl From<crate::oauth::error::OAuthError> for ChallengeFailure {
    fn from(error: crate::oauth::error::OAuthError) -> Self {
        Self::Endpoint(error.into())
    }
}

fn refused(code: ErrorCode, description: &str) -> ChallengeFailure {
    ChallengeFailure::Endpoint(EndpointError::oauth(code, description))
}

impl Engine {
    /// Answers an authorization challenge request with an authorization code.
    pub async fn authorization_challenge(
        &self,
        credentials: &ClientCredentials,
        params: &Params,
        address: Option<IpAddr>,
    ) -> Result<PlaintextToken, ChallengeFailure> {
        let client = client_auth::authenticate(self, credentials).await?;
        if !client.first_party || !client.grant_types.contains(&GrantType::AuthorizationCode) {
            return Err(refused(
                ErrorCode::UnauthorizedClient,
                "only first-party clients that may use the authorization_code grant type may \
                 use the authorization challenge endpoint",
            ));
        }
        // §4.1 makes response_type required, its own examples leave it out: absent is taken
        // as `code`, anything else refused.
        if params.get("response_type").is_some_and(|t| t != "code") {
            return Err(refused(
                ErrorCode::UnsupportedResponseType,
                "response_type must be code",
            ));
        }
        match params.get("auth_session") {
            Some(handle) => {
                let admitted = self.limits.admit(Family::Codes, address, None).await;
                admitted.map_err(EndpointError::from)?;
                self.answer_second_factor(&client, handle, params).await
            }
            None => self.check_password(&client, params, address).await,
        }
    }

    /// Step 1: the user's email and password, with the PKCE challenge the code will carry.
    async fn check_password(
        &self,
        client: &Client,
        params: &Params,
        address: Option<IpAddr>,
    ) -> Result<PlaintextToken, ChallengeFailure> {
        let code_challenge = params.require("code_challenge")?;
        if params.get("code_challenge_method") != Some("S256") {
            return Err(refused(
                ErrorCode::InvalidRequest,
                "code_challenge_method must be S256",
            ));
        }
        if !pkce::is_well_formed(code_challenge) {
            return Err(refused(
                ErrorCode::InvalidRequest,
                "code_challenge is malformed",
            ));
        }
        let username = params.require("username")?;
        let password = params.require("password")?;
        let allowed = Scope::from_tokens(client.scopes.iter().map(|s| s.as_str()));
        let scope = Scope::requested_within(params.get("scope"), &allowed)?;
        let admitted = self
            .limits
            .admit(Family::Challenge, address, Some(username))
            .await;
        admitted.map_err(EndpointError::from)?;
        let now = self.now();
        let user = self
            .logins
            .verify(
                username,
                password.to_owned(),
                address,
                now,
                Some(client.id.as_str()),
            )
            .await
            .map_err(|error| match error {
                LoginError::InvalidCredentials => {
                    refused(ErrorCode::InvalidGrant, "invalid username or password")
                }
                LoginError::LockedOut => refused(
                    ErrorCode::InvalidGrant,
                    "too many failed attempts; try again later",
                ),
                LoginError::EmailNotVerified(_) => refused(
                    ErrorCode::RedirectToWeb,
                    "the email address must be confirmed first; continue in a browser",
                ),
                LoginError::Unavailable(source) => EndpointError::Unavailable(source).into(),
                LoginError::Internal(source) => EndpointError::Internal(source).into(),
            })?;
        match self.second_factors.requirement(&user) {
            Requirement::None => {
                let authenticated = (now, vec!["pwd".to_owned()]);
                self.issue_challenge_code(client, user.id, &scope, code_challenge, authenticated)
                    .await
            }
            Requirement::Code => {
                self.metrics.sign_in(SignInOutcome::SecondFactorRequired);
                let purpose = ChallengeFor::Client {
                    client_id: client.id.clone(),
                    code_challenge: code_challenge.to_owned(),
                    scope: scope.to_string(),
                };
                let auth_session = self
                    .second_factors
                    .begin_challenge(&user, purpose)
                    .await
                    .map_err(second_factor_failed)?;
                Err(ChallengeFailure::SecondFactorRequired {
                    auth_session,
                    description: "a code of the account's second factor is required",
                })
            }
            Requirement::Enrolment => Err(refused(
                ErrorCode::RedirectToWeb,
                "the account must set up two-step verification; continue in a browser",
            )),
        }
    }

    /// Step 2: `auth_session` with `totp` (a code from the app) or `recovery_code`.
    async fn answer_second_factor(
        &self,
        client: &Client,
        handle: &str,
        params: &Params,
    ) -> Result<PlaintextToken, ChallengeFailure> {
        let code = match (params.get("totp"), params.get("recovery_code")) {
            (Some(totp), None) => FactorCode::Totp(totp.to_owned()),
            (None, Some(recovery)) => FactorCode::Recovery(recovery.to_owned()),
            _ => {
                return Err(refused(
                    ErrorCode::InvalidRequest,
                    "send exactly one of totp and recovery_code with auth_session",
                ));
            }
        };
        // Another client's auth_session, or a code_challenge other than the one it was started
        // with, ends the sign-in before the code is looked at (nothing of the user's is spent).
        let sent_challenge = params.get("code_challenge");
        let bound = |purpose: &ChallengeFor| match purpose {
            ChallengeFor::Client {
                client_id,
                code_challenge,
                ..
            } => {
                *client_id == client.id && sent_challenge.is_none_or(|sent| sent == code_challenge)
            }
            ChallengeFor::Page => false,
        };
        let passed = self
            .second_factors
            .answer_challenge(handle, bound, &code)
            .await;
        let challenge = match passed {
            Ok(challenge) => challenge,
            Err(refusal) => {
                return Err(match (refusal.next_handle, refusal.error) {
                    (Some(auth_session), _) => ChallengeFailure::SecondFactorRequired {
                        auth_session,
                        description: "the code is not valid; try the current one",
                    },
                    (None, SecondFactorError::Locked) => refused(
                        ErrorCode::InvalidSession,
                        "too many wrong codes for this account; try again later",
                    ),
                    (None, error @ SecondFactorError::Unavailable(_))
                    | (None, error @ SecondFactorError::Internal(_)) => second_factor_failed(error),
                    (None, _) => refused(
                        ErrorCode::InvalidSession,
                        "the auth_session is invalid, expired or used up; start again",
                    ),
                });
            }
        };
        let ChallengeFor::Client {
            code_challenge,
            scope,
            ..
        } = &challenge.purpose
        else {
            return Err(refused(
                ErrorCode::InvalidSession,
                "the auth_session is not a client's",
            ));
        };
        let scope = Scope::parse(scope)?;
        // The statement that advanced the sign-in found its user active; `/token` checks again.
        let authenticated = (self.now(), SecondFactors::amr_with_second_factor());
        self.issue_challenge_code(
            client,
            challenge.user_id,
            &scope,
            code_challenge,
            authenticated,
        )
        .await
    }

    /// A code for `/token`, bound to the client and PKCE challenge, with no redirect URI (the
    /// token request then sends none).
    async fn issue_challenge_code(
        &self,
        client: &Client,
        user: UserId,
        scope: &Scope,
        code_challenge: &str,
        (auth_time, amr): (OffsetDateTime, Vec<String>),
    ) -> Result<PlaintextToken, ChallengeFailure> {
        self.metrics.sign_in(SignInOutcome::Success);
        let code = PlaintextToken::generate();
        let ttl = time::Duration::try_from(self.config.tokens.authorization_code_ttl.get())
            .map_err(EndpointError::internal)?;
        let now = self.now();
        let record = AuthorizationCode {
            code_hash: self.hasher.hash(&code),
            client_id: client.id.clone(),
            user_id: user,
            redirect_uri: String::new(),
            scope: scope.to_string(),
            nonce: None,
            code_challenge: code_challenge.to_owned(),
            auth_time,
            sid: None,
            amr,
            created_at: now,
            expires_at: now + ttl,
        };
        self.store
            .insert_authorization_code(record)
            .await
            .map_err(EndpointError::from)?;
        tracing::info!(client_id = %client.id, user_id = %user, "code issued at the challenge endpoint");
        Ok(code)
    }
}

fn second_factor_failed(error: SecondFactorError) -> ChallengeFailure {
    match error {
        SecondFactorError::Unavailable(source) => EndpointError::Unavailable(source).into(),
        other => EndpointError::Internal(Box::new(other)).into(),
    }
}
