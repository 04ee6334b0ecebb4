//! The administrative subcommands: `import`, `leads export`, `workspace create`, `verify` and
//! `verify-url`. Each (but `verify-url`, which needs no database) connects (migrating first),
//! does its work through the same services the web app uses and prints a result; a bad input
//! ends with the service's own message and a non-zero exit.

use crate::config::{
    DatabaseArgs, DuplicatePolicy, ExportArgs, ImportArgs, VerifyUrlArgs, VerifyWorkspaceArgs,
    WorkspaceCreateArgs,
};
use crate::serve::connect_and_migrate;
use anyhow::Context;
use shared::imports::{ImportOptions, ImportReport, OnDuplicate};
use shared::services::{RequestMeta, Services, Settings};
use shared::{AppError, WorkspaceId};
use std::sync::Arc;

async fn services(database: &DatabaseArgs, max_import_bytes: usize) -> anyhow::Result<Services> {
    let db = connect_and_migrate(database).await?;
    Ok(Services {
        db,
        mailer: None,
        settings: Arc::new(Settings {
            public_url: String::new(),
            invitation_ttl_days: 7,
            max_import_bytes,
            // The CLI's commands never store or send attachments.
            attachments_dir: std::path::PathBuf::from("data/attachments"),
        }),
        import_wakeup: Arc::default(),
        verify_wakeup: Arc::default(),
        // These commands never open provider credentials: a throwaway key keeps them from
        // creating a key file as a side effect.
        whatsapp: Arc::new(shared::whatsapp::channel::Channel::new(
            shared::crypto::SecretBox::ephemeral(),
            Vec::new(),
        )),
    })
}

/// An `AppError` as a command-line failure: its user-facing message, field by field.
fn explain(error: AppError) -> anyhow::Error {
    match error {
        AppError::Validation(fields) => anyhow::anyhow!(
            "{}",
            fields
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join("\n")
        ),
        other => anyhow::anyhow!("{other}"),
    }
}

async fn workspace_id(svc: &Services, slug: &str) -> anyhow::Result<WorkspaceId> {
    let ws = shared::workspaces::store::find_by_slug_unscoped_for_platform_admin(&svc.db, slug)
        .await
        .map_err(explain)?
        .with_context(|| format!("no workspace with the slug \"{slug}\""))?;
    Ok(WorkspaceId(ws.id))
}

/// `field=Header` pairs from `--map`.
fn parse_overrides(pairs: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    pairs
        .iter()
        .map(|pair| {
            shared::leads::parse_override(pair).map_err(|e| {
                anyhow::anyhow!(
                    "--map \"{pair}\": {e} Write it as field=Header, e.g. phone=\"Tel No.\"."
                )
            })
        })
        .collect()
}

pub async fn import(args: ImportArgs) -> anyhow::Result<()> {
    let overrides = parse_overrides(&args.map)?;
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let file_name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let svc = services(&args.database, args.max_import_bytes).await?;
    let workspace = workspace_id(&svc, &args.workspace).await?;
    let default_country = match args.default_country {
        Some(cc) => Some(cc),
        None => Some(
            shared::workspaces::store::find(&svc.db, workspace)
                .await
                .map_err(explain)?
                .default_country,
        ),
    };
    let options = ImportOptions {
        default_country,
        on_duplicate: match args.on_duplicate {
            DuplicatePolicy::Skip => OnDuplicate::Skip,
            DuplicatePolicy::Update => OnDuplicate::Update,
            DuplicatePolicy::Overwrite => OnDuplicate::Overwrite,
        },
        sheet: args.sheet,
        headers_signature: None,
    };
    let started = std::time::Instant::now();
    let (_, report) = shared::imports::service::import_now(
        &svc, workspace, &file_name, bytes, options, &overrides,
    )
    .await
    .map_err(explain)?;
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print_report(&report, started.elapsed());
    }
    Ok(())
}

