//! The authorization endpoint (RFC 6749 §4.1.1, OpenID Connect Core §3.1.2): validate the request
//! (errors about the client or redirect URI are shown, never redirected), decide whether the user
//! must sign in or consent, and issue the code.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::Engine;
use super::error::{EndpointError, ErrorCode, OAuthError};
use super::params::Params;
use super::scope::Scope;
use super::{pkce, redirect_uri};
use crate::crypto::token::PlaintextToken;
use crate::domain::{AuthorizationCode, Client, ClientId, GrantType, UserId, UserStatus};
use crate::store::StoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResponseMode {
    Query,
    FormPost,
}

/// The `prompt` values we act on (OpenID Connect Core §3.1.2.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prompt {
    pub none: bool,
    pub login: bool,
    pub consent: bool,
    /// Start with account creation (Initiating User Registration via OpenID Connect 1.0).
    #[serde(default)]
    pub create: bool,
}

/// A validated authorization request; kept in the browser session while the user signs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationRequest {
    pub client_id: ClientId,
    /// Exactly as presented (or the one registered, when it was left out): the code is bound to
    /// this string and the token request must repeat it (RFC 6749 §4.1.3).
    pub redirect_uri: String,
    pub response_mode: ResponseMode,
    /// What the client asked for and may have; never empty.
    pub scope: Scope,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: String,
    pub prompt: Prompt,
    pub max_age: Option<i64>,
    pub login_hint: Option<String>,
}

/// Who is signed in, as the browser session remembers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignIn {
    pub user_id: UserId,
    /// Unix time of the actual authentication.
    pub auth_time: i64,
    /// Session id for `sid` claims and logout.
    pub sid: String,
    pub amr: Vec<String>,
    /// The browser's description of itself when it signed in, shown on the account page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
}

/// An answer for the client: success or error parameters, delivered to the redirect URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationResponse {
    pub redirect_uri: String,
    pub mode: ResponseMode,
    pub params: Vec<(String, String)>,
}

impl AuthorizationResponse {
    /// The redirect target for `response_mode=query`, keeping any query the URI already has.
    pub fn location(&self) -> String {
        let mut url = self.redirect_uri.clone();
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in &self.params {
            query.append_pair(name, value);
        }
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&query.finish());
        url
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuthorizeError {
    /// Client unknown or redirect URI not registered: tell the user, never redirect
    /// (RFC 6749 §4.1.2.1).
    #[error("{0}")]
    Direct(OAuthError),
    /// Everything after the redirect URI is validated goes back to the client.
    #[error("error for the client")]
    Redirect(AuthorizationResponse),
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
}

impl From<StoreError> for AuthorizeError {
    fn from(error: StoreError) -> Self {
        Self::Endpoint(error.into())
    }
}

/// What must happen before a code can be issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Create an account first (`prompt=create`), then continue as signed in.
    Register,
    SignIn,
    Consent,
    Issue,
}

fn direct(code: ErrorCode, description: &str) -> AuthorizeError {
    AuthorizeError::Direct(OAuthError::new(code, description))
}

