//! Token revocation (RFC 7009). Revoking a refresh token revokes its whole grant, and with it the
//! access tokens issued from the grant. Unknown or invalid tokens answer success (§2.2); a
//! storage failure is an error, never a false success (§2.2.1).

use time::OffsetDateTime;

use super::Engine;
use super::access_token;
use super::client_auth::{self, ClientCredentials};
use super::error::{EndpointError, ErrorCode};
use super::params::Params;
use crate::crypto::token::PlaintextToken;
use crate::limits::Family;

fn not_yours() -> EndpointError {
    // §2.1: a client may revoke only tokens issued to it; anything else is refused.
    EndpointError::oauth(
        ErrorCode::UnauthorizedClient,
        "the token was not issued to this client",
    )
}

impl Engine {
    pub async fn revoke(
        &self,
        credentials: &ClientCredentials,
        params: &Params,
    ) -> Result<(), EndpointError> {
        let client = client_auth::authenticate(self, credentials).await?;
        self.limits
            .admit_client(Family::Revoke, client.id.as_str())?;
        let token = params.require("token")?;
        let now = self.now();
        if let Some(claims) = access_token::verify(&self.keys(), &self.issuer, token, now) {
            if claims.client_id != client.id.as_str() {
                return Err(not_yours());
            }
            let expires_at =
                OffsetDateTime::from_unix_timestamp(claims.exp).map_err(EndpointError::internal)?;
            self.revoke_access_token(&claims.jti, expires_at).await?;
            self.metrics.token_revoked();
            self.record_revocation(&client, &claims.sub, "access_token", now)
                .await?;
            return Ok(());
        }
        let hash = self.hasher.hash(&PlaintextToken::from_presented(token));
        if let Some(record) = self.store.find_refresh_token(&hash).await? {
            if record.grant.client_id != client.id {
                return Err(not_yours());
            }
            self.revoke_grant(record.grant.id, now).await?;
            self.metrics.token_revoked();
            let user = record.grant.user_id.to_string();
            self.record_revocation(&client, &user, "refresh_token", now)
                .await?;
        }
        Ok(())
    }

    /// Records a revocation a client asked for (`token.revoked`).
    async fn record_revocation(
        &self,
        client: &crate::domain::Client,
        subject: &str,
        what: &str,
        now: OffsetDateTime,
    ) -> Result<(), EndpointError> {
        let actor = crate::domain::audit::AuditActor::Client(client.id.as_str().to_owned());
        let event = crate::audit::event("token.revoked", actor, now)
            .subject(subject)
            .client(client.id.as_str())
            .detail(format!("token:{what}"));
        Ok(self.store.record_audit_event(&event).await?)
    }
}
