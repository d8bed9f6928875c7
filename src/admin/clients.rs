//! OAuth clients: registered with the CLI or the admin API, then listed, changed, given a new
//! secret, given roles as a service account, deleted. Every field is checked before anything
//! is written; a secret is shown once and stored only hashed.

use crate::config::Duration;
use crate::crypto::token::{PlaintextToken, TokenHasher};
use crate::domain::{
    Client, ClientId, ClientKind, GrantType, InvalidField, NewClient, RedirectUri, ScopeToken,
    SigningAlgorithm, WebOrigin, time,
};
use crate::store::Store;

use super::{Admin, AdminError, Caller};
use crate::domain::audit::AuditActor;
use crate::domain::{FieldErrors, Permission};

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
    actor: AuditActor,
) -> Result<CreatedClient, AdminError> {
    let kind = if input.public {
        ClientKind::Public
    } else {
        ClientKind::Confidential
    };
    let secret = (kind == ClientKind::Confidential).then(PlaintextToken::generate);
    let mut errors = FieldErrors::default();
    let id = match &input.client_id {
        Some(id) => errors.check(ClientId::parse(id)),
        None => Some(ClientId::generate()),
    };
    let new_client = checked(
        errors,
        id.unwrap_or_else(ClientId::generate),
        kind,
        secret.as_ref().map(|s| hasher.hash(s).into_string()),
        input,
    )?;
    let event = crate::audit::event("client.created", actor, new_client.created_at)
        .subject(new_client.id.as_str())
        .details(client_settings(&new_client));
    let client = store.create_client(new_client, &event).await?;
    Ok(CreatedClient { client, secret })
}

/// What an event about a client's settings records: which settings it has, not their values
/// beyond the kind of client and its grant types and scopes.
fn client_settings(client: &NewClient) -> Vec<String> {
    let mut details = vec![format!(
        "kind:{}",
        match client.kind {
            ClientKind::Public => "public",
            ClientKind::Confidential => "confidential",
        }
    )];
    details.extend(
        client
            .grant_types
            .iter()
            .map(|g| format!("grant_type:{}", g.as_str())),
    );
    details.extend(
        client
            .scopes
            .iter()
            .map(|s| format!("scope:{}", s.as_str())),
    );
    details
}

