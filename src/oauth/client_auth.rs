//! Client authentication at the token, introspection and revocation endpoints (RFC 6749 §2.3):
//! `client_secret_basic`, `client_secret_post`, or `none` for public clients. A secret is checked
//! against its keyed hash in constant time; every failure reads the same.

use std::sync::Arc;

use super::Engine;
use super::error::{EndpointError, ErrorCode};
use crate::crypto::token::{PlaintextToken, TokenHash, TokenHasher};
use crate::domain::{Client, ClientId, ClientKind};

/// How the client presented itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    Basic,
    Post,
    None,
}

/// Credentials as presented; built by the HTTP layer from the header and the body.
#[derive(Debug, Clone)]
pub struct ClientCredentials {
    pub client_id: String,
    pub secret: Option<PlaintextToken>,
    pub method: AuthMethod,
}

fn failed() -> EndpointError {
    EndpointError::oauth(ErrorCode::InvalidClient, "client authentication failed")
}

/// The client these credentials prove. Public clients authenticate with `none`; confidential
/// ones must present their secret.
pub async fn authenticate(
    engine: &Engine,
    credentials: &ClientCredentials,
) -> Result<Arc<Client>, EndpointError> {
    let client = check(engine, credentials).await?;
    // The request's log lines from here on name the client (the request span has the field).
    tracing::Span::current().record("client_id", client.id.as_str());
    Ok(client)
}

async fn check(
    engine: &Engine,
    credentials: &ClientCredentials,
) -> Result<Arc<Client>, EndpointError> {
    let hasher: &TokenHasher = &engine.hasher;
    let client_id = ClientId::parse(&credentials.client_id).map_err(|_| failed())?;
    let client = engine.client(&client_id).await?.ok_or_else(failed)?;
    match (client.kind, &credentials.secret, &client.secret_hash) {
        (ClientKind::Public, None, _) => Ok(client),
        (ClientKind::Confidential, Some(secret), Some(stored)) => {
            if hasher.verify(secret, &TokenHash::from_stored(stored.clone())) {
                Ok(client)
            } else {
                Err(failed())
            }
        }
        _ => Err(failed()),
    }
}
