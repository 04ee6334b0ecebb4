//! The SSRF guard: which IP addresses a check may connect to, and the DNS resolver that applies
//! it to every address a name resolves to (with a small cache and the test/bench host overrides).

use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a name's addresses are reused. Short enough that a moved site is seen within one
/// verification run's minutes, long enough that a list with many leads on one domain (a
/// franchise, a directory) resolves it once.
const POSITIVE_TTL: Duration = Duration::from_secs(300);
/// How long "does not resolve" is remembered: failures are often transient.
const NEGATIVE_TTL: Duration = Duration::from_secs(30);
/// Bounds the cache's memory; past it, expired entries go (and if none had, everything).
const CACHE_CAPACITY: usize = 50_000;

/// Decides whether an address may be connected to: anything publicly routable, plus the
/// networks the deployment allows explicitly.
#[derive(Clone, Debug, Default)]
pub struct Guard {
    allow_nets: Vec<IpNet>,
}

impl Guard {
    pub fn new(allow_nets: Vec<IpNet>) -> Self {
        Self { allow_nets }
    }

    /// Whether a connection to `ip` is allowed.
    pub fn permits(&self, ip: IpAddr) -> bool {
        // `::ffff:127.0.0.1` must be judged (and allowed) as 127.0.0.1.
        let canonical = ip.to_canonical();
        let allowed = self
            .allow_nets
            .iter()
            .any(|net| net.contains(&ip) || net.contains(&canonical));
        allowed || !is_refused(ip)
    }
}

/// Whether `ip` is in a range a website check must never reach: loopback, private, link-local
/// (cloud metadata at 169.254.169.254), CGNAT, multicast, unspecified, reserved and
/// documentation ranges, and every IPv6 form that embeds one of those IPv4 addresses.
pub fn is_refused(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_refused_v4(v4),
        IpAddr::V6(v6) => is_refused_v6(v6),
    }
}

fn is_refused_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    a == 0 // 0.0.0.0/8 "this network", including 0.0.0.0
        || ip.is_loopback() // 127/8
        || ip.is_private() // 10/8, 172.16/12, 192.168/16
        || ip.is_link_local() // 169.254/16
        || (a == 100 && (b & 0xc0) == 64) // 100.64/10 CGNAT
        || (a == 192 && b == 0 && c == 0) // 192.0.0/24 IETF protocol assignments
        || ip.is_documentation() // 192.0.2/24, 198.51.100/24, 203.0.113/24
        || (a == 192 && b == 88 && c == 99) // 6to4 relay anycast
        || (a == 198 && (b & 0xfe) == 18) // 198.18/15 benchmarking
        || ip.is_multicast() // 224/4
        || a >= 240 // 240/4 reserved, 255.255.255.255 broadcast
}

fn is_refused_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    if let Some(v4) = ip.to_ipv4_mapped() {
        // ::ffff:a.b.c.d connects to a.b.c.d.
        return is_refused_v4(v4);
    }
    let embedded_v4 = |hi: u16, lo: u16| Ipv4Addr::from(((hi as u32) << 16) | lo as u32);
    s[..6] == [0; 6] // ::/96: ::, ::1 and the deprecated IPv4-compatible form
        || (s[..4] == [0; 4] && s[4] == 0xffff) // ::ffff:0:0:0/96 IPv4-translated
        || (s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0; 4] && is_refused_v4(embedded_v4(s[6], s[7]))) // NAT64
        || (s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1) // 64:ff9b:1::/48 local-use NAT64
        || (s[0] == 0x100 && s[1..4] == [0; 3]) // 100::/64 discard
        || (s[0] == 0x2001 && s[1] == 0) // 2001::/32 Teredo tunnels reach inner addresses
        || (s[0] == 0x2001 && s[1] == 0xdb8) // 2001:db8::/32 documentation
        || (s[0] == 0x2002 && is_refused_v4(embedded_v4(s[1], s[2]))) // 6to4 of a refused v4
        || (s[0] & 0xfe00) == 0xfc00 // fc00::/7 unique local
        || (s[0] & 0xffc0) == 0xfe80 // fe80::/10 link-local
        || (s[0] & 0xffc0) == 0xfec0 // fec0::/10 deprecated site-local
        || ip.is_multicast() // ff00::/8
}

