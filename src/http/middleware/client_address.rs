//! The request's source address: the TCP peer, or, when the peer is one of
//! `server.trusted_proxies`, the right-most hop of `X-Forwarded-For` that is not itself a trusted
//! proxy (each proxy appends the address it received from). A forged header from any other peer
//! changes nothing. Resolved first, by the request-id layer, so every later layer (the audit
//! context, the rate limits) sees the same address.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request};
use axum::http::HeaderMap;

use crate::config::IpNetwork;
use crate::http::extract::client_address::ClientAddress;

const FORWARDED_FOR: &str = "x-forwarded-for";

/// Records the request's source address in its extensions (read by [`ClientAddress`]).
pub fn resolve(request: &mut Request, trusted: &[IpNetwork]) {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip());
    let address = peer.map(|peer| source_address(peer, request.headers(), trusted));
    request.extensions_mut().insert(ClientAddress(address));
}

fn source_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNetwork]) -> IpAddr {
    let is_trusted = |address: IpAddr| trusted.iter().any(|network| network.contains(address));
    if !is_trusted(peer) {
        return peer;
    }
    // Every X-Forwarded-For field line in order, as one list (RFC 9110 §5.3).
    let hops: Vec<&str> = headers
        .get_all(FORWARDED_FOR)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    let mut nearest = peer;
    for hop in hops.iter().rev() {
        // A hop a trusted proxy wrote that is not an address ends the walk at that proxy.
        let Some(address) = parse_hop(hop) else {
            return nearest;
        };
        if !is_trusted(address) {
            return address;
        }
        nearest = address;
    }
    nearest
}

/// An address as proxies write it: bare, or with a port (`192.0.2.1:4711`, `[2001:db8::1]:4711`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn networks(list: &[&str]) -> Vec<IpNetwork> {
        list.iter()
            .filter_map(|n| IpNetwork::parse(n).ok())
            .collect()
    }

    fn resolved(peer: &str, forwarded: &[&str], trusted: &[&str]) -> String {
        let mut headers = HeaderMap::new();
        for value in forwarded {
            if let Ok(value) = HeaderValue::from_str(value) {
                headers.append(FORWARDED_FOR, value);
            }
        }
        let peer: IpAddr = peer.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        source_address(peer, &headers, &networks(trusted)).to_string()
    }

    #[test]
    fn an_untrusted_peer_is_the_source_whatever_it_forwards() {
        assert_eq!(
            resolved("203.0.113.9", &["198.51.100.1"], &[]),
            "203.0.113.9"
        );
        assert_eq!(
            resolved("203.0.113.9", &["198.51.100.1"], &["10.0.0.0/8"]),
            "203.0.113.9"
        );
    }

    #[test]
    fn a_trusted_proxy_yields_the_right_most_untrusted_hop() {
        let trusted = ["10.0.0.0/8"];
        // The client forged the left-most entry; our proxy appended the real address.
        let forged = ["6.6.6.6, 198.51.100.7"];
        assert_eq!(resolved("10.0.0.2", &forged, &trusted), "198.51.100.7");
        // Two proxies of ours in a row, over two field lines.
        let chain = ["6.6.6.6, 198.51.100.7", "10.1.1.1"];
        assert_eq!(resolved("10.0.0.2", &chain, &trusted), "198.51.100.7");
        assert_eq!(
            resolved("10.0.0.2", &["[2001:db8::5]:443"], &trusted),
            "2001:db8::5"
        );
    }

    #[test]
    fn a_trusted_proxy_without_a_usable_header_is_the_source() {
        let trusted = ["10.0.0.0/8"];
        assert_eq!(resolved("10.0.0.2", &[], &trusted), "10.0.0.2");
        assert_eq!(resolved("10.0.0.2", &["unknown"], &trusted), "10.0.0.2");
        assert_eq!(resolved("10.0.0.2", &["10.3.3.3"], &trusted), "10.3.3.3");
    }
}
