//! Token introspection (RFC 7662) for authenticated confidential clients. An inactive token of
//! any kind answers exactly `{"active": false}`.

use serde::Serialize;

use super::Engine;
use super::access_token;
use super::client_auth::{self, ClientCredentials};
use super::error::{EndpointError, ErrorCode};
use super::params::Params;
use crate::domain::ClientKind;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Introspection {
    pub active: bool,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub details: Option<ActiveToken>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ActiveToken {
    pub scope: String,
    pub client_id: String,
    pub sub: String,
    pub aud: String,
    pub iss: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    pub token_type: &'static str,
}

impl Introspection {
    pub fn inactive() -> Self {
        Self {
            active: false,
            details: None,
        }
    }
}

impl Engine {
    pub async fn introspect(
        &self,
        credentials: &ClientCredentials,
        params: &Params,
    ) -> Result<Introspection, EndpointError> {
        let client =
            client_auth::authenticate(self.store.as_ref(), &self.hasher, credentials).await?;
        if client.kind != ClientKind::Confidential {
            return Err(EndpointError::oauth(
                ErrorCode::InvalidClient,
                "introspection needs a confidential client",
            ));
        }
        let token = params.require("token")?;
        // token_type_hint is only a hint (RFC 7662 §2.1); every kind we issue is tried.
        let Some(claims) = access_token::verify(&self.keys(), &self.issuer, token, self.now())
        else {
            return Ok(Introspection::inactive());
        };
        if self.store.is_access_token_revoked(&claims.jti).await? {
            return Ok(Introspection::inactive());
        }
        Ok(Introspection {
            active: true,
            details: Some(ActiveToken {
                scope: claims.scope,
                client_id: claims.client_id,
                sub: claims.sub,
                aud: claims.aud,
                iss: claims.iss,
                exp: claims.exp,
                iat: claims.iat,
                jti: claims.jti,
                token_type: "Bearer",
            }),
        })
    }
}
