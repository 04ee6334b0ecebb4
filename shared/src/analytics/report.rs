//! The analytics page's report: messages per local day (sent, delivered, read, replies), the
//! outcome share of the range's messages, the busiest campaigns side by side, the funnel, the
//! reply rate by local weekday and hour, and templates and variants compared — each one SQL
//! aggregate over `messages`, run side by side. Times are grouped by UTC quarter hour in the
//! database (the same on both backends) and placed in local days and hours here, where the
//! time zone rules are, so DST and half-hour zones hold.

use super::service::local_day_start;
use super::significance::verdict;
use super::{
    CampaignBreakdown, Choice, DayPoint, Funnel, OutcomeShare, Reach, Report, ReportQuery,
    SendSlot, TOP_CAMPAIGNS, VariantGroup, VariantRow, Verdict,
};
use crate::db::entities::{campaign, sender, template};
use crate::db::{Sql, quarter_hour, quarter_start};
use crate::services::Services;
use crate::workspaces::{Permission, service::TenantCtx, store as workspaces};
use crate::{AppError, WorkspaceId};
use chrono::{DateTime, Datelike, Days, NaiveDate, Timelike, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;

/// What a query is narrowed to besides its workspace: the campaign or sender asked for.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Filter {
    pub campaign: Option<uuid::Uuid>,
    pub sender: Option<uuid::Uuid>,
}

impl From<&ReportQuery> for Filter {
    fn from(query: &ReportQuery) -> Self {
        Self {
            campaign: query.campaign,
            sender: query.sender,
        }
    }
}

/// The filters every query shares: the workspace, and the campaign or sender asked for.
trait Scoped {
    fn scope(&mut self, ws: WorkspaceId, filter: impl Into<Filter>) -> &mut Self;
}

impl Scoped for Sql {
    fn scope(&mut self, ws: WorkspaceId, filter: impl Into<Filter>) -> &mut Self {
        let filter = filter.into();
        self.push(" m.workspace_id = ").bind(ws.0);
        if let Some(campaign) = filter.campaign {
            self.push(" AND m.campaign_id = ").bind(campaign);
        }
        if let Some(sender) = filter.sender {
            self.push(" AND m.sender_id = ").bind(sender);
        }
        self
    }
}

/// An outbound message `m` that its lead answered: the lead wrote after it (attributed as the
/// reply arrives, see `whatsapp::messages::mark_replied`).
const REPLIED: &str = "m.replied_at IS NOT NULL";

/// Delivered, read and replied counts of the outbound messages `m` selected.
const REACH: &str = "COUNT(*) AS sent, \
     COALESCE(SUM(CASE WHEN m.delivered_at IS NOT NULL OR m.read_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS delivered, \
     COALESCE(SUM(CASE WHEN m.read_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS read_count, \
     COALESCE(SUM(CASE WHEN m.replied_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS replied";

fn reach_of(row: &sea_orm::QueryResult) -> Result<Reach, AppError> {
    Ok(Reach {
        sent: count(row, "sent")?,
        delivered: count(row, "delivered")?,
        read: count(row, "read_count")?,
        replied: count(row, "replied")?,
    })
}

pub(crate) fn count(row: &sea_orm::QueryResult, column: &str) -> Result<u64, AppError> {
    let n: i64 = row.try_get("", column)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// What the line chart counts per day, each at its own time.
#[derive(Clone, Copy)]
enum Event {
    Sent,
    /// A read receipt that overtook the delivery one still means delivered.
    Delivered,
    Read,
    /// Leads' messages (a stranger's is not a reply).
    Replied,
}

impl Event {
    /// The time the event happened, as an SQL expression over `m`.
    fn at(self) -> &'static str {
        match self {
            Event::Sent => "m.sent_at",
            Event::Delivered => "COALESCE(m.delivered_at, m.read_at)",
            Event::Read => "m.read_at",
            Event::Replied => "m.created_at",
        }
    }

    /// `at()` in `[start, end)`, said so each column's index can serve it.
    fn within(self, sql: &mut Sql, (start, end): (DateTime<Utc>, DateTime<Utc>)) {
        let between = |sql: &mut Sql, column: &str| {
            sql.push(&format!(" {column} >= "))
                .bind(start)
                .push(&format!(" AND {column} < "))
                .bind(end);
        };
        match self {
            Event::Delivered => {
                sql.push(" ((");
                between(sql, "m.delivered_at");
                sql.push(") OR (m.delivered_at IS NULL AND");
                between(sql, "m.read_at");
                sql.push("))");
            }
            _ => between(sql, self.at()),
        }
    }
}

