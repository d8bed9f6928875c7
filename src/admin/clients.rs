//! Registering OAuth clients.

use crate::config::Duration;
use crate::crypto::token::{PlaintextToken, TokenHasher};
use crate::domain::{
    Client, ClientId, ClientKind, GrantType, InvalidField, NewClient, RedirectUri, ScopeToken,
    SigningAlgorithm, WebOrigin, time,
};
use crate::store::Store;

use super::AdminError;
use crate::domain::FieldErrors;

/// What an operator asks for; every field is checked by [`create_client`].
#[derive(Debug, Default)]
pub struct CreateClient {
    pub name: String,
    pub client_id: Option<String>,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    /// Empty means the origins of the redirect URIs.
    pub web_origins: Vec<String>,
    /// Empty means authorization_code and refresh_token.
    pub grant_types: Vec<String>,
    /// Empty means openid, profile, email and offline_access.
    pub scopes: Vec<String>,
    pub public: bool,
    pub first_party: bool,
    /// `aud` of access tokens; default the issuer.
    pub audience: Option<String>,
    /// RS256 or ES256; default ES256.
    pub access_token_alg: Option<String>,
    /// RS256 or ES256; default RS256 (the OpenID Connect default).
    pub id_token_alg: Option<String>,
    /// Access-token lifetime such as "5m"; default `tokens.access_token_ttl`.
    pub access_token_ttl: Option<String>,
}

/// A new client and, for confidential clients, its secret: shown once, stored only hashed.
#[derive(Debug)]
pub struct CreatedClient {
    pub client: Client,
    pub secret: Option<PlaintextToken>,
}

pub async fn create_client(
    store: &dyn Store,
    hasher: &TokenHasher,
    input: CreateClient,
) -> Result<CreatedClient, AdminError> {
    let mut errors = FieldErrors::default();
    let id = match &input.client_id {
        Some(id) => errors.check(ClientId::parse(id)),
        None => Some(ClientId::generate()),
    };
    let redirect_uris = errors.check_all(&input.redirect_uris, RedirectUri::parse);
    let post_logout_redirect_uris = errors.check_all(&input.post_logout_redirect_uris, |uri| {
        RedirectUri::parse_for("post_logout_redirect_uri", uri)
    });
    let mut web_origins = if input.web_origins.is_empty() {
        redirect_uris.iter().filter_map(WebOrigin::of).collect()
    } else {
        errors.check_all(&input.web_origins, WebOrigin::parse)
    };
    web_origins.sort_by(|a: &WebOrigin, b| a.as_str().cmp(b.as_str()));
    web_origins.dedup();
    let mut grant_types = errors.check_all(&input.grant_types, GrantType::parse);
    if input.grant_types.is_empty() {
        grant_types = vec![GrantType::AuthorizationCode, GrantType::RefreshToken];
    }
    grant_types.dedup();
    let scopes = if input.scopes.is_empty() {
        ScopeToken::DEFAULTS
            .iter()
            .filter_map(|s| ScopeToken::parse(s).ok())
            .collect()
    } else {
        errors.check_all(&input.scopes, ScopeToken::parse)
    };
    let access_token_alg = match &input.access_token_alg {
        Some(alg) => errors.check(
            SigningAlgorithm::parse(alg)
                .map_err(|e| InvalidField::new("access_token_alg", e.message)),
        ),
        None => Some(SigningAlgorithm::Es256),
    };
    let id_token_alg = match &input.id_token_alg {
        Some(alg) => errors.check(
            SigningAlgorithm::parse(alg).map_err(|e| InvalidField::new("id_token_alg", e.message)),
        ),
        None => Some(SigningAlgorithm::Rs256),
    };
    let access_token_ttl_seconds = match &input.access_token_ttl {
        Some(text) => errors.check(
            Duration::parse(text)
                .ok()
                .and_then(|d| u32::try_from(d.get().as_secs()).ok())
                .ok_or_else(|| {
                    InvalidField::new(
                        "access_token_ttl",
                        format!("`{text}` is not a duration like \"5m\""),
                    )
                }),
        ),
        None => None,
    };
    let kind = if input.public {
        ClientKind::Public
    } else {
        ClientKind::Confidential
    };
    let secret = (kind == ClientKind::Confidential).then(PlaintextToken::generate);
    let new_client = NewClient {
        id: id.unwrap_or_else(ClientId::generate),
        name: input.name.trim().to_owned(),
        secret_hash: secret.as_ref().map(|s| hasher.hash(s).into_string()),
        kind,
        first_party: input.first_party,
        redirect_uris,
        post_logout_redirect_uris,
        grant_types,
        scopes,
        web_origins,
        audience: input.audience.map(|a| a.trim().to_owned()),
        access_token_alg: access_token_alg.unwrap_or(SigningAlgorithm::Es256),
        id_token_alg: id_token_alg.unwrap_or(SigningAlgorithm::Rs256),
        access_token_ttl_seconds,
        created_at: time::now(),
    };
    errors.check(new_client.validate());
    errors.finish().map_err(AdminError::Invalid)?;
    let client = store.create_client(new_client).await?;
    Ok(CreatedClient { client, secret })
}
