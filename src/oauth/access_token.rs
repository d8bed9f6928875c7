//! JWT access tokens (RFC 9068): what they carry, minting them, and checking one presented to us.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::Engine;
use super::error::{EndpointError, ErrorCode};
use super::scope::Scope;
use crate::crypto::jwt;
use crate::crypto::key_ring::KeyRing;
use crate::domain::Client;

/// RFC 9068 §2.1 media type, in the JOSE header.
pub const TYP: &str = "at+jwt";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessTokenClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    pub client_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub scope: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    /// How the user authenticated (RFC 9068 §2.2.3.1, RFC 8176 values), so a resource server
    /// can ask for a second factor without a round trip.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amr: Vec<String>,
    /// The grant the token came from, so that revoking the grant or
    /// replaying its code turns this token inactive too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gid: Option<String>,
}

/// A freshly minted token and what the response says about it.
pub struct MintedAccessToken {
    pub token: String,
    pub claims: AccessTokenClaims,
    pub expires_in: i64,
}

/// Who a token is for and what it allows.
pub struct Subject<'a> {
    pub client: &'a Client,
    /// The user's id, or the client's for client_credentials.
    pub sub: &'a str,
    pub scope: &'a Scope,
    pub roles: Vec<String>,
    pub auth_time: Option<i64>,
    pub amr: &'a [String],
    pub grant_id: Option<uuid::Uuid>,
}

/// Signs an access token with the client's algorithm and lifetime.
pub fn mint(
    engine: &Engine,
    subject: Subject<'_>,
    now: OffsetDateTime,
) -> Result<MintedAccessToken, EndpointError> {
    let client = subject.client;
    let ring = engine.keys();
    let key = ring
        .signing_key(client.access_token_alg, now)
        .ok_or_else(|| EndpointError::Internal("no active signing key".into()))?;
    // Clamped, whatever a row edited by hand says: revocations are remembered only this long.
    let expires_in = client
        .access_token_ttl_seconds
        .map(i64::from)
        .unwrap_or(engine.config.tokens.access_token_ttl.get().as_secs() as i64)
        .min(i64::from(crate::domain::MAX_ACCESS_TOKEN_TTL_SECONDS));
    let iat = now.unix_timestamp();
    let claims = AccessTokenClaims {
        iss: engine.issuer.clone(),
        sub: subject.sub.to_owned(),
        // A token for the admin API is for it alone (see `admin_access`).
        aud: if subject.scope.contains(super::admin_access::ADMIN_SCOPE) {
            super::admin_access::admin_audience(&engine.issuer)
        } else {
            client
                .audience
                .clone()
                .unwrap_or_else(|| engine.issuer.clone())
        },
        exp: iat + expires_in,
        iat,
        jti: uuid::Uuid::new_v4().simple().to_string(),
        client_id: client.id.as_str().to_owned(),
        scope: subject.scope.to_string(),
        roles: subject.roles,
        auth_time: subject.auth_time,
        amr: subject.amr.to_vec(),
        gid: subject.grant_id.map(|id| id.to_string()),
    };
    let token = jwt::sign(key, Some(TYP), &claims).map_err(EndpointError::internal)?;
    Ok(MintedAccessToken {
        token,
        claims,
        expires_in,
    })
}

/// Checks signature, type, issuer and expiry of a presented access token; [`validate`] also
/// checks revocation.
pub fn verify(
    ring: &KeyRing,
    issuer: &str,
    token: &str,
    now: OffsetDateTime,
) -> Option<AccessTokenClaims> {
    let (header, claims): (_, AccessTokenClaims) =
        jwt::verify(token, |kid| ring.verification_key(kid, now)).ok()?;
    let fresh = claims.exp > now.unix_timestamp();
    (header.typ.as_deref() == Some(TYP) && claims.iss == issuer && fresh).then_some(claims)
}

/// Verifies a token and checks it was not revoked, alone or with its grant (from memory: see
/// `revocation_list`).
pub fn validate(engine: &Engine, token: &str, now: OffsetDateTime) -> Option<AccessTokenClaims> {
    let claims = verify(&engine.keys(), &engine.issuer, token, now)?;
    let grant = match &claims.gid {
        Some(gid) => Some(uuid::Uuid::parse_str(gid).ok()?),
        None => None,
    };
    (!engine.is_revoked(&claims.jti, grant)).then_some(claims)
}

/// The RFC 6750 error for a missing or bad bearer token.
pub fn invalid_token() -> EndpointError {
    EndpointError::oauth(
        ErrorCode::InvalidToken,
        "the access token is invalid or expired",
    )
}