/// Why a name gave no address to connect to. Found again in reqwest's error chain to tell a
/// DNS failure from an address the guard refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ResolveFailure {
    #[error("the name does not resolve")]
    NotFound,
    #[error("every address of the name is refused by the SSRF guard")]
    Refused,
}

#[derive(Clone)]
enum Cached {
    Found(Arc<[IpAddr]>),
    NotFound,
}

/// reqwest's resolver for every check: host overrides first, then the system resolver
/// (getaddrinfo, so `/etc/hosts` and the deployment's DNS settings apply) through a cache; every
/// address is passed through the [`Guard`] at connect time, so a name cannot be re-pointed at a
/// private address between a check and its connection.
#[derive(Clone)]
pub struct GuardedResolver {
    inner: Arc<ResolverInner>,
}

struct ResolverInner {
    guard: Guard,
    overrides: HashMap<String, Vec<SocketAddr>>,
    cache: Mutex<HashMap<String, (Instant, Cached)>>,
}

impl GuardedResolver {
    pub fn new(guard: Guard, hosts: &[(String, SocketAddr)]) -> Self {
        let mut overrides: HashMap<String, Vec<SocketAddr>> = HashMap::new();
        for (host, addr) in hosts {
            overrides
                .entry(normalise_host(host))
                .or_default()
                .push(*addr);
        }
        Self {
            inner: Arc::new(ResolverInner {
                guard,
                overrides,
                cache: Mutex::new(HashMap::new()),
            }),
        }
    }

    pub fn guard(&self) -> &Guard {
        &self.inner.guard
    }

    /// The addresses a check may connect to for `host`. A port of 0 means "the URL's port".
    pub async fn lookup(&self, host: &str) -> Result<Vec<SocketAddr>, ResolveFailure> {
        let host = normalise_host(host);
        let candidates: Vec<SocketAddr> = if let Some(addrs) = self.inner.overrides.get(&host) {
            addrs.clone()
        } else if host == "localhost" || host.ends_with(".localhost") {
            // RFC 6761: always loopback, whatever a resolver says.
            vec![
                SocketAddr::new(Ipv4Addr::LOCALHOST.into(), 0),
                SocketAddr::new(Ipv6Addr::LOCALHOST.into(), 0),
            ]
        } else if host == "invalid" || host.ends_with(".invalid") {
            // RFC 6761: never resolves; answered here so no query leaves the machine.
            return Err(ResolveFailure::NotFound);
        } else {
            self.system_lookup(&host)
                .await?
                .iter()
                .map(|ip| SocketAddr::new(*ip, 0))
                .collect()
        };
        let permitted: Vec<SocketAddr> = candidates
            .into_iter()
            .filter(|addr| self.inner.guard.permits(addr.ip()))
            .collect();
        if permitted.is_empty() {
            Err(ResolveFailure::Refused)
        } else {
            Ok(permitted)
        }
    }

    async fn system_lookup(&self, host: &str) -> Result<Arc<[IpAddr]>, ResolveFailure> {
        if let Some(hit) = self.cached(host) {
            return match hit {
                Cached::Found(ips) => Ok(ips),
                Cached::NotFound => Err(ResolveFailure::NotFound),
            };
        }
        let result = match tokio::net::lookup_host((host, 0)).await {
            Ok(addrs) => {
                let mut ips: Vec<IpAddr> = addrs.map(|a| a.ip()).collect();
                ips.dedup();
                if ips.is_empty() {
                    Cached::NotFound
                } else {
                    Cached::Found(ips.into())
                }
            }
            Err(_) => Cached::NotFound,
        };
        self.remember(host, result.clone());
        match result {
            Cached::Found(ips) => Ok(ips),
            Cached::NotFound => Err(ResolveFailure::NotFound),
        }
    }

