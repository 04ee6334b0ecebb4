//! Analytics: what the dashboard shows — leads by what they offer, messages sent on the
//! workspace's local days, delivery/read/reply/opt-out rates, running campaigns, each sender's
//! standing today and the latest replies — and the analytics page's report for a date range
//! (messages per day, the outcome share, campaigns side by side). Numbers come from the tables
//! the dispatcher and the webhooks write; the DTOs compile everywhere, the queries sit behind
//! `ssr`.

#[cfg(feature = "ssr")]
pub mod report;
#[cfg(feature = "ssr")]
pub mod rollup;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod significance;

use crate::AppError;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The days the dashboard's rates look back over.
pub const RATE_WINDOW_DAYS: u32 = 30;

/// Leads by what a campaign can pitch them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadTotals {
    pub total: u64,
    /// Website checked and working: the maintenance/SEO pitch.
    pub working_site: u64,
    /// No website, or one that does not work: the web-design pitch.
    pub no_working_site: u64,
    pub on_whatsapp: u64,
}

/// Messages sent on the workspace's local calendar.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentTotals {
    pub today: u64,
    /// Since Monday.
    pub week: u64,
    /// Since the 1st.
    pub month: u64,
}

/// The counts behind the rates over the last [`RATE_WINDOW_DAYS`]: rates are shown with what
/// they are out of, so "100 %" of one message reads as what it is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateCounts {
    /// Outbound messages handed to WhatsApp.
    pub sent: u64,
    /// Of those, delivered to the phone (a read message was delivered).
    pub delivered: u64,
    pub read: u64,
    /// Leads those messages went to.
    pub leads_messaged: u64,
    /// Of those leads, the ones who wrote back after being messaged.
    pub leads_replied: u64,
    /// Of those leads, the ones who have opted out.
    pub leads_opted_out: u64,
}

/// `part` of `whole` as a whole-number percentage; `None` when there is nothing to divide.
pub fn percent(part: u64, whole: u64) -> Option<u32> {
    (whole > 0).then(|| {
        let p = (u128::from(part) * 100 + u128::from(whole) / 2) / u128::from(whole);
        u32::try_from(p.min(100)).unwrap_or(100)
    })
}

impl RateCounts {
    pub fn delivery_rate(&self) -> Option<u32> {
        percent(self.delivered, self.sent)
    }
    pub fn read_rate(&self) -> Option<u32> {
        percent(self.read, self.sent)
    }
    pub fn reply_rate(&self) -> Option<u32> {
        percent(self.leads_replied, self.leads_messaged)
    }
    pub fn opt_out_rate(&self) -> Option<u32> {
        percent(self.leads_opted_out, self.leads_messaged)
    }
}

/// One sender on the dashboard's WhatsApp panel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SenderStanding {
    pub id: Uuid,
    pub name: String,
    pub display_number: String,
    /// "Connected", "Paused", … (`SenderDto::health_label`).
    pub health: String,
    pub paused_reason: Option<String>,
    pub sent_today: u32,
    pub daily_cap: u32,
    /// The campaign sending from it now, if any.
    pub campaign: Option<String>,
    /// When its pacing lets the next message go (a delay or a cooldown), while a campaign
    /// holds it; `None` when it is idle or may send at once.
    #[serde(default, with = "crate::dates::wire::instant_option")]
    pub next_send_at: Option<DateTime<Utc>>,
    /// Whether `next_send_at` ends a cooldown rather than an ordinary delay.
    pub cooling_down: bool,
}

/// A message a lead sent in, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentReply {
    pub lead_id: Option<Uuid>,
    pub lead_name: Option<String>,
    pub peer_phone: String,
    pub body: String,
    #[serde(with = "crate::dates::wire::instant")]
    pub received_at: DateTime<Utc>,
}

/// Everything the dashboard's analytics cards and panels show.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    pub leads: LeadTotals,
    pub sent: SentTotals,
    pub rates: RateCounts,
    pub running_campaigns: u64,
    pub senders: Vec<SenderStanding>,
    pub recent_replies: Vec<RecentReply>,
}

/// The longest range the analytics page reports on, in days.
pub const MAX_RANGE_DAYS: i64 = 366;

