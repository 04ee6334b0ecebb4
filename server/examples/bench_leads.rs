//! The lead-list benchmark: seeds a brand-new workspace with 1,000,000 leads and times the list's
//! queries (`shared::leads::store::page` and `count`) — first page, a deep keyset page, sort by
//! name, a status filter, searches — printing p50/p95 per query as JSON lines.
//!
//! `cargo run --release -p server --example bench_leads -- [--leads N] [--runs N] [--postgres ADMIN_URL]`
//!
//! SQLite runs on a fresh file in a temporary directory; with `--postgres` a fresh database is
//! created on that server and dropped afterwards. Seeding inserts directly (multi-row `INSERT`s
//! in large transactions, the same value types the import binds) and is not what is measured.
//! `.ci/bench-leads` runs both backends; figures are in `docs/benchmarks.md`.

use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, TransactionTrait};
use shared::WorkspaceId;
use shared::db::entities::{lead, lead_tag};
use shared::imports::job::LEAD_COLUMNS;
use shared::leads::{LeadFilter, LeadSort, WebsiteStatus};

#[path = "support/mod.rs"]
mod support;
#[path = "support/timing.rs"]
mod timing;
use std::time::Instant;
use timing::percentiles;

/// A small deterministic generator (xorshift64*): the same data every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const WORDS: [&str; 24] = [
    "Mama", "Baraka", "Jua", "Kali", "Nyota", "Upendo", "Sunrise", "Royal", "Prime", "Golden",
    "Savanna", "Coastal", "Highland", "Lakeside", "Urban", "Green", "Bright", "Faith", "Unity",
    "Silver", "Ocean", "Summit", "Pioneer", "Heritage",
];
const KINDS: [&str; 12] = [
    "Bakery",
    "Pharmacy",
    "Salon",
    "Hardware",
    "Butchery",
    "Electronics",
    "Boutique",
    "Clinic",
    "Restaurant",
    "Garage",
    "Bookshop",
    "Supermarket",
];
const CITIES: [&str; 8] = [
    "Nairobi", "Mombasa", "Kisumu", "Nakuru", "Eldoret", "Lagos", "Accra", "Kampala",
];

/// One seeded lead's values. Website statuses are spread as after a verification run (about a
/// third working, a tenth with an error); every tenth lead has a tag.
fn lead_values(
    rng: &mut Rng,
    n: usize,
    id: uuid::Uuid,
    workspace: WorkspaceId,
    created: chrono::DateTime<chrono::Utc>,
) -> Vec<Expr> {
    let name = format!(
        "{} {} {}",
        rng.pick(&WORDS),
        rng.pick(&WORDS),
        rng.pick(&KINDS)
    );
    // Unique phones: the serial number spread over Kenyan mobile numbers.
    let phone = format!("+2547{:08}", (n * 7919) % 100_000_000);
    let slug = name.to_lowercase().replace(' ', "");
    let has_site = rng.below(100) < 55;
    let website = has_site.then(|| format!("www.{slug}{n}.co.ke"));
    let email = (rng.below(100) < 60).then(|| format!("info{n}@{slug}.co.ke"));
    let status = if !has_site {
        WebsiteStatus::NoWebsite
    } else {
        match rng.below(20) {
            0..=11 => WebsiteStatus::Working,
            12..=15 => WebsiteStatus::NotWorking,
            16..=17 => WebsiteStatus::Error,
            _ => WebsiteStatus::Unchecked,
        }
    };
    vec![
        id.into(),
        workspace.0.into(),
        name.into(),
        Some(format!("07{}", &phone[5..])).into(),
        Some(phone).into(),
        Some("KE").into(),
        Some("mobile").into(),
        Option::<String>::None.into(),
        email.into(),
        website.into(),
        status.as_str().into(),
        "UNCHECKED".into(),
        Some(rng.pick(&CITIES)).into(),
        Option::<String>::None.into(),
        Some(rng.pick(&KINDS)).into(),
        Option::<String>::None.into(),
        Option::<String>::None.into(),
        "new".into(),
        false.into(),
        Option::<uuid::Uuid>::None.into(),
        created.into(),
        created.into(),
    ]
}

