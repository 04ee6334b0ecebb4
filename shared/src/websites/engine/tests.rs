//! The engine against real local servers: HTTP and HTTPS (tokio-rustls with rcgen
//! certificates, both on one port told apart by the first byte), a raw TCP server that does
//! not speak HTTP, closed ports and the SSRF guard's refusals. No HTTP client is mocked.

use super::*;
use crate::leads::WebsiteStatus;
use crate::websites::CheckReason;
use axum::Router;
use axum::extract::Path;
use axum::http::{Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{any, get};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

const PAGE: &str = "<html><head><title>Acme Plumbing</title></head>\
    <body><h1>Acme</h1><p>Plumbers in Nairobi since 1990.</p></body></html>";

/// Names the test certificates are valid for.
const TLS_NAMES: &[&str] = &[
    "secure.test",
    "both.test",
    "badcert.test",
    "selfsigned.test",
];

/// A local CA, a server certificate it signed, and a self-signed one nobody trusts.
struct Pki {
    ca_pem: String,
    trusted: TlsAcceptor,
    untrusted: TlsAcceptor,
}

fn pki() -> Pki {
    let names: Vec<String> = TLS_NAMES.iter().map(|n| n.to_string()).collect();
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);

    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(names.clone())
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    let rogue_key = KeyPair::generate().unwrap();
    let rogue = CertificateParams::new(names)
        .unwrap()
        .self_signed(&rogue_key)
        .unwrap();
    Pki {
        ca_pem: ca_cert.pem(),
        trusted: acceptor(leaf.der().clone(), &leaf_key),
        untrusted: acceptor(rogue.der().clone(), &rogue_key),
    }
}

fn acceptor(cert: CertificateDer<'static>, key: &KeyPair) -> TlsAcceptor {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
    TlsAcceptor::from(Arc::new(config))
}

/// How a test server answers on its port.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Speaks {
    /// Plain HTTP only (a TLS hello gets HTTP's answer to garbage, as real servers do).
    Http,
    /// TLS only: plain connections are closed.
    Tls,
    /// Both, told apart by the first byte (0x16 starts a TLS handshake).
    Both,
}

async fn serve(router: Router, speaks: Speaks, tls: Option<TlsAcceptor>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (router, tls) = (router.clone(), tls.clone());
            tokio::spawn(async move {
                let mut first = [0u8; 1];
                if stream.peek(&mut first).await.unwrap_or(0) == 0 {
                    return;
                }
                let hello = first[0] == 0x16;
                match (speaks, hello, tls) {
                    (Speaks::Tls | Speaks::Both, true, Some(tls)) => {
                        if let Ok(stream) = tls.accept(stream).await {
                            serve_connection(TokioIo::new(stream), router).await;
                        }
                    }
                    (Speaks::Http | Speaks::Both, _, _) => {
                        serve_connection(TokioIo::new(stream), router).await
                    }
                    _ => drop(stream),
                }
            });
        }
    });
    addr
}

async fn serve_connection<I>(io: I, router: Router)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(io, TowerToHyperService::new(router))
        .await;
}

fn redirect_to(location: &str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, location.to_owned())]).into_response()
}

fn html(body: &'static str) -> Response {
    Html(body).into_response()
}

/// Request counters the site's routes bump.
#[derive(Clone, Default)]
struct Hits {
    flaky: Arc<AtomicUsize>,
    broken: Arc<AtomicUsize>,
    in_flight: Arc<AtomicUsize>,
    max_in_flight: Arc<AtomicUsize>,
}

