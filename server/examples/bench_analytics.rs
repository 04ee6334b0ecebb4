//! The analytics benchmark: seeds a brand-new PostgreSQL workspace with 1,000,000 outbound
//! messages over 90 days (three recurring two-variant campaigns and one-to-one messages, 50,000
//! leads, a tenth of the messages answered) and times what the dashboard, the analytics page
//! (whole, and narrowed to one campaign or one sender) and a campaign's page ask for, printing
//! p50/p95 per case as JSON lines.
//!
//! `cargo run --release -p server --example bench_analytics -- --postgres ADMIN_URL [--messages N] [--leads N] [--runs N]`
//!
//! A fresh database is created on that server and dropped afterwards. Seeding is SQL run by
//! PostgreSQL itself (`generate_series`, ids derived from serial numbers so every run has the
//! same data) and is not what is measured. `.ci/bench-analytics` runs it; figures are in
//! `docs/benchmarks.md`.

use chrono::{Duration as Span, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, Statement};
use shared::analytics::ReportQuery;
use shared::db::entities::user;
use shared::workspaces::{Role, service::TenantCtx};
use shared::{UserId, WorkspaceId};
use std::time::Instant;

#[path = "support/mod.rs"]
mod support;
#[path = "support/timing.rs"]
mod timing;
use timing::percentiles;

/// How many days the seeded messages cover, ending now.
const DAYS: i64 = 90;
/// Campaigns (ids `md5('campaign' || c)`); every fifth round of messages is one-to-one instead.
const CAMPAIGNS: i64 = 3;
/// Senders the messages are spread over.
const SENDERS: i64 = 3;

/// Runs one seeding statement with `$1` the workspace and `$2` the start of the range.
async fn run(
    db: &DatabaseConnection,
    workspace: WorkspaceId,
    start: chrono::DateTime<Utc>,
    sql: &str,
) -> anyhow::Result<()> {
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        sql,
        [workspace.0.into(), start.into()],
    ))
    .await?;
    Ok(())
}

