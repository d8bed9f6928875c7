//! The token endpoint (RFC 6749 §3.2): authenticate the client, dispatch on `grant_type`, and
//! answer with the token response.

use super::Engine;
use super::client_auth::{self, ClientCredentials};
use super::error::{EndpointError, ErrorCode};
use super::grants;
use super::issue::TokenResponse;
use super::params::Params;
use crate::domain::GrantType;

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
