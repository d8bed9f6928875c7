//! Redirect URI matching: exact string comparison (RFC 9700 §2.1), except that a loopback
//! redirect URI may use any port (RFC 8252 §7.3).

use url::Url;

use crate::domain::RedirectUri;

pub fn matches(registered: &RedirectUri, presented: &str) -> bool {
    if registered.as_str() == presented {
        return true;
    }
    if !registered.is_loopback() {
        return false;
    }
    let (Ok(registered), Ok(presented)) = (Url::parse(registered.as_str()), Url::parse(presented))
    else {
        return false;
    };
    registered.scheme() == "http"
        && presented.scheme() == "http"
        && registered.host_str() == presented.host_str()
        && registered.path() == presented.path()
        && registered.query() == presented.query()
        && presented.fragment().is_none()
        && presented.username().is_empty()
        && presented.password().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(value: &str) -> RedirectUri {
        RedirectUri::parse(value).unwrap()
    }

    #[test]
    fn only_the_exact_string_matches() {
        let registered = uri("https://app.example.com/cb");
        assert!(matches(&registered, "https://app.example.com/cb"));
        for presented in [
            "https://app.example.com/cb/",
            "https://app.example.com/cb?x=1",
            "https://APP.example.com/cb",
            "https://app.example.com/CB",
            "https://app.example.com:443/cb",
            "https://evil.example.com/cb",
            "https://app.example.com.evil.com/cb",
            "https://app.example.com@evil.com/cb",
            "https://evil.com#@app.example.com/cb",
            "http://app.example.com/cb",
            "https://app.example.com/cb#frag",
        ] {
            assert!(!matches(&registered, presented), "{presented}");
        }
    }

    #[test]
    fn loopback_uris_may_change_only_the_port() {
        let registered = uri("http://127.0.0.1/callback");
        assert!(matches(&registered, "http://127.0.0.1:51234/callback"));
        assert!(!matches(&registered, "http://127.0.0.1:51234/other"));
        assert!(!matches(&registered, "http://localhost:51234/callback"));
        assert!(!matches(&registered, "http://user@127.0.0.1:5/callback"));
        assert!(!matches(
            &uri("https://app.example.com/cb"),
            "https://app.example.com:8443/cb"
        ));
    }
}
