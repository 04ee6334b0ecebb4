//! The analytics page's report: messages per local day (sent, delivered, read, replies), the
//! outcome share of the range's messages, the busiest campaigns side by side, the funnel, the
//! reply rate by local weekday and hour, and templates and variants compared. Message counts
//! are sums over `message_stats` (see [`super::rollup`]), by UTC quarter hour in the database
//! (the same on both backends) and placed in local days and hours here, where the time zone
//! rules are, so DST and half-hour zones hold; the funnel is per lead, over `leads`.

use super::rollup::{Counts, Source, by_quarter, by_source};
use super::service::local_day_start;
use super::significance::verdict;
use super::{
    CampaignBreakdown, Choice, DayPoint, Funnel, OutcomeShare, Reach, Report, ReportQuery,
    SendSlot, TOP_CAMPAIGNS, VariantGroup, VariantRow, Verdict,
};
use crate::db::Sql;
use crate::db::entities::{campaign, sender, template};
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

/// A count column of `row` (SQL counts are signed; a negative one reads as zero).
pub(crate) fn count(row: &sea_orm::QueryResult, column: &str) -> Result<u64, AppError> {
    let n: i64 = row.try_get("", column)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// The charts over time from the rollup's quarter hours in `[start, end)`: per local day of
/// `days` (in `tz`) what was sent, delivered, read and answered, each at its own time; and
/// per local weekday and hour the messages sent then and how many of them were answered.
/// The database sums by UTC quarter hour; each quarter falls in its local day and hour here,
/// where the time zone rules are, so DST and half-hour zones hold.
fn place(
    quarters: &[(DateTime<Utc>, Counts)],
    (days, tz): (&[NaiveDate], &chrono_tz::Tz),
) -> (Vec<DayPoint>, Vec<SendSlot>) {
    let mut points: Vec<DayPoint> = days
        .iter()
        .map(|day| DayPoint {
            day: *day,
            sent: 0,
            delivered: 0,
            read: 0,
            replied: 0,
        })
        .collect();
    let mut slots: HashMap<(u8, u8), (u64, u64)> = HashMap::new();
    for (at, n) in quarters {
        let local = at.with_timezone(tz);
        if let Some(first) = days.first() {
            let point = usize::try_from((local.date_naive() - *first).num_days())
                .ok()
                .and_then(|i| points.get_mut(i));
            if let Some(point) = point {
                point.sent += n.sent;
                point.delivered += n.delivered;
                point.read += n.reads;
                point.replied += n.answered;
            }
        }
        if n.sent > 0 {
            let weekday = u8::try_from(local.weekday().num_days_from_monday()).unwrap_or(0);
            let hour = u8::try_from(local.hour()).unwrap_or(0);
            let slot = slots.entry((weekday, hour)).or_default();
            slot.0 += n.sent;
            slot.1 += n.sent_replied;
        }
    }
    let mut send_times: Vec<SendSlot> = slots
        .into_iter()
        .map(|((weekday, hour), (sent, replied))| SendSlot {
            weekday,
            hour,
            sent,
            replied,
        })
        .collect();
    send_times.sort_by_key(|s| (s.weekday, s.hour));
    (points, send_times)
}

/// Outbound messages by where they ended up, per campaign (`None`: one-to-one messages), from
/// the rollup's sources; sources with no message created in the range are left out.
fn outcomes_of(sources: &[(Source, Counts)]) -> Vec<(Option<uuid::Uuid>, OutcomeShare)> {
    let mut by_campaign: HashMap<Option<uuid::Uuid>, OutcomeShare> = HashMap::new();
    for (source, n) in sources {
        let created = n.created_failed
            + n.created_replied
            + n.created_read
            + n.created_delivered
            + n.created_sent;
        if created == 0 {
            continue;
        }
        let share = by_campaign.entry(source.campaign).or_default();
        share.failed += n.created_failed;
        share.replied += n.created_replied;
        share.read += n.created_read;
        share.delivered += n.created_delivered;
        share.sent += n.created_sent;
    }
    by_campaign.into_iter().collect()
}

/// Outbound messages (those created in `[start, end)` when `created` is given), by where they
/// ended up, per campaign (`None`: one-to-one messages).
pub(crate) async fn outcomes(
    db: &impl ConnectionTrait,
    ws: WorkspaceId,
    filter: Filter,
    created: Option<(DateTime<Utc>, DateTime<Utc>)>,
) -> Result<Vec<(Option<uuid::Uuid>, OutcomeShare)>, AppError> {
    Ok(outcomes_of(&by_source(db, ws, filter, created).await?))
}

/// The funnel of the leads created in `[start, end)`: lead columns for the first steps, then
/// whether any of their messages (of the campaign or sender asked for) got that far. Without a
/// campaign or sender the engagement columns the triggers keep on `leads` answer (one pass
/// over the range's leads); with one, each lead's messages are searched.
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
        "SELECT COUNT(*) AS imported, \
         COALESCE(SUM(CASE WHEN l.website_status IN ('WORKING', 'NOT_WORKING', 'NO_WEBSITE') \
         THEN 1 ELSE 0 END), 0) AS website_checked, \
         COALESCE(SUM(CASE WHEN l.whatsapp_status = 'ON_WHATSAPP' THEN 1 ELSE 0 END), 0) AS on_whatsapp, \
         COALESCE(SUM(CASE WHEN l.stage = 'converted' THEN 1 ELSE 0 END), 0) AS converted",
    );
    let filter = Filter::from(query);
    if filter.campaign.is_none() && filter.sender.is_none() {
        for (name, column) in [
            ("messaged", "messages_sent"),
            ("delivered", "messages_delivered"),
            ("read_count", "messages_read"),
            ("replied", "messages_received"),
        ] {
            sql.push(&format!(
                ", COALESCE(SUM(CASE WHEN l.{column} > 0 THEN 1 ELSE 0 END), 0) AS {name}"
            ));
        }
    } else {
        flag(
            &mut sql,
            "messaged",
            "m.direction = 'out' AND m.sent_at IS NOT NULL",
            filter,
        );
        flag(
            &mut sql,
            "delivered",
            "m.direction = 'out' AND (m.delivered_at IS NOT NULL OR m.read_at IS NOT NULL)",
            filter,
        );
        flag(
            &mut sql,
            "read_count",
            "m.direction = 'out' AND m.read_at IS NOT NULL",
            filter,
        );
        // Inbound messages carry no campaign: any reply of the lead counts.
        let replies = Filter {
            campaign: None,
            ..filter
        };
        flag(&mut sql, "replied", "m.direction = 'in'", replies);
    }
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