/// Every page shape the rules know.
fn site(hits: Hits) -> Router {
    let flaky = hits.flaky.clone();
    let broken = hits.broken.clone();
    let (in_flight, max_in_flight) = (hits.in_flight.clone(), hits.max_in_flight.clone());
    Router::new()
        .route("/", get(|| async { html(PAGE) }))
        .route(
            "/head-refused",
            any(|method: Method| async move {
                if method == Method::HEAD {
                    StatusCode::METHOD_NOT_ALLOWED.into_response()
                } else {
                    html(PAGE)
                }
            }),
        )
        .route(
            "/flaky",
            get(move || async move {
                if flaky.fetch_add(1, Ordering::SeqCst) == 0 {
                    StatusCode::SERVICE_UNAVAILABLE.into_response()
                } else {
                    html(PAGE)
                }
            }),
        )
        .route(
            "/broken",
            get(move || async move {
                broken.fetch_add(1, Ordering::SeqCst);
                StatusCode::INTERNAL_SERVER_ERROR
            }),
        )
        .route(
            "/refresh",
            get(|| async {
                html(r#"<html><head><meta http-equiv="refresh" content="0; url=/"></head></html>"#)
            }),
        )
        .route("/loop-a", get(|| async { redirect_to("/loop-b") }))
        .route("/loop-b", get(|| async { redirect_to("/loop-a") }))
        .route(
            "/chain/{n}",
            get(|Path(n): Path<u32>| async move {
                if n == 0 {
                    html(PAGE)
                } else {
                    redirect_to(&format!("/chain/{}", n - 1))
                }
            }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                html(PAGE)
            }),
        )
        .route(
            "/busy",
            get(move || async move {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                max_in_flight.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(150)).await;
                in_flight.fetch_sub(1, Ordering::SeqCst);
                html(PAGE)
            }),
        )
        .route("/status/{code}", get(|Path(code): Path<u16>| async move {
            StatusCode::from_u16(code).unwrap_or(StatusCode::IM_A_TEAPOT)
        }))
        .route("/parked", get(|| async {
            html("<html><body><h1>acme.test is for sale!</h1><p>Buy this domain.</p></body></html>")
        }))
        .route("/nginx", get(|| async {
            html("<html><head><title>Welcome to nginx!</title></head><body><h1>Welcome to nginx!</h1></body></html>")
        }))
        .route("/it-works", get(|| async { html("<html><body><h1>It works!</h1></body></html>") }))
        .route("/index", get(|| async {
            html("<html><head><title>Index of /</title></head><body><h1>Index of /</h1></body></html>")
        }))
        .route("/suspended", get(|| async {
            html("<html><head><title>Account Suspended</title></head><body>This account has been suspended.</body></html>")
        }))
        .route("/empty", get(|| async { html("") }))
        .route("/to-metadata", get(|| async { redirect_to("http://169.254.169.254/latest/meta-data/") }))
        .route("/to-private-name", get(|| async { redirect_to("http://private.test/") }))
        .route("/to-mapped", get(|| async { redirect_to("http://[::ffff:10.0.0.1]/") }))
        .route("/to-facebook", get(|| async { redirect_to("https://www.facebook.com/acme") }))
        .route("/to-ftp", get(|| async { redirect_to("ftp://files.acme.test/") }))
}

/// A running lab: one site on a port, its counters and names pointing at it.
struct Lab {
    addr: SocketAddr,
    hits: Hits,
    pki: Pki,
}

impl Lab {
    async fn start(speaks: Speaks, trusted: bool) -> Self {
        let pki = pki();
        let hits = Hits::default();
        let tls = if trusted {
            pki.trusted.clone()
        } else {
            pki.untrusted.clone()
        };
        let addr = serve(site(hits.clone()), speaks, Some(tls)).await;
        Self { addr, hits, pki }
    }

    /// An engine allowed to reach loopback, trusting the lab's CA, with `names` mapped to the
    /// lab's port (and `private.test` to a private address).
    fn verifier(&self, names: &[&str]) -> Verifier {
        Verifier::new(self.config(names)).unwrap()
    }