/// Per local day of `days` (the range `[start, end)` in `tz`), how many of `event` happened
/// in it. The database counts by UTC quarter hour, one indexed range scan; each quarter then
/// falls in its local day here.
async fn per_day(
    db: &impl ConnectionTrait,
    ws: WorkspaceId,
    query: &ReportQuery,
    (days, tz): (&[NaiveDate], &chrono_tz::Tz),
    range: (DateTime<Utc>, DateTime<Utc>),
    event: Event,
) -> Result<Vec<u64>, AppError> {
    let backend = db.get_database_backend();
    let mut sql = Sql::new(backend);
    sql.push(&format!(
        "SELECT {} AS quarter, COUNT(*) AS n FROM messages m WHERE",
        quarter_hour(backend, event.at())
    ));
    if let Event::Replied = event {
        // Inbound messages carry no campaign: a campaign's replies are its leads'.
        sql.scope(
            ws,
            Filter {
                campaign: None,
                ..query.into()
            },
        );
        sql.push(" AND m.direction = 'in' AND m.lead_id IS NOT NULL");
        if let Some(campaign) = query.campaign {
            sql.push(" AND m.lead_id IN (SELECT c.lead_id FROM messages c WHERE c.workspace_id = ")
                .bind(ws.0)
                .push(" AND c.campaign_id = ")
                .bind(campaign)
                .push(")");
        }
    } else {
        sql.scope(ws, query);
        sql.push(" AND m.direction = 'out'");
    }
    sql.push(" AND");
    event.within(&mut sql, range);
    sql.push(" GROUP BY quarter");
    let mut out = vec![0; days.len()];
    let Some(first) = days.first() else {
        return Ok(out);
    };
    for row in db.query_all_raw(sql.statement()).await? {
        let Some(at) = quarter_start(backend, &row, "quarter")? else {
            continue;
        };
        let day = at.with_timezone(tz).date_naive();
        let slot = usize::try_from((day - *first).num_days())
            .ok()
            .and_then(|i| out.get_mut(i));
        if let Some(slot) = slot {
            *slot += count(&row, "n")?;
        }
    }
    Ok(out)
}

/// Outbound messages (those created in `[start, end)` when `created` is given), by where they
/// ended up, per campaign (`None`: one-to-one messages).
pub(crate) async fn outcomes(
    db: &impl ConnectionTrait,
    ws: WorkspaceId,
    filter: Filter,
    created: Option<(DateTime<Utc>, DateTime<Utc>)>,
) -> Result<Vec<(Option<uuid::Uuid>, OutcomeShare)>, AppError> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(&format!(
        "SELECT m.campaign_id AS campaign_id, CASE WHEN m.status = 'failed' THEN 'failed' \
         WHEN {REPLIED} THEN 'replied' \
         WHEN m.status = 'read' THEN 'read' WHEN m.status = 'delivered' THEN 'delivered' \
         ELSE 'sent' END AS outcome, COUNT(*) AS n FROM messages m WHERE"
    ));
    sql.scope(ws, filter);
    sql.push(" AND m.direction = 'out'");
    if let Some((start, end)) = created {
        sql.push(" AND m.created_at >= ")
            .bind(start)
            .push(" AND m.created_at < ")
            .bind(end);
    }
    sql.push(" GROUP BY m.campaign_id, outcome");
    let mut by_campaign: HashMap<Option<uuid::Uuid>, OutcomeShare> = HashMap::new();
    for row in db.query_all_raw(sql.statement()).await? {
        let campaign: Option<uuid::Uuid> = row.try_get("", "campaign_id")?;
        let outcome: String = row.try_get("", "outcome")?;
        let n = count(&row, "n")?;
        let share = by_campaign.entry(campaign).or_default();
        match outcome.as_str() {
            "failed" => share.failed += n,
            "replied" => share.replied += n,
            "read" => share.read += n,
            "delivered" => share.delivered += n,
            _ => share.sent += n,
        }
    }
    Ok(by_campaign.into_iter().collect())
}

