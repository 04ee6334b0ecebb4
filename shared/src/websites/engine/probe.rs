//! The HTTP side of a check: GET each hop ourselves (redirects, `<meta refresh>`, one retry
//! after a 5xx), HTTPS first and plain HTTP when HTTPS cannot connect, and every failure turned
//! into a reason code. The SSRF guard runs in the resolver for names and here for IP literals.
//!
//! Why GET and never HEAD: the final page's body decides parked, default, suspended and empty
//! pages, so it must be fetched anyway; a GET per hop costs the same round trip as a HEAD, and a
//! HEAD first would add one round trip to every check. It also means a server that refuses HEAD
//! (405/501) cannot mislead the check.

use super::guard::{GuardedResolver, ResolveFailure};
use super::input::{Target, is_social};
use super::page::{self, MAX_BODY_BYTES};
use super::{Engine, EngineConfig, EngineError};
use crate::websites::{CheckReason, WebsiteCheck};
use chrono::Utc;
use reqwest::header::{ACCEPT, CONTENT_TYPE, LOCATION};
use std::error::Error as StdError;
use std::sync::Arc;
use std::time::Duration;
use url::{Host, Url};

/// Sent with every request. Names the tool honestly; bot walls that refuse it answer 401/403,
/// which counts as a working site anyway.
const USER_AGENT: &str = "Mozilla/5.0 (compatible; LeadLoomVerifier/1.0; website check)";
/// HTTP and meta-refresh redirects followed before giving up.
const MAX_REDIRECTS: u32 = 10;
/// Pause before the one retry of a 5xx: long enough for a restarting backend or a busy
/// upstream, short enough not to matter in a run.
pub const RETRY_DELAY: Duration = Duration::from_millis(500);

