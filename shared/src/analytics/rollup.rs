//! Reading `message_stats`, the rollup of outbound message counts per workspace, UTC quarter
//! hour, campaign, sender, template and variant that triggers on `messages` keep exact (see the
//! migration `m20261205_000016_message_stats`). A chart sums a range of quarters — at most a
//! few thousand rows whatever the volume — instead of scanning the range's messages.

use super::report::{Filter, count};
use crate::db::{QUARTER_SECONDS, Sql, quarter_start};
use crate::{AppError, WorkspaceId};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Value};

/// The counts of one group of rollup rows. Cohort counts (`sent_*`) are of the messages sent
/// in the range; event counts of what happened in it; outcome counts (`created_*`) of the
/// messages created in it, by the status-derived outcome.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Outbound messages handed to WhatsApp.
    pub sent: u64,
    /// Of those, delivered (a read message was delivered), read, answered by the lead.
    pub sent_delivered: u64,
    pub sent_read: u64,
    pub sent_replied: u64,
    /// Delivery receipts (a read receipt that overtook the delivery one counts), at their time.
    pub delivered: u64,
    /// Read receipts, at their time.
    pub reads: u64,
    /// Outbound messages answered, at the time the lead wrote back.
    pub answered: u64,
    pub created_failed: u64,
    pub created_replied: u64,
    pub created_read: u64,
    pub created_delivered: u64,
    pub created_sent: u64,
}

/// The counters, as the migration names them.
const COUNTERS: [&str; 12] = [
    "sent",
    "sent_delivered",
    "sent_read",
    "sent_replied",
    "delivered",
    "reads",
    "answered",
    "created_failed",
    "created_replied",
    "created_read",
    "created_delivered",
    "created_sent",
];

impl Counts {
    fn read(row: &QueryResult) -> Result<Self, AppError> {
        let n = |column: &str| count(row, column);
        Ok(Self {
            sent: n("sent")?,
            sent_delivered: n("sent_delivered")?,
            sent_read: n("sent_read")?,
            sent_replied: n("sent_replied")?,
            delivered: n("delivered")?,
            reads: n("reads")?,
            answered: n("answered")?,
            created_failed: n("created_failed")?,
            created_replied: n("created_replied")?,
            created_read: n("created_read")?,
            created_delivered: n("created_delivered")?,
            created_sent: n("created_sent")?,
        })
    }

    /// Adds `other` in.
    pub fn add(&mut self, other: &Counts) {
        self.sent += other.sent;
        self.sent_delivered += other.sent_delivered;
        self.sent_read += other.sent_read;
        self.sent_replied += other.sent_replied;
        self.delivered += other.delivered;
        self.reads += other.reads;
        self.answered += other.answered;
        self.created_failed += other.created_failed;
        self.created_replied += other.created_replied;
        self.created_read += other.created_read;
        self.created_delivered += other.created_delivered;
        self.created_sent += other.created_sent;
    }
}

/// How a quarter hour is bound: PostgreSQL keeps its start as a timestamp, SQLite its number
/// since the epoch (`quarter_hour`'s two forms). `round_up` takes the next quarter when `at`
/// falls inside one, so that `quarter < bound` keeps every quarter that begins before `at`.
fn quarter_value(backend: DbBackend, at: DateTime<Utc>, round_up: bool) -> Value {
    let seconds = at.timestamp();
    let mut quarter = seconds.div_euclid(QUARTER_SECONDS);
    if round_up && seconds.rem_euclid(QUARTER_SECONDS) != 0 {
        quarter += 1;
    }
    match backend {
        DbBackend::Postgres => quarter
            .checked_mul(QUARTER_SECONDS)
            .and_then(|s| DateTime::from_timestamp(s, 0))
            .unwrap_or(at)
            .into(),
        _ => quarter.into(),
    }
}

