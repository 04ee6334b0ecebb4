//! The website verification benchmark: local servers play a realistic mix of sites (fast and
//! slow pages, redirect chains, hanging servers, 404s, 5xx, parked pages) under thousands of
//! host names mapped to loopback, beside placeholders and social links; the engine checks them
//! all at a given concurrency and the run is compared with the Little's-law floor.
//!
//! `cargo run --release -p server --example bench_verify -- [--urls N] [--concurrency C]
//!  [--per-host P] [--timeout-ms T]`
//!
//! The floor is the sum of every URL's unavoidable wait (the server's delay, the timeout of a
//! hanging server, the pause before a 5xx retry) divided by the concurrency: no prober with
//! that many checks in flight can finish sooner. Cells are generated lazily and results only
//! counted, with a bounded number of checks in flight, so peak RSS should not grow with N.
//! `.ci/bench-verify` runs N and 10·N; figures are in `docs/benchmarks.md`.

use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use shared::websites::CheckReason;
use shared::websites::engine::{EngineConfig, RETRY_DELAY, Verifier};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

#[path = "support/mod.rs"]
#[expect(
    dead_code,
    reason = "this benchmark needs only the peak RSS, not the database"
)]
mod support;

/// Distinct host names (all on loopback): far more than the checks in flight, so the per-host
/// limit applies as it would on a real list and does not serialise the run.
const HOSTS: usize = 4096;
/// What a "fast" page costs: a real site's answer is never instant.
const FAST_MS: u64 = 20;

const PAGE: &str =
    "<html><head><title>Acme</title></head><body><p>Plumbers since 1990.</p></body></html>";

fn site() -> Router {
    Router::new()
        .route(
            "/fast",
            get(|| delayed(FAST_MS, Html(PAGE).into_response())),
        )
        .route(
            "/slow/{ms}",
            get(|Path(ms): Path<u64>| delayed(ms, Html(PAGE).into_response())),
        )
        .route(
            "/chain/{n}",
            get(|Path(n): Path<u32>| async move {
                let next = if n <= 1 {
                    "/fast".to_owned()
                } else {
                    format!("/chain/{}", n - 1)
                };
                (StatusCode::FOUND, [(header::LOCATION, next)]).into_response()
            }),
        )
        .route("/missing", get(|| async { StatusCode::NOT_FOUND }))
        .route(
            "/error",
            get(|| async { StatusCode::INTERNAL_SERVER_ERROR }),
        )
        .route(
            "/parked",
            get(|| async { Html("<h1>This domain is for sale!</h1>").into_response() }),
        )
        .route(
            "/hang",
            get(|| delayed(3_600_000, StatusCode::OK.into_response())),
        )
}

async fn delayed(ms: u64, response: Response) -> Response {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    response
}

/// The i-th cell of the mix, the reason the engine must give, and its unavoidable wait.
fn case(i: usize, timeout: Duration) -> (String, CheckReason, Duration) {
    let host = format!("h{}.bench.test", i % HOSTS);
    let ms = Duration::from_millis;
    let url = |path: &str| format!("http://{host}{path}");
    match i % 20 {
        0..=7 => (url("/fast"), CheckReason::NoValidHttps, ms(FAST_MS)),
        8..=10 => (url("/slow/200"), CheckReason::NoValidHttps, ms(200)),
        11 => (url("/slow/800"), CheckReason::NoValidHttps, ms(800)),
        12 | 13 => (url("/chain/3"), CheckReason::NoValidHttps, ms(FAST_MS)),
        14 => (url("/missing"), CheckReason::NotFound, Duration::ZERO),
        15 => (url("/hang"), CheckReason::Timeout, timeout),
        16 => ("n/a".into(), CheckReason::Placeholder, Duration::ZERO),
        17 => (
            format!("facebook.com/shop{i}"),
            CheckReason::SocialProfile,
            Duration::ZERO,
        ),
        18 => (url("/parked"), CheckReason::Parked, Duration::ZERO),
        _ => (url("/error"), CheckReason::ServerError, RETRY_DELAY),
    }
}

fn arg(args: &[String], name: &str, default: usize) -> anyhow::Result<usize> {
    match args.iter().position(|a| a == name) {
        Some(at) => Ok(args
            .get(at + 1)
            .ok_or_else(|| anyhow::anyhow!("{name} needs a value"))?
            .parse()?),
        None => Ok(default),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let urls = arg(&args, "--urls", 10_000)?;
    let concurrency = arg(&args, "--concurrency", 128)?;
    let per_host = arg(&args, "--per-host", 2)?;
    let timeout = Duration::from_millis(arg(&args, "--timeout-ms", 2_000)? as u64);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr: SocketAddr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, site()).await });

    let verifier = Verifier::new(EngineConfig {
        concurrency,
        per_host,
        connect_timeout: Duration::from_secs(2),
        timeout,
        allow_nets: vec!["127.0.0.0/8".parse()?],
        extra_root_certs_pem: Vec::new(),
        hosts: (0..HOSTS)
            .map(|h| (format!("h{h}.bench.test"), addr))
            .collect(),
    })?;

    // Cells are made as they are needed and each result is only counted.
    let mut next = 0;
    let mut waited = Duration::ZERO;
    let mut wrong = 0usize;
    let mut running = tokio::task::JoinSet::new();
    let started = Instant::now();
    loop {
        while running.len() < concurrency * 4 && next < urls {
            let (cell, expected, wait) = case(next, timeout);
            waited += wait;
            next += 1;
            let verifier = verifier.clone();
            running.spawn(async move { verifier.check(&cell).await.reason == expected });
        }
        match running.join_next().await {
            Some(Ok(true)) => {}
            Some(_) => wrong += 1,
            None => break,
        }
    }
    let wall = started.elapsed().as_secs_f64();
    let floor = waited.as_secs_f64() / concurrency as f64;
    println!(
        "{}",
        serde_json::json!({
            "urls": urls,
            "concurrency": concurrency,
            "per_host": per_host,
            "timeout_s": timeout.as_secs_f64(),
            "wall_s": (wall * 1000.0).round() / 1000.0,
            "urls_per_s": (urls as f64 / wall).round(),
            "floor_s": (floor * 1000.0).round() / 1000.0,
            "ratio_to_floor": ((wall / floor) * 1000.0).round() / 1000.0,
            "wrong_labels": wrong,
            "peak_rss_mib": support::peak_rss_mib().map(|m| m.round()),
        })
    );
    anyhow::ensure!(wrong == 0, "{wrong} checks got the wrong reason");
    Ok(())
}
