//! OAuth clients: their redirect URIs, grant types and kind, and the rules that tie them together.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use url::Url;

use super::{ClientId, InvalidField, ScopeToken, SigningAlgorithm, WebOrigin};

/// The longest access-token lifetime anything may configure (a client, or `tokens.*`). Revoked
/// grants are remembered in memory this long (plus slack), so no token may outlive it.
pub const MAX_ACCESS_TOKEN_TTL_SECONDS: u32 = 3600;

/// A registered redirect URI: absolute, without a fragment (RFC 6749 §3.1.2), and https unless
/// the host is loopback (RFC 9700 §2.6, RFC 8252 §7.3). Kept as the exact string registered,
/// because redirect URIs are compared by simple string comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RedirectUri(String);

impl RedirectUri {
    pub fn parse(value: &str) -> Result<Self, InvalidField> {
        Self::parse_for("redirect_uri", value)
    }

    /// Same rules, reported against another field (post-logout redirect URIs).
    pub fn parse_for(field: &'static str, value: &str) -> Result<Self, InvalidField> {
        let url = Url::parse(value).map_err(|e| {
            InvalidField::new(field, format!("`{value}` is not an absolute URI: {e}"))
        })?;
        if url.fragment().is_some() || value.contains('#') {
            return Err(InvalidField::new(
                field,
                format!("`{value}` must not contain a fragment"),
            ));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(InvalidField::new(field, format!("`{value}` has no host")));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(InvalidField::new(
                field,
                format!("`{value}` must not contain credentials"),
            ));
        }
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            _ => {
                return Err(InvalidField::new(
                    field,
                    format!("`{value}` must use https (http is allowed only for loopback hosts)"),
                ));
            }
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when the URI's host is loopback, where RFC 8252 §7.3 lets the port vary.
    pub fn is_loopback(&self) -> bool {
        Url::parse(&self.0).is_ok_and(|url| is_loopback(&url))
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Grant types a client may be allowed to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    AuthorizationCode,
    RefreshToken,
    ClientCredentials,
    Password,
}

impl GrantType {
    pub const ALL: [Self; 4] = [
        Self::AuthorizationCode,
        Self::RefreshToken,
        Self::ClientCredentials,
        Self::Password,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::AuthorizationCode => "authorization_code",
            Self::RefreshToken => "refresh_token",
            Self::ClientCredentials => "client_credentials",
            Self::Password => "password",
        }
    }

    pub fn parse(value: &str) -> Result<Self, InvalidField> {
        Self::ALL
            .into_iter()
            .find(|grant| grant.as_str() == value)
            .ok_or_else(|| {
                InvalidField::new(
                    "grant_type",
                    format!(
                        "`{value}` is not one of authorization_code, refresh_token, \
                         client_credentials, password"
                    ),
                )
            })
    }
}

/// Public clients (browser and native apps) hold no secret; confidential ones authenticate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientKind {
    Public,
    Confidential,
}

/// A stored client. The secret is kept only as a keyed hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Client {
    pub id: ClientId,
    pub name: String,
    #[serde(skip)]
    pub secret_hash: Option<String>,
    pub kind: ClientKind,
    pub first_party: bool,
    pub redirect_uris: Vec<RedirectUri>,
    pub post_logout_redirect_uris: Vec<RedirectUri>,
    pub grant_types: Vec<GrantType>,
    pub scopes: Vec<ScopeToken>,
    /// Origins whose browser code may call the token, userinfo and revocation endpoints.
    pub web_origins: Vec<WebOrigin>,
    /// `aud` of this client's access tokens; `None` means the issuer.
    pub audience: Option<String>,
    pub access_token_alg: SigningAlgorithm,
    pub id_token_alg: SigningAlgorithm,
    /// Access-token lifetime in seconds; `None` means `tokens.access_token_ttl`.
    pub access_token_ttl_seconds: Option<u32>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// The roles the client holds when it acts for itself (client_credentials): what it may do
    /// at the admin API as a service account.
    pub service_roles: Vec<super::RoleName>,
    /// Moves on with every change of the client or its roles (the admin API's `ETag`).
    pub version: i64,
}

