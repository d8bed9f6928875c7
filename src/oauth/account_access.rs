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

/// Who a bearer token speaks for, and when they last signed in.
pub struct AccountAccess {
    pub user: Arc<User>,
    /// The token's `auth_time`: when its user last actually authenticated.
    pub auth_time: Option<time::OffsetDateTime>,
}

impl Engine {
    /// The active user a bearer token speaks for, if it was granted [`ACCOUNT_SCOPE`].
    pub async fn account_holder(&self, token: &str) -> Result<AccountAccess, EndpointError> {
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
            Some(user) if user.status == UserStatus::Active => Ok(AccountAccess {
                user,
                auth_time: claims
                    .auth_time
                    .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok()),
            }),
            _ => Err(invalid_token()),
        }
    }
}
