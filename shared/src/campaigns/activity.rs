//! What a campaign's page charts: its messages by furthest step (the analytics page's outcome
//! query, for one campaign) and its timeline — messages sent, delivered and read per local hour
//! or day. (Its runs come with its counters, from `store::tally`.) For the timeline
//! the analytics rollup (`message_stats`) has each event counted by UTC quarter hour (the same
//! on SQLite and PostgreSQL); here the quarters are placed in the workspace's local hours or days, where the time zone
//! rules are, and the quiet buckets between filled with zeros.

use super::model::{CampaignActivity, HOURLY_SPAN_HOURS, Timeline, TimelinePoint};
use super::service::find;
use crate::analytics::report::{Filter, outcomes};
use crate::analytics::rollup::by_quarter;
use crate::db::QUARTER_SECONDS;
use crate::services::Services;
use crate::workspaces::{service::TenantCtx, store as workspaces};
use crate::{AppError, WorkspaceId};
use chrono::{DateTime, NaiveDateTime, NaiveTime, TimeZone, Timelike};
use sea_orm::ConnectionTrait;
use std::collections::BTreeMap;
use uuid::Uuid;

/// Campaign `id`'s outcomes, and its timeline in the workspace's zone.
pub async fn activity(
    svc: &Services,
    ctx: &TenantCtx,
    id: Uuid,
) -> Result<CampaignActivity, AppError> {
    let campaign = find(&svc.db, ctx.workspace_id, id).await?;
    let ws = workspaces::find(&svc.db, ctx.workspace_id).await?;
    let tz = ws.zone();
    let filter = Filter {
        campaign: Some(campaign.id),
        sender: None,
    };
    // Independent aggregates: run side by side on the pool, as the analytics report's.
    let (quarters, outcomes) = tokio::try_join!(
        event_quarters(&svc.db, ctx.workspace_id, campaign.id),
        outcomes(&svc.db, ctx.workspace_id, filter, None),
    )?;
    Ok(CampaignActivity {
        outcomes: outcomes
            .into_iter()
            .map(|(_, share)| share)
            .next()
            .unwrap_or_default(),
        timeline: buckets(&quarters, &tz),
    })
}

/// Per UTC quarter hour, how many of the campaign's messages were sent, delivered (a read
/// receipt that overtook the delivery one still means delivered) and read in it (every
/// run's), from the `message_stats` rollup: a few rows per quarter however many messages the
/// campaign sent, where counting the messages took 3 scans of them (about 0.7 s at 300,000).
async fn event_quarters(
    db: &impl ConnectionTrait,
    ws: WorkspaceId,
    campaign: Uuid,
) -> Result<BTreeMap<i64, [u64; 3]>, AppError> {
    let filter = Filter {
        campaign: Some(campaign),
        sender: None,
    };
    Ok(by_quarter(db, ws, filter, None)
        .await?
        .into_iter()
        .filter(|(_, c)| c.sent + c.delivered + c.reads > 0)
        .map(|(at, c)| {
            (
                at.timestamp().div_euclid(QUARTER_SECONDS),
                [c.sent, c.delivered, c.reads],
            )
        })
        .collect())
}

