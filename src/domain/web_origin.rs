//! Web origins a client's browser code may call the token, userinfo and revocation endpoints
//! from (CORS): an origin as browsers send it in `Origin`, `scheme://host[:port]`.

use serde::{Deserialize, Serialize};
use url::Url;

use super::{InvalidField, RedirectUri};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WebOrigin(String);

impl WebOrigin {
    /// An origin exactly as a browser serialises it (lower-case host, no default port, no path
    /// or trailing slash), https unless the host is loopback.
    pub fn parse(value: &str) -> Result<Self, InvalidField> {
        let invalid = |why: &str| InvalidField::new("web_origin", format!("`{value}` {why}"));
        let url =
            Url::parse(value).map_err(|_| invalid("is not an origin like https://app.example"))?;
        let origin = url.origin().ascii_serialization();
        if origin != value {
            return Err(invalid(&format!(
                "is not an origin as browsers send it (that would be `{origin}`)"
            )));
        }
        let loopback = RedirectUri::parse(&format!("{value}/")).is_ok_and(|uri| uri.is_loopback());
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            _ => return Err(invalid("must use https (http only for loopback hosts)")),
        }
        Ok(Self(origin))
    }

    /// An origin read back from the store, in browser form whatever form it was written in (the
    /// migration that introduced web origins derived them from redirect URIs as registered).
    pub fn from_stored(value: &str) -> Result<Self, InvalidField> {
        let url = Url::parse(value)
            .map_err(|_| InvalidField::new("web_origin", format!("`{value}` is not an origin")))?;
        match url.origin() {
            origin @ url::Origin::Tuple(..) => Ok(Self(origin.ascii_serialization())),
            url::Origin::Opaque(_) => Err(InvalidField::new(
                "web_origin",
                format!("`{value}` is not an origin"),
            )),
        }
    }

    /// The origin of a redirect URI, if it has one (a native app's private-use scheme has none).
    pub fn of(redirect_uri: &RedirectUri) -> Option<Self> {
        let url = Url::parse(redirect_uri.as_str()).ok()?;
        match url.origin() {
            origin @ url::Origin::Tuple(..) => Some(Self(origin.ascii_serialization())),
            url::Origin::Opaque(_) => None,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_taken_only_in_their_browser_form() {
        assert!(WebOrigin::parse("https://app.example").is_ok());
        assert!(WebOrigin::parse("http://127.0.0.1:5173").is_ok());
        for bad in [
            "https://app.example/",
            "https://app.example/spa",
            "https://APP.example",
            "https://app.example:443",
            "http://app.example",
            "null",
            "*",
        ] {
            assert!(WebOrigin::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn stored_origins_read_back_in_browser_form() {
        for (stored, origin) in [
            ("https://App.Example", "https://app.example"),
            ("https://app.example:443", "https://app.example"),
            ("https://app.example?x=", "https://app.example"),
            ("http://127.0.0.1:7001", "http://127.0.0.1:7001"),
        ] {
            assert_eq!(WebOrigin::from_stored(stored).unwrap().as_str(), origin);
        }
        assert!(WebOrigin::from_stored("com.example.app:/cb").is_err());
    }

    #[test]
    fn a_redirect_uri_gives_its_origin() {
        let uri = RedirectUri::parse("https://app.example:8443/cb?x=1").unwrap();
        assert_eq!(
            WebOrigin::of(&uri).unwrap().as_str(),
            "https://app.example:8443"
        );
        let native = RedirectUri::parse("com.example.app://callback/path").ok();
        assert!(native.is_none_or(|uri| WebOrigin::of(&uri).is_none()));
    }
}