/// What the analytics page asks for: local days `from`..=`to`, optionally one campaign's or one
/// sender's messages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportQuery {
    #[serde(with = "crate::dates::wire::date")]
    pub from: NaiveDate,
    #[serde(with = "crate::dates::wire::date")]
    pub to: NaiveDate,
    pub campaign: Option<Uuid>,
    pub sender: Option<Uuid>,
}

impl ReportQuery {
    /// The range in days, or an error naming the field that is wrong.
    pub fn days(&self) -> Result<i64, AppError> {
        let days = (self.to - self.from).num_days() + 1;
        if days < 1 {
            return Err(AppError::field(
                "to",
                "The end date is before the start date.",
            ));
        }
        if days > MAX_RANGE_DAYS {
            return Err(AppError::field(
                "to",
                format!("Choose at most {MAX_RANGE_DAYS} days."),
            ));
        }
        Ok(days)
    }
}

/// One local day of the line chart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayPoint {
    #[serde(with = "crate::dates::wire::date")]
    pub day: NaiveDate,
    /// Messages handed to WhatsApp that day.
    pub sent: u64,
    /// Delivery receipts that day.
    pub delivered: u64,
    /// Read receipts that day.
    pub read: u64,
    /// Outbound messages answered that day: counted when the lead wrote back, so a campaign
    /// or sender filter applies to them like to the other counts.
    pub replied: u64,
}

/// Where the range's messages ended up; each message counts once, at its furthest step.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeShare {
    /// The lead wrote back after it.
    pub replied: u64,
    pub read: u64,
    pub delivered: u64,
    /// Sent, no receipt (yet).
    pub sent: u64,
    pub failed: u64,
}

impl OutcomeShare {
    pub fn total(&self) -> u64 {
        self.replied + self.read + self.delivered + self.sent + self.failed
    }

    /// (label, count) in the order the charts and tables show them.
    pub fn parts(&self) -> [(&'static str, u64); 5] {
        [
            ("Replied", self.replied),
            ("Read", self.read),
            ("Delivered", self.delivered),
            ("Sent, no receipt", self.sent),
            ("Failed", self.failed),
        ]
    }
}

/// One campaign's messages in the range, by status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignBreakdown {
    pub id: Uuid,
    pub name: String,
    pub outcomes: OutcomeShare,
}

/// The leads added in the range, step by step from import to customer. Steps are counted on
/// their own (a lead can be messaged before its number was checked), each out of `imported`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Funnel {
    pub imported: u64,
    /// Website checked: working, broken or none — a pitch can be chosen.
    pub website_checked: u64,
    pub on_whatsapp: u64,
    pub messaged: u64,
    pub delivered: u64,
    pub read: u64,
    pub replied: u64,
    pub converted: u64,
}

impl Funnel {
    /// (label, count) from the top of the funnel down.
    pub fn steps(&self) -> [(&'static str, u64); 8] {
        [
            ("Imported", self.imported),
            ("Website checked", self.website_checked),
            ("On WhatsApp", self.on_whatsapp),
            ("Messaged", self.messaged),
            ("Delivered", self.delivered),
            ("Read", self.read),
            ("Replied", self.replied),
            ("Converted", self.converted),
        ]
    }
}

/// The messages sent in one hour of one weekday (the workspace's local time) and how many of
/// them the lead answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendSlot {
    /// 0 = Monday … 6 = Sunday.
    pub weekday: u8,
    /// 0–23.
    pub hour: u8,
    pub sent: u64,
    pub replied: u64,
}

/// A slot needs this many messages before the page calls it the best time: one reply to one
/// message is not a finding.
pub const MIN_SLOT_SENT: u64 = 5;

/// The slot with the highest reply rate among those with at least [`MIN_SLOT_SENT`] messages
/// (on a tie, the one with more messages, then the earlier one).
pub fn best_slot(slots: &[SendSlot]) -> Option<&SendSlot> {
    slots
        .iter()
        .filter(|s| s.sent >= MIN_SLOT_SENT && s.replied > 0)
        .max_by(|a, b| {
            // a.replied / a.sent against b.replied / b.sent, without floating point.
            (u128::from(a.replied) * u128::from(b.sent))
                .cmp(&(u128::from(b.replied) * u128::from(a.sent)))
                .then(a.sent.cmp(&b.sent))
                .then((b.weekday, b.hour).cmp(&(a.weekday, a.hour)))
        })
}