/// `SELECT <group>, <sums> FROM message_stats` of workspace `ws`, narrowed by `filter`, for the
/// quarters that begin in `[start, end)` (all of them without `range`), grouped by `group`.
fn query(
    backend: DbBackend,
    ws: WorkspaceId,
    filter: Filter,
    range: Option<(DateTime<Utc>, DateTime<Utc>)>,
    group: &str,
) -> Sql {
    let sums: Vec<String> = COUNTERS
        .iter()
        .map(|c| format!("CAST(COALESCE(SUM(s.{c}), 0) AS BIGINT) AS {c}"))
        .collect();
    let mut sql = Sql::new(backend);
    sql.push(&format!(
        "SELECT {group}, {} FROM message_stats s WHERE s.workspace_id = ",
        sums.join(", ")
    ))
    .bind(ws.0);
    if let Some(campaign) = filter.campaign {
        sql.push(" AND s.campaign_id = ").bind(campaign);
    }
    if let Some(sender) = filter.sender {
        sql.push(" AND s.sender_id = ").bind(sender);
    }
    if let Some((start, end)) = range {
        sql.push(" AND s.quarter >= ")
            .bind(quarter_value(backend, start, false))
            .push(" AND s.quarter < ")
            .bind(quarter_value(backend, end, true));
    }
    sql.push(&format!(" GROUP BY {group}"));
    sql
}

/// Counts per UTC quarter hour (its start) over `[start, end)`, or the whole history without
/// `range` (a campaign's timeline).
pub(crate) async fn by_quarter(
    db: &impl ConnectionTrait,
    ws: WorkspaceId,
    filter: Filter,
    range: Option<(DateTime<Utc>, DateTime<Utc>)>,
) -> Result<Vec<(DateTime<Utc>, Counts)>, AppError> {
    let backend = db.get_database_backend();
    let sql = query(backend, ws, filter, range, "s.quarter");
    let mut out = Vec::new();
    for row in db.query_all_raw(sql.statement()).await? {
        if let Some(at) = quarter_start(backend, &row, "quarter")? {
            out.push((at, Counts::read(&row)?));
        }
    }
    Ok(out)
}

/// Where messages came from: their campaign, template and variant (`None` where unset).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Source {
    pub campaign: Option<uuid::Uuid>,
    pub template: Option<uuid::Uuid>,
    pub variant: Option<i32>,
}

/// Counts per campaign, template and variant over `range` (the whole history without one).
pub(crate) async fn by_source(
    db: &impl ConnectionTrait,
    ws: WorkspaceId,
    filter: Filter,
    range: Option<(DateTime<Utc>, DateTime<Utc>)>,
) -> Result<Vec<(Source, Counts)>, AppError> {
    let sql = query(
        db.get_database_backend(),
        ws,
        filter,
        range,
        "s.campaign_id, s.template_id, s.variant",
    );
    // The key's sentinels for "none" (the rollup's key columns cannot be NULL).
    let some = |id: uuid::Uuid| Some(id).filter(|id| !id.is_nil());
    let mut out = Vec::new();
    for row in db.query_all_raw(sql.statement()).await? {
        let campaign: uuid::Uuid = row.try_get("", "campaign_id")?;
        let template: uuid::Uuid = row.try_get("", "template_id")?;
        let variant: i32 = row.try_get("", "variant")?;
        out.push((
            Source {
                campaign: some(campaign),
                template: some(template),
                variant: (variant >= 0).then_some(variant),
            },
            Counts::read(&row)?,
        ));
    }
    Ok(out)
}

/// Outbound messages handed to WhatsApp per template of workspace `ws` (only `template` when
/// given), over its whole history: the templates' usage counts. One grouped read of the
/// rollup, whose triggers count every writer of `messages` (one-to-one sends and campaigns
/// alike), so the count needs no bookkeeping in the send paths. Templates never used are
/// absent.
pub(crate) async fn sent_by_template(
    db: &impl ConnectionTrait,
    ws: WorkspaceId,
    template: Option<uuid::Uuid>,
) -> Result<std::collections::HashMap<uuid::Uuid, u64>, AppError> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(
        "SELECT s.template_id, CAST(COALESCE(SUM(s.sent), 0) AS BIGINT) AS sent \
         FROM message_stats s WHERE s.workspace_id = ",
    )
    .bind(ws.0);
    if let Some(id) = template {
        sql.push(" AND s.template_id = ").bind(id);
    }
    sql.push(" GROUP BY s.template_id");
    let mut out = std::collections::HashMap::new();
    for row in db.query_all_raw(sql.statement()).await? {
        let id: uuid::Uuid = row.try_get("", "template_id")?;
        let sent = count(&row, "sent")?;
        // The nil id is the rollup's "no template" key.
        if !id.is_nil() && sent > 0 {
            out.insert(id, sent);
        }
    }
    Ok(out)
}