fn print_report(report: &ImportReport, took: std::time::Duration) {
    println!(
        "imported {}, updated {}, duplicates {}, invalid {}, blank rows {} ({:.2} s)",
        report.imported,
        report.updated,
        report.duplicates,
        report.invalid,
        report.blank,
        took.as_secs_f64()
    );
    match report.header_row {
        Some(row) => println!("header row: {row}"),
        None => println!("no header row: columns mapped by their content"),
    }
    for (field, header) in &report.mapping {
        println!("  {field:<9} ← {header}");
    }
    if !report.errors.is_empty() {
        println!("rows to look at:");
        for e in &report.errors {
            println!("  row {}: {}", e.row, e.reason);
        }
    }
}

pub async fn export(args: ExportArgs) -> anyhow::Result<()> {
    let svc = services(&args.database, shared::services::DEFAULT_MAX_IMPORT_BYTES).await?;
    let workspace = workspace_id(&svc, &args.workspace).await?;
    let mut statuses = Vec::new();
    for s in &args.website_status {
        let status = shared::leads::WebsiteStatus::parse(s).with_context(|| {
            format!(
                "--website-status \"{s}\": use one of {}",
                shared::leads::WebsiteStatus::ALL
                    .map(|s| s.as_str())
                    .join(", ")
            )
        })?;
        statuses.push(status);
    }
    let format = shared::leads::export::ExportFormat::from_path(&args.out).map_err(explain)?;
    let filter = shared::leads::LeadFilter {
        website_status: statuses,
        ..Default::default()
    };
    let bytes = shared::leads::export::export(
        &svc.db,
        workspace,
        &shared::leads::LeadSelection::Filter(filter),
        format,
    )
    .await
    .map_err(explain)?;
    std::fs::write(&args.out, &bytes).with_context(|| format!("writing {}", args.out.display()))?;
    eprintln!("wrote {} ({} bytes)", args.out.display(), bytes.len());
    Ok(())
}

pub async fn create_workspace(args: WorkspaceCreateArgs) -> anyhow::Result<()> {
    let svc = services(&args.database, shared::services::DEFAULT_MAX_IMPORT_BYTES).await?;
    let meta = RequestMeta {
        ip: "cli".to_owned(),
    };
    let email = args.owner_email.trim().to_lowercase();
    let owner = match shared::accounts::store::find_by_email(&svc.db, &email)
        .await
        .map_err(explain)?
    {
        Some(user) => shared::UserId(user.id),
        None => {
            let password = shared::accounts::password::generate();
            let name = email.split('@').next().unwrap_or("Owner").to_owned();
            let id = shared::accounts::service::register(
                &svc,
                shared::accounts::Registration {
                    name,
                    email: email.clone(),
                    password: password.clone(),
                },
                &meta,
            )
            .await
            .map_err(explain)?;
            // Shown once so the owner can sign in; it is stored only as an argon2id hash.
            eprintln!("created the account {email} with the password: {password}");
            eprintln!("sign in with it and change it under Account.");
            id
        }
    };
    let summary = shared::workspaces::service::create(
        &svc,
        owner,
        shared::workspaces::NewWorkspace {
            name: args.name,
            slug: args.slug,
            timezone: args.timezone,
            use_case: "agency".to_owned(),
        },
        &meta,
    )
    .await
    .map_err(explain)?;
    let workspace = WorkspaceId(summary.id);
    let country = shared::imports::service::country_code(args.country.as_deref(), "country")
        .map_err(explain)?;
    shared::workspaces::service::bootstrap_settings(&svc.db, workspace, country, &args.plan)
        .await
        .map_err(explain)?;
    println!("{}", summary.slug);
    Ok(())
}

/// One `verify-url` output line.
#[derive(serde::Serialize)]
struct VerifyLine<'a> {
    input: &'a str,
    status: &'static str,
    reason: &'static str,
    http_status: Option<u16>,
    final_url: Option<&'a str>,
    redirects: u32,
    ms: u32,
    title: Option<&'a str>,
}