/// The client `input` describes, every field checked (problems already noted in `errors` are
/// answered with the rest).
fn checked(
    mut errors: FieldErrors,
    id: ClientId,
    kind: ClientKind,
    secret_hash: Option<String>,
    input: CreateClient,
) -> Result<NewClient, AdminError> {
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
    let new_client = NewClient {
        id,
        name: input.name.trim().to_owned(),
        secret_hash,
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
    Ok(new_client)
}

impl Admin {
    pub async fn clients(&self, caller: &Caller) -> Result<Vec<Client>, AdminError> {
        caller.require(Permission::ClientsRead)?;
        Ok(self.0.store.list_clients().await?)
    }

    pub async fn client(&self, caller: &Caller, id: &str) -> Result<Client, AdminError> {
        caller.require(Permission::ClientsRead)?;
        let id = ClientId::parse(id).map_err(|_| AdminError::NotFound)?;
        self.0
            .store
            .find_client(&id)
            .await?
            .ok_or(AdminError::NotFound)
    }

    /// Registers a client as `portcullis client create` does.
    pub async fn create_client(
        &self,
        caller: &Caller,
        input: CreateClient,
    ) -> Result<CreatedClient, AdminError> {
        caller.require(Permission::ClientsWrite)?;
        let created = create_client(
            self.0.store.as_ref(),
            &self.0.hasher,
            input,
            caller.audit_actor(),
        )
        .await?;
        tracing::info!(client_id = %created.client.id.as_str(), "client registered");
        Ok(created)
    }

    /// Replaces what may change of a client (not its id, kind or secret).
    pub async fn update_client(
        &self,
        caller: &Caller,
        id: &str,
        input: CreateClient,
        version: i64,
    ) -> Result<Client, AdminError> {
        caller.require(Permission::ClientsWrite)?;
        let current = self.client_to_change(caller, id).await?;
        let errors = FieldErrors::default();
        let kind_asked = if input.public {
            ClientKind::Public
        } else {
            ClientKind::Confidential
        };
        if kind_asked != current.kind {
            return Err(AdminError::Invalid(vec![InvalidField::new(
                "public",
                "a client's kind cannot change; register a new client instead",
            )]));
        }
        // The secret stays (validation checks the kind has what it needs); the store keeps it.
        let secret_hash = current.secret_hash.clone();
        let changed = checked(errors, current.id.clone(), current.kind, secret_hash, input)?;
        let client = self
            .0
            .store
            .update_client(
                &changed,
                version,
                self.0.clock.now(),
                &self
                    .event(caller, "client.updated")
                    .subject(current.id.as_str())
                    .details(client_settings(&changed)),
            )
            .await?;
        tracing::info!(client_id = %client.id.as_str(), "client changed");
        Ok(client)
    }

    /// Gives a confidential client a new secret (shown once); the old one stops working at once.
    pub async fn rotate_client_secret(
        &self,
        caller: &Caller,
        id: &str,
        version: Option<i64>,
    ) -> Result<(Client, PlaintextToken), AdminError> {
        caller.require(Permission::ClientsWrite)?;
        let current = self.client_to_change(caller, id).await?;
        if current.kind != ClientKind::Confidential {
            return Err(AdminError::Invalid(vec![InvalidField::new(
                "client_id",
                "a public client has no secret",
            )]));
        }
        let secret = PlaintextToken::generate();
        let hash = self.0.hasher.hash(&secret).into_string();
        let client = self
            .0
            .store
            .replace_client_secret(
                &current.id,
                &hash,
                version,
                self.0.clock.now(),
                &self
                    .event(caller, "client.secret_rotated")
                    .subject(current.id.as_str()),
            )
            .await?;
        tracing::info!(client_id = %client.id.as_str(), "client secret replaced");
        Ok((client, secret))
    }

    /// Deletes a client with its grants, codes and consents; answers the grants that were live
    /// (the caller makes their tokens stop working).
    pub async fn delete_client(
        &self,
        caller: &Caller,
        id: &str,
        version: Option<i64>,
    ) -> Result<Vec<uuid::Uuid>, AdminError> {
        caller.require(Permission::ClientsWrite)?;
        let current = self.client_to_change(caller, id).await?;
        let grants = self
            .0
            .store
            .delete_client(
                &current.id,
                version,
                self.0.clock.now(),
                &self
                    .event(caller, "client.deleted")
                    .subject(current.id.as_str()),
            )
            .await?;
        tracing::info!(client_id = %current.id.as_str(), "client deleted");
        Ok(grants)
    }

    /// Replaces the roles a client holds as a service account. The caller must hold every
    /// permission of the roles given (as for a user's roles).
    pub async fn set_client_roles(
        &self,
        caller: &Caller,
        id: &str,
        roles: &[String],
        version: i64,
    ) -> Result<Client, AdminError> {
        caller.require(Permission::ClientsWrite)?;
        caller.require(Permission::UsersRoles)?;
        let roles = self.grantable_roles(caller, roles).await?;
        let current = self.client_to_change(caller, id).await?;
        if current.kind != ClientKind::Confidential {
            return Err(AdminError::Invalid(vec![InvalidField::new(
                "roles",
                "only a confidential client can act for itself",
            )]));
        }
        let client = self
            .0
            .store
            .replace_client_roles(
                &current.id,
                &roles,
                version,
                self.0.clock.now(),
                &self
                    .event(caller, "client.roles_changed")
                    .subject(current.id.as_str())
                    .details(roles.iter().map(|r| format!("role:{r}"))),
            )
            .await?;
        tracing::info!(client_id = %client.id.as_str(), "client roles replaced");
        Ok(client)
    }

    /// A client to change: existing, and holding no permission the caller lacks (whoever may
    /// change a service account's secret may act as it).
    async fn client_to_change(&self, caller: &Caller, id: &str) -> Result<Client, AdminError> {
        let id = ClientId::parse(id).map_err(|_| AdminError::NotFound)?;
        let client = self
            .0
            .store
            .find_client(&id)
            .await?
            .ok_or(AdminError::NotFound)?;
        let held = self.0.store.permissions_of(&client.service_roles).await?;
        if !caller.permissions.covers(held) {
            return Err(AdminError::Forbidden(
                "the client holds permissions you lack".to_owned(),
            ));
        }
        Ok(client)
    }
}
