//! Who may use the self-service account API: the user of an access token granted the `account`
//! scope (a user's token: a client's own token has no user). The API acts on that user only.

use std::sync::Arc;

use super::Engine;
use super::access_token::{self, invalid_token};
use super::error::{EndpointError, ErrorCode};
use super::scope::Scope;
use crate::domain::{User, UserId, UserStatus};

/// The scope an access token needs for `/api/v1/account`.
pub const ACCOUNT_SCOPE: &str = "account";

impl Engine {
    /// The active user a bearer token speaks for, if it was granted [`ACCOUNT_SCOPE`].
    pub async fn account_holder(&self, token: &str) -> Result<Arc<User>, EndpointError> {
        let claims = access_token::validate(self, token, self.now()).ok_or_else(invalid_token)?;
        let scope = Scope::parse(&claims.scope).map_err(|_| invalid_token())?;
        if !scope.contains(ACCOUNT_SCOPE) {
            return Err(EndpointError::oauth(
                ErrorCode::InsufficientScope,
                "the token was not granted the account scope",
            ));
        }
        let user_id = uuid::Uuid::parse_str(&claims.sub).map_err(|_| invalid_token())?;
        match self.user(UserId::from_uuid(user_id)).await? {
            Some(user) if user.status == UserStatus::Active => Ok(user),
            _ => Err(invalid_token()),
        }
    }
}