/// Checks the cells concurrently and prints each result as soon as it is known. At most a few
/// times the engine's concurrency are in flight (the engine's own permits decide who fetches;
/// the extra ones wait for busy hosts without idling a global slot), so any number of cells
/// runs in bounded memory.
pub async fn verify_url(args: VerifyUrlArgs) -> anyhow::Result<()> {
    let verifier = shared::websites::engine::Verifier::new(args.engine.engine_config()?)?;
    let in_flight = verifier.concurrency().saturating_mul(4);
    let mut cells = args.cells.into_iter();
    let mut running = tokio::task::JoinSet::new();
    loop {
        while running.len() < in_flight {
            let Some(cell) = cells.next() else { break };
            let verifier = verifier.clone();
            running.spawn(async move {
                let check = verifier.check(&cell).await;
                (cell, check)
            });
        }
        let Some(finished) = running.join_next().await else {
            return Ok(());
        };
        let (cell, check) = finished.context("a website check stopped unexpectedly")?;
        let line = VerifyLine {
            input: &cell,
            status: check.status.as_str(),
            reason: check.reason.as_str(),
            http_status: check.http_status,
            final_url: check.final_url.as_deref(),
            redirects: check.redirects,
            ms: check.ms,
            title: check.title.as_deref(),
        };
        println!("{}", serde_json::to_string(&line)?);
    }
}

/// `leadloom verify`: queues a job over the workspace's leads (all, or the stale ones) and runs
/// it in this process with the same engine and job as the web app, so the results, the leads'
/// statuses and their timelines are the same. Progress goes to stderr, a JSON summary to
/// stdout. A job already running in the workspace (from the web app) is refused.
pub async fn verify_workspace(args: VerifyWorkspaceArgs) -> anyhow::Result<()> {
    use shared::leads::{LeadFilter, LeadSelection};
    use shared::websites::{CheckScope, engine::Verifier, job, store};
    let svc = services(&args.database, shared::services::DEFAULT_MAX_IMPORT_BYTES).await?;
    let workspace = workspace_id(&svc, &args.workspace).await?;
    let verifier =
        Verifier::new(args.verify.engine_config()?).context("setting up website verification")?;
    let scope = match args.stale_days {
        Some(days) => CheckScope::Stale { days },
        None => CheckScope::Selection(LeadSelection::Filter(LeadFilter::default())),
    };
    if store::active(&svc.db, workspace)
        .await
        .map_err(explain)?
        .is_some()
    {
        anyhow::bail!(
            "a website check is already running in \"{}\"; wait for it or cancel it first",
            args.workspace
        );
    }
    let txn = sea_orm::TransactionTrait::begin(&svc.db).await?;
    let (id, total) = store::create_job(&txn, workspace, None, &scope)
        .await
        .map_err(explain)?;
    if total == 0 {
        // Nothing stale is a normal night for a scheduled run: say so and succeed, leaving no
        // empty job behind (the transaction is dropped).
        drop(txn);
        eprintln!("nothing to check: {}", scope.describe());
        println!(
            "{}",
            serde_json::json!({"status": "done", "total": 0, "checked": 0, "working": 0,
                "not_working": 0, "no_website": 0, "error": 0, "per_second": null})
        );
        return Ok(());
    }
    txn.commit().await?;
    let worker = format!("cli-{}", std::process::id());
    // Claim this very job before a web worker does (the same conditional update they use).
    if !store::claim(&svc.db, id, &worker).await.map_err(explain)? {
        anyhow::bail!("a running LeadLoom server took this check over; follow it in the web app");
    }
    eprintln!(
        "checking {total} websites in \"{}\" ({})",
        args.workspace,
        scope.describe()
    );
    let progress = {
        let db = svc.db.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
            loop {
                tick.tick().await;
                if let Ok(job) = store::job(&db, id).await {
                    eprintln!("{}", progress_line(&store::to_dto(job)));
                }
            }
        })
    };
    let outcome = job::run(&svc.db, &verifier, id).await;
    progress.abort();
    let status = match outcome {
        Ok(status) => status,
        Err(e) => {
            let _ = store::finish(
                &svc.db,
                id,
                shared::websites::VerifyJobStatus::Failed,
                Some("stopped by an error"),
            )
            .await;
            return Err(explain(e));
        }
    };
    let dto = store::to_dto(store::job(&svc.db, id).await.map_err(explain)?);
    eprintln!("{}", progress_line(&dto));
    println!(
        "{}",
        serde_json::json!({
            "status": status.as_str(),
            "total": dto.total,
            "checked": dto.processed,
            "working": dto.counts.working,
            "not_working": dto.counts.not_working,
            "no_website": dto.counts.no_website,
            "error": dto.counts.error,
            "per_second": dto.per_second,
        })
    );
    Ok(())
}