/// Inserts `count` leads in transactions of 50,000, each statement as large as the backend's
/// parameter limit allows.
async fn seed(db: &DatabaseConnection, workspace: WorkspaceId, count: usize) -> anyhow::Result<()> {
    let per_statement = match db.get_database_backend() {
        DbBackend::Sqlite => 32_766,
        _ => 65_535,
    } / LEAD_COLUMNS.len();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    // Creation times spread over the last year, oldest first, as ids are (UUIDv7).
    let start = chrono::Utc::now() - chrono::Duration::days(365);
    let step = chrono::Duration::milliseconds((365 * 86_400_000 / count.max(1)) as i64);
    let mut n = 0;
    while n < count {
        let txn = db.begin().await?;
        let end = (n + 50_000).min(count);
        while n < end {
            let mut insert = Query::insert();
            insert.into_table(lead::Entity).columns(LEAD_COLUMNS);
            let mut tags = Query::insert();
            tags.into_table(lead_tag::Entity).columns([
                lead_tag::Column::LeadId,
                lead_tag::Column::Tag,
                lead_tag::Column::WorkspaceId,
            ]);
            let mut tagged = false;
            for _ in 0..per_statement.min(end - n) {
                let created = start + step * n as i32;
                let ms = u64::try_from(created.timestamp_millis())?;
                let mut random = [0u8; 10];
                random[..8].copy_from_slice(&rng.next().to_le_bytes());
                random[8..].copy_from_slice(&rng.next().to_le_bytes()[..2]);
                let id = uuid::Builder::from_unix_timestamp_millis(ms, &random).into_uuid();
                insert.values(lead_values(&mut rng, n, id, workspace, created))?;
                if n % 10 == 0 {
                    tags.values([
                        id.into(),
                        ["vip", "retail", "wholesale"][n % 3].into(),
                        workspace.0.into(),
                    ])?;
                    tagged = true;
                }
                n += 1;
            }
            txn.execute(&insert).await?;
            if tagged {
                txn.execute(&tags).await?;
            }
        }
        txn.commit().await?;
    }
    Ok(())
}