/// Every count of the workspace's rollup against the same counts recomputed from `messages`,
/// per quarter, campaign, sender, template and variant: the rows that differ (`(key, rollup,
/// recomputed)`, empty when the rollup is exact). For tests and for checking a database by
/// hand; it scans every message of the workspace. Both reads share one snapshot, so receipts
/// landing meanwhile cannot show as drift.
pub async fn check(
    db: &sea_orm::DatabaseConnection,
    ws: WorkspaceId,
) -> Result<Vec<(String, Counts, Counts)>, AppError> {
    let snapshot = crate::db::begin_snapshot(db).await?;
    let db = &snapshot;
    let backend = db.get_database_backend();
    let key = "s.quarter, s.campaign_id, s.sender_id, s.template_id, s.variant";
    let stored = query(backend, ws, Filter::default(), None, key);
    let mut sql = Sql::new(backend);
    let q = |at: &str| crate::db::quarter_hour(backend, at);
    let nil = match backend {
        DbBackend::Postgres => "'00000000-0000-0000-0000-000000000000'::uuid",
        _ => "X'00000000000000000000000000000000'",
    };
    let outcome = "CASE WHEN m.status = 'failed' THEN 'failed' WHEN m.replied_at IS NOT NULL \
                   THEN 'replied' WHEN m.status = 'read' THEN 'read' WHEN m.status = \
                   'delivered' THEN 'delivered' ELSE 'sent' END";
    let flag = |condition: &str| format!("CASE WHEN {condition} THEN 1 ELSE 0 END");
    // One row per message and quarter it counts in, written independently of the migration's
    // generated SQL, then summed like the rollup.
    let branch = |at: &str, set: &[(&str, String)]| {
        let counters: Vec<String> = COUNTERS
            .iter()
            .map(|name| {
                let value = set
                    .iter()
                    .find(|(n, _)| n == name)
                    .map_or_else(|| "0".to_owned(), |(_, v)| v.clone());
                format!("{value} AS {name}")
            })
            .collect();
        format!(
            "SELECT m.workspace_id, {quarter} AS quarter, COALESCE(m.campaign_id, {nil}) AS \
             campaign_id, COALESCE(m.sender_id, {nil}) AS sender_id, COALESCE(m.template_id, \
             {nil}) AS template_id, COALESCE(m.variant, -1) AS variant, {counters} FROM messages \
             m WHERE m.direction = 'out' AND {at} IS NOT NULL",
            quarter = q(at),
            counters = counters.join(", "),
        )
    };
    let one = "1".to_owned();
    let parts = [
        branch(
            "m.sent_at",
            &[
                ("sent", one.clone()),
                (
                    "sent_delivered",
                    flag("m.delivered_at IS NOT NULL OR m.read_at IS NOT NULL"),
                ),
                ("sent_read", flag("m.read_at IS NOT NULL")),
                ("sent_replied", flag("m.replied_at IS NOT NULL")),
            ],
        ),
        branch(
            "COALESCE(m.delivered_at, m.read_at)",
            &[("delivered", one.clone())],
        ),
        branch("m.read_at", &[("reads", one.clone())]),
        branch("m.replied_at", &[("answered", one.clone())]),
        branch(
            "m.created_at",
            &[
                ("created_failed", flag(&format!("{outcome} = 'failed'"))),
                ("created_replied", flag(&format!("{outcome} = 'replied'"))),
                ("created_read", flag(&format!("{outcome} = 'read'"))),
                (
                    "created_delivered",
                    flag(&format!("{outcome} = 'delivered'")),
                ),
                ("created_sent", flag(&format!("{outcome} = 'sent'"))),
            ],
        ),
    ];
    let sums: Vec<String> = COUNTERS
        .iter()
        .map(|c| format!("CAST(COALESCE(SUM(s.{c}), 0) AS BIGINT) AS {c}"))
        .collect();
    sql.push(&format!(
        "SELECT {key}, {} FROM ({}) s WHERE s.workspace_id = ",
        sums.join(", "),
        parts.join(" UNION ALL ")
    ))
    .bind(ws.0)
    .push(&format!(" GROUP BY {key}"));
    let keyed = |row: &QueryResult| -> Result<String, AppError> {
        let at = quarter_start(backend, row, "quarter")?;
        let id = |column: &str| row.try_get::<uuid::Uuid>("", column);
        Ok(format!(
            "{at:?} campaign {} sender {} template {} variant {}",
            id("campaign_id")?,
            id("sender_id")?,
            id("template_id")?,
            row.try_get::<i32>("", "variant")?
        ))
    };
    let mut rollup = std::collections::BTreeMap::new();
    for row in db.query_all_raw(stored.statement()).await? {
        rollup.insert(keyed(&row)?, Counts::read(&row)?);
    }
    let mut recomputed = std::collections::BTreeMap::new();
    for row in db.query_all_raw(sql.statement()).await? {
        recomputed.insert(keyed(&row)?, Counts::read(&row)?);
    }
    snapshot.commit().await?;
    let keys: std::collections::BTreeSet<&String> =
        rollup.keys().chain(recomputed.keys()).collect();
    Ok(keys
        .into_iter()
        .filter_map(|key| {
            let a = rollup.get(key).copied().unwrap_or_default();
            let b = recomputed.get(key).copied().unwrap_or_default();
            (a != b).then(|| (key.clone(), a, b))
        })
        .collect())
}

