//! The dashboard's numbers, counted in SQL on the tables the dispatcher and the webhooks
//! write: message counts from their rollup (see [`super::rollup`]), leads from `leads` and
//! their engagement columns, recent replies from `messages`. Days, weeks and months are the
//! workspace's own (its IANA time zone).

use super::report::Filter;
use super::rollup::{Counts, by_quarter};
use super::{
    LeadTotals, Overview, RATE_WINDOW_DAYS, RateCounts, RecentReply, SenderStanding, SentTotals,
};
use crate::campaigns::planner::SenderPace;
use crate::db::entities::{campaign, lead, message, sender_lease};
use crate::db::{QUARTER_SECONDS, Sql};
use crate::services::Services;
use crate::whatsapp::senders;
use crate::workspaces::{Permission, service::TenantCtx, store as workspaces};
use crate::{AppError, WorkspaceId};
use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;

/// How many replies the dashboard lists.
const RECENT_REPLIES: u64 = 5;

/// The dashboard's analytics for the workspace, as of `now`.
pub async fn overview(svc: &Services, ctx: &TenantCtx) -> Result<Overview, AppError> {
    ctx.require(Permission::AnalyticsView)?;
    let ws = workspaces::find(&svc.db, ctx.workspace_id).await?;
    let tz = ws.zone();
    let now = Utc::now();
    let db = &svc.db;
    let id = ctx.workspace_id;
    Ok(Overview {
        leads: lead_totals(db, id).await?,
        sent: sent_totals(db, id, now, &tz).await?,
        rates: rate_counts(
            db,
            id,
            now - chrono::Duration::days(RATE_WINDOW_DAYS.into()),
            now,
        )
        .await?,
        running_campaigns: campaign::Entity::find()
            .filter(campaign::Column::WorkspaceId.eq(id.0))
            .filter(campaign::Column::Status.eq("running"))
            .count(db)
            .await?,
        senders: sender_standings(svc, ctx, now).await?,
        recent_replies: recent_replies(db, id).await?,
    })
}

async fn lead_totals(db: &impl ConnectionTrait, id: WorkspaceId) -> Result<LeadTotals, AppError> {
    let leads = || lead::Entity::find().filter(lead::Column::WorkspaceId.eq(id.0));
    Ok(LeadTotals {
        total: leads().count(db).await?,
        working_site: leads()
            .filter(lead::Column::WebsiteStatus.eq("WORKING"))
            .count(db)
            .await?,
        no_working_site: leads()
            .filter(lead::Column::WebsiteStatus.is_in(["NO_WEBSITE", "NOT_WORKING"]))
            .count(db)
            .await?,
        on_whatsapp: leads()
            .filter(lead::Column::WhatsappStatus.eq("ON_WHATSAPP"))
            .count(db)
            .await?,
    })
}

/// The instant local midnight begins `day` in `tz`; where a DST change skips midnight, the
/// first instant of the day that exists.
pub fn local_day_start<Tz: TimeZone>(day: NaiveDate, tz: &Tz) -> DateTime<Utc> {
    (0..=3)
        .find_map(|hour| {
            day.and_hms_opt(hour, 0, 0)
                .and_then(|local| tz.from_local_datetime(&local).earliest())
        })
        .map_or_else(
            || day.and_time(chrono::NaiveTime::MIN).and_utc(),
            |at| at.with_timezone(&Utc),
        )
}

/// Where today, this week (from Monday) and this month begin, locally, as instants.
pub fn calendar_starts<Tz: TimeZone>(
    now: DateTime<Utc>,
    tz: &Tz,
) -> (DateTime<Utc>, DateTime<Utc>, DateTime<Utc>) {
    let today = now.with_timezone(tz).date_naive();
    let monday = today
        .checked_sub_days(Days::new(u64::from(today.weekday().num_days_from_monday())))
        .unwrap_or(today);
    let first = today.with_day(1).unwrap_or(today);
    (
        local_day_start(today, tz),
        local_day_start(monday, tz),
        local_day_start(first, tz),
    )
}