pub(super) fn build_client(
    config: &EngineConfig,
    resolver: GuardedResolver,
) -> Result<reqwest::Client, EngineError> {
    let mut builder = reqwest::Client::builder()
        // Redirects are followed by hand so every hop passes the guard and is counted.
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(Arc::new(resolver))
        // A proxy resolves names itself and would bypass the guard.
        .no_proxy()
        .connect_timeout(config.connect_timeout)
        .timeout(config.timeout)
        .user_agent(USER_AGENT)
        // The operating system's trust store (plus `extra_root_certs_pem`), so a deployment
        // decides which CAs count, as browsers on that machine would.
        .tls_built_in_webpki_certs(false)
        .tls_built_in_native_certs(true)
        // Redirect hops to the same host reuse a connection; idle ones go soon, so open
        // sockets follow the checks in flight.
        .pool_idle_timeout(Duration::from_secs(10))
        .pool_max_idle_per_host(1);
    for pem in &config.extra_root_certs_pem {
        for cert in
            reqwest::Certificate::from_pem_bundle(pem).map_err(EngineError::RootCertificate)?
        {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder.build().map_err(EngineError::Client)
}

/// How one scheme's chain of requests ended.
struct Attempt {
    reason: CheckReason,
    http_status: Option<u16>,
    final_url: Url,
    redirects: u32,
    title: Option<String>,
    /// A social profile a redirect led to.
    social_url: Option<String>,
    /// `Some(true)` once an HTTPS response arrived, `Some(false)` when an HTTPS request failed
    /// first, `None` when no HTTPS request was made.
    https_valid: Option<bool>,
    /// Whether any HTTP response arrived (the server exists and speaks HTTP).
    answered: bool,
}

pub(super) async fn run(engine: &Engine, target: &Target) -> WebsiteCheck {
    let first = follow(engine, target.url.clone()).await;
    let attempt = if target.url.scheme() == "https"
        && !first.answered
        && tries_plain_http(first.reason, target.scheme_given)
    {
        let mut http_url = target.url.clone();
        if http_url.set_scheme("http").is_ok() {
            let second = follow(engine, http_url).await;
            prefer(first, second)
        } else {
            first
        }
    } else {
        first
    };
    let reason = match attempt.reason {
        CheckReason::Ok if attempt.final_url.scheme() == "http" => CheckReason::NoValidHttps,
        other => other,
    };
    WebsiteCheck {
        status: reason.status(),
        reason,
        http_status: attempt.http_status,
        final_url: Some(attempt.final_url.to_string()),
        redirects: attempt.redirects,
        ms: 0,
        title: attempt.title,
        https_valid: attempt.https_valid,
        social_url: attempt.social_url.or_else(|| target.social_url.clone()),
        checked_at: Utc::now(),
    }
}

/// Whether an HTTPS failure is worth trying over plain HTTP. A bad certificate or handshake
/// always is (the site may work only over HTTP); for cells without a scheme, so is any failure
/// to connect (nothing listens on 443). DNS failures and refused addresses would repeat.
fn tries_plain_http(reason: CheckReason, scheme_given: bool) -> bool {
    use CheckReason::*;
    match reason {
        TlsInvalid | TlsFailure => true,
        ConnectionRefused | Timeout | ConnectionFailed | NotHttp => !scheme_given,
        _ => false,
    }
}

/// The HTTPS attempt failed to connect; `http` is the plain-HTTP one. A working HTTP site
/// wins; otherwise a certificate problem is the better explanation than HTTP's failure.
fn prefer(https: Attempt, mut http: Attempt) -> Attempt {
    let https_valid = Some(http.https_valid == Some(true));
    if http.reason.status() == crate::leads::WebsiteStatus::Working
        || !matches!(
            https.reason,
            CheckReason::TlsInvalid | CheckReason::TlsFailure
        )
    {
        http.https_valid = https_valid;
        http
    } else {
        Attempt {
            https_valid,
            ..https
        }
    }
}

/// Fetches `start` and follows redirects and meta refreshes to a final answer.
async fn follow(engine: &Engine, start: Url) -> Attempt {
    let mut attempt = Attempt {
        reason: CheckReason::ConnectionFailed,
        http_status: None,
        final_url: start.clone(),
        redirects: 0,
        title: None,
        social_url: None,
        https_valid: None,
        answered: false,
    };
    let mut seen = vec![start.clone()];
    let mut url = start;
    loop {
        attempt.final_url = url.clone();
        let is_https = url.scheme() == "https";
        if literal_refused(engine, &url) {
            attempt.reason = CheckReason::Blocked;
            return attempt;
        }
        let response = match fetch_with_retry(engine, &url).await {
            Ok(response) => response,
            Err(reason) => {
                if is_https && attempt.https_valid.is_none() {
                    attempt.https_valid = Some(false);
                }
                attempt.reason = reason;
                return attempt;
            }
        };
        attempt.answered = true;
        if is_https {
            attempt.https_valid = Some(true);
        }
        let status = response.status();
        attempt.http_status = Some(status.as_u16());
        if status.is_redirection() {
            let location = response
                .headers()
                .get(LOCATION)
                .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
            let Some(next) = location.and_then(|l| url.join(l.trim()).ok()) else {
                // A 3xx with nowhere to go (304 without a request for it, a broken Location).
                attempt.reason = CheckReason::ClientError;
                return attempt;
            };
            match redirect(&mut attempt, &mut seen, next) {
                Some(next) => url = next,
                None => return attempt,
            }
            continue;
        }
        attempt.reason = match status.as_u16() {
            200..=299 => {
                let is_text = is_text(&response);
                let body = match read_capped(response).await {
                    Ok(body) => body,
                    Err(reason) => {
                        attempt.reason = reason;
                        return attempt;
                    }
                };
                let reading = page::read_page(&body, is_text);
                attempt.title = reading.title;
                let refresh = reading
                    .refresh_to
                    .and_then(|to| url.join(&to).ok())
                    .filter(|to| without_fragment(to) != without_fragment(&url));
                if let Some(next) = refresh {
                    match redirect(&mut attempt, &mut seen, next) {
                        Some(next) => url = next,
                        None => return attempt,
                    }
                    continue;
                }
                reading.verdict
            }
            // Bot walls (LinkedIn answers 999): the server is there and serving.
            401 | 403 | 429 | 999 => CheckReason::BotProtection,
            404 | 410 => CheckReason::NotFound,
            400..=499 => CheckReason::ClientError,
            _ => CheckReason::ServerError,
        };
        return attempt;
    }
}

/// Counts a redirect to `next` and returns it, or ends the attempt (loop, too many, not a web
/// address, a social profile) and returns `None`.
fn redirect(attempt: &mut Attempt, seen: &mut Vec<Url>, next: Url) -> Option<Url> {
    let mut next = without_fragment(&next);
    // Credentials in a Location are never sent on.
    let _ = next.set_username("");
    let _ = next.set_password(None);
    attempt.redirects += 1;
    attempt.final_url = next.clone();
    attempt.title = None;
    attempt.reason = if !matches!(next.scheme(), "http" | "https") {
        CheckReason::NotAWebAddress
    } else if seen.contains(&next) {
        CheckReason::RedirectLoop
    } else if attempt.redirects > MAX_REDIRECTS {
        CheckReason::TooManyRedirects
    } else if is_social(&next) {
        // The "website" is a social profile: no website of its own, the profile kept.
        attempt.social_url = Some(next.to_string());
        CheckReason::SocialProfile
    } else {
        seen.push(next.clone());
        return Some(next);
    };
    None
}

fn without_fragment(url: &Url) -> Url {
    let mut url = url.clone();
    url.set_fragment(None);
    url
}

/// reqwest connects to IP literals without asking the resolver, so the guard looks at them here.
fn literal_refused(engine: &Engine, url: &Url) -> bool {
    let guard = engine.resolver.guard();
    match url.host() {
        Some(Host::Ipv4(ip)) => !guard.permits(ip.into()),
        Some(Host::Ipv6(ip)) => !guard.permits(ip.into()),
        Some(Host::Domain(_)) => false,
        None => true,
    }
}

/// One GET, and one more after a pause if the first answered 5xx.
async fn fetch_with_retry(engine: &Engine, url: &Url) -> Result<reqwest::Response, CheckReason> {
    let response = fetch(engine, url).await?;
    if !response.status().is_server_error() {
        return Ok(response);
    }
    drop(response);
    tokio::time::sleep(RETRY_DELAY).await;
    fetch(engine, url).await
}

async fn fetch(engine: &Engine, url: &Url) -> Result<reqwest::Response, CheckReason> {
    engine
        .client
        .get(url.clone())
        .header(ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .map_err(|error| classify(&error))
}

/// Text is judged for markers; other types (an image, a PDF) only for being non-empty.
fn is_text(response: &reqwest::Response) -> bool {
    let Some(content_type) = response.headers().get(CONTENT_TYPE) else {
        return true;
    };
    let content_type = String::from_utf8_lossy(content_type.as_bytes()).to_ascii_lowercase();
    content_type.starts_with("text/")
        || ["html", "xml", "json", "javascript"]
            .iter()
            .any(|t| content_type.contains(t))
}

/// The body up to [`MAX_BODY_BYTES`]. A body cut short after some bytes is judged on those.
async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, CheckReason> {
    let mut body = Vec::new();
    while body.len() < MAX_BODY_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = MAX_BODY_BYTES - body.len();
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            Ok(None) => break,
            Err(error) if body.is_empty() => return Err(classify(&error)),
            Err(_) => break,
        }
    }
    Ok(body)
}

/// The reason a request failed, read from reqwest's error chain: our resolver's verdicts,
/// rustls's certificate errors, hyper's parse errors, the socket's error kind.
fn classify(error: &reqwest::Error) -> CheckReason {
    if error.is_timeout() {
        return CheckReason::Timeout;
    }
    reason_in_chain(error, 0).unwrap_or(CheckReason::ConnectionFailed)
}

/// Walks `error` and its sources, looking inside `io::Error`s too: their `source()` skips the
/// error they wrap, and TLS errors arrive as an io error inside an io error.
fn reason_in_chain(error: &(dyn StdError + 'static), depth: usize) -> Option<CheckReason> {
    // Chains are a handful of links; the bound only guards against a cyclic `source()`.
    if depth > 16 {
        return None;
    }
    if let Some(reason) = reason_of(error) {
        return Some(reason);
    }
    if let Some(io) = error.downcast_ref::<std::io::Error>() {
        if let Some(inner) = io.get_ref()
            && let Some(reason) = reason_in_chain(inner as &(dyn StdError + 'static), depth + 1)
        {
            return Some(reason);
        }
        match io.kind() {
            std::io::ErrorKind::ConnectionRefused => return Some(CheckReason::ConnectionRefused),
            std::io::ErrorKind::TimedOut => return Some(CheckReason::Timeout),
            _ => {}
        }
    }
    reason_in_chain(error.source()?, depth + 1)
}

fn reason_of(error: &(dyn StdError + 'static)) -> Option<CheckReason> {
    if let Some(failure) = error.downcast_ref::<ResolveFailure>() {
        return Some(match failure {
            ResolveFailure::NotFound => CheckReason::DnsFailure,
            ResolveFailure::Refused => CheckReason::Blocked,
        });
    }
    if let Some(tls) = error.downcast_ref::<rustls::Error>() {
        return Some(match tls {
            rustls::Error::InvalidCertificate(_) => CheckReason::TlsInvalid,
            _ => CheckReason::TlsFailure,
        });
    }
    if let Some(http) = error.downcast_ref::<hyper::Error>()
        && speaks_something_else(http)
    {
        return Some(CheckReason::NotHttp);
    }
    None
}

/// hyper's verdict that the peer is not an HTTP server: a response it cannot parse, or bytes
/// arriving before any request (a banner, as SSH and SMTP servers send). hyper has no public
/// predicate for the latter; it is the error with no cause that none of the others name.
fn speaks_something_else(error: &hyper::Error) -> bool {
    error.is_parse()
        || error.is_parse_status()
        || (error.source().is_none()
            && !error.is_canceled()
            && !error.is_closed()
            && !error.is_incomplete_message()
            && !error.is_timeout()
            && !error.is_user()
            && !error.is_body_write_aborted())
}