impl Engine {
    /// Validates an authorization request. `params` are the raw pairs, so that a repeated
    /// parameter is reported before anything is trusted.
    pub async fn validate_authorization(
        &self,
        pairs: Vec<(String, String)>,
    ) -> Result<(AuthorizationRequest, Client), AuthorizeError> {
        let params = Params::from_pairs(pairs).map_err(AuthorizeError::Direct)?;
        let client_id = params.get("client_id").ok_or_else(|| {
            direct(
                ErrorCode::InvalidRequest,
                "the client_id parameter is missing",
            )
        })?;
        let client = match ClientId::parse(client_id) {
            Ok(id) => self.store.find_client(&id).await?,
            Err(_) => None,
        }
        .ok_or_else(|| direct(ErrorCode::InvalidClient, "unknown client"))?;
        let redirect_uri = match params.get("redirect_uri") {
            Some(presented) => {
                if !client
                    .redirect_uris
                    .iter()
                    .any(|registered| redirect_uri::matches(registered, presented))
                {
                    return Err(direct(
                        ErrorCode::InvalidRequest,
                        "the redirect_uri is not registered for this client",
                    ));
                }
                presented.to_owned()
            }
            None => match client.redirect_uris.as_slice() {
                [only] => only.as_str().to_owned(),
                _ => {
                    return Err(direct(
                        ErrorCode::InvalidRequest,
                        "the redirect_uri parameter is missing",
                    ));
                }
            },
        };
        let state = params.get("state").map(str::to_owned);
        let response_mode = match params.get("response_mode") {
            None | Some("query") => ResponseMode::Query,
            Some("form_post") => ResponseMode::FormPost,
            Some(_) => ResponseMode::Query,
        };
        let fail = |code: ErrorCode, description: &str| {
            AuthorizeError::Redirect(self.error_response(
                &redirect_uri,
                response_mode,
                state.as_deref(),
                code,
                description,
            ))
        };
        if let Some(other) = params.get("response_mode")
            && !matches!(other, "query" | "form_post")
        {
            return Err(fail(
                ErrorCode::InvalidRequest,
                "response_mode must be query or form_post",
            ));
        }
        match params.get("response_type") {
            Some("code") => {}
            Some(_) => {
                return Err(fail(
                    ErrorCode::UnsupportedResponseType,
                    "only response_type=code is supported",
                ));
            }
            None => {
                return Err(fail(
                    ErrorCode::InvalidRequest,
                    "the response_type parameter is missing",
                ));
            }
        }
        if params.get("request").is_some() {
            return Err(fail(
                ErrorCode::RequestNotSupported,
                "request objects are not supported",
            ));
        }
        if params.get("request_uri").is_some() {
            return Err(fail(
                ErrorCode::RequestUriNotSupported,
                "request_uri is not supported",
            ));
        }
        if !client.grant_types.contains(&GrantType::AuthorizationCode) {
            return Err(fail(
                ErrorCode::UnauthorizedClient,
                "this client may not use the authorization code flow",
            ));
        }
        let scope = Scope::parse(params.get("scope").unwrap_or_default())
            .map_err(|_| fail(ErrorCode::InvalidScope, "the scope is malformed"))?;
        if scope.is_empty() {
            return Err(fail(
                ErrorCode::InvalidScope,
                "the scope parameter is missing",
            ));
        }
        // OpenID Connect Core §3.1.2.1: scope values not understood are ignored. Scopes this
        // client may not have are dropped the same way (RFC 6749 §3.3 lets us grant less); the
        // token response names what was granted. Nothing left is an error.
        let allowed = Scope::from_tokens(client.scopes.iter().map(|s| s.as_str()));
        let scope = Scope::from_tokens(scope.iter().filter(|token| allowed.contains(token)));
        if scope.is_empty() {
            return Err(fail(
                ErrorCode::InvalidScope,
                "none of the requested scopes is allowed for this client",
            ));
        }
        let Some(code_challenge) = params.get("code_challenge") else {
            return Err(fail(
                ErrorCode::InvalidRequest,
                "PKCE is required: send code_challenge with S256",
            ));
        };
        if params.get("code_challenge_method") != Some("S256") {
            return Err(fail(
                ErrorCode::InvalidRequest,
                "code_challenge_method must be S256",
            ));
        }
        if !pkce::is_well_formed(code_challenge) {
            return Err(fail(
                ErrorCode::InvalidRequest,
                "the code_challenge is malformed",
            ));
        }
        let mut prompt = Prompt::default();
        for value in params
            .get("prompt")
            .unwrap_or_default()
            .split(' ')
            .filter(|v| !v.is_empty())
        {
            match value {
                "none" => prompt.none = true,
                "login" => prompt.login = true,
                "consent" => prompt.consent = true,
                "create" if self.config.registration.enabled => prompt.create = true,
                "select_account" => {}
                _ => return Err(fail(ErrorCode::InvalidRequest, "unknown prompt value")),
            }
        }
        if prompt.none && (prompt.login || prompt.consent || prompt.create) {
            return Err(fail(
                ErrorCode::InvalidRequest,
                "prompt=none cannot be combined with other values",
            ));
        }
        let max_age = match params.get("max_age") {
            Some(value) => Some(
                value
                    .parse::<i64>()
                    .ok()
                    .filter(|age| *age >= 0)
                    .ok_or_else(|| {
                        fail(
                            ErrorCode::InvalidRequest,
                            "max_age must be a non-negative integer",
                        )
                    })?,
            ),
            None => None,
        };
        let nonce = params.get("nonce").map(str::to_owned);
        if nonce.as_ref().is_some_and(|n| n.len() > 512)
            || state.as_ref().is_some_and(|s| s.len() > 2048)
        {
            return Err(fail(
                ErrorCode::InvalidRequest,
                "state or nonce is too long",
            ));
        }
        let request = AuthorizationRequest {
            client_id: client.id.clone(),
            redirect_uri: redirect_uri.clone(),
            response_mode,
            scope,
            state: state.clone(),
            nonce,
            code_challenge: code_challenge.to_owned(),
            prompt,
            max_age,
            login_hint: params.get("login_hint").map(str::to_owned),
        };
        Ok((request, client))
    }