/// Leads, senders, campaigns, then the messages in rounds: round `k` messages every lead once
/// (lead `i % leads`), from campaign `k % 3` (a recurring campaign's run `k`) or one-to-one when
/// `k % 5 = 4`. Nine in ten are delivered, six in ten read, one in twenty failed; a lead answers
/// one message in ten, minutes later.
async fn seed(
    db: &DatabaseConnection,
    workspace: WorkspaceId,
    messages: i64,
    leads: i64,
) -> anyhow::Result<()> {
    let start = Utc::now() - Span::days(DAYS);
    let step_ms = DAYS * 86_400_000 / messages.max(1);
    run(
        db,
        workspace,
        start,
        &format!(
            "INSERT INTO leads (id, workspace_id, name, phone_raw, phone_e164, phone_country, \
             phone_kind, website, website_status, whatsapp_status, city, category, stage, \
             opted_out, created_at, updated_at) \
             SELECT md5('lead' || n)::uuid, $1, 'Lead ' || n, '07' || lpad(n::text, 8, '0'), \
             '+2547' || lpad(n::text, 8, '0'), 'KE', 'mobile', \
             CASE WHEN n % 2 = 0 THEN 'shop' || n || '.co.ke' END, \
             CASE n % 4 WHEN 0 THEN 'WORKING' WHEN 1 THEN 'NO_WEBSITE' WHEN 2 THEN 'NOT_WORKING' \
             ELSE 'UNCHECKED' END, \
             CASE WHEN n % 10 < 8 THEN 'ON_WHATSAPP' ELSE 'UNCHECKED' END, 'Nairobi', 'Salon', \
             CASE WHEN n % 50 = 0 THEN 'converted' ELSE 'new' END, n % 97 = 0, \
             $2 + n * interval '1 second', $2 + n * interval '1 second' \
             FROM generate_series(0, {last}) n",
            last = leads - 1
        ),
    )
    .await?;
    run(
        db,
        workspace,
        start,
        &format!(
            "INSERT INTO senders (id, workspace_id, name, provider, display_number, base_url, \
             account_ref, secret_enc, webhook_secret_enc, webhook_registered, warmup, daily_cap, \
             sent_today, created_at, updated_at) \
             SELECT md5('sender' || s)::uuid, $1, 'Sender ' || s, 'gateway', '+25470000000' || s, \
             'http://127.0.0.1:9', 'session' || s, 'x', 'x', false, 'none', 1000, 0, $2, $2 \
             FROM generate_series(0, {last}) s",
            last = SENDERS - 1
        ),
    )
    .await?;
    run(
        db,
        workspace,
        start,
        &format!(
            "INSERT INTO campaigns (id, workspace_id, name, kind, status, form, run, created_at, \
             updated_at, launched_at) \
             SELECT md5('campaign' || c)::uuid, $1, 'Campaign ' || c, 'recurring', 'running', \
             '{{}}', 0, $2, $2, $2 FROM generate_series(0, {last}) c",
            last = CAMPAIGNS - 1
        ),
    )
    .await?;
    // Round k = i / leads; campaign k % 3 unless k % 5 = 4; a deterministic hash picks outcomes.
    let last = messages - 1;
    let outbound = format!(
        "FROM (SELECT i, i % {leads} AS lead, i / {leads} AS round, \
               $2 + i * {step_ms} * interval '1 millisecond' AS at, \
               (hashint8(i)::bigint % 100 + 100) % 100 AS h FROM generate_series(0::bigint, {last}) i) s"
    );
    run(
        db,
        workspace,
        start,
        &format!(
            "INSERT INTO messages (id, workspace_id, lead_id, sender_id, direction, peer_phone, \
             body, provider_message_id, status, error_code, campaign_id, variant, created_at, \
             sent_at, delivered_at, read_at, failed_at) \
             SELECT md5('message' || i)::uuid, $1, md5('lead' || lead)::uuid, \
             md5('sender' || (i % {SENDERS}))::uuid, 'out', '+2547' || lpad(lead::text, 8, '0'), \
             'Hello Lead ' || lead, 'wamid.' || i, \
             CASE WHEN h < 5 THEN 'failed' WHEN h < 65 THEN 'read' WHEN h < 95 THEN 'delivered' \
             ELSE 'sent' END, CASE WHEN h < 5 THEN 'provider_error' END, \
             CASE WHEN round % 5 <> 4 THEN md5('campaign' || (round % {CAMPAIGNS}))::uuid END, \
             CASE WHEN round % 5 <> 4 THEN (lead % 2)::int END, at, at, CASE WHEN h >= 5 AND h < 95 THEN at + interval '20 seconds' END, \
             CASE WHEN h >= 5 AND h < 65 THEN at + interval '3 minutes' END, \
             CASE WHEN h < 5 THEN at + interval '5 seconds' END {outbound}"
        ),
    )
    .await?;
    run(
        db,
        workspace,
        start,
        &format!(
            "INSERT INTO campaign_recipients (campaign_id, position, workspace_id, run, lead_id, \
             variant, state, attempts, sender_id, message_id, updated_at) \
             SELECT md5('campaign' || (round % {CAMPAIGNS}))::uuid, i, $1, round, \
             md5('lead' || lead)::uuid, (lead % 2)::int, \
             CASE WHEN h < 5 THEN 'failed' ELSE 'sent' END, 1, \
             md5('sender' || (i % {SENDERS}))::uuid, md5('message' || i)::uuid, at \
             {outbound} WHERE round % 5 <> 4"
        ),
    )
    .await?;
    run(
        db,
        workspace,
        start,
        &format!(
            "INSERT INTO messages (id, workspace_id, lead_id, sender_id, direction, peer_phone, \
             body, provider_message_id, status, created_at) \
             SELECT md5('reply' || i)::uuid, $1, md5('lead' || lead)::uuid, \
             md5('sender' || (i % {SENDERS}))::uuid, 'in', '+2547' || lpad(lead::text, 8, '0'), \
             'Tell me more', 'wamid.in.' || i, 'received', \
             at + (10 + h) * interval '1 minute' {outbound} WHERE h >= 5 AND i % 10 = 3"
        ),
    )
    .await?;
    // Planner statistics first: the attribution below looks each lead's replies up by index.
    db.execute_unprepared("ANALYZE").await?;
    // Replies attributed as the webhook does (the migration's rule for stored messages).
    run(
        db,
        workspace,
        start,
        "UPDATE messages SET replied_at = (SELECT MIN(i.created_at) FROM messages i \
         WHERE i.workspace_id = messages.workspace_id AND i.lead_id = messages.lead_id \
         AND i.direction = 'in' AND i.created_at > messages.created_at) \
         WHERE workspace_id = $1 AND direction = 'out' AND created_at >= $2",
    )
    .await?;
    db.execute_unprepared("VACUUM ANALYZE").await?;
    Ok(())
}

/// What one benchmark case asks for, as the pages do.
enum Case {
    /// The dashboard (`analytics::service::overview`).
    Dashboard,
    /// The whole analytics page for a query (`analytics::report::report`: every chart's query).
    Page(ReportQuery),
    /// A campaign's page: the campaign with its counters, rates and runs
    /// (`campaigns::service::get`) and its charts (`campaigns::activity::activity`: outcomes
    /// doughnut, timeline of sends).
    Campaign(uuid::Uuid),
}

