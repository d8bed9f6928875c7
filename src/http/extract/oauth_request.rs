//! An OAuth endpoint request: form-encoded parameters (each at most once) and the client's
//! credentials from `Authorization: Basic` or the body. Anything malformed is `invalid_request`
//! in RFC 6749 JSON.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, header};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::crypto::token::PlaintextToken;
use crate::http::responses::oauth_error::{Challenge, OAuthErrorResponse};
use crate::oauth::client_auth::{AuthMethod, ClientCredentials};
use crate::oauth::error::{ErrorCode, OAuthError};
use crate::oauth::params::Params;

#[derive(Debug)]
pub struct OAuthRequest {
    pub params: Params,
    /// `None` when the request named no client at all.
    pub credentials: Option<ClientCredentials>,
}

impl OAuthRequest {
    /// The credentials, or `invalid_client` (with a Basic challenge: the client should know how).
    pub fn require_client(&self) -> Result<&ClientCredentials, OAuthErrorResponse> {
        self.credentials.as_ref().ok_or_else(|| {
            OAuthErrorResponse::new(
                OAuthError::new(
                    ErrorCode::InvalidClient,
                    "client authentication is required",
                ),
                Challenge::Basic,
            )
        })
    }
}

fn invalid(description: &str) -> OAuthErrorResponse {
    OAuthErrorResponse::new(
        OAuthError::new(ErrorCode::InvalidRequest, description),
        Challenge::None,
    )
}

impl<S: Send + Sync> FromRequest<S> for OAuthRequest {
    type Rejection = OAuthErrorResponse;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_form = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| {
                v.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            });
        if !is_form {
            return Err(invalid(
                "the body must be application/x-www-form-urlencoded",
            ));
        }
        let mut request = request;
        // Taken, not cloned: reading the body needs none of them.
        let headers = std::mem::take(request.headers_mut());
        let body = Bytes::from_request(request, state)
            .await
            .map_err(|_| invalid("the body is too large or could not be read"))?;
        from_parts(&headers, &body)
    }
}

/// Parses the body and the Authorization header.
pub fn from_parts(headers: &HeaderMap, body: &[u8]) -> Result<OAuthRequest, OAuthErrorResponse> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
    if pairs
        .iter()
        .any(|(k, v)| k.contains('\u{FFFD}') || v.contains('\u{FFFD}'))
    {
        return Err(invalid("the body is not valid UTF-8"));
    }
    let mut params =
        Params::from_pairs(pairs).map_err(|e| OAuthErrorResponse::new(e, Challenge::None))?;
    let body_id = params.take("client_id");
    let body_secret = params.take("client_secret");
    let basic = basic_credentials(headers)?;
    let credentials = match (basic, body_id, body_secret) {
        (Some(_), _, Some(_)) => {
            return Err(invalid("use one client authentication method, not several"));
        }
        (Some((id, secret)), body_id, None) => {
            if body_id.is_some_and(|body_id| body_id != id) {
                return Err(invalid(
                    "client_id in the body differs from the Authorization header",
                ));
            }
            Some(ClientCredentials {
                client_id: id,
                secret: Some(PlaintextToken::from_presented(secret)),
                method: AuthMethod::Basic,
            })
        }
        (None, Some(id), Some(secret)) => Some(ClientCredentials {
            client_id: id,
            secret: Some(PlaintextToken::from_presented(secret)),
            method: AuthMethod::Post,
        }),
        (None, Some(id), None) => Some(ClientCredentials {
            client_id: id,
            secret: None,
            method: AuthMethod::None,
        }),
        (None, None, Some(_)) => return Err(invalid("client_secret without client_id")),
        (None, None, None) => None,
    };
    Ok(OAuthRequest {
        params,
        credentials,
    })
}

/// RFC 6749 §2.3.1: `Basic base64(urlencode(id) ":" urlencode(secret))`.
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, OAuthErrorResponse> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let failed = || {
        OAuthErrorResponse::new(
            OAuthError::new(ErrorCode::InvalidClient, "malformed Basic credentials"),
            Challenge::Basic,
        )
    };
    let value = value.to_str().map_err(|_| failed())?;
    let Some(encoded) = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))
    else {
        return Err(failed());
    };
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| failed())?;
    let decoded = String::from_utf8(decoded).map_err(|_| failed())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(failed)?;
    let unescape = |part: &str| -> Result<String, OAuthErrorResponse> {
        let text: String = url::form_urlencoded::parse(format!("x={part}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        if text.contains('\u{FFFD}') {
            Err(failed())
        } else {
            Ok(text)
        }
    };
    let (id, secret) = (unescape(id)?, unescape(secret)?);
    if id.is_empty() {
        return Err(failed());
    }
    Ok(Some((id, secret)))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn basic(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn basic_credentials_are_url_decoded() {
        let encoded = STANDARD.encode("my%20client:s%3Acret+x");
        let request = from_parts(
            &basic(&format!("Basic {encoded}")),
            b"grant_type=client_credentials",
        )
        .unwrap();
        let credentials = request.credentials.unwrap();
        assert_eq!(credentials.client_id, "my client");
        assert_eq!(credentials.secret.unwrap().expose(), "s:cret x");
        assert_eq!(credentials.method, AuthMethod::Basic);
    }

    #[test]
    fn two_authentication_methods_at_once_are_refused() {
        let encoded = STANDARD.encode("a:b");
        let error = from_parts(
            &basic(&format!("Basic {encoded}")),
            b"client_id=a&client_secret=b",
        )
        .unwrap_err();
        assert_eq!(error.error.code, ErrorCode::InvalidRequest);
    }

    #[test]
    fn post_credentials_and_public_clients_are_recognised() {
        let post = from_parts(&HeaderMap::new(), b"client_id=a&client_secret=b").unwrap();
        assert_eq!(post.credentials.unwrap().method, AuthMethod::Post);
        let public = from_parts(&HeaderMap::new(), b"client_id=a&code=x").unwrap();
        assert_eq!(public.credentials.unwrap().method, AuthMethod::None);
        assert!(
            from_parts(&HeaderMap::new(), b"code=x")
                .unwrap()
                .credentials
                .is_none()
        );
    }

    #[test]
    fn garbage_is_invalid_request_or_invalid_client() {
        assert_eq!(
            from_parts(&basic("Basic !!!"), b"").unwrap_err().error.code,
            ErrorCode::InvalidClient
        );
        assert_eq!(
            from_parts(&basic("Bearer x"), b"").unwrap_err().error.code,
            ErrorCode::InvalidClient
        );
        assert_eq!(
            from_parts(&HeaderMap::new(), b"a=%FF")
                .unwrap_err()
                .error
                .code,
            ErrorCode::InvalidRequest
        );
        assert_eq!(
            from_parts(&HeaderMap::new(), b"a=1&a=2")
                .unwrap_err()
                .error
                .code,
            ErrorCode::InvalidRequest
        );
    }
}