/// The funnel of the leads created in `[start, end)`: lead columns for the first steps, then
/// whether any of their messages (of the campaign or sender asked for) got that far.
async fn funnel(
    db: &impl ConnectionTrait,
    ws: WorkspaceId,
    query: &ReportQuery,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Funnel, AppError> {
    let mut sql = Sql::new(db.get_database_backend());
    let flag = |sql: &mut Sql, name: &str, condition: &str, scope: Filter| {
        sql.push(", COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM messages m WHERE");
        sql.scope(ws, scope);
        sql.push(&format!(
            " AND m.lead_id = l.id AND {condition}) THEN 1 ELSE 0 END), 0) AS {name}"
        ));
    };
    sql.push(
        "SELECT COUNT(*) AS imported,          COALESCE(SUM(CASE WHEN l.website_status IN ('WORKING', 'NOT_WORKING', 'NO_WEBSITE')            THEN 1 ELSE 0 END), 0) AS website_checked,          COALESCE(SUM(CASE WHEN l.whatsapp_status = 'ON_WHATSAPP' THEN 1 ELSE 0 END), 0) AS on_whatsapp,          COALESCE(SUM(CASE WHEN l.stage = 'converted' THEN 1 ELSE 0 END), 0) AS converted",
    );
    flag(
        &mut sql,
        "messaged",
        "m.direction = 'out' AND m.sent_at IS NOT NULL",
        query.into(),
    );
    flag(
        &mut sql,
        "delivered",
        "m.direction = 'out' AND (m.delivered_at IS NOT NULL OR m.read_at IS NOT NULL)",
        query.into(),
    );
    flag(
        &mut sql,
        "read_count",
        "m.direction = 'out' AND m.read_at IS NOT NULL",
        query.into(),
    );
    // Inbound messages carry no campaign: any reply of the lead counts.
    let replies = Filter {
        campaign: None,
        ..query.into()
    };
    flag(&mut sql, "replied", "m.direction = 'in'", replies);
    sql.push(" FROM leads l WHERE l.workspace_id = ")
        .bind(ws.0)
        .push(" AND l.created_at >= ")
        .bind(start)
        .push(" AND l.created_at < ")
        .bind(end);
    let row = db
        .query_one_raw(sql.statement())
        .await?
        .ok_or_else(|| AppError::internal("analytics funnel", "the query returned no row"))?;
    Ok(Funnel {
        imported: count(&row, "imported")?,
        website_checked: count(&row, "website_checked")?,
        on_whatsapp: count(&row, "on_whatsapp")?,
        messaged: count(&row, "messaged")?,
        delivered: count(&row, "delivered")?,
        read: count(&row, "read_count")?,
        replied: count(&row, "replied")?,
        converted: count(&row, "converted")?,
    })
}

/// Messages sent in `[start, end)` and how many were answered, by local weekday and hour. The
/// database groups by UTC quarter hour (the same on both backends); each is then placed in its
/// local hour here, where the time zone rules are.
async fn send_times(
    db: &impl ConnectionTrait,
    ws: WorkspaceId,
    query: &ReportQuery,
    (start, end): (DateTime<Utc>, DateTime<Utc>),
    tz: &chrono_tz::Tz,
) -> Result<Vec<SendSlot>, AppError> {
    let backend = db.get_database_backend();
    let bucket = quarter_hour(backend, "m.sent_at");
    let mut sql = Sql::new(backend);
    sql.push(&format!(
        "SELECT {bucket} AS quarter, COUNT(*) AS sent, \
         COALESCE(SUM(CASE WHEN {REPLIED} THEN 1 ELSE 0 END), 0) AS replied \
         FROM messages m WHERE"
    ));
    sql.scope(ws, query);
    sql.push(" AND m.direction = 'out' AND m.sent_at >= ")
        .bind(start)
        .push(" AND m.sent_at < ")
        .bind(end)
        .push(" GROUP BY quarter");
    let mut slots: HashMap<(u8, u8), (u64, u64)> = HashMap::new();
    for row in db.query_all_raw(sql.statement()).await? {
        let Some(at) = quarter_start(backend, &row, "quarter")? else {
            continue;
        };
        let local = at.with_timezone(tz);
        let weekday = u8::try_from(local.weekday().num_days_from_monday()).unwrap_or(0);
        let hour = u8::try_from(local.hour()).unwrap_or(0);
        let slot = slots.entry((weekday, hour)).or_default();
        slot.0 += count(&row, "sent")?;
        slot.1 += count(&row, "replied")?;
    }
    let mut out: Vec<SendSlot> = slots
        .into_iter()
        .map(|((weekday, hour), (sent, replied))| SendSlot {
            weekday,
            hour,
            sent,
            replied,
        })
        .collect();
    out.sort_by_key(|s| (s.weekday, s.hour));
    Ok(out)
}

/// The verdicts on delivery, read and reply rates across `rows`.
fn compare(name: String, campaign: Option<uuid::Uuid>, rows: Vec<VariantRow>) -> VariantGroup {
    let test = |hits: fn(&Reach) -> u64| -> Verdict {
        let table: Vec<(u64, u64)> = rows
            .iter()
            .map(|r| (hits(&r.reach), r.reach.sent))
            .collect();
        verdict(&table)
    };
    VariantGroup {
        delivery: test(|r| r.delivered),
        read: test(|r| r.read),
        reply: test(|r| r.replied),
        name,
        campaign,
        rows,
    }
}

/// The campaigns' variants, and the templates one-to-one messages were written from, with what
/// their messages sent in `[start, end)` achieved; campaigns with the most messages first.
async fn variants(
    db: &impl ConnectionTrait,
    ws: WorkspaceId,
    query: &ReportQuery,
    (start, end): (DateTime<Utc>, DateTime<Utc>),
) -> Result<Vec<VariantGroup>, AppError> {
    let backend = db.get_database_backend();
    let mut sql = Sql::new(backend);
    sql.push(&format!(
        "SELECT r.campaign_id AS campaign_id, r.variant AS variant, {REACH} \
         FROM campaign_recipients r JOIN messages m ON m.id = r.message_id \
         WHERE r.workspace_id = "
    ))
    .bind(ws.0)
    .push(" AND");
    sql.scope(ws, query);
    sql.push(" AND m.direction = 'out' AND m.sent_at >= ")
        .bind(start)
        .push(" AND m.sent_at < ")
        .bind(end)
        .push(" GROUP BY r.campaign_id, r.variant");
    let mut by_campaign: HashMap<uuid::Uuid, Vec<(i32, Reach)>> = HashMap::new();
    for row in db.query_all_raw(sql.statement()).await? {
        let campaign: uuid::Uuid = row.try_get("", "campaign_id")?;
        let variant: i32 = row.try_get("", "variant")?;
        by_campaign
            .entry(campaign)
            .or_default()
            .push((variant, reach_of(&row)?));
    }
    let campaigns = campaign::Entity::find()
        .filter(campaign::Column::WorkspaceId.eq(ws.0))
        .filter(campaign::Column::Id.is_in(by_campaign.keys().copied().collect::<Vec<_>>()))
        .all(db)
        .await?;
    let mut groups: Vec<VariantGroup> = campaigns
        .into_iter()
        .filter_map(|model| {
            let mut variants = by_campaign.remove(&model.id)?;
            variants.sort_by_key(|(i, _)| *i);
            let form = crate::campaigns::service::form_of(&model);
            let rows = variants
                .into_iter()
                .map(|(i, reach)| {
                    let index = usize::try_from(i).unwrap_or(0);
                    VariantRow {
                        label: form.label_of(index),
                        reach,
                    }
                })
                .collect();
            Some(compare(model.name, Some(model.id), rows))
        })
        .collect();
    let sent = |g: &VariantGroup| g.rows.iter().map(|r| r.reach.sent).sum::<u64>();
    groups.sort_by(|a, b| sent(b).cmp(&sent(a)).then_with(|| a.name.cmp(&b.name)));
    groups.truncate(TOP_CAMPAIGNS);

    // One-to-one messages carry no campaign: a campaign filter leaves them out.
    if query.campaign.is_none() {
        let mut sql = Sql::new(backend);
        sql.push(&format!(
            "SELECT m.template_id AS template_id, {REACH} FROM messages m WHERE"
        ));
        sql.scope(ws, query);
        sql.push(
            " AND m.direction = 'out' AND m.campaign_id IS NULL AND m.template_id IS NOT NULL \
             AND m.sent_at >= ",
        )
        .bind(start)
        .push(" AND m.sent_at < ")
        .bind(end)
        .push(" GROUP BY m.template_id");
        let mut by_template: HashMap<uuid::Uuid, Reach> = HashMap::new();
        for row in db.query_all_raw(sql.statement()).await? {
            by_template.insert(row.try_get("", "template_id")?, reach_of(&row)?);
        }
        if !by_template.is_empty() {
            let names = template::Entity::find()
                .select_only()
                .column(template::Column::Id)
                .column(template::Column::Name)
                .filter(template::Column::WorkspaceId.eq(ws.0))
                .filter(template::Column::Id.is_in(by_template.keys().copied().collect::<Vec<_>>()))
                .into_tuple::<(uuid::Uuid, String)>()
                .all(db)
                .await?;
            let mut rows: Vec<VariantRow> = names
                .into_iter()
                .filter_map(|(id, label)| {
                    Some(VariantRow {
                        label,
                        reach: by_template.remove(&id)?,
                    })
                })
                .collect();
            rows.sort_by(|a, b| {
                b.reach
                    .sent
                    .cmp(&a.reach.sent)
                    .then_with(|| a.label.cmp(&b.label))
            });
            groups.push(compare("One-to-one messages".to_owned(), None, rows));
        }
    }
    Ok(groups)
}

/// The workspace's rows of `E` as choices for a filter: `[id, name, workspace]` columns, in
/// `order`.
async fn choices<E: EntityTrait>(
    db: &impl ConnectionTrait,
    [id, name, workspace]: [E::Column; 3],
    (by, order): (E::Column, Order),
    ws: WorkspaceId,
) -> Result<Vec<Choice>, AppError> {
    Ok(E::find()
        .select_only()
        .column(id)
        .column(name)
        .filter(workspace.eq(ws.0))
        .order_by(by, order)
        .into_tuple::<(uuid::Uuid, String)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(id, name)| Choice { id, name })
        .collect())
}

