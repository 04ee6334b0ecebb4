//! The import benchmark: imports a spreadsheet into a brand-new workspace end to end (read,
//! detect, normalise, dedupe, commit) and prints the wall time and the process's peak RSS.
//!
//! `cargo run --release -p server --example bench_import -- FILE [--postgres ADMIN_URL]`
//!
//! SQLite runs on a fresh file in a temporary directory; with `--postgres` a fresh database is
//! created on that server and dropped afterwards. Connecting, migrating and creating the
//! workspace happen before the clock starts. `.ci/bench-import` runs both; figures are in
//! `docs/benchmarks.md`.

use shared::imports::{ImportOptions, OnDuplicate};
use std::time::Instant;

#[path = "support/mod.rs"]
mod support;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        // The job's `import completed` line: reading, drafting and storing times. (The run's last
        // checkpoint happens in the background after it, off the clock, and usually after
        // this process has exited.)
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            "warn,shared::imports=info",
        ))
        .with_writer(std::io::stderr)
        .init();
    let mut args = std::env::args().skip(1);
    let file = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("usage: bench_import FILE [--postgres ADMIN_URL]"))?;
    let postgres = match (args.next().as_deref(), args.next()) {
        (Some("--postgres"), Some(url)) => Some(url),
        (None, _) => None,
        _ => anyhow::bail!("usage: bench_import FILE [--postgres ADMIN_URL]"),
    };
    let bytes = std::fs::read(&file)?;
    let file_name = std::path::Path::new(&file)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();

    let bench = support::BenchDb::create(postgres).await?;
    let (svc, db, workspace, backend) = (&bench.svc, &bench.db, bench.workspace, bench.backend);
    shared::workspaces::service::bootstrap_settings(db, workspace, Some("KE".into()), "enterprise")
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;

    let started = Instant::now();
    let (_, report) = shared::imports::service::import_now(
        svc,
        workspace,
        &file_name,
        bytes,
        ImportOptions {
            default_country: Some("KE".into()),
            on_duplicate: OnDuplicate::Skip,
            sheet: None,
            headers_signature: None,
        },
        &[],
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let seconds = started.elapsed().as_secs_f64();
    // Invalid rows are partly imported (flagged phones), so count rows from the file.
    let rows = report.imported
        + report.updated
        + report.duplicates
        + report.blank
        + report.invalid.saturating_sub(
            report
                .errors
                .iter()
                .filter(|e| e.reason.contains("kept, flagged"))
                .count() as u32,
        );
    println!(
        "{}",
        serde_json::json!({
            "backend": backend,
            "file": file_name,
            "rows": rows,
            "imported": report.imported,
            "duplicates": report.duplicates,
            "invalid": report.invalid,
            "seconds": (seconds * 1000.0).round() / 1000.0,
            "rows_per_second": (f64::from(rows) / seconds).round(),
            "peak_rss_mib": support::peak_rss_mib().map(|m| m.round()),
        })
    );
    bench.finish().await?;
    Ok(())
}