    /// What the request still needs, given who is signed in. `fresh` is true right after the user
    /// signed in for this very request (so `prompt=login` is satisfied).
    pub async fn decide(
        &self,
        request: &AuthorizationRequest,
        client: &Client,
        sign_in: Option<&SignIn>,
        fresh: bool,
        now: OffsetDateTime,
    ) -> Result<Decision, AuthorizeError> {
        let mut signed_in = match sign_in {
            Some(sign_in) => self
                .store
                .find_user(sign_in.user_id)
                .await?
                .is_some_and(|user| user.status == UserStatus::Active),
            None => false,
        };
        // `max_age=0` asks for a sign-in now, like `prompt=login`: auth_time has whole seconds,
        // so "older than 0 s" would let a sign-in of a moment ago through.
        if let (Some(sign_in), Some(max_age)) = (sign_in, request.max_age) {
            let too_old = if max_age == 0 {
                !fresh
            } else {
                now.unix_timestamp() - sign_in.auth_time > max_age
            };
            if too_old {
                signed_in = false;
            }
        }
        if request.prompt.login && !fresh {
            signed_in = false;
        }
        if request.prompt.create && !fresh {
            return Ok(Decision::Register);
        }
        let fail = |code, description: &str| {
            AuthorizeError::Redirect(self.error_response(
                &request.redirect_uri,
                request.response_mode,
                request.state.as_deref(),
                code,
                description,
            ))
        };
        let Some(sign_in) = sign_in.filter(|_| signed_in) else {
            if request.prompt.none {
                return Err(fail(ErrorCode::LoginRequired, "the user is not signed in"));
            }
            return Ok(Decision::SignIn);
        };
        if client.first_party && !request.prompt.consent {
            return Ok(Decision::Issue);
        }
        let remembered = self.store.find_consent(sign_in.user_id, &client.id).await?;
        let covered = remembered
            .and_then(|scope| Scope::parse(&scope).ok())
            .is_some_and(|granted| request.scope.is_subset(&granted));
        if covered && !request.prompt.consent {
            return Ok(Decision::Issue);
        }
        if request.prompt.none {
            return Err(fail(
                ErrorCode::ConsentRequired,
                "the user has not consented",
            ));
        }
        Ok(Decision::Consent)
    }

    /// Remembers the user's consent to the request's scopes (merged with earlier consent).
    pub async fn remember_consent(
        &self,
        request: &AuthorizationRequest,
        user: UserId,
        now: OffsetDateTime,
    ) -> Result<(), EndpointError> {
        let client = &request.client_id;
        let mut scope = request.scope.clone();
        if let Some(earlier) = self.store.find_consent(user, client).await?
            && let Ok(earlier) = Scope::parse(&earlier)
        {
            scope = Scope::from_tokens(scope.iter().chain(earlier.iter()));
        }
        self.store
            .save_consent(
                user,
                client,
                &scope.to_string(),
                now,
                &crate::audit::event(
                    "consent.granted",
                    crate::domain::audit::AuditActor::User(user.to_string()),
                    now,
                )
                .subject(user)
                .client(client.as_str())
                .details(scope.iter().map(|s| format!("scope:{s}"))),
            )
            .await?;
        Ok(())
    }

    /// Issues a code for a signed-in user and builds the success response.
    pub async fn issue_code(
        &self,
        request: &AuthorizationRequest,
        sign_in: &SignIn,
        now: OffsetDateTime,
    ) -> Result<AuthorizationResponse, EndpointError> {
        let code = PlaintextToken::generate();
        let ttl = time::Duration::try_from(self.config.tokens.authorization_code_ttl.get())
            .map_err(EndpointError::internal)?;
        let record = AuthorizationCode {
            code_hash: self.hasher.hash(&code),
            client_id: request.client_id.clone(),
            user_id: sign_in.user_id,
            redirect_uri: request.redirect_uri.clone(),
            scope: request.scope.to_string(),
            nonce: request.nonce.clone(),
            code_challenge: request.code_challenge.clone(),
            auth_time: OffsetDateTime::from_unix_timestamp(sign_in.auth_time)
                .map_err(EndpointError::internal)?,
            sid: Some(sign_in.sid.clone()),
            amr: sign_in.amr.clone(),
            created_at: now,
            expires_at: now + ttl,
        };
        self.store.insert_authorization_code(record).await?;
        let mut params = vec![("code".to_owned(), code.expose().to_owned())];
        if let Some(state) = &request.state {
            params.push(("state".to_owned(), state.clone()));
        }
        params.push(("iss".to_owned(), self.issuer.clone()));
        Ok(AuthorizationResponse {
            redirect_uri: request.redirect_uri.clone(),
            mode: request.response_mode,
            params,
        })
    }

    /// An error for the client, with `state` and `iss` (RFC 9207).
    pub fn error_response(
        &self,
        redirect_uri: &str,
        mode: ResponseMode,
        state: Option<&str>,
        code: ErrorCode,
        description: &str,
    ) -> AuthorizationResponse {
        let error = OAuthError::new(code, description);
        let mut params = vec![
            ("error".to_owned(), error.code.as_str().to_owned()),
            ("error_description".to_owned(), error.description),
        ];
        if let Some(state) = state {
            params.push(("state".to_owned(), state.to_owned()));
        }
        params.push(("iss".to_owned(), self.issuer.clone()));
        AuthorizationResponse {
            redirect_uri: redirect_uri.to_owned(),
            mode,
            params,
        }
    }

    /// The user refused: `access_denied` to the client.
    pub fn denied(&self, request: &AuthorizationRequest) -> AuthorizationResponse {
        self.error_response(
            &request.redirect_uri,
            request.response_mode,
            request.state.as_deref(),
            ErrorCode::AccessDenied,
            "the user denied the request",
        )
    }
}