/// The quarters' counts in local hours, when they span at most [`HOURLY_SPAN_HOURS`], else in
/// local days; every hour or day from the first to the last is there.
fn buckets<Tz: TimeZone>(quarters: &BTreeMap<i64, [u64; 3]>, tz: &Tz) -> Timeline {
    let (Some(&first), Some(&last)) = (quarters.keys().next(), quarters.keys().next_back()) else {
        return Timeline::default();
    };
    let local = |quarter: i64| -> Option<NaiveDateTime> {
        let at = DateTime::from_timestamp(quarter.checked_mul(QUARTER_SECONDS)?, 0)?;
        Some(at.with_timezone(tz).naive_local())
    };
    let hourly = (last - first).saturating_mul(QUARTER_SECONDS) <= HOURLY_SPAN_HOURS * 3_600;
    let key = |at: NaiveDateTime| -> NaiveDateTime {
        if hourly {
            at.date()
                .and_hms_opt(at.hour(), 0, 0)
                .unwrap_or_else(|| at.date().and_time(NaiveTime::MIN))
        } else {
            at.date().and_time(NaiveTime::MIN)
        }
    };
    let mut points: BTreeMap<NaiveDateTime, [u64; 3]> = BTreeMap::new();
    if hourly {
        // An hour after an instant is in the next local hour, whatever the offset does.
        let mut quarter = first;
        while quarter <= last {
            if let Some(at) = local(quarter) {
                points.entry(key(at)).or_default();
            }
            quarter += 3_600 / QUARTER_SECONDS;
        }
    } else if let (Some(from), Some(to)) = (local(first), local(last)) {
        // Days step by the calendar: a day of 23 or 25 hours is still one day.
        let mut day = from.date();
        while day <= to.date() {
            points.entry(day.and_time(NaiveTime::MIN)).or_default();
            let Some(next) = day.succ_opt() else { break };
            day = next;
        }
    }
    for (quarter, counts) in quarters {
        if let Some(at) = local(*quarter) {
            let point = points.entry(key(at)).or_default();
            for (sum, n) in point.iter_mut().zip(counts) {
                *sum += n;
            }
        }
    }
    let format = if hourly { "%a %H:%M" } else { "%a %-d %b" };
    Timeline {
        hourly,
        points: points
            .into_iter()
            .map(|(at, [sent, delivered, read])| TimelinePoint {
                label: at.format(format).to_string(),
                sent,
                delivered,
                read,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn quarter(utc: &str) -> i64 {
        let at: DateTime<Utc> = utc.parse().unwrap();
        at.timestamp() / QUARTER_SECONDS
    }

    #[test]
    fn a_short_campaign_is_drawn_by_local_hour_with_its_quiet_hours() {
        let nairobi: chrono_tz::Tz = "Africa/Nairobi".parse().unwrap();
        let quarters = BTreeMap::from([
            // 06:50 UTC = 09:50 in Nairobi; delivered in the same quarter.
            (quarter("2026-12-04T06:50:00Z"), [2, 2, 0]),
            // 07:05 = 10:05: read then.
            (quarter("2026-12-04T07:05:00Z"), [1, 0, 2]),
            // 09:30 = 12:30, with 11:00 quiet in between.
            (quarter("2026-12-04T09:30:00Z"), [1, 1, 1]),
        ]);
        let timeline = buckets(&quarters, &nairobi);
        assert!(timeline.hourly);
        let labels: Vec<&str> = timeline.points.iter().map(|p| p.label.as_str()).collect();
        assert_eq!(labels, ["Fri 09:00", "Fri 10:00", "Fri 11:00", "Fri 12:00"]);
        let sent: Vec<u64> = timeline.points.iter().map(|p| p.sent).collect();
        assert_eq!(sent, [2, 1, 0, 1]);
        assert_eq!(timeline.points[1].read, 2);
        assert_eq!(
            timeline.points[2],
            TimelinePoint {
                label: "Fri 11:00".into(),
                ..TimelinePoint::default()
            }
        );
    }

    #[test]
    fn a_long_campaign_is_drawn_by_local_day_and_late_evenings_count_locally() {
        let nairobi: chrono_tz::Tz = "Africa/Nairobi".parse().unwrap();
        let quarters = BTreeMap::from([
            // Tuesday 1 December 22:30 UTC is Wednesday 01:30 in Nairobi.
            (quarter("2026-12-01T22:30:00Z"), [3, 0, 0]),
            (quarter("2026-12-05T08:00:00Z"), [1, 1, 0]),
        ]);
        let timeline = buckets(&quarters, &nairobi);
        assert!(!timeline.hourly);
        let days: Vec<(&str, u64)> = timeline
            .points
            .iter()
            .map(|p| (p.label.as_str(), p.sent))
            .collect();
        assert_eq!(
            days,
            [
                ("Wed 2 Dec", 3),
                ("Thu 3 Dec", 0),
                ("Fri 4 Dec", 0),
                ("Sat 5 Dec", 1)
            ]
        );
    }

    #[test]
    fn half_hour_zones_and_dst_keep_every_local_hour_once() {
        // Adelaide (UTC+10:30 in summer) on 5 April 2026, when 03:00 went back to 02:00.
        let adelaide: chrono_tz::Tz = "Australia/Adelaide".parse().unwrap();
        let quarters = BTreeMap::from([
            (quarter("2026-04-04T15:00:00Z"), [1, 0, 0]), // 01:30 (+10:30)
            (quarter("2026-04-04T17:00:00Z"), [1, 0, 0]), // 02:30 again (+09:30)
        ]);
        let timeline = buckets(&quarters, &adelaide);
        let labels: Vec<&str> = timeline.points.iter().map(|p| p.label.as_str()).collect();
        // 01:00, 02:00 (both of them), 03:00 would come next; the repeated hour is one bucket.
        assert_eq!(labels, ["Sun 01:00", "Sun 02:00"]);
        assert_eq!(timeline.points.iter().map(|p| p.sent).sum::<u64>(), 2);
    }

    #[test]
    fn west_of_utc_a_late_evening_stays_on_its_local_day() {
        // Los Angeles on the night summer time ended (1 November 2026, 02:00 PDT back to
        // 01:00 PST): UTC is already on the next day for each of these sends.
        let los_angeles: chrono_tz::Tz = "America/Los_Angeles".parse().unwrap();
        let quarters = BTreeMap::from([
            (quarter("2026-11-01T06:30:00Z"), [1, 1, 0]), // Saturday 23:30 PDT (UTC−7)
            (quarter("2026-11-01T09:30:00Z"), [1, 0, 0]), // Sunday 01:30 PST, the second one
        ]);
        let timeline = buckets(&quarters, &los_angeles);
        assert!(timeline.hourly);
        let hours: Vec<(&str, u64)> = timeline
            .points
            .iter()
            .map(|p| (p.label.as_str(), p.sent))
            .collect();
        assert_eq!(
            hours,
            [("Sat 23:00", 1), ("Sun 00:00", 0), ("Sun 01:00", 1)]
        );

        // Over more than three days, by local day: Monday 23:30 PST is Tuesday in UTC, and
        // Monday 30 November 23:30 is already December there.
        let quarters = BTreeMap::from([
            (quarter("2026-11-03T07:30:00Z"), [1, 1, 1]),
            (quarter("2026-11-03T08:30:00Z"), [1, 0, 0]),
            (quarter("2026-12-01T07:30:00Z"), [1, 0, 0]),
        ]);
        let timeline = buckets(&quarters, &los_angeles);
        assert!(!timeline.hourly);
        assert_eq!(timeline.points.len(), 29);
        let first = &timeline.points[0];
        assert_eq!(
            (first.label.as_str(), first.sent, first.read),
            ("Mon 2 Nov", 1, 1)
        );
        assert_eq!(
            (timeline.points[1].label.as_str(), timeline.points[1].sent),
            ("Tue 3 Nov", 1)
        );
        let last = &timeline.points[28];
        assert_eq!((last.label.as_str(), last.sent), ("Mon 30 Nov", 1));
    }

    #[test]
    fn no_messages_no_points() {
        assert_eq!(buckets(&BTreeMap::new(), &Utc), Timeline::default());
    }
}