/// How far one template's or variant's sent messages got.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reach {
    pub sent: u64,
    pub delivered: u64,
    pub read: u64,
    pub replied: u64,
}

/// Whether the rates of the variants compared differ by more than chance would explain
/// (Pearson's chi-squared test of homogeneity, 5 % level).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    /// One variant only: nothing to compare.
    Alone,
    /// Too few messages for the test to say anything (an expected count under 5).
    TooFew,
    /// The difference is significant; `p` in ten-thousandths.
    Differs { p: u32 },
    /// The difference could be chance; `p` in ten-thousandths.
    Same { p: u32 },
}

/// One template's or one variant's messages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantRow {
    pub label: String,
    pub reach: Reach,
}

/// Variants compared with each other: one campaign's, or the templates of one-to-one messages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantGroup {
    /// The campaign's name, or "One-to-one messages".
    pub name: String,
    /// The campaign; `None` for templates of one-to-one messages.
    pub campaign: Option<Uuid>,
    pub rows: Vec<VariantRow>,
    pub delivery: Verdict,
    pub read: Verdict,
    pub reply: Verdict,
}

/// A campaign or sender the page's filters offer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub id: Uuid,
    pub name: String,
}

/// The analytics page's numbers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub query: ReportQuery,
    pub days: Vec<DayPoint>,
    pub outcomes: OutcomeShare,
    /// The campaigns with the most messages in the range (at most [`TOP_CAMPAIGNS`]).
    pub campaigns: Vec<CampaignBreakdown>,
    pub funnel: Funnel,
    /// Sent messages and their replies by local weekday and hour (slots with messages only).
    pub send_times: Vec<SendSlot>,
    /// Templates and campaign variants with the messages they sent in the range.
    pub variants: Vec<VariantGroup>,
    pub campaign_choices: Vec<Choice>,
    pub sender_choices: Vec<Choice>,
}

/// Campaigns the stacked bar compares.
pub const TOP_CAMPAIGNS: usize = 10;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_and_refuse_an_empty_whole() {
        assert_eq!(percent(0, 0), None);
        assert_eq!(percent(0, 3), Some(0));
        assert_eq!(percent(1, 3), Some(33));
        assert_eq!(percent(2, 3), Some(67));
        assert_eq!(percent(3, 3), Some(100));
        assert_eq!(percent(u64::MAX, u64::MAX), Some(100));
    }

    #[test]
    fn a_report_range_is_checked() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        let query = |from, to| ReportQuery {
            from,
            to,
            campaign: None,
            sender: None,
        };
        assert_eq!(query(day(1), day(1)).days().unwrap(), 1);
        assert_eq!(query(day(1), day(31)).days().unwrap(), 31);
        assert!(
            matches!(query(day(2), day(1)).days(), Err(AppError::Validation(f)) if f[0].field == "to")
        );
        let long = query(day(1), day(1) + chrono::Days::new(400));
        assert!(long.days().is_err());
    }

    #[test]
    fn the_best_slot_has_the_highest_reply_rate_among_slots_with_enough_messages() {
        let slot = |weekday, hour, sent, replied| SendSlot {
            weekday,
            hour,
            sent,
            replied,
        };
        assert_eq!(best_slot(&[]), None);
        // One reply out of one message is too little to go on.
        assert_eq!(best_slot(&[slot(0, 9, 1, 1)]), None);
        assert_eq!(best_slot(&[slot(0, 9, 10, 0)]), None);
        let slots = [
            slot(0, 9, 1, 1),
            slot(1, 10, 10, 3),
            slot(2, 14, 20, 5),
            slot(4, 16, 6, 2),
        ];
        // 4:16 is 33 %, 1:10 is 30 %, 2:14 is 25 %.
        assert_eq!(best_slot(&slots), Some(&slots[3]));
        // Equal rates: the slot with more messages is surer.
        let tie = [slot(1, 10, 10, 2), slot(3, 11, 20, 4)];
        assert_eq!(best_slot(&tie), Some(&tie[1]));
    }
}
