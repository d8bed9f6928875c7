//! The client's IP address as the client-address layer resolved it (the TCP peer, or the
//! forwarded address when the peer is a trusted proxy: `middleware::client_address`).

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub Option<IpAddr>);

impl ClientAddress {
    /// The resolved address of a request (the peer's when the layer did not run).
    pub fn of(extensions: &axum::http::Extensions) -> Self {
        extensions.get::<Self>().copied().unwrap_or_else(|| {
            Self(
                extensions
                    .get::<ConnectInfo<SocketAddr>>()
                    .map(|info| info.0.ip()),
            )
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::of(&parts.extensions))
    }
}
