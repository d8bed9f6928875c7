//! RP-Initiated Logout 1.0: check the `id_token_hint` (our signature, our issuer; expiry does not
//! matter), and follow `post_logout_redirect_uri` only when it is registered, byte for byte, for
//! the client the hint (or `client_id`) names.

use serde::Deserialize;

use super::Engine;
use super::error::{ErrorCode, OAuthError};
use super::params::Params;
use crate::crypto::jwt;
use crate::domain::ClientId;
use crate::store::StoreError;

/// The claims that make a JWT of ours an ID token (OpenID Connect Core §2); an access token
/// (RFC 9068) has `client_id`, `scope` and `jti` instead of `azp`, `amr` and `at_hash`.
#[derive(Debug, Deserialize)]
struct HintClaims {
    iss: String,
    sub: String,
    aud: String,
    azp: String,
    #[expect(dead_code, reason = "required to be present: ID tokens carry it")]
    amr: Vec<String>,
    #[expect(dead_code, reason = "required to be present: ID tokens carry it")]
    at_hash: String,
    #[serde(default)]
    sid: Option<String>,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    jti: Option<String>,
}

impl HintClaims {
    fn is_id_token(&self) -> bool {
        self.azp == self.aud && self.client_id.is_none() && self.jti.is_none()
    }
}

/// A validated logout request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logout {
    /// Present only when the hint was valid: then no confirmation is needed.
    pub hinted_sub: Option<String>,
    pub hinted_sid: Option<String>,
    /// Where to send the browser afterwards (already checked), with `state` appended.
    pub redirect: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum LogoutError {
    #[error("{0}")]
    Invalid(OAuthError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn invalid(description: &str) -> LogoutError {
    LogoutError::Invalid(OAuthError::new(ErrorCode::InvalidRequest, description))
}

impl Engine {
    pub async fn validate_logout(
        &self,
        pairs: Vec<(String, String)>,
    ) -> Result<Logout, LogoutError> {
        let params = Params::from_pairs(pairs).map_err(LogoutError::Invalid)?;
        let now = self.now();
        let hint = match params.get("id_token_hint") {
            Some(token) => {
                let ring = self.keys();
                let (header, claims): (_, HintClaims) =
                    jwt::verify(token, |kid| ring.verification_key(kid, now))
                        .map_err(|_| invalid("the id_token_hint is not an ID token we issued"))?;
                // Our access tokens are signed by the same keys: only an ID token may stand in
                // for the user's confirmation.
                let typed_as_id_token = header
                    .typ
                    .as_deref()
                    .is_none_or(|typ| typ.eq_ignore_ascii_case("JWT"));
                if claims.iss != self.issuer || !typed_as_id_token || !claims.is_id_token() {
                    return Err(invalid("the id_token_hint is not an ID token we issued"));
                }
                Some(claims)
            }
            None => None,
        };
        let client_id = match (&hint, params.get("client_id")) {
            (Some(hint), Some(client_id)) if hint.aud != client_id => {
                return Err(invalid("client_id does not match the id_token_hint"));
            }
            (Some(hint), _) => Some(hint.aud.clone()),
            (None, client_id) => client_id.map(str::to_owned),
        };
        let redirect = match params.get("post_logout_redirect_uri") {
            Some(uri) => {
                let client = match client_id.as_deref().map(ClientId::parse) {
                    Some(Ok(id)) => self.store.find_client(&id).await?,
                    _ => None,
                }
                .ok_or_else(|| {
                    invalid("post_logout_redirect_uri needs an id_token_hint or client_id")
                })?;
                if !client
                    .post_logout_redirect_uris
                    .iter()
                    .any(|registered| registered.as_str() == uri)
                {
                    return Err(invalid(
                        "the post_logout_redirect_uri is not registered for this client",
                    ));
                }
                let mut target = uri.to_owned();
                if let Some(state) = params.get("state") {
                    let query = url::form_urlencoded::Serializer::new(String::new())
                        .append_pair("state", state)
                        .finish();
                    target.push(if target.contains('?') { '&' } else { '?' });
                    target.push_str(&query);
                }
                Some(target)
            }
            None => None,
        };
        Ok(Logout {
            hinted_sub: hint.as_ref().map(|h| h.sub.clone()),
            hinted_sid: hint.and_then(|h| h.sid),
            redirect,
        })
    }
}

impl Engine {
    /// Records that `user` signed out of this browser (`user.sign_out`), and which way:
    /// `rp_initiated` (an app's logout request naming them) or `confirmed` (on our page).
    pub async fn record_sign_out(
        &self,
        user: crate::domain::UserId,
        how: &str,
    ) -> crate::store::StoreResult<()> {
        let actor = crate::domain::audit::AuditActor::User(user.to_string());
        let event = crate::audit::event("user.sign_out", actor, self.now())
            .subject(user)
            .detail(format!("path:{how}"));
        self.store.record_audit_event(&event).await
    }
}