    fn cached(&self, host: &str) -> Option<Cached> {
        let cache = self.inner.cache.lock().ok()?;
        let (expires, entry) = cache.get(host)?;
        (*expires > Instant::now()).then(|| entry.clone())
    }

    fn remember(&self, host: &str, entry: Cached) {
        let Ok(mut cache) = self.inner.cache.lock() else {
            return;
        };
        let now = Instant::now();
        if cache.len() >= CACHE_CAPACITY {
            cache.retain(|_, (expires, _)| *expires > now);
            if cache.len() >= CACHE_CAPACITY {
                cache.clear();
            }
        }
        let ttl = match entry {
            Cached::Found(_) => POSITIVE_TTL,
            Cached::NotFound => NEGATIVE_TTL,
        };
        cache.insert(host.to_owned(), (now + ttl, entry));
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let resolver = self.clone();
        Box::pin(async move {
            let addrs = resolver.lookup(name.as_str()).await?;
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// Host names compare lower-case and without the root's trailing dot.
fn normalise_host(host: &str) -> String {
    host.trim_end_matches('.').to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn every_special_range_is_refused() {
        for refused in [
            "127.0.0.1",
            "127.255.255.254",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "169.254.0.1",
            "100.64.0.1",
            "100.127.255.255",
            "224.0.0.1",
            "239.255.255.250",
            "0.0.0.0",
            "0.1.2.3",
            "255.255.255.255",
            "240.0.0.1",
            "192.0.0.1",
            "192.0.2.1",
            "198.18.0.1",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:100.64.0.1",
            "::ffff:0.0.0.0",
            "::127.0.0.1",
            "64:ff9b::a00:1",
            "2002:7f00:1::",
            "2001::1",
            "2001:db8::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
        ] {
            assert!(is_refused(ip(refused)), "{refused} should be refused");
            assert!(!Guard::default().permits(ip(refused)), "{refused}");
        }
    }

    #[test]
    fn public_addresses_are_permitted() {
        for public in [
            "8.8.8.8",
            "1.1.1.1",
            "93.184.216.34",
            "100.63.255.255",
            "100.128.0.1",
            "172.32.0.1",
            "169.253.0.1",
            "2606:4700::1111",
            "2a00:1450:4001::200e",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert!(!is_refused(ip(public)), "{public} should be permitted");
        }
    }

    #[test]
    fn allowed_networks_open_a_range_and_its_mapped_form() {
        let guard = Guard::new(vec!["127.0.0.0/8".parse().unwrap()]);
        assert!(guard.permits(ip("127.0.0.1")));
        assert!(guard.permits(ip("::ffff:127.0.0.1")));
        assert!(!guard.permits(ip("10.0.0.1")));
        assert!(!guard.permits(ip("::1")));
    }

    #[tokio::test]
    async fn the_resolver_filters_overrides_and_special_names() {
        let resolver = GuardedResolver::new(
            Guard::default(),
            &[
                ("Private.Test.".into(), "10.1.2.3:80".parse().unwrap()),
                ("mixed.test".into(), "10.1.2.3:80".parse().unwrap()),
                ("mixed.test".into(), "93.184.216.34:8080".parse().unwrap()),
            ],
        );
        assert_eq!(
            resolver.lookup("private.test").await,
            Err(ResolveFailure::Refused)
        );
        assert_eq!(
            resolver.lookup("mixed.test.").await,
            Ok(vec!["93.184.216.34:8080".parse().unwrap()])
        );
        assert_eq!(
            resolver.lookup("localhost").await,
            Err(ResolveFailure::Refused)
        );
        assert_eq!(
            resolver.lookup("nothing-here.invalid").await,
            Err(ResolveFailure::NotFound)
        );
    }
}
