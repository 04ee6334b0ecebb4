//! The website verification engine: turns a spreadsheet cell into a [`WebsiteCheck`] by reading
//! the cell, then fetching the site through an SSRF-guarded HTTP client under a global and a
//! per-host limit. The job and the CLI call [`Verifier::check`] for each cell.
//!
//! Modules: `input` (cell → URL or a settled answer), `guard` (address rules and the resolver
//! that applies them), `probe` (the HTTP flow: schemes, redirects, retries, errors → reasons),
//! `page` (title, meta refresh, empty/parked/default/suspended pages).

mod guard;
mod input;
mod page;
mod probe;
#[cfg(test)]
mod tests;

pub use guard::{Guard, GuardedResolver, is_refused};
pub use input::{ParsedCell, Target, is_social, parse_cell};
pub use probe::RETRY_DELAY;

use crate::websites::WebsiteCheck;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// What the engine may do and how long it may wait.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// Checks fetching at the same time, across all hosts.
    pub concurrency: usize,
    /// Checks fetching from one host (its name without `www.`) at the same time: politeness
    /// towards one server, and lists often hold many leads on one domain.
    pub per_host: usize,
    /// Longest wait for a connection (DNS, TCP and TLS handshake) per request.
    pub connect_timeout: Duration,
    /// Longest time one request attempt may take from start to the end of its (capped) body:
    /// one redirect hop, one retry or one scheme each get their own. A check makes at most 11
    /// hops per scheme, one 5xx retry, and for scheme-less cells two schemes.
    pub timeout: Duration,
    /// Networks the SSRF guard allows anyway (empty in production; tests and benchmarks allow
    /// loopback). Matched against IPv4-mapped IPv6 addresses' IPv4 form as well.
    pub allow_nets: Vec<ipnet::IpNet>,
    /// Extra trusted root certificates (PEM; a file may hold several), beside the operating
    /// system's trust store.
    pub extra_root_certs_pem: Vec<Vec<u8>>,
    /// Host names answered without DNS, like `/etc/hosts`, for tests and benchmarks: the
    /// address's port replaces the scheme's default unless the URL names a port (port 0 keeps
    /// the default). Every address still passes the SSRF guard.
    pub hosts: Vec<(String, SocketAddr)>,
}

impl Default for EngineConfig {
    /// Close to what mature link checkers use (httpx: 50 workers, 10 s; lychee: 128), with two
    /// requests per host so a list full of one domain does not hammer it.
    fn default() -> Self {
        Self {
            concurrency: 64,
            per_host: 2,
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(10),
            allow_nets: Vec::new(),
            extra_root_certs_pem: Vec::new(),
            hosts: Vec::new(),
        }
    }
}

/// Why an engine could not be built.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("invalid verification setting: {0}")]
    InvalidConfig(&'static str),
    #[error("an extra root certificate is not valid PEM: {0}")]
    RootCertificate(#[source] reqwest::Error),
    #[error("the HTTP client could not be built: {0}")]
    Client(#[source] reqwest::Error),
}

/// The engine. Cheap to clone (an `Arc` inside); one per process is enough.
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Engine>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("concurrency", &self.inner.config.concurrency)
            .field("per_host", &self.inner.config.per_host)
            .finish_non_exhaustive()
    }
}

/// What a check needs: the client, the resolver (for its guard) and the limits.
pub(crate) struct Engine {
    config: EngineConfig,
    client: reqwest::Client,
    resolver: GuardedResolver,
    global: Arc<Semaphore>,
    hosts: HostLimits,
}

impl Verifier {
    pub fn new(config: EngineConfig) -> Result<Self, EngineError> {
        if config.concurrency == 0 {
            return Err(EngineError::InvalidConfig("concurrency must be at least 1"));
        }
        if config.per_host == 0 {
            return Err(EngineError::InvalidConfig(
                "per-host limit must be at least 1",
            ));
        }
        if config.connect_timeout.is_zero() || config.timeout.is_zero() {
            return Err(EngineError::InvalidConfig(
                "timeouts must be longer than zero",
            ));
        }
        let resolver = GuardedResolver::new(Guard::new(config.allow_nets.clone()), &config.hosts);
        let client = probe::build_client(&config, resolver.clone())?;
        Ok(Self {
            inner: Arc::new(Engine {
                global: Arc::new(Semaphore::new(config.concurrency)),
                hosts: HostLimits::new(config.per_host),
                config,
                client,
                resolver,
            }),
        })
    }

    /// Checks one cell. Never panics; waits for a per-host and then a global permit itself,
    /// so callers may run any number of these concurrently (e.g. `buffer_unordered`). Cells
    /// that need no network (empty, placeholder, profile, not a web address) answer at once.
    pub async fn check(&self, cell: &str) -> WebsiteCheck {
        let target = match parse_cell(cell) {
            ParsedCell::Settled { reason, social_url } => {
                return WebsiteCheck::without_network(reason, social_url);
            }
            ParsedCell::Web(target) => target,
        };
        // The host's permit first: a check waiting for a busy host must not sit on a global
        // slot another host could use.
        let _host_permit = self.inner.hosts.acquire(&target.host_key).await;
        let _global_permit = self.inner.global.clone().acquire_owned().await.ok();
        let started = Instant::now();
        let mut check = probe::run(&self.inner, &target).await;
        check.ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
        check
    }

    /// The global limit: how many checks fetch at once. Callers size their own buffers by it.
    pub fn concurrency(&self) -> usize {
        self.inner.config.concurrency
    }
}

/// One semaphore per host with checks in flight or waiting; removed when the last one ends,
/// so memory follows the hosts in flight, not every host ever seen.
struct HostLimits {
    per_host: usize,
    slots: Arc<Mutex<HashMap<String, Arc<Semaphore>>>>,
}

/// Holds a host's slot; gives it back (and forgets an idle host) on drop.
struct HostPermit {
    permit: Option<OwnedSemaphorePermit>,
    host: String,
    slots: Arc<Mutex<HashMap<String, Arc<Semaphore>>>>,
}

impl HostLimits {
    fn new(per_host: usize) -> Self {
        Self {
            per_host,
            slots: Arc::default(),
        }
    }

    async fn acquire(&self, host: &str) -> HostPermit {
        let semaphore = match self.slots.lock() {
            Ok(mut slots) => Some(
                slots
                    .entry(host.to_owned())
                    .or_insert_with(|| Arc::new(Semaphore::new(self.per_host)))
                    .clone(),
            ),
            Err(_) => None, // a poisoned map: run unlimited rather than fail the check
        };
        let permit = match semaphore {
            Some(semaphore) => semaphore.acquire_owned().await.ok(),
            None => None,
        };
        HostPermit {
            permit,
            host: host.to_owned(),
            slots: self.slots.clone(),
        }
    }
}

impl Drop for HostPermit {
    fn drop(&mut self) {
        drop(self.permit.take());
        if let Ok(mut slots) = self.slots.lock()
            && slots
                .get(&self.host)
                .is_some_and(|semaphore| Arc::strong_count(semaphore) == 1)
        {
            // Only the map holds it: nobody runs or waits for this host.
            slots.remove(&self.host);
        }
    }
}
