//! Token revocation (RFC 7009). Unknown or invalid tokens answer success (§2.2); a storage
//! failure is an error, never a false success (§2.2.1).

use time::OffsetDateTime;

use super::Engine;
use super::access_token;
use super::client_auth::{self, ClientCredentials};
use super::error::{EndpointError, ErrorCode};
use super::params::Params;

impl Engine {
    pub async fn revoke(
        &self,
        credentials: &ClientCredentials,
        params: &Params,
    ) -> Result<(), EndpointError> {
        let client =
            client_auth::authenticate(self.store.as_ref(), &self.hasher, credentials).await?;
        let token = params.require("token")?;
        let Some(claims) = access_token::verify(&self.keys(), &self.issuer, token, self.now())
        else {
            return Ok(());
        };
        // §2.1: a client may revoke only tokens issued to it; anything else is refused.
        if claims.client_id != client.id.as_str() {
            return Err(EndpointError::oauth(
                ErrorCode::UnauthorizedClient,
                "the token was not issued to this client",
            ));
        }
        let expires_at =
            OffsetDateTime::from_unix_timestamp(claims.exp).map_err(EndpointError::internal)?;
        self.store
            .revoke_access_token(&claims.jti, expires_at)
            .await?;
        Ok(())
    }
}
