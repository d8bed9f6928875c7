//! An IP network written as an address with an optional prefix length (`10.0.0.0/8`,
//! `2001:db8::/32`, or `192.0.2.7` for one host), for `server.trusted_proxies`.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct IpNetwork {
    address: IpAddr,
    prefix: u8,
}

impl IpNetwork {
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let address: IpAddr = address
            .parse()
            .map_err(|_| format!("`{text}` is not an IP address or network like 10.0.0.0/8"))?;
        let bits = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => bits,
            Some(prefix) => prefix
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= bits)
                .ok_or_else(|| format!("`{text}` has a prefix length outside 0..={bits}"))?,
        };
        Ok(Self { address, prefix })
    }

    /// Whether `address` lies in this network (an IPv4-mapped IPv6 address counts as IPv4).
    pub fn contains(&self, address: IpAddr) -> bool {
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
            IpAddr::V4(_) => address,
        };
        match (self.address, address) {
            (IpAddr::V4(network), IpAddr::V4(candidate)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(network) & mask == u32::from(candidate) & mask
            }
            (IpAddr::V6(network), IpAddr::V6(candidate)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(network) & mask == u128::from(candidate) & mask
            }
            _ => false,
        }
    }
}

impl TryFrom<String> for IpNetwork {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        Self::parse(&text)
    }
}

impl From<IpNetwork> for String {
    fn from(network: IpNetwork) -> String {
        format!("{}/{}", network.address, network.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse()
            .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
    }

    #[test]
    fn networks_contain_their_addresses_only() {
        let ten = IpNetwork::parse("10.0.0.0/8");
        assert_eq!(
            ten.map(|n| (n.contains(ip("10.9.8.7")), n.contains(ip("11.0.0.1")))),
            Ok((true, false))
        );
        let host = IpNetwork::parse("192.0.2.7");
        assert_eq!(
            host.map(|n| (n.contains(ip("192.0.2.7")), n.contains(ip("192.0.2.8")))),
            Ok((true, false))
        );
        let everything = IpNetwork::parse("0.0.0.0/0");
        assert_eq!(everything.map(|n| n.contains(ip("203.0.113.1"))), Ok(true));
        let v6 = IpNetwork::parse("2001:db8::/32");
        assert_eq!(
            v6.map(|n| (
                n.contains(ip("2001:db8:1::1")),
                n.contains(ip("2001:db9::1")),
                n.contains(ip("10.0.0.1"))
            )),
            Ok((true, false, false))
        );
        let mapped = IpNetwork::parse("127.0.0.0/8");
        assert_eq!(mapped.map(|n| n.contains(ip("::ffff:127.0.0.1"))), Ok(true));
    }

    #[test]
    fn malformed_networks_are_refused() {
        for text in [
            "",
            "10.0.0.0/33",
            "::/129",
            "10.0.0/8",
            "proxy",
            "10.0.0.0/x",
        ] {
            assert!(IpNetwork::parse(text).is_err(), "{text}");
        }
    }
}
