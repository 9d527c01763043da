//! Which addresses Byline may connect to on someone else's behalf (webhook URLs): http(s) only,
//! and only globally reachable addresses unless allowed, so a webhook cannot become a way into
//! the server's own network. Checked when a hook is saved, before each delivery, and by the
//! resolver the delivery connects through (`PublicResolver`): the addresses checked are the
//! addresses connected to, so a name that changes its answer (DNS rebinding) gains nothing.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Not globally reachable, per the IANA special-purpose registries: private, loopback,
/// link-local, shared (CGNAT), benchmarking, documentation, reserved, multicast, and the IPv6
/// ranges that carry an IPv4 address inside (mapped, compatible, NAT64, 6to4, Teredo).
pub fn is_special(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_special_v4(v4),
        IpAddr::V6(v6) => is_special_v6(v6),
    }
}

fn is_special_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    a == 0                                   // "this network"
        || a == 10                           // private
        || a == 127                          // loopback
        || a >= 224                          // multicast, reserved, broadcast
        || (a == 100 && (64..128).contains(&b))   // shared address space (CGNAT)
        || (a == 169 && b == 254)            // link local
        || (a == 172 && (16..32).contains(&b))    // private
        || (a == 192 && b == 168)            // private
        || (a == 192 && b == 0 && c == 0)    // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2)    // documentation
        || (a == 192 && b == 88 && c == 99)  // 6to4 relay anycast
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || (a == 198 && b == 51 && c == 100) // documentation
        || (a == 203 && b == 0 && c == 113) // documentation
}

fn is_special_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_special_v4(v4);
    }
    s[..6].iter().all(|x| *x == 0)             // ::, ::1 and IPv4-compatible (::127.0.0.1)
        || (s[0] == 0x64 && s[1] == 0xff9b)    // NAT64 (64:ff9b::/96, 64:ff9b:1::/48)
        || (s[0] == 0x100 && s[1..4] == [0, 0, 0]) // discard
        || (s[0] == 0x2001 && s[1] < 0x200)    // IETF assignments: Teredo, benchmarking, ORCHID
        || (s[0] == 0x2001 && s[1] == 0xdb8)   // documentation
        || s[0] == 0x2002                      // 6to4
        || (s[0] == 0x3fff && s[1] < 0x1000)   // documentation (3fff::/20)
        || (s[0] & 0xfe00) == 0xfc00           // unique local
        || (s[0] & 0xffc0) == 0xfe80           // link local
        || (s[0] & 0xffc0) == 0xfec0           // site local (deprecated)
        || (s[0] & 0xff00) == 0xff00 // multicast
}

/// Refuses URLs that are not http(s) or that name or resolve to special addresses (unless
/// `allow_private`); the error completes "the URL ...".
pub async fn check_target(url: &str, allow_private: bool) -> Result<(), String> {
    let parsed =
        reqwest::Url::parse(url).map_err(|_| "must be an absolute http(s) URL".to_string())?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("must be an http or https URL".into());
    }
    let host = parsed
        .host_str()
        .ok_or("must have a host")?
        .trim_matches(['[', ']'])
        .to_string();
    if allow_private {
        return Ok(());
    }
    let addresses: Vec<IpAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => public_addresses(&host)
            .await?
            .into_iter()
            .map(|a| a.ip())
            .collect(),
    };
    if addresses.into_iter().any(is_special) {
        return Err(REFUSED.into());
    }
    Ok(())
}

const REFUSED: &str = "must not point at a private, loopback or otherwise special address";

/// The addresses `host` resolves to, all of them public; else why not.
async fn public_addresses(host: &str) -> Result<Vec<SocketAddr>, String> {
    let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host, 0))
        .await
        .map_err(|_| format!("the host {host} does not resolve"))?
        .collect();
    if addresses.is_empty() {
        return Err(format!("the host {host} does not resolve"));
    }
    if addresses.iter().any(|a| is_special(a.ip())) {
        return Err(REFUSED.into());
    }
    Ok(addresses)
}

/// The resolver webhook deliveries connect through: it answers only with public addresses.
pub struct PublicResolver;

impl reqwest::dns::Resolve for PublicResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addresses = public_addresses(&host)
                .await
                .map_err(|e| -> Box<dyn std::error::Error + Send + Sync> { e.into() })?;
            let addrs: reqwest::dns::Addrs = Box::new(addresses.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_addresses_are_recognised() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.0.1",
            "169.254.169.254",
            "0.0.0.0",
            "0.1.2.3",
            "100.64.0.1",
            "198.18.0.1",
            "240.0.0.1",
            "255.255.255.255",
            "224.0.0.1",
            "192.0.2.1",
            "::1",
            "::",
            "::127.0.0.1",
            "::ffff:127.0.0.1",
            "64:ff9b::7f00:1",
            "2002:7f00:1::",
            "2001:0:4136:e378::1",
            "2001:db8::1",
            "fc00::1",
            "fe80::1",
            "ff02::1",
        ] {
            assert!(is_special(ip.parse().expect("ip")), "{ip}");
        }
        for ip in [
            "93.184.216.34",
            "8.8.8.8",
            "2606:2800:220:1:248:1893:25c8:1946",
        ] {
            assert!(!is_special(ip.parse().expect("ip")), "{ip}");
        }
    }
}
