//! The token endpoint (RFC 6749 §3.2): authenticate the client, dispatch on `grant_type`, and
//! answer with the token response.

use super::Engine;
use super::client_auth::{self, ClientCredentials};
use super::error::{EndpointError, ErrorCode};
use super::grant_types;
use super::issue::TokenResponse;
use super::params::Params;
use crate::domain::GrantType;
use crate::limits::Family;

impl Engine {
    pub async fn exchange(
        &self,
        credentials: &ClientCredentials,
        params: &Params,
        address: Option<std::net::IpAddr>,
    ) -> Result<TokenResponse, EndpointError> {
        let grant_type = params.require("grant_type")?;
        let grant_type = GrantType::parse(grant_type).map_err(|_| {
            EndpointError::oauth(
                ErrorCode::UnsupportedGrantType,
                format!("grant_type {grant_type} is not supported"),
            )
        })?;
        let client = client_auth::authenticate(self, credentials).await?;
        self.limits
            .admit_client(Family::Token, client.id.as_str())?;
        if !client.grant_types.contains(&grant_type) {
            return Err(EndpointError::oauth(
                ErrorCode::UnauthorizedClient,
                format!(
                    "this client may not use the {} grant type",
                    grant_type.as_str()
                ),
            ));
        }
        let issued = match grant_type {
            GrantType::ClientCredentials => {
                grant_types::client_credentials::exchange(self, &client, params)
            }
            GrantType::AuthorizationCode => {
                grant_types::authorization_code::exchange(self, &client, params).await
            }
            GrantType::RefreshToken => {
                grant_types::refresh_token::exchange(self, &client, params).await
            }
            GrantType::Password => {
                grant_types::password::exchange(self, &client, params, address).await
            }
        }?;
        let kind = match client.kind {
            crate::domain::ClientKind::Public => "public",
            crate::domain::ClientKind::Confidential => "confidential",
        };
        self.metrics
            .token_issued(grant_type.as_str(), kind, client.id.as_str());
        if self.config.audit.record_token_issuance {
            let actor = crate::domain::audit::AuditActor::Client(client.id.as_str().to_owned());
            let event = crate::audit::event("token.issued", actor, self.now())
                .subject(&issued.subject)
                .client(client.id.as_str())
                .detail(format!("grant_type:{}", grant_type.as_str()));
            self.audit_writer.record(event).await?;
        }
        Ok(issued)
    }
}
