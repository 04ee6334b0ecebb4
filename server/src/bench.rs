//! `leadloom bench dispatch`: a burst campaign (no delays, no caps) to N recipients through the
//! real dispatcher (`shared::campaigns::dispatcher`) and the real session-gateway adapter, over
//! HTTP to an in-process simulator on a loopback port. It ends with one JSON line on stdout,
//! `{"recipients":N,"seconds":S,"messages_per_s":X,"sent":N,"duplicates":0}`, and fails (exit
//! code 1) unless every recipient was sent exactly once. Duplicates are counted by the simulator
//! (`GET /admin/stats`), not by the database that could be wrong about them.
//!
//! The database is a fresh SQLite file in a temporary directory, or, for a `postgres://` URL, a
//! fresh database created on that server and dropped afterwards. Setting up — migrating, the
//! owner and workspace, inserting the leads (multi-row `INSERT`s), the senders — is not timed;
//! the clock runs from the launch (which creates the recipient rows) until the dispatcher has
//! nothing left to do. Progress goes to stderr. `.ci/bench-dispatch` runs both backends;
//! figures are in `docs/benchmarks.md`.

use crate::config::BenchDispatchArgs;
use crate::simulator::{Behaviour, Simulator, Stats};
use anyhow::{Context, anyhow};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, Database, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
};
use serde_json::json;
use shared::WorkspaceId;
use shared::db::entities::{lead, workspace};
use shared::services::{RequestMeta, Services, Settings};
use shared::workspaces::Role;
use shared::workspaces::service::TenantCtx;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

const SIMULATOR_KEY: &str = "bench-key";

/// Where the benchmark's data lives, and what to remove afterwards.
struct Scratch {
    url: String,
    /// The PostgreSQL admin URL and the database created on it.
    postgres: Option<(String, String)>,
    dir: std::path::PathBuf,
}

impl Scratch {
    async fn create(database_url: Option<&str>) -> anyhow::Result<Self> {
        let unique = uuid::Uuid::new_v4().simple().to_string();
        let dir = std::env::temp_dir().join(format!("leadloom-bench-{unique}"));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        match database_url {
            Some(admin)
                if admin.starts_with("postgres://") || admin.starts_with("postgresql://") =>
            {
                let name = format!("leadloom_bench_{unique}");
                Database::connect(admin)
                    .await
                    .context("connecting to PostgreSQL")?
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .context("creating the benchmark's database")?;
                let base = admin.split('?').next().unwrap_or(admin);
                let base = base.rsplit_once('/').map_or(base, |(b, _)| b);
                Ok(Self {
                    url: format!("{base}/{name}"),
                    postgres: Some((admin.to_owned(), name)),
                    dir,
                })
            }
            Some(other) => Err(anyhow!(
                "--database-url takes a postgres:// server URL (a fresh database is created on \
                 it); without it a fresh SQLite file is used, not {other}"
            )),
            None => Ok(Self {
                url: format!("sqlite://{}/bench.db?mode=rwc", dir.display()),
                postgres: None,
                dir,
            }),
        }
    }

