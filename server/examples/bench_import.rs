//! The import benchmark: imports a spreadsheet into a brand-new workspace end to end (read,
//! detect, normalise, dedupe, commit) and prints the wall time and the process's peak RSS.
//!
//! `cargo run --release -p server --example bench_import -- FILE [--postgres ADMIN_URL]`
//!
//! SQLite runs on a fresh file in a temporary directory; with `--postgres` a fresh database is
//! created on that server and dropped afterwards. Connecting, migrating and creating the
//! workspace happen before the clock starts. `.ci/bench-import` runs both; figures are in
//! `docs/benchmarks.md`.

use sea_orm::{ConnectionTrait, Database};
use shared::imports::{ImportOptions, OnDuplicate};
use shared::services::{RequestMeta, Services, Settings};
use std::sync::Arc;
use std::time::Instant;

/// Peak resident set size of this process so far, in MiB (Linux `VmHWM`).
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
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

    let dir = tempfile::tempdir()?;
    let database = format!("leadloom_bench_{}", uuid::Uuid::new_v4().simple());
    let (url, backend) = match &postgres {
        Some(admin) => {
            Database::connect(admin)
                .await?
                .execute_unprepared(&format!("CREATE DATABASE \"{database}\""))
                .await?;
            let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
            (format!("{base}/{database}"), "PostgreSQL")
        }
        None => (
            format!("sqlite://{}/bench.db?mode=rwc", dir.path().display()),
            "SQLite",
        ),
    };
    let db =
        server::serve::connect_and_migrate(&server::config::DatabaseArgs { database_url: url })
            .await?;
    let svc = Services {
        db: db.clone(),
        mailer: None,
        settings: Arc::new(Settings {
            public_url: String::new(),
            invitation_ttl_days: 7,
            max_import_bytes: 200 * 1024 * 1024,
        }),
        import_wakeup: Arc::default(),
    };
    let meta = RequestMeta::default();
    let owner = shared::accounts::service::register(
        &svc,
        shared::accounts::Registration {
            name: "Bench".into(),
            email: "bench@example.com".into(),
            password: shared::accounts::password::generate(),
        },
        &meta,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let ws = shared::workspaces::service::create(
        &svc,
        owner,
        shared::workspaces::NewWorkspace {
            name: "Bench".into(),
            slug: "bench".into(),
            timezone: "Africa/Nairobi".into(),
            use_case: "agency".into(),
        },
        &meta,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let workspace = shared::WorkspaceId(ws.id);
    shared::workspaces::service::bootstrap_settings(
        &db,
        workspace,
        Some("KE".into()),
        "enterprise",
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;

    let started = Instant::now();
    let (_, report) = shared::imports::service::import_now(
        &svc,
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
            "peak_rss_mib": peak_rss_mib().map(|m| m.round()),
        })
    );
    drop(db);
    drop(svc);
    if let Some(admin) = postgres {
        Database::connect(&admin)
            .await?
            .execute_unprepared(&format!(
                "DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)"
            ))
            .await?;
    }
    Ok(())
}
