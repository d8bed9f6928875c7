//! Who may call the admin API (`/admin/v1`): the bearer of one of our RFC 9068 access tokens
//! issued for its audience. A client gets such a token by asking for the `admin` scope (a scope
//! the client must be allowed): the token's `aud` is then the admin API's alone, so it is no use
//! at any other resource server, and no other token is any use here. What the caller may do is
//! decided per request from their roles as stored now (`admin::Caller`), not from the token.

use std::sync::Arc;

use super::Engine;
use super::access_token::{self, invalid_token};
use super::error::{EndpointError, ErrorCode};
use super::scope::Scope;
use crate::domain::{Client, ClientId, User, UserId, UserStatus};

/// The scope a client asks for to call the admin API.
pub const ADMIN_SCOPE: &str = "admin";

/// The audience of admin API tokens: the API's base URL under the issuer.
pub fn admin_audience(issuer: &str) -> String {
    format!("{issuer}/admin/v1")
}

/// Whom an admin API token speaks for.
pub enum AdminSubject {
    /// A person, signed in through a client (authorization code).
    User(Arc<User>),
    /// A client acting for itself (client_credentials): a service account.
    Client(Arc<Client>),
}

impl Engine {
    /// The active user or existing client an admin API token speaks for.
    pub async fn admin_subject(&self, token: &str) -> Result<AdminSubject, EndpointError> {
        let claims = access_token::validate(self, token, self.now()).ok_or_else(invalid_token)?;
        if claims.aud != admin_audience(&self.issuer) {
            return Err(invalid_token());
        }
        let scope = Scope::parse(&claims.scope).map_err(|_| invalid_token())?;
        if !scope.contains(ADMIN_SCOPE) {
            return Err(EndpointError::oauth(
                ErrorCode::InsufficientScope,
                "the token was not granted the admin scope",
            ));
        }
        // A client's own token (client_credentials) names it as subject and has no grant.
        if claims.sub == claims.client_id && claims.gid.is_none() {
            let id = ClientId::parse(&claims.client_id).map_err(|_| invalid_token())?;
            return match self.client(&id).await? {
                Some(client) => Ok(AdminSubject::Client(client)),
                None => Err(invalid_token()),
            };
        }
        let user_id = uuid::Uuid::parse_str(&claims.sub).map_err(|_| invalid_token())?;
        match self.user(UserId::from_uuid(user_id)).await? {
            Some(user) if user.status == UserStatus::Active => Ok(AdminSubject::User(user)),
            _ => Err(invalid_token()),
        }
    }
}