    async fn remove(self) {
        if let Some((admin, name)) = &self.postgres {
            let dropped = async {
                Database::connect(admin)
                    .await?
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await
            }
            .await;
            if let Err(error) = dropped {
                eprintln!("could not drop the benchmark database {name}: {error}");
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs the benchmark; the exit code says whether every recipient got exactly one message.
pub async fn dispatch(args: BenchDispatchArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.recipients > 0, "--recipients must be at least 1");
    anyhow::ensure!(args.senders > 0, "--senders must be at least 1");
    let scratch = Scratch::create(args.database_url.as_deref()).await?;
    let outcome = run(&args, &scratch).await;
    scratch.remove().await;
    let Outcome {
        seconds,
        sent,
        duplicates,
    } = outcome?;
    let round = |x: f64, places: i32| (x * 10f64.powi(places)).round() / 10f64.powi(places);
    // Written by hand: the fields in the documented order.
    println!(
        r#"{{"recipients":{},"seconds":{},"messages_per_s":{},"sent":{sent},"duplicates":{duplicates}}}"#,
        args.recipients,
        round(seconds, 2),
        round(sent as f64 / seconds.max(1e-9), 1),
    );
    if sent != args.recipients || duplicates != 0 {
        eprintln!(
            "FAILED: {sent} of {} recipients sent, {duplicates} duplicates at the simulator",
            args.recipients
        );
        std::process::exit(1);
    }
    Ok(())
}

fn err(error: shared::AppError) -> anyhow::Error {
    anyhow!("{error}")
}

/// What a run measured.
struct Outcome {
    /// From the launch until the dispatcher was idle.
    seconds: f64,
    /// Recipients the database records as sent, at most the numbers the simulator received.
    sent: u64,
    /// Sends the simulator accepted beyond the first to a number.
    duplicates: u64,
}

async fn run(args: &BenchDispatchArgs, scratch: &Scratch) -> anyhow::Result<Outcome> {
    let backend = if scratch.postgres.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let setup = Instant::now();
    let mut db = crate::serve::connect_and_migrate(&crate::config::DatabaseArgs {
        database_url: scratch.url.clone(),
    })
    .await?;
    let profile = SqlProfile::default();
    if args.profile_sql {
        profile.attach(&mut db);
    }

    // The gateway simulator, on a free loopback port: receipts off (nobody reads them here).
    let simulator = Simulator::new(
        SIMULATOR_KEY,
        Behaviour {
            latency_ms: 0,
            fail_share: 0.0,
            rate_limit_share: 0.0,
            delivery_delay_ms: 0,
            read_delay_ms: 0,
            receipts: false,
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let sim_url = format!("http://{}", listener.local_addr()?);
    let app = simulator.clone().router();
    tokio::spawn(async move { axum::serve(listener, app).await });

    let svc = Services {
        db: db.clone(),
        mailer: None,
        settings: Arc::new(Settings {
            // Where senders' webhooks would point; the simulator posts none here.
            public_url: "http://127.0.0.1:9".into(),
            invitation_ttl_days: 7,
            max_import_bytes: shared::services::DEFAULT_MAX_IMPORT_BYTES,
            attachments_dir: scratch.dir.join("attachments"),
        }),
        import_wakeup: Arc::default(),
        verify_wakeup: Arc::default(),
        // The usual channel (credentials encrypted, the SSRF guard on) with loopback opened
        // for the simulator, as `LEADLOOM_PROVIDER_ALLOW_NETS=127.0.0.1/32` does.
        whatsapp: Arc::new(shared::whatsapp::channel::Channel::new(
            shared::crypto::SecretBox::ephemeral(),
            vec!["127.0.0.0/8".parse().context("loopback network")?],
        )),
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
    .map_err(err)?;
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
    .map_err(err)?;
    // No plan limit on senders or leads.
    workspace::Entity::update_many()
        .col_expr(workspace::Column::PlanCode, Expr::value("enterprise"))
        .filter(workspace::Column::Id.eq(ws.id))
        .exec(&db)
        .await?;
    let ctx = TenantCtx {
        workspace_id: WorkspaceId(ws.id),
        user_id: owner,
        role: Role::Owner,
        slug: "bench".into(),
    };

    insert_leads(&db, ctx.workspace_id, args.recipients).await?;
    let mut sender_ids = Vec::with_capacity(args.senders);
    for i in 0..args.senders {
        let created = shared::whatsapp::senders::create(
            &svc,
            &ctx,
            &shared::whatsapp::SenderInput {
                name: format!("Bench line {}", i + 1),
                provider: "session_gateway".into(),
                display_number: format!("+2547000{:05}", i + 1),
                base_url: sim_url.clone(),
                account_ref: format!("bench-{}", i + 1),
                secret: SIMULATOR_KEY.into(),
                app_secret: String::new(),
                warmup: "warmed".into(),
                daily_cap: String::new(),
            },
            &meta,
        )
        .await
        .map_err(err)?;
        sender_ids.push(created.sender.id);
    }
    let form: shared::campaigns::model::CampaignForm = serde_json::from_value(json!({
        "name": "Bench burst",
        "kind": "one_time",
        "audience": {"source": {"kind": "filter", "value": {}}},
        "variants": [{"label": "A", "body": "Hi {name|there}, a quick hello from {city|your town}!", "weight": 50}],
        "strategy": {"order": "burst", "respect_daily_cap": false, "working_hours": null,
                     "max_retries": 0, "skip_sender_after_failures": null},
        "sender_ids": sender_ids,
    }))?;
    let draft = shared::campaigns::service::create_draft(&svc, &ctx, &form, &meta)
        .await
        .map_err(err)?;
    eprintln!(
        "{backend}: set up {} leads and {} senders in {:.1} s; launching",
        args.recipients,
        args.senders,
        setup.elapsed().as_secs_f64()
    );

    profile.clear();
    let progress = tokio::spawn(report_progress(simulator.clone(), args.recipients));
    let started = Instant::now();
    let launched = shared::campaigns::service::launch(&svc, &ctx, draft.id, &form, &meta)
        .await
        .map_err(err)?;
    let launch_time = started.elapsed();
    shared::campaigns::dispatcher::Dispatcher::new(svc.clone())
        .run_until_idle()
        .await
        .map_err(err)?;
    let seconds = started.elapsed().as_secs_f64();
    progress.abort();
    if args.profile_sql {
        profile.report(seconds);
    }

    let stats: Stats = reqwest::Client::new()
        .get(format!("{sim_url}/admin/stats"))
        .header("X-API-Key", SIMULATOR_KEY)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let campaign = shared::campaigns::service::get(&svc, &ctx, launched.id)
        .await
        .map_err(err)?;
    let counts = &campaign.state.counts;
    eprintln!(
        "{backend}: launch (creating {} recipient rows) took {:.2} s; campaign {}: {} sent, \
         {} failed, {} unknown, {} pending; simulator accepted {} sends to {} numbers",
        counts.total,
        launch_time.as_secs_f64(),
        campaign.state.status.label().to_lowercase(),
        counts.sent,
        counts.failed,
        counts.unknown,
        counts.pending,
        stats.sends,
        stats.numbers,
    );
    if stats.sends != counts.sent {
        eprintln!(
            "{backend}: the simulator accepted {} sends but the database records {} as sent",
            stats.sends, counts.sent
        );
    }
    drop(svc);
    db.close().await?;
    Ok(Outcome {
        seconds,
        // A recipient recorded as sent that never reached the simulator is not sent.
        sent: counts.sent.min(stats.numbers),
        duplicates: stats.duplicates,
    })
}

/// Time spent per statement (the SQL with its parameters' places), summed over every query from
/// the moment it is attached; `--profile-sql` prints the largest after the run. The sender loops
/// run concurrently, so the sums can exceed the wall time.
#[derive(Clone, Default)]
struct SqlProfile(Arc<std::sync::Mutex<HashMap<String, (u64, Duration)>>>);

impl SqlProfile {
    fn attach(&self, db: &mut DatabaseConnection) {
        let totals = self.0.clone();
        db.set_metric_callback(move |info| {
            let key = statement_shape(&info.statement.sql);
            let mut totals = totals.lock().unwrap_or_else(|p| p.into_inner());
            let entry = totals.entry(key).or_default();
            entry.0 += 1;
            entry.1 += info.elapsed;
        });
    }

    /// Resets the sums (setting up is not what is measured).
    fn clear(&self) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    fn report(&self, wall: f64) {
        let totals = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let mut rows: Vec<_> = totals.iter().collect();
        rows.sort_by_key(|(_, (_, total))| std::cmp::Reverse(*total));
        let sum: f64 = rows.iter().map(|(_, (_, d))| d.as_secs_f64()).sum();
        eprintln!(
            "SQL time, summed over the concurrent sender loops: {sum:.1} s in {:.1} s of wall time",
            wall
        );
        eprintln!("{:>8} {:>9} {:>8}  statement", "calls", "total s", "avg ms");
        for (sql, (calls, total)) in rows.iter().take(25) {
            eprintln!(
                "{calls:>8} {:>9.2} {:>8.2}  {sql}",
                total.as_secs_f64(),
                total.as_secs_f64() * 1000.0 / (*calls).max(1) as f64
            );
        }
    }
}

/// A statement's SQL with `$n` placeholders as `?` and lists of them collapsed, cut at 220
/// characters, so the same statement with 10 or 100 values counts as one.
fn statement_shape(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            while chars.peek().is_some_and(char::is_ascii_digit) {
                chars.next();
            }
            out.push('?');
        } else {
            out.push(c);
        }
    }
    while out.contains("?, ?") {
        out = out.replace("?, ?", "?");
    }
    out.chars().take(220).collect()
}

/// Every two seconds on stderr: sends so far and the rate over the last interval.
async fn report_progress(simulator: Simulator, total: u64) {
    let mut last = 0;
    let mut tick = tokio::time::interval(Duration::from_secs(2));
    tick.tick().await;
    loop {
        tick.tick().await;
        let sends = simulator.stats().sends;
        eprintln!(
            "  {sends} / {total} sent ({:.0} messages/s)",
            (sends - last) as f64 / 2.0
        );
        last = sends;
    }
}

/// Inserts `count` leads with distinct valid Kenyan mobile numbers whose last digit is never 0
/// (the simulator's "not on WhatsApp"), in multi-row statements as large as the backend's
/// parameter limit allows, 50,000 rows a transaction.
async fn insert_leads(
    db: &DatabaseConnection,
    workspace: WorkspaceId,
    count: u64,
) -> anyhow::Result<()> {
    use shared::imports::job::LEAD_COLUMNS;
    const CITIES: [&str; 6] = ["Nairobi", "Mombasa", "Kisumu", "Nakuru", "Eldoret", "Thika"];
    anyhow::ensure!(count <= 90_000_000, "at most 90,000,000 recipients");
    let per_statement = match db.get_database_backend() {
        DbBackend::Sqlite => 32_766,
        _ => 65_535,
    } / LEAD_COLUMNS.len();
    let per_statement = per_statement as u64;
    let now = chrono::Utc::now();
    let mut n = 0u64;
    while n < count {
        let txn = shared::db::begin_write(db).await?;
        let end = (n + 50_000).min(count);
        while n < end {
            let mut insert = Query::insert();
            insert.into_table(lead::Entity).columns(LEAD_COLUMNS);
            for _ in 0..per_statement.min(end - n) {
                // 9 numbers per block of ten, skipping the one ending in 0.
                let national = format!("7{:07}{}", n / 9, n % 9 + 1);
                insert.values([
                    uuid::Uuid::now_v7().into(),
                    workspace.0.into(),
                    format!("Bench Shop {}", n + 1).into(),
                    Some(format!("0{national}")).into(),
                    Some(format!("+254{national}")).into(),
                    Some("KE").into(),
                    Some("mobile").into(),
                    Option::<String>::None.into(),
                    Option::<String>::None.into(),
                    Option::<String>::None.into(),
                    "NO_WEBSITE".into(),
                    "UNCHECKED".into(),
                    Some(CITIES[(n % 6) as usize]).into(),
                    Option::<String>::None.into(),
                    Some("Shop").into(),
                    Option::<String>::None.into(),
                    Option::<String>::None.into(),
                    "new".into(),
                    false.into(),
                    Option::<uuid::Uuid>::None.into(),
                    now.into(),
                    now.into(),
                ])?;
                n += 1;
            }
            txn.execute(&insert).await?;
        }
        txn.commit().await?;
    }
    if db.get_database_backend() == DbBackend::Postgres {
        // What autovacuum would have done by the time a campaign goes to 100,000 leads.
        db.execute_unprepared("ANALYZE leads").await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn statements_with_more_or_fewer_values_count_as_one() {
        assert_eq!(
            super::statement_shape(
                r#"SELECT 1 FROM "leads" WHERE "id" IN ($1, $2, $3) AND "x" = $4"#
            ),
            r#"SELECT 1 FROM "leads" WHERE "id" IN (?) AND "x" = ?"#
        );
        assert_eq!(
            super::statement_shape("UPDATE t SET a = ? WHERE id IN (?, ?, ?, ?)"),
            super::statement_shape("UPDATE t SET a = ? WHERE id IN (?, ?)")
        );
    }

    #[test]
    fn bench_numbers_are_distinct_and_never_end_in_zero() {
        let numbers: std::collections::HashSet<String> = (0..10_000u64)
            .map(|n| format!("7{:07}{}", n / 9, n % 9 + 1))
            .collect();
        assert_eq!(numbers.len(), 10_000);
        assert!(numbers.iter().all(|n| !n.ends_with('0') && n.len() == 9));
    }
}