/// One line of `leadloom verify`'s progress on stderr.
fn progress_line(dto: &shared::websites::VerifyJobDto) -> String {
    format!(
        "{}/{} ({}%) · working {} · not working {} · no website {} · error {}{}",
        dto.processed,
        dto.total,
        dto.percent(),
        dto.counts.working,
        dto.counts.not_working,
        dto.counts.no_website,
        dto.counts.error,
        dto.per_second
            .map(|r| format!(" · {r:.1}/s"))
            .unwrap_or_default()
    )
}

/// `leadloom check-numbers`: the same durable job the web app runs, run here to its end.
pub async fn check_numbers(args: crate::config::CheckNumbersArgs) -> anyhow::Result<()> {
    use shared::leads::{LeadFilter, LeadSelection, WhatsappStatus};
    use shared::whatsapp::numbers;
    let mut svc = services(&args.database, shared::services::DEFAULT_MAX_IMPORT_BYTES).await?;
    svc.whatsapp = Arc::new(args.whatsapp.channel()?);
    let workspace = workspace_id(&svc, &args.workspace).await?;
    let filter = LeadFilter {
        whatsapp_status: if args.all {
            Vec::new()
        } else {
            vec![WhatsappStatus::Unchecked]
        },
        ..LeadFilter::default()
    };
    let txn = sea_orm::TransactionTrait::begin(&svc.db).await?;
    let (id, total, sender) =
        match numbers::create_job(&txn, workspace, None, &LeadSelection::Filter(filter)).await {
            Ok(created) => created,
            Err(AppError::Validation(fields))
                if fields
                    .iter()
                    .any(|f| f.message.contains("valid phone number")) =>
            {
                // Nothing unchecked is a normal night for a scheduled run.
                eprintln!("nothing to check");
                println!(
                    "{}",
                    serde_json::json!({"status": "done", "total": 0, "on_whatsapp": 0,
                        "not_on_whatsapp": 0, "failed": 0, "cached": 0})
                );
                return Ok(());
            }
            Err(e) => return Err(explain(e)),
        };
    txn.commit().await?;
    let worker = format!("cli-{}", std::process::id());
    if !numbers::claim(&svc.db, id, &worker)
        .await
        .map_err(explain)?
    {
        anyhow::bail!("a running LeadLoom server took this check over; follow it in the web app");
    }
    eprintln!(
        "checking {total} numbers in \"{}\" through {} ({})",
        args.workspace, sender.name, sender.display_number
    );
    let progress = {
        let svc = svc.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
            loop {
                tick.tick().await;
                if let Ok(job) = numbers::progress(&svc, id).await {
                    eprintln!(
                        "{}/{} checked: {} on WhatsApp, {} not, {} failed",
                        job.processed, job.total, job.on_whatsapp, job.not_on_whatsapp, job.failed
                    );
                }
            }
        })
    };
    let outcome = numbers::run(&svc, id).await;
    progress.abort();
    outcome.map_err(explain)?;
    let job = numbers::progress(&svc, id).await.map_err(explain)?;
    println!(
        "{}",
        serde_json::json!({"status": job.status.as_str(), "total": job.total,
            "on_whatsapp": job.on_whatsapp, "not_on_whatsapp": job.not_on_whatsapp,
            "failed": job.failed, "cached": job.cached, "failure": job.failure})
    );
    if job.status == shared::websites::VerifyJobStatus::Failed {
        anyhow::bail!("the check stopped: {}", job.failure.unwrap_or_default());
    }
    Ok(())
}