/// Sums of the rollup's quarter hours from `from` to now (see [`super::rollup`]).
async fn since(
    db: &impl ConnectionTrait,
    id: WorkspaceId,
    from: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Vec<(DateTime<Utc>, Counts)>, AppError> {
    by_quarter(db, id, Filter::default(), Some((from, now))).await
}

async fn sent_totals(
    db: &impl ConnectionTrait,
    id: WorkspaceId,
    now: DateTime<Utc>,
    tz: &chrono_tz::Tz,
) -> Result<SentTotals, AppError> {
    // Local midnights fall on quarter hours (every zone's offset is whole quarters), so the
    // rollup's quarters split exactly at them.
    let (day, week, month) = calendar_starts(now, tz);
    let quarters = since(db, id, week.min(month), now).await?;
    let sent = |from: DateTime<Utc>| {
        quarters
            .iter()
            .filter(|(at, _)| *at >= from)
            .map(|(_, n)| n.sent)
            .sum()
    };
    Ok(SentTotals {
        today: sent(day),
        week: sent(week),
        month: sent(month),
    })
}

async fn rate_counts(
    db: &impl ConnectionTrait,
    id: WorkspaceId,
    from: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<RateCounts, AppError> {
    // The window starts on the quarter hour `from` falls in, the rollup's grain; the leads are
    // counted over the same window.
    let from = DateTime::from_timestamp(
        from.timestamp().div_euclid(QUARTER_SECONDS) * QUARTER_SECONDS,
        0,
    )
    .unwrap_or(from);
    let mut counts = Counts::default();
    for (_, n) in since(db, id, from, now).await? {
        counts.add(&n);
    }
    // Leads are counted once each, which a sum cannot do: the engagement columns the triggers
    // keep on `leads` answer in one pass over the workspace's leads. A lead was messaged in the
    // window when its last message was sent in it; it counts as answering when the latest
    // message it answered was sent in the window (it wrote back after one of the window's
    // messages); the opted-out are those messaged who have opted out since. Sums are cast back
    // to integers (PostgreSQL widens them).
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(
        "SELECT COUNT(*) AS leads_messaged, \
         CAST(COALESCE(SUM(CASE WHEN last_answered_sent_at >= ",
    )
    .bind(from)
    .push(
        " THEN 1 ELSE 0 END), 0) AS BIGINT) AS leads_replied, \
         CAST(COALESCE(SUM(CASE WHEN opted_out THEN 1 ELSE 0 END), 0) AS BIGINT) \
         AS leads_opted_out FROM leads WHERE workspace_id = ",
    )
    .bind(id.0)
    .push(" AND last_contacted_at >= ")
    .bind(from);
    let row = db
        .query_one_raw(sql.statement())
        .await?
        .ok_or_else(|| AppError::internal("dashboard rates", "the query returned no row"))?;
    let get = |column: &str| -> Result<u64, AppError> {
        let n: i64 = row.try_get("", column)?;
        Ok(u64::try_from(n).unwrap_or(0))
    };
    Ok(RateCounts {
        sent: counts.sent,
        delivered: counts.sent_delivered,
        read: counts.sent_read,
        leads_messaged: get("leads_messaged")?,
        leads_replied: get("leads_replied")?,
        leads_opted_out: get("leads_opted_out")?,
    })
}

/// The dashboard's WhatsApp panel alone, as of now: what the open dashboard asks for every few
/// seconds to follow its senders, without counting everything else again.
pub async fn sender_panel(
    svc: &Services,
    ctx: &TenantCtx,
) -> Result<Vec<SenderStanding>, AppError> {
    ctx.require(Permission::AnalyticsView)?;
    sender_standings(svc, ctx, Utc::now()).await
}

async fn sender_standings(
    svc: &Services,
    ctx: &TenantCtx,
    now: DateTime<Utc>,
) -> Result<Vec<SenderStanding>, AppError> {
    let senders = senders::list(svc, ctx).await?;
    let leases: HashMap<_, _> = sender_lease::Entity::find()
        .filter(sender_lease::Column::WorkspaceId.eq(ctx.workspace_id.0))
        .filter(sender_lease::Column::CampaignId.is_not_null())
        .all(&svc.db)
        .await?
        .into_iter()
        .map(|lease| (lease.sender_id, lease))
        .collect();
    let running: HashMap<_, _> = campaign::Entity::find()
        .filter(campaign::Column::WorkspaceId.eq(ctx.workspace_id.0))
        .filter(campaign::Column::Status.eq("running"))
        .all(&svc.db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    Ok(senders
        .into_iter()
        .map(|s| {
            // A lease names the campaign that last sent from the number; it only counts while
            // that campaign runs.
            let lease = leases
                .get(&s.id)
                .filter(|l| l.campaign_id.is_some_and(|c| running.contains_key(&c)));
            let pace: Option<SenderPace> = lease.and_then(|l| serde_json::from_str(&l.pace).ok());
            let next_send_at = pace.as_ref().and_then(|p| p.next_at).filter(|at| *at > now);
            SenderStanding {
                health: s.health_label().to_owned(),
                campaign: lease
                    .and_then(|l| l.campaign_id)
                    .and_then(|c| running.get(&c).cloned()),
                cooling_down: next_send_at.is_some() && pace.is_some_and(|p| p.cooling_down),
                next_send_at,
                id: s.id,
                name: s.name,
                display_number: s.display_number,
                paused_reason: s.paused_reason,
                sent_today: s.sent_today,
                daily_cap: s.daily_cap,
            }
        })
        .collect())
}

async fn recent_replies(
    db: &impl ConnectionTrait,
    id: WorkspaceId,
) -> Result<Vec<RecentReply>, AppError> {
    let replies = message::Entity::find()
        .filter(message::Column::WorkspaceId.eq(id.0))
        .filter(message::Column::Direction.eq("in"))
        .order_by_desc(message::Column::CreatedAt)
        .limit(RECENT_REPLIES)
        .all(db)
        .await?;
    let lead_ids: Vec<_> = replies.iter().filter_map(|m| m.lead_id).collect();
    let names: HashMap<_, _> = if lead_ids.is_empty() {
        HashMap::new()
    } else {
        lead::Entity::find()
            .filter(lead::Column::WorkspaceId.eq(id.0))
            .filter(lead::Column::Id.is_in(lead_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|l| (l.id, l.name))
            .collect()
    };
    Ok(replies
        .into_iter()
        .map(|m| RecentReply {
            lead_name: m.lead_id.and_then(|l| names.get(&l).cloned()),
            lead_id: m.lead_id,
            peer_phone: m.peer_phone,
            body: m.body,
            received_at: m.created_at,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_calendar_starts_follow_the_zone() {
        let nairobi: chrono_tz::Tz = "Africa/Nairobi".parse().unwrap();
        // Thursday 3 December 2026, 22:30 UTC = Friday 4 December, 01:30 in Nairobi (UTC+3).
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 22, 30, 0).unwrap();
        let (day, week, month) = calendar_starts(now, &nairobi);
        assert_eq!(day, Utc.with_ymd_and_hms(2026, 12, 3, 21, 0, 0).unwrap());
        // Monday 30 November, local midnight.
        assert_eq!(week, Utc.with_ymd_and_hms(2026, 11, 29, 21, 0, 0).unwrap());
        assert_eq!(month, Utc.with_ymd_and_hms(2026, 11, 30, 21, 0, 0).unwrap());
    }

    #[test]
    fn a_day_whose_midnight_is_skipped_starts_at_its_first_hour() {
        // Santiago moved clocks from 00:00 to 01:00 on 6 September 2026.
        let santiago: chrono_tz::Tz = "America/Santiago".parse().unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 9, 6).unwrap();
        let start = local_day_start(day, &santiago);
        assert_eq!(
            start.with_timezone(&santiago).date_naive(),
            day,
            "{start} is not on {day}"
        );
        assert_eq!(start, Utc.with_ymd_and_hms(2026, 9, 6, 4, 0, 0).unwrap());
    }
}