/// One list query the benchmark times.
struct Case {
    name: &'static str,
    filter: LeadFilter,
    sort: LeadSort,
    after: Option<String>,
    /// Times `count` alone instead of `page`.
    count_only: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let usage = "usage: bench_leads [--leads N] [--runs N] [--postgres ADMIN_URL]";
    let (mut leads, mut runs, mut postgres) = (1_000_000usize, 15usize, None::<String>);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().ok_or_else(|| anyhow::anyhow!(usage))?;
        match arg.as_str() {
            "--leads" => leads = value.parse()?,
            "--runs" => runs = value.parse()?,
            "--postgres" => postgres = Some(value),
            _ => anyhow::bail!(usage),
        }
    }

    let bench = support::BenchDb::create(postgres).await?;
    let (db, workspace, backend) = (bench.db.clone(), bench.workspace, bench.backend);

    let seeding = Instant::now();
    seed(&db, workspace, leads).await?;
    // What autovacuum/`ANALYZE` would have done by the time anyone browses a million leads:
    // fresh planner statistics (and, on PostgreSQL, the visibility map for index-only scans).
    match db.get_database_backend() {
        DbBackend::Postgres => {
            db.execute_unprepared("VACUUM ANALYZE leads").await?;
            db.execute_unprepared("VACUUM ANALYZE lead_tags").await?;
        }
        _ => {
            db.execute_unprepared("ANALYZE").await?;
        }
    }
    eprintln!(
        "{backend}: seeded {leads} leads in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );

    let store = |filter: LeadFilter, sort: LeadSort, after: Option<String>| {
        let db = db.clone();
        async move {
            shared::leads::store::page(&db, workspace, &filter, sort, after.as_deref(), 50)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))
        }
    };
    // Cursors 90 % of the way down the list, in the page's own cursor format, from rows found
    // once with OFFSET (outside the timings).
    let deep = (leads * 9 / 10) as u64;
    let deep_row = lead_at(&db, workspace, deep, LeadSort::Newest).await?;
    let deep_name_row = lead_at(&db, workspace, deep, LeadSort::Name).await?;
    let status = |s: WebsiteStatus| LeadFilter {
        website_status: vec![s],
        ..LeadFilter::default()
    };
    let search = |s: &str| LeadFilter {
        search: Some(s.to_owned()),
        ..LeadFilter::default()
    };
    let cases = vec![
        Case {
            name: "first page, newest",
            filter: LeadFilter::default(),
            sort: LeadSort::Newest,
            after: None,
            count_only: false,
        },
        Case {
            name: "deep page (90 %), newest, by cursor",
            filter: LeadFilter::default(),
            sort: LeadSort::Newest,
            after: deep_row.as_ref().map(|(id, _)| id.to_string()),
            count_only: false,
        },
        Case {
            name: "first page, by name",
            filter: LeadFilter::default(),
            sort: LeadSort::Name,
            after: None,
            count_only: false,
        },
        Case {
            name: "deep page (90 %), by name, by cursor",
            filter: LeadFilter::default(),
            sort: LeadSort::Name,
            after: deep_name_row
                .as_ref()
                .map(|(id, name)| format!("{id}|{name}")),
            count_only: false,
        },
        Case {
            name: "filter website_status = WORKING",
            filter: status(WebsiteStatus::Working),
            sort: LeadSort::Newest,
            after: None,
            count_only: false,
        },
        Case {
            name: "filter website_status = ERROR",
            filter: status(WebsiteStatus::Error),
            sort: LeadSort::Newest,
            after: None,
            count_only: false,
        },
        Case {
            name: "filter tag = vip",
            filter: LeadFilter {
                tag: Some("vip".into()),
                ..LeadFilter::default()
            },
            sort: LeadSort::Newest,
            after: None,
            count_only: false,
        },
        Case {
            name: "search \"bakery\" (common)",
            filter: search("bakery"),
            sort: LeadSort::Newest,
            after: None,
            count_only: false,
        },
        Case {
            name: "search \"info123457@\" (one lead)",
            filter: search("info123457@"),
            sort: LeadSort::Newest,
            after: None,
            count_only: false,
        },
        Case {
            name: "count, all leads",
            filter: LeadFilter::default(),
            sort: LeadSort::Newest,
            after: None,
            count_only: true,
        },
        Case {
            name: "count, website_status = WORKING",
            filter: status(WebsiteStatus::Working),
            sort: LeadSort::Newest,
            after: None,
            count_only: true,
        },
    ];
    for case in cases {
        let mut times = Vec::with_capacity(runs);
        let mut rows = 0;
        // `None` for a deep page: the list counts once per filter, on its first page.
        let mut total = None;
        // One untimed run first: the first query of a kind pays for preparing the statement.
        for run in 0..=runs {
            let started = Instant::now();
            if case.count_only {
                total = Some(
                    shared::leads::store::count(&db, workspace, &case.filter)
                        .await
                        .map_err(|e| anyhow::anyhow!("{e}"))?,
                );
            } else {
                let page = store(case.filter.clone(), case.sort, case.after.clone()).await?;
                rows = page.rows.len();
                total = page.total;
            }
            if run > 0 {
                times.push(started.elapsed());
            }
        }
        let (p50, p95) = percentiles(times);
        println!(
            "{}",
            serde_json::json!({
                "backend": backend,
                "leads": leads,
                "query": case.name,
                "rows": rows,
                "total": total,
                "runs": runs,
                "p50_ms": p50,
                "p95_ms": p95,
            })
        );
    }
    eprintln!(
        "{backend}: peak RSS {:.0} MiB",
        support::peak_rss_mib().unwrap_or_default()
    );
    drop(db);
    bench.finish().await?;
    Ok(())
}

/// The id and name of the lead at `offset` in a sort order (to build a deep cursor).
async fn lead_at(
    db: &DatabaseConnection,
    workspace: WorkspaceId,
    offset: u64,
    sort: LeadSort,
) -> anyhow::Result<Option<(uuid::Uuid, String)>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    let query = lead::Entity::find()
        .select_only()
        .columns([lead::Column::Id, lead::Column::Name])
        .filter(lead::Column::WorkspaceId.eq(workspace.0));
    let query = match sort {
        LeadSort::Name => query
            .order_by_asc(lead::Column::Name)
            .order_by_asc(lead::Column::Id),
        _ => query.order_by_desc(lead::Column::Id),
    };
    Ok(query
        .offset(offset)
        .limit(1)
        .into_tuple::<(uuid::Uuid, String)>()
        .one(db)
        .await?)
}
