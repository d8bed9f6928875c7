//! The token endpoint (RFC 6749 §3.2): authenticate the client, dispatch on `grant_type`, and
//! answer with the token response.

use serde::Serialize;

use super::Engine;
use super::client_auth::{self, ClientCredentials};
use super::error::{EndpointError, ErrorCode};
use super::grants;
use super::params::Params;
use crate::domain::GrantType;

/// RFC 6749 §5.1 successful response (plus `id_token` from OpenID Connect Core §3.1.3.3).
#[derive(Debug, Clone, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    /// Always sent, even when it equals the request (RFC 6749 §5.1 requires it only when it
    /// differs); an empty string means the token carries no scope.
    pub scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
}

impl Engine {
    pub async fn exchange(
        &self,
        credentials: &ClientCredentials,
        params: &Params,
        address: Option<std::net::IpAddr>,
    ) -> Result<TokenResponse, EndpointError> {
        let grant = params.require("grant_type")?;
        let grant = GrantType::parse(grant).map_err(|_| {
            EndpointError::oauth(
                ErrorCode::UnsupportedGrantType,
                format!("grant_type {grant} is not supported"),
            )
        })?;
        let client = client_auth::authenticate(self, credentials).await?;
        if !client.grant_types.contains(&grant) {
            return Err(EndpointError::oauth(
                ErrorCode::UnauthorizedClient,
                format!("this client may not use the {} grant", grant.as_str()),
            ));
        }
        match grant {
            GrantType::ClientCredentials => {
                grants::client_credentials::exchange(self, &client, params)
            }
            GrantType::AuthorizationCode => {
                grants::authorization_code::exchange(self, &client, params).await
            }
            GrantType::RefreshToken => grants::refresh_token::exchange(self, &client, params).await,
            GrantType::Password => grants::password::exchange(self, &client, params, address).await,
        }
    }
}