/// What the messages of a source sent in the range achieved.
fn reach_of(n: &Counts) -> Reach {
    Reach {
        sent: n.sent,
        delivered: n.sent_delivered,
        read: n.sent_read,
        replied: n.sent_replied,
    }
}

/// The campaigns' variants, and the templates one-to-one messages were written from, with what
/// their messages sent in the range achieved (`sources`, from the rollup); campaigns with the
/// most messages first.
async fn variants(
    db: &impl ConnectionTrait,
    ws: WorkspaceId,
    query: &ReportQuery,
    sources: &[(Source, Counts)],
) -> Result<Vec<VariantGroup>, AppError> {
    let mut by_campaign: HashMap<uuid::Uuid, HashMap<i32, Reach>> = HashMap::new();
    let mut by_template: HashMap<uuid::Uuid, Reach> = HashMap::new();
    for (source, n) in sources.iter().filter(|(_, n)| n.sent > 0) {
        // A source sums over senders and, for templates, over variants: add the reaches up.
        let reach = match (source.campaign, source.variant, source.template) {
            (Some(campaign), Some(variant), _) => by_campaign
                .entry(campaign)
                .or_default()
                .entry(variant)
                .or_default(),
            // One-to-one messages carry no campaign: a campaign filter leaves them out.
            (None, _, Some(template)) if query.campaign.is_none() => {
                by_template.entry(template).or_default()
            }
            _ => continue,
        };
        let more = reach_of(n);
        reach.sent += more.sent;
        reach.delivered += more.delivered;
        reach.read += more.read;
        reach.replied += more.replied;
    }
    let campaigns = if by_campaign.is_empty() {
        Vec::new()
    } else {
        campaign::Entity::find()
            .filter(campaign::Column::WorkspaceId.eq(ws.0))
            .filter(campaign::Column::Id.is_in(by_campaign.keys().copied().collect::<Vec<_>>()))
            .all(db)
            .await?
    };
    let mut groups: Vec<VariantGroup> = campaigns
        .into_iter()
        .filter_map(|model| {
            let mut variants: Vec<(i32, Reach)> =
                by_campaign.remove(&model.id)?.into_iter().collect();
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
    let tz = ws.zone();
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
    // The rollup's sums and the funnel run side by side on the pool's connections.
    let (quarters, sources, funnel) = tokio::try_join!(
        by_quarter(db, id, (&query).into(), Some(range)),
        by_source(db, id, (&query).into(), Some(range)),
        funnel(db, id, &query, start, end),
    )?;
    let (days, send_times) = place(&quarters, (dates.as_slice(), &tz));
    let variants = variants(db, id, &query, &sources).await?;
    let per_campaign = outcomes_of(&sources);
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
