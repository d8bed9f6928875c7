//! Token introspection (RFC 7662) for authenticated confidential clients. An inactive token of
//! any kind answers exactly `{"active": false}`, and so does a live token the caller has no
//! business with (RFC 7662 §2.1, §4: no token scanning): only the client the token was issued
//! to, or the resource server it is meant for (a client whose id is the token's `aud`), learns
//! that it is active and what it carries. A client's `audience` setting names the `aud` of the
//! tokens it receives, so it proves nothing about who may read other clients' tokens.

use serde::Serialize;

use super::Engine;
use super::access_token;
use super::client_auth::{self, ClientCredentials};
use super::error::{EndpointError, ErrorCode};
use super::params::Params;
use crate::domain::ClientKind;
use crate::limits::Family;

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
        let client = client_auth::authenticate(self, credentials).await?;
        self.limits
            .admit_client(Family::Introspect, client.id.as_str())?;
        if client.kind != ClientKind::Confidential {
            return Err(EndpointError::oauth(
                ErrorCode::InvalidClient,
                "introspection needs a confidential client",
            ));
        }
        let token = params.require("token")?;
        let answer = self.introspect_token(token).await?;
        let concerned = answer.details.as_ref().is_some_and(|details| {
            details.client_id == client.id.as_str() || details.aud == client.id.as_str()
        });
        Ok(if concerned {
            answer
        } else {
            Introspection::inactive()
        })
    }

    async fn introspect_token(&self, token: &str) -> Result<Introspection, EndpointError> {
        // token_type_hint is only a hint (RFC 7662 §2.1); every kind we issue is tried.
        let now = self.now();
        let Some(claims) = access_token::validate(self, token, now) else {
            return self.introspect_refresh_token(token, now).await;
        };
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

impl Engine {
    async fn introspect_refresh_token(
        &self,
        token: &str,
        now: time::OffsetDateTime,
    ) -> Result<Introspection, EndpointError> {
        let hash = self
            .hasher
            .hash(&crate::crypto::token::PlaintextToken::from_presented(token));
        let Some(record) = self.store.find_refresh_token(&hash).await? else {
            return Ok(Introspection::inactive());
        };
        let grant = &record.grant;
        let active = record.consumed_at.is_none()
            && record.expires_at > now
            && grant.expires_at > now
            && grant.revoked_at.is_none();
        if !active {
            return Ok(Introspection::inactive());
        }
        Ok(Introspection {
            active: true,
            details: Some(ActiveToken {
                scope: grant.scope.clone(),
                client_id: grant.client_id.as_str().to_owned(),
                sub: grant.user_id.to_string(),
                aud: grant.client_id.as_str().to_owned(),
                iss: self.issuer.clone(),
                exp: record.expires_at.min(grant.expires_at).unix_timestamp(),
                iat: grant.created_at.unix_timestamp(),
                jti: grant.id.to_string(),
                token_type: "refresh_token",
            }),
        })
    }
}
