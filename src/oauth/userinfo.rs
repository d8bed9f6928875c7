//! The UserInfo endpoint (OpenID Connect Core §5.3): claims about the token's user, released by
//! the token's scope.

use serde::Serialize;

use super::Engine;
use super::access_token::{self, invalid_token};
use super::error::{EndpointError, ErrorCode};
use super::id_token::ProfileClaims;
use super::scope::Scope;
use crate::domain::{ClientId, UserId, UserStatus};

#[derive(Debug, Clone, Serialize)]
pub struct UserInfo {
    pub sub: String,
    #[serde(flatten)]
    pub profile: ProfileClaims,
    /// The client the token was issued to (not a claim: it decides who may read the answer).
    #[serde(skip)]
    pub client_id: ClientId,
}

impl Engine {
    pub async fn userinfo(&self, token: &str) -> Result<UserInfo, EndpointError> {
        let claims = access_token::validate(self, token, self.now()).ok_or_else(invalid_token)?;
        let scope = Scope::parse(&claims.scope).map_err(|_| invalid_token())?;
        if !scope.contains("openid") {
            return Err(EndpointError::oauth(
                ErrorCode::InsufficientScope,
                "the token was not granted the openid scope",
            ));
        }
        let user_id = uuid::Uuid::parse_str(&claims.sub).map_err(|_| invalid_token())?;
        let user = match self.user(UserId::from_uuid(user_id)).await? {
            Some(user) if user.status == UserStatus::Active => user,
            _ => return Err(invalid_token()),
        };
        Ok(UserInfo {
            sub: user.id.to_string(),
            profile: ProfileClaims::for_scope(&user, &scope),
            client_id: ClientId::parse(&claims.client_id).map_err(|_| invalid_token())?,
        })
    }
}
