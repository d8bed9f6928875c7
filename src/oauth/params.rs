//! Request parameters as RFC 6749 §3.1 reads them: sent at most once, and a parameter sent
//! without a value is treated as omitted.

use std::collections::HashMap;

use super::error::{ErrorCode, OAuthError};

#[derive(Debug, Clone, Default)]
pub struct Params(HashMap<String, String>);

impl Params {
    /// Refuses repeated parameters; drops empty ones.
    pub fn from_pairs(
        pairs: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, OAuthError> {
        let mut map = HashMap::new();
        for (name, value) in pairs {
            if value.is_empty() {
                continue;
            }
            if map.insert(name.clone(), value).is_some() {
                return Err(OAuthError::new(
                    ErrorCode::InvalidRequest,
                    format!("the {name} parameter is repeated"),
                ));
            }
        }
        Ok(Self(map))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    pub fn require(&self, name: &str) -> Result<&str, OAuthError> {
        self.get(name).ok_or_else(|| {
            OAuthError::new(
                ErrorCode::InvalidRequest,
                format!("the {name} parameter is missing"),
            )
        })
    }

    /// Takes a parameter out (client credentials leave the grant type's parameters this way).
    pub fn take(&mut self, name: &str) -> Option<String> {
        self.0.remove(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn repeated_parameters_are_refused_and_empty_ones_ignored() {
        let error = Params::from_pairs(pairs(&[("scope", "a"), ("scope", "b")])).unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidRequest);
        let params = Params::from_pairs(pairs(&[("state", ""), ("grant_type", "x")])).unwrap();
        assert!(params.get("state").is_none());
        assert_eq!(params.require("grant_type").unwrap(), "x");
        assert!(params.require("code").is_err());
    }
}