/// The report for `query`, in the workspace's time zone.
pub async fn report(
    svc: &Services,
    ctx: &TenantCtx,
    query: ReportQuery,
) -> Result<Report, AppError> {
    ctx.require(Permission::AnalyticsView)?;
    let length = query.days()?;
    let ws = workspaces::find(&svc.db, ctx.workspace_id).await?;
    let tz: chrono_tz::Tz = ws.timezone.parse().unwrap_or(chrono_tz::UTC);
    let db = &svc.db;
    let id = ctx.workspace_id;
    // Newest campaigns first (the one just launched is the one asked about); senders in the
    // order they were added, as on the senders page.
    let campaign_choices = choices::<campaign::Entity>(
        db,
        [
            campaign::Column::Id,
            campaign::Column::Name,
            campaign::Column::WorkspaceId,
        ],
        (campaign::Column::CreatedAt, Order::Desc),
        id,
    )
    .await?;
    let sender_choices = choices::<sender::Entity>(
        db,
        [
            sender::Column::Id,
            sender::Column::Name,
            sender::Column::WorkspaceId,
        ],
        (sender::Column::CreatedAt, Order::Asc),
        id,
    )
    .await?;
    // Another workspace's campaign or sender is simply not found.
    if query
        .campaign
        .is_some_and(|c| !campaign_choices.iter().any(|x| x.id == c))
        || query
            .sender
            .is_some_and(|s| !sender_choices.iter().any(|x| x.id == s))
    {
        return Err(AppError::NotFound);
    }
    let dates: Vec<NaiveDate> = (0..length)
        .filter_map(|i| {
            query
                .from
                .checked_add_days(Days::new(u64::try_from(i).ok()?))
        })
        .collect();
    let (Some(first), Some(last)) = (dates.first(), dates.last()) else {
        return Err(AppError::field("from", "Choose a date range."));
    };
    let range = (
        local_day_start(*first, &tz),
        local_day_start(last.succ_opt().unwrap_or(*last), &tz),
    );
    let (start, end) = range;
    let at = (dates.as_slice(), &tz);
    // Each chart is its own query; they run side by side on the pool's connections.
    let (sent, delivered, read, replied, per_campaign, funnel, send_times, variants) = tokio::try_join!(
        per_day(db, id, &query, at, range, Event::Sent),
        per_day(db, id, &query, at, range, Event::Delivered),
        per_day(db, id, &query, at, range, Event::Read),
        per_day(db, id, &query, at, range, Event::Replied),
        outcomes(db, id, (&query).into(), Some((start, end))),
        funnel(db, id, &query, start, end),
        send_times(db, id, &query, range, &tz),
        variants(db, id, &query, range),
    )?;
    let days = dates
        .iter()
        .enumerate()
        .map(|(i, day)| DayPoint {
            day: *day,
            sent: sent[i],
            delivered: delivered[i],
            read: read[i],
            replied: replied[i],
        })
        .collect();
    let mut total = OutcomeShare::default();
    for (_, share) in &per_campaign {
        total.replied += share.replied;
        total.read += share.read;
        total.delivered += share.delivered;
        total.sent += share.sent;
        total.failed += share.failed;
    }
    let names: HashMap<uuid::Uuid, &str> = campaign_choices
        .iter()
        .map(|c| (c.id, c.name.as_str()))
        .collect();
    let mut campaigns: Vec<CampaignBreakdown> = per_campaign
        .into_iter()
        .filter_map(|(campaign, outcomes)| {
            let id = campaign?;
            Some(CampaignBreakdown {
                id,
                name: (*names.get(&id)?).to_owned(),
                outcomes,
            })
        })
        .collect();
    campaigns.sort_by(|a, b| {
        b.outcomes
            .total()
            .cmp(&a.outcomes.total())
            .then_with(|| a.name.cmp(&b.name))
    });
    campaigns.truncate(TOP_CAMPAIGNS);
    Ok(Report {
        query,
        days,
        outcomes: total,
        campaigns,
        funnel,
        send_times,
        variants,
        campaign_choices,
        sender_choices,
    })
}
