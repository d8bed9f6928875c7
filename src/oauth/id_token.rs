//! ID tokens (OpenID Connect Core §2, §3.1.3.6): who signed in, when and how, for which client.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use time::OffsetDateTime;

use super::Engine;
use super::error::EndpointError;
use super::scope::Scope;
use crate::crypto::jwt;
use crate::domain::{Client, User};

#[derive(Debug, Clone, Serialize)]
pub struct IdTokenClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub azp: String,
    pub exp: i64,
    pub iat: i64,
    pub auth_time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    pub at_hash: String,
    pub amr: Vec<String>,
    pub acr: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    #[serde(flatten)]
    pub profile: ProfileClaims,
}

/// Standard claims released by scope (OpenID Connect Core §5.4): `profile`, `email` and `phone`.
/// Claims without a value are left out.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ProfileClaims {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zoneinfo: Option<String>,
    /// When the profile last changed, in seconds (§5.1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number_verified: Option<bool>,
}

impl ProfileClaims {
    pub fn for_scope(user: &User, scope: &Scope) -> Self {
        let mut claims = Self::default();
        if scope.contains("profile") {
            let p = &user.profile;
            claims.name = user.name.clone();
            claims.given_name = p.given_name.clone();
            claims.family_name = p.family_name.clone();
            claims.picture = p.picture.clone();
            claims.gender = p.gender.clone();
            claims.locale = p.locale.clone();
            claims.zoneinfo = p.zoneinfo.clone();
            claims.updated_at = Some(user.updated_at.unix_timestamp());
        }
        if scope.contains("email") {
            claims.email = Some(user.email.as_str().to_owned());
            claims.email_verified = Some(user.email_verified);
        }
        if scope.contains("phone")
            && let Some(phone) = &user.profile.phone_number
        {
            claims.phone_number = Some(phone.clone());
            claims.phone_number_verified = Some(user.profile.phone_number_verified);
        }
        claims
    }
}

/// What the ID token says about the sign-in.
pub struct Authentication<'a> {
    pub auth_time: i64,
    pub nonce: Option<String>,
    pub sid: Option<String>,
    pub amr: &'a [String],
}

/// `at_hash`: the left half of SHA-256 of the access token (both RS256 and ES256 use SHA-256).
fn at_hash(access_token: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest.as_ref()[..16])
}

pub fn mint(
    engine: &Engine,
    client: &Client,
    user: &User,
    scope: &Scope,
    authentication: Authentication<'_>,
    access_token: &str,
    now: OffsetDateTime,
) -> Result<String, EndpointError> {
    let ring = engine.keys();
    let key = ring
        .signing_key(client.id_token_alg, now)
        .ok_or_else(|| EndpointError::Internal("no active signing key".into()))?;
    let iat = now.unix_timestamp();
    let claims = IdTokenClaims {
        iss: engine.issuer.clone(),
        sub: user.id.to_string(),
        aud: client.id.as_str().to_owned(),
        azp: client.id.as_str().to_owned(),
        exp: iat + engine.config.tokens.id_token_ttl.get().as_secs() as i64,
        iat,
        auth_time: authentication.auth_time,
        nonce: authentication.nonce,
        at_hash: at_hash(access_token),
        amr: authentication.amr.to_vec(),
        acr: "1",
        sid: authentication.sid,
        profile: ProfileClaims::for_scope(user, scope),
    };
    jwt::sign(key, Some("JWT"), &claims).map_err(EndpointError::internal)
}

#[cfg(test)]
mod tests {
    #[test]
    fn at_hash_matches_the_openid_connect_example() {
        // OpenID Connect Core, Appendix A.3 (RS256): access token and its at_hash.
        assert_eq!(
            super::at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
    }
}