    fn config(&self, names: &[&str]) -> EngineConfig {
        let mut hosts: Vec<(String, SocketAddr)> =
            names.iter().map(|n| (n.to_string(), self.addr)).collect();
        hosts.push(("private.test".into(), "10.0.0.1:80".parse().unwrap()));
        EngineConfig {
            concurrency: 8,
            per_host: 4,
            connect_timeout: Duration::from_secs(2),
            timeout: Duration::from_secs(3),
            allow_nets: vec!["127.0.0.0/8".parse().unwrap()],
            extra_root_certs_pem: vec![self.pki.ca_pem.clone().into_bytes()],
            hosts,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://site.test{path}")
    }
}

#[track_caller]
fn assert_reason(check: &WebsiteCheck, reason: CheckReason) {
    assert_eq!(check.reason, reason, "{check:#?}");
    assert_eq!(check.status, reason.status());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_working_https_site_is_ok_with_its_evidence() {
    let lab = Lab::start(Speaks::Both, true).await;
    let verifier = lab.verifier(&["secure.test"]);
    for cell in ["https://secure.test/", "secure.test", "SECURE.TEST."] {
        let check = verifier.check(cell).await;
        assert_reason(&check, CheckReason::Ok);
        assert_eq!(check.status, WebsiteStatus::Working);
        assert_eq!(check.http_status, Some(200));
        assert_eq!(check.final_url.as_deref(), Some("https://secure.test/"));
        assert_eq!(check.title.as_deref(), Some("Acme Plumbing"));
        assert_eq!(check.https_valid, Some(true));
        assert_eq!(check.redirects, 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_working_only_over_http_is_working_without_valid_https() {
    let lab = Lab::start(Speaks::Http, true).await;
    let check = lab.verifier(&["plain.test"]).check("plain.test").await;
    assert_reason(&check, CheckReason::NoValidHttps);
    assert_eq!(check.final_url.as_deref(), Some("http://plain.test/"));
    assert_eq!(check.https_valid, Some(false));
    assert_eq!(check.title.as_deref(), Some("Acme Plumbing"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_certificate_with_working_http_is_no_valid_https() {
    let lab = Lab::start(Speaks::Both, false).await;
    let verifier = lab.verifier(&["selfsigned.test"]);
    for cell in ["selfsigned.test", "https://selfsigned.test/"] {
        let check = verifier.check(cell).await;
        assert_reason(&check, CheckReason::NoValidHttps);
        assert_eq!(check.https_valid, Some(false));
        assert_eq!(check.final_url.as_deref(), Some("http://selfsigned.test/"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_certificate_without_http_is_tls_invalid() {
    let lab = Lab::start(Speaks::Tls, false).await;
    let verifier = lab.verifier(&["badcert.test"]);
    for cell in ["badcert.test", "https://badcert.test/"] {
        let check = verifier.check(cell).await;
        assert_reason(&check, CheckReason::TlsInvalid);
        assert_eq!(check.status, WebsiteStatus::NotWorking);
        assert_eq!(check.https_valid, Some(false));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_refusing_head_but_serving_get_is_working() {
    let lab = Lab::start(Speaks::Http, true).await;
    let check = lab
        .verifier(&["site.test"])
        .check(&lab.url("/head-refused"))
        .await;
    assert_reason(&check, CheckReason::NoValidHttps);
    assert_eq!(check.http_status, Some(200));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_error_is_retried_once() {
    let lab = Lab::start(Speaks::Http, true).await;
    let verifier = lab.verifier(&["site.test"]);
    let check = verifier.check(&lab.url("/flaky")).await;
    assert_reason(&check, CheckReason::NoValidHttps);
    assert_eq!(lab.hits.flaky.load(Ordering::SeqCst), 2);

    let check = verifier.check(&lab.url("/broken")).await;
    assert_reason(&check, CheckReason::ServerError);
    assert_eq!(check.http_status, Some(500));
    assert_eq!(lab.hits.broken.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn meta_refresh_and_redirects_are_followed_up_to_ten() {
    let lab = Lab::start(Speaks::Http, true).await;
    let verifier = lab.verifier(&["site.test"]);
    let check = verifier.check(&lab.url("/refresh")).await;
    assert_reason(&check, CheckReason::NoValidHttps);
    assert_eq!(check.redirects, 1);
    assert_eq!(check.final_url.as_deref(), Some("http://site.test/"));

    let check = verifier.check(&lab.url("/chain/10")).await;
    assert_reason(&check, CheckReason::NoValidHttps);
    assert_eq!(check.redirects, 10);
    assert_eq!(check.final_url.as_deref(), Some("http://site.test/chain/0"));

    let check = verifier.check(&lab.url("/chain/11")).await;
    assert_reason(&check, CheckReason::TooManyRedirects);

    let check = verifier.check(&lab.url("/loop-a")).await;
    assert_reason(&check, CheckReason::RedirectLoop);
    assert_eq!(check.redirects, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_to_a_social_profile_means_no_website() {
    let lab = Lab::start(Speaks::Http, true).await;
    let check = lab
        .verifier(&["site.test"])
        .check(&lab.url("/to-facebook"))
        .await;
    assert_reason(&check, CheckReason::SocialProfile);
    assert_eq!(
        check.social_url.as_deref(),
        Some("https://www.facebook.com/acme")
    );
    let check = lab
        .verifier(&["site.test"])
        .check(&lab.url("/to-ftp"))
        .await;
    assert_reason(&check, CheckReason::NotAWebAddress);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_server_times_out() {
    let lab = Lab::start(Speaks::Http, true).await;
    let mut config = lab.config(&["site.test"]);
    config.timeout = Duration::from_millis(500);
    let started = Instant::now();
    let check = Verifier::new(config)
        .unwrap()
        .check(&lab.url("/slow"))
        .await;
    assert_reason(&check, CheckReason::Timeout);
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_port_is_connection_refused() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let lab = Lab::start(Speaks::Http, true).await;
    let verifier = lab.verifier(&[]);
    let check = verifier.check(&format!("http://127.0.0.1:{port}/")).await;
    assert_reason(&check, CheckReason::ConnectionRefused);
}

/// A TCP server that answers with `reply`, either at once (a banner, like SSH) or after reading
/// the request.
async fn not_http_server(reply: &'static [u8], banner_first: bool) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                if !banner_first {
                    let mut request = [0u8; 1024];
                    let _ = stream.read(&mut request).await;
                }
                let _ = stream.write_all(reply).await;
                tokio::time::sleep(Duration::from_secs(2)).await;
            });
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_does_not_speak_http_is_not_http() {
    let lab = Lab::start(Speaks::Http, true).await;
    let verifier = lab.verifier(&[]);
    for addr in [
        not_http_server(b"\x00\x01\x02 garbage \xff\r\n\r\n", false).await,
        not_http_server(b"220 mail.acme.test ESMTP ready\r\n", false).await,
    ] {
        let check = verifier
            .check(&format!("http://127.0.0.1:{}/", addr.port()))
            .await;
        assert_reason(&check, CheckReason::NotHttp);
    }
    // A banner sent before the request races hyper's connection task: when the bytes arrive
    // while the request is being handed over, hyper reports the connection as closed and the
    // banner is lost, so the check can only say the connection failed. Either way the site is
    // not working.
    let ssh = not_http_server(b"SSH-2.0-OpenSSH_9.6\r\n", true).await;
    let check = verifier
        .check(&format!("http://127.0.0.1:{}/", ssh.port()))
        .await;
    assert_eq!(check.status, WebsiteStatus::NotWorking, "{check:?}");
    assert!(
        matches!(
            check.reason,
            CheckReason::NotHttp | CheckReason::ConnectionFailed
        ),
        "{check:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_codes_map_to_their_rules() {
    let lab = Lab::start(Speaks::Http, true).await;
    let verifier = lab.verifier(&["site.test"]);
    for (code, reason) in [
        (404, CheckReason::NotFound),
        (410, CheckReason::NotFound),
        (401, CheckReason::BotProtection),
        (403, CheckReason::BotProtection),
        (429, CheckReason::BotProtection),
        (999, CheckReason::BotProtection),
        (400, CheckReason::ClientError),
        (502, CheckReason::ServerError),
    ] {
        let check = verifier.check(&lab.url(&format!("/status/{code}"))).await;
        assert_reason(&check, reason);
        assert_eq!(check.http_status, Some(code));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parked_default_suspended_and_empty_pages_are_not_working() {
    let lab = Lab::start(Speaks::Http, true).await;
    let verifier = lab.verifier(&["site.test"]);
    for (path, reason) in [
        ("/parked", CheckReason::Parked),
        ("/nginx", CheckReason::DefaultPage),
        ("/it-works", CheckReason::DefaultPage),
        ("/index", CheckReason::DefaultPage),
        ("/suspended", CheckReason::Suspended),
        ("/empty", CheckReason::EmptyPage),
    ] {
        let check = verifier.check(&lab.url(path)).await;
        assert_reason(&check, reason);
        assert_eq!(check.status, WebsiteStatus::NotWorking);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_that_does_not_resolve_is_a_dns_failure() {
    let lab = Lab::start(Speaks::Http, true).await;
    let check = lab.verifier(&[]).check("acme-gone.invalid").await;
    assert_reason(&check, CheckReason::DnsFailure);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cells_without_a_website_need_no_network() {
    let lab = Lab::start(Speaks::Http, true).await;
    let verifier = lab.verifier(&[]);
    assert_reason(&verifier.check("").await, CheckReason::Empty);
    assert_reason(&verifier.check("n/a").await, CheckReason::Placeholder);
    assert_reason(
        &verifier.check("info@acme.com").await,
        CheckReason::NotAWebAddress,
    );
    let check = verifier.check("instagram.com/acme").await;
    assert_reason(&check, CheckReason::SocialProfile);
    assert_eq!(
        check.social_url.as_deref(),
        Some("https://instagram.com/acme")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guard_refuses_private_addresses_directly() {
    let lab = Lab::start(Speaks::Http, true).await;
    let mut config = lab.config(&["site.test"]);
    config.allow_nets.clear();
    let verifier = Verifier::new(config).unwrap();
    for cell in [
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        format!("http://127.0.0.1:{}/", lab.addr.port()),
        format!("http://[::ffff:127.0.0.1]:{}/", lab.addr.port()),
        format!("http://[::1]:{}/", lab.addr.port()),
        "http://0.0.0.0/".to_owned(),
        "http://2130706433/".to_owned(), // 127.0.0.1 as one decimal number
        "http://private.test/".to_owned(), // a name resolving to 10.0.0.1
        "http://site.test/".to_owned(),  // a name resolving to loopback
    ] {
        let check = verifier.check(&cell).await;
        assert_reason(&check, CheckReason::Blocked);
        assert_eq!(check.status, WebsiteStatus::Error, "{cell}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guard_checks_every_redirect_hop() {
    let lab = Lab::start(Speaks::Http, true).await;
    let verifier = lab.verifier(&["site.test"]);
    for path in ["/to-metadata", "/to-private-name", "/to-mapped"] {
        let check = verifier.check(&lab.url(path)).await;
        assert_reason(&check, CheckReason::Blocked);
        assert_eq!(check.redirects, 1, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allowed_networks_open_the_guard() {
    let lab = Lab::start(Speaks::Http, true).await;
    let cell = format!("http://[::ffff:127.0.0.1]:{}/", lab.addr.port());
    let check = lab.verifier(&[]).check(&cell).await;
    assert_reason(&check, CheckReason::NoValidHttps);
    let mut closed = lab.config(&[]);
    closed.allow_nets.clear();
    let check = Verifier::new(closed).unwrap().check(&cell).await;
    assert_reason(&check, CheckReason::Blocked);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_hold_per_host_and_globally() {
    let lab = Lab::start(Speaks::Http, true).await;
    let mut config = lab.config(&["one.test", "www.one.test"]);
    config.per_host = 2;
    let verifier = Verifier::new(config).unwrap();
    let cells: Vec<String> = (0..6)
        .map(|i| {
            let host = if i % 2 == 0 {
                "one.test"
            } else {
                "www.one.test"
            };
            format!("http://{host}/busy")
        })
        .collect();
    for check in check_all(&verifier, cells).await {
        assert_reason(&check, CheckReason::NoValidHttps);
    }
    assert_eq!(lab.hits.max_in_flight.load(Ordering::SeqCst), 2);

    let lab = Lab::start(Speaks::Http, true).await;
    let names: Vec<String> = (0..6).map(|i| format!("h{i}.test")).collect();
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut config = lab.config(&name_refs);
    config.concurrency = 3;
    let verifier = Verifier::new(config).unwrap();
    let cells: Vec<String> = names.iter().map(|n| format!("http://{n}/busy")).collect();
    check_all(&verifier, cells).await;
    assert_eq!(lab.hits.max_in_flight.load(Ordering::SeqCst), 3);
}

/// Checks every cell at once, each in its own task (the engine's limits are under test).
async fn check_all(verifier: &Verifier, cells: Vec<String>) -> Vec<WebsiteCheck> {
    let tasks: Vec<_> = cells
        .into_iter()
        .map(|cell| {
            let verifier = verifier.clone();
            tokio::spawn(async move { verifier.check(&cell).await })
        })
        .collect();
    let mut checks = Vec::new();
    for task in tasks {
        checks.push(task.await.unwrap());
    }
    checks
}