/// A client to insert, already checked by [`NewClient::validate`].
#[derive(Debug, Clone)]
pub struct NewClient {
    pub id: ClientId,
    pub name: String,
    pub secret_hash: Option<String>,
    pub kind: ClientKind,
    pub first_party: bool,
    pub redirect_uris: Vec<RedirectUri>,
    pub post_logout_redirect_uris: Vec<RedirectUri>,
    pub grant_types: Vec<GrantType>,
    pub scopes: Vec<ScopeToken>,
    /// Origins whose browser code may call the token, userinfo and revocation endpoints.
    pub web_origins: Vec<WebOrigin>,
    /// `aud` of this client's access tokens; `None` means the issuer.
    pub audience: Option<String>,
    pub access_token_alg: SigningAlgorithm,
    pub id_token_alg: SigningAlgorithm,
    /// Access-token lifetime in seconds; `None` means `tokens.access_token_ttl`.
    pub access_token_ttl_seconds: Option<u32>,
    pub created_at: OffsetDateTime,
}

impl NewClient {
    /// The rules that tie the parts of a client together.
    pub fn validate(&self) -> Result<(), InvalidField> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
            return Err(InvalidField::new("name", "must be 1-200 characters"));
        }
        if self.grant_types.is_empty() {
            return Err(InvalidField::new(
                "grant_type",
                "at least one grant type is needed",
            ));
        }
        let has = |grant| self.grant_types.contains(&grant);
        if has(GrantType::AuthorizationCode) && self.redirect_uris.is_empty() {
            return Err(InvalidField::new(
                "redirect_uri",
                "the authorization_code grant needs at least one redirect URI",
            ));
        }
        if self.kind == ClientKind::Public && has(GrantType::ClientCredentials) {
            return Err(InvalidField::new(
                "grant_type",
                "client_credentials needs a confidential client (public clients have no secret)",
            ));
        }
        // RFC 9700 §2.4: the password grant is fenced to confidential first-party clients.
        if has(GrantType::Password) && (self.kind == ClientKind::Public || !self.first_party) {
            return Err(InvalidField::new(
                "grant_type",
                "the password grant is allowed only for confidential first-party clients",
            ));
        }
        if let Some(audience) = &self.audience
            && (audience.trim().is_empty()
                || audience.len() > 512
                || audience.chars().any(char::is_control))
        {
            return Err(InvalidField::new(
                "audience",
                "must be 1-512 printable characters",
            ));
        }
        if self
            .access_token_ttl_seconds
            .is_some_and(|ttl| ttl == 0 || ttl > MAX_ACCESS_TOKEN_TTL_SECONDS)
        {
            return Err(InvalidField::new(
                "access_token_ttl",
                "must be between 1 second and 1 hour",
            ));
        }
        if (self.kind == ClientKind::Confidential) != self.secret_hash.is_some() {
            return Err(InvalidField::new(
                "client_secret",
                "confidential clients have a secret, public clients none",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_must_be_absolute_https_or_loopback_without_fragment() {
        assert!(RedirectUri::parse("https://app.example.com/cb").is_ok());
        assert!(RedirectUri::parse("http://127.0.0.1:4000/cb").is_ok());
        assert!(RedirectUri::parse("http://localhost/cb").is_ok());
        assert!(RedirectUri::parse("http://[::1]:9/cb").is_ok());
        for bad in [
            "/relative/cb",
            "http://app.example.com/cb",
            "https://app.example.com/cb#frag",
            "https://user:pw@app.example.com/cb",
            "javascript:alert(1)",
            "not a uri",
        ] {
            assert!(RedirectUri::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn redirect_uris_keep_the_registered_string() {
        let uri = RedirectUri::parse("https://App.example.com/cb?x=1").unwrap();
        assert_eq!(uri.as_str(), "https://App.example.com/cb?x=1");
    }

    #[test]
    fn grant_types_round_trip_through_their_names() {
        for grant in GrantType::ALL {
            assert_eq!(GrantType::parse(grant.as_str()).unwrap(), grant);
        }
        assert!(GrantType::parse("implicit").is_err());
    }
}