/// The engagement columns on `leads` (messages sent, delivered, read and received; last
/// contacted, latest answered message's send, last reply) that triggers on `messages` keep
/// (migration `m20261205_000017_lead_engagement`), against the same values recomputed from the
/// messages: `(lead, column, stored, recomputed)` for each that differs, empty when exact. For
/// tests and for checking a database by hand; it scans every message of the workspace.
pub async fn check_leads(
    db: &impl ConnectionTrait,
    ws: WorkspaceId,
) -> Result<Vec<(uuid::Uuid, String, String, String)>, AppError> {
    // Written independently of the migration's generated SQL.
    let columns: [(&str, &str); 7] = [
        (
            "messages_sent",
            "SUM(CASE WHEN m.direction = 'out' AND m.sent_at IS NOT NULL THEN 1 ELSE 0 END)",
        ),
        (
            "messages_delivered",
            "SUM(CASE WHEN m.direction = 'out' AND COALESCE(m.delivered_at, m.read_at) IS NOT \
             NULL THEN 1 ELSE 0 END)",
        ),
        (
            "messages_read",
            "SUM(CASE WHEN m.direction = 'out' AND m.read_at IS NOT NULL THEN 1 ELSE 0 END)",
        ),
        (
            "messages_received",
            "SUM(CASE WHEN m.direction = 'in' THEN 1 ELSE 0 END)",
        ),
        (
            "last_contacted_at",
            "MAX(CASE WHEN m.direction = 'out' THEN m.sent_at END)",
        ),
        (
            "last_answered_sent_at",
            "MAX(CASE WHEN m.direction = 'out' AND m.replied_at IS NOT NULL THEN m.sent_at END)",
        ),
        (
            "last_reply_at",
            "MAX(CASE WHEN m.direction = 'in' THEN m.created_at END)",
        ),
    ];
    // Values compared as text: the same on both backends for counts and for times (SQLite
    // stores times as text; the triggers copy them unchanged).
    let text = |expr: &str| format!("CAST({expr} AS TEXT)");
    let mut select = vec!["l.id AS id".to_owned()];
    let mut recomputed = Vec::new();
    for (column, expr) in columns {
        let fallback = if column.starts_with("messages_") {
            format!("COALESCE(r.{column}, 0)")
        } else {
            format!("r.{column}")
        };
        select.push(format!(
            "{} AS stored_{column}",
            text(&format!("l.{column}"))
        ));
        select.push(format!("{} AS computed_{column}", text(&fallback)));
        recomputed.push(format!("{expr} AS {column}"));
    }
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(&format!(
        "SELECT {} FROM leads l LEFT JOIN (SELECT m.lead_id, {} FROM messages m WHERE \
         m.workspace_id = ",
        select.join(", "),
        recomputed.join(", ")
    ))
    .bind(ws.0)
    .push(" GROUP BY m.lead_id) r ON r.lead_id = l.id WHERE l.workspace_id = ")
    .bind(ws.0);
    let mut out = Vec::new();
    for row in db.query_all_raw(sql.statement()).await? {
        let id: uuid::Uuid = row.try_get("", "id")?;
        for (column, _) in columns {
            let stored: Option<String> = row.try_get("", &format!("stored_{column}"))?;
            let computed: Option<String> = row.try_get("", &format!("computed_{column}"))?;
            if stored != computed {
                out.push((
                    id,
                    column.to_owned(),
                    stored.unwrap_or_default(),
                    computed.unwrap_or_default(),
                ));
            }
        }
    }
    Ok(out)
}