/// Runs `case` once and returns the messages it counted: this month's sent for the dashboard,
/// the sum of the page's days, or the campaign timeline's sends.
async fn measure(
    svc: &shared::services::Services,
    ctx: &TenantCtx,
    case: &Case,
) -> anyhow::Result<u64> {
    let failed = |e: shared::AppError| anyhow::anyhow!("{e}");
    Ok(match case {
        Case::Dashboard => {
            shared::analytics::service::overview(svc, ctx)
                .await
                .map_err(failed)?
                .sent
                .month
        }
        Case::Page(query) => shared::analytics::report::report(svc, ctx, query.clone())
            .await
            .map_err(failed)?
            .days
            .iter()
            .map(|d| d.sent)
            .sum(),
        Case::Campaign(id) => {
            // The page's two loads, side by side as its resources run.
            let (_campaign, activity) = tokio::try_join!(
                shared::campaigns::service::get(svc, ctx, *id),
                shared::campaigns::activity::activity(svc, ctx, *id),
            )
            .map_err(failed)?;
            activity.timeline.points.iter().map(|p| p.sent).sum()
        }
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let usage = "usage: bench_analytics --postgres ADMIN_URL [--messages N] [--leads N] [--runs N] \
                 [--keep true]";
    let (mut messages, mut leads, mut runs, mut postgres) =
        (1_000_000i64, 50_000i64, 15usize, None::<String>);
    // Leaves the database behind, to look at query plans.
    let mut keep = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().ok_or_else(|| anyhow::anyhow!(usage))?;
        match arg.as_str() {
            "--messages" => messages = value.parse()?,
            "--leads" => leads = value.parse()?,
            "--runs" => runs = value.parse()?,
            "--postgres" => postgres = Some(value),
            "--keep" => keep = value.parse()?,
            _ => anyhow::bail!(usage),
        }
    }
    // The target is PostgreSQL's; seeding uses its `generate_series`.
    let postgres = postgres.ok_or_else(|| anyhow::anyhow!(usage))?;
    anyhow::ensure!(leads > 0 && messages > 0, "{usage}");

    let bench = support::BenchDb::create(Some(postgres)).await?;
    let (db, workspace) = (bench.db.clone(), bench.workspace);
    let seeding = Instant::now();
    seed(&db, workspace, messages, leads).await?;
    eprintln!(
        "PostgreSQL: seeded {messages} outbound messages to {leads} leads in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );
    let owner = user::Entity::find()
        .one(&db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the bench owner is missing"))?;
    let ctx = TenantCtx {
        workspace_id: workspace,
        user_id: UserId(owner.id),
        role: Role::Owner,
        slug: "bench".into(),
    };
    let today = Utc::now().date_naive();
    let range = |days: u64| ReportQuery {
        from: today - chrono::Days::new(days - 1),
        to: today,
        campaign: None,
        sender: None,
    };
    // The first campaign and the first sender, as the filters of the analytics page pick them.
    let ids = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT md5('campaign0')::uuid AS campaign, md5('sender0')::uuid AS sender",
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no campaign or sender id"))?;
    let campaign: uuid::Uuid = ids.try_get("", "campaign")?;
    let sender: uuid::Uuid = ids.try_get("", "sender")?;
    let one_campaign = |days: u64| {
        Case::Page(ReportQuery {
            campaign: Some(campaign),
            ..range(days)
        })
    };
    let one_sender = |days: u64| {
        Case::Page(ReportQuery {
            sender: Some(sender),
            ..range(days)
        })
    };
    // The seeded leads are all created in the first hours of the 90 days, so only the 90-day
    // ranges have leads in the funnel: the 90-day filtered cases are the ones where the funnel
    // searches each lead's messages of that campaign or sender.
    let cases: Vec<(&str, Case)> = vec![
        ("dashboard", Case::Dashboard),
        ("analytics page, 7 days", Case::Page(range(7))),
        ("analytics page, 30 days", Case::Page(range(30))),
        ("analytics page, 90 days", Case::Page(range(90))),
        ("analytics page, 30 days, one campaign", one_campaign(30)),
        ("analytics page, 90 days, one campaign", one_campaign(90)),
        ("analytics page, 30 days, one sender", one_sender(30)),
        ("analytics page, 90 days, one sender", one_sender(90)),
        ("campaign page, one campaign", Case::Campaign(campaign)),
    ];
    for (name, case) in cases {
        let mut times = Vec::with_capacity(runs);
        let mut sent = 0;
        // One untimed run first: the first query of a kind pays for preparing the statement.
        for run in 0..=runs {
            let started = Instant::now();
            sent = measure(&bench.svc, &ctx, &case).await?;
            if run > 0 {
                times.push(started.elapsed());
            }
        }
        let (p50, p95) = percentiles(times);
        println!(
            "{}",
            serde_json::json!({
                "backend": bench.backend,
                "messages": messages,
                "leads": leads,
                "query": name,
                "sent_in_range": sent,
                "runs": runs,
                "p50_ms": p50,
                "p95_ms": p95,
            })
        );
    }
    eprintln!(
        "PostgreSQL: peak RSS {:.0} MiB",
        support::peak_rss_mib().unwrap_or_default()
    );
    drop(db);
    if keep {
        eprintln!("PostgreSQL: kept the database (see pg_database, leadloom_bench_*)");
    } else {
        bench.finish().await?;
    }
    Ok(())
}
