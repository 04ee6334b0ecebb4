//! A lead's states as the whole product names them: website status, WhatsApp status and the
//! sales stage. Stored as text (stable strings below), shown through `label`.

use serde::{Deserialize, Serialize};

/// What website verification found (issue: website verification fills this in).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WebsiteStatus {
    /// Not verified yet.
    Unchecked,
    Working,
    NotWorking,
    NoWebsite,
    Error,
}

impl WebsiteStatus {
    pub const ALL: [WebsiteStatus; 5] = [
        Self::Unchecked,
        Self::Working,
        Self::NotWorking,
        Self::NoWebsite,
        Self::Error,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unchecked => "UNCHECKED",
            Self::Working => "WORKING",
            Self::NotWorking => "NOT_WORKING",
            Self::NoWebsite => "NO_WEBSITE",
            Self::Error => "ERROR",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Unchecked => "Not checked",
            Self::Working => "Working",
            Self::NotWorking => "Not working",
            Self::NoWebsite => "No website",
            Self::Error => "Check failed",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        Self::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(value))
    }
}

/// Whether the lead's number is on WhatsApp (issue: WhatsApp fills this in).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WhatsappStatus {
    Unchecked,
    OnWhatsapp,
    NotOnWhatsapp,
    Error,
}

impl WhatsappStatus {
    pub const ALL: [WhatsappStatus; 4] = [
        Self::Unchecked,
        Self::OnWhatsapp,
        Self::NotOnWhatsapp,
        Self::Error,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unchecked => "UNCHECKED",
            Self::OnWhatsapp => "ON_WHATSAPP",
            Self::NotOnWhatsapp => "NOT_ON_WHATSAPP",
            Self::Error => "ERROR",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Unchecked => "Not checked",
            Self::OnWhatsapp => "On WhatsApp",
            Self::NotOnWhatsapp => "Not on WhatsApp",
            Self::Error => "Check failed",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        Self::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(value))
    }
}

/// The sales pipeline: new → contacted → replied → qualified → converted / lost.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    New,
    Contacted,
    Replied,
    Qualified,
    Converted,
    Lost,
}

impl Stage {
    pub const ALL: [Stage; 6] = [
        Self::New,
        Self::Contacted,
        Self::Replied,
        Self::Qualified,
        Self::Converted,
        Self::Lost,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Contacted => "contacted",
            Self::Replied => "replied",
            Self::Qualified => "qualified",
            Self::Converted => "converted",
            Self::Lost => "lost",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::New => "New",
            Self::Contacted => "Contacted",
            Self::Replied => "Replied",
            Self::Qualified => "Qualified",
            Self::Converted => "Converted",
            Self::Lost => "Lost",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        Self::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(value))
    }
}

/// Which leads a list, a count, a bulk action or an export covers. Empty parts match all.
/// Missing fields read as empty, so filters saved in segments keep working as fields are added.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LeadFilter {
    /// Matches name, phone (as typed or E.164) and email, case-insensitively.
    pub search: Option<String>,
    pub website_status: Vec<WebsiteStatus>,
    pub whatsapp_status: Vec<WhatsappStatus>,
    pub stage: Vec<Stage>,
    pub country: Option<String>,
    pub city: Option<String>,
    pub category: Option<String>,
    pub tag: Option<String>,
    /// Leads that came from this import.
    pub import_id: Option<uuid::Uuid>,
    pub opted_out: Option<bool>,
    /// Created on or after this day (UTC).
    #[serde(default, with = "crate::dates::wire::date_option")]
    pub created_from: Option<chrono::NaiveDate>,
    /// Created on or before this day (UTC).
    #[serde(default, with = "crate::dates::wire::date_option")]
    pub created_to: Option<chrono::NaiveDate>,
    /// `Some(true)`: leads sent at least one message; `Some(false)`: none yet.
    pub messaged: Option<bool>,
    /// `Some(true)`: leads that have written to the workspace; `Some(false)`: never.
    pub replied: Option<bool>,
    /// Leads not messaged in the last this many days, never-messaged ones included: who is
    /// due a follow-up.
    pub quiet_days: Option<u32>,
    /// `Some(true)`: leads with an appointment booked; `Some(false)`: without one.
    pub appointment: Option<bool>,
    /// `Some(true)`: converted leads; `Some(false)`: not (yet) converted.
    pub converted: Option<bool>,
}

/// Said when a filter's "created to" day is before its "created from" day.
pub const REVERSED_DATES: &str = "The end date is before the start date.";

impl LeadFilter {
    /// True when the filter matches every lead.
    pub fn is_empty(&self) -> bool {
        self.summary().is_empty()
    }

    /// What makes the filter unusable, in words: a filter built in the campaign wizard arrives
    /// as it is, not through [`super::LeadQuery`]'s per-field checks.
    pub fn problem(&self) -> Option<String> {
        let max_days = super::MAX_QUIET_DAYS;
        if self
            .quiet_days
            .is_some_and(|d| !(1..=max_days).contains(&d))
        {
            return Some(format!("\"Not messaged in\" takes 1 to {max_days} days."));
        }
        if let (Some(from), Some(to)) = (self.created_from, self.created_to)
            && from > to
        {
            return Some(REVERSED_DATES.to_owned());
        }
        None
    }

    /// The filter in words, part by part ("stage Qualified, city "Nairobi""); empty when the
    /// filter matches every lead. Shown under segments and written to the audit log.
    pub fn summary(&self) -> String {
        fn text(value: &Option<String>) -> Option<&str> {
            value.as_deref().map(str::trim).filter(|v| !v.is_empty())
        }
        fn labels<T: Copy>(values: &[T], label: fn(T) -> &'static str) -> String {
            values
                .iter()
                .map(|v| label(*v))
                .collect::<Vec<_>>()
                .join(" or ")
        }
        let mut parts = Vec::new();
        if let Some(search) = text(&self.search) {
            parts.push(format!("search \"{search}\""));
        }
        if !self.website_status.is_empty() {
            parts.push(format!(
                "website {}",
                labels(&self.website_status, WebsiteStatus::label)
            ));
        }
        if !self.whatsapp_status.is_empty() {
            parts.push(format!(
                "WhatsApp {}",
                labels(&self.whatsapp_status, WhatsappStatus::label)
            ));
        }
        if !self.stage.is_empty() {
            parts.push(format!("stage {}", labels(&self.stage, Stage::label)));
        }
        for (name, value) in [
            ("country", &self.country),
            ("city", &self.city),
            ("category", &self.category),
            ("tag", &self.tag),
        ] {
            if let Some(value) = text(value) {
                parts.push(format!("{name} \"{value}\""));
            }
        }
        if self.import_id.is_some() {
            parts.push("from one import".to_owned());
        }
        match self.opted_out {
            Some(true) => parts.push("opted out".to_owned()),
            Some(false) => parts.push("not opted out".to_owned()),
            None => {}
        }
        if let Some(from) = self.created_from {
            parts.push(format!("created from {from}"));
        }
        if let Some(to) = self.created_to {
            parts.push(format!("created to {to}"));
        }
        for (flag, yes, no) in [
            (self.messaged, "messaged", "never messaged"),
            (self.replied, "answered", "never answered"),
            (
                self.appointment,
                "with an appointment",
                "without an appointment",
            ),
            (self.converted, "converted", "not converted"),
        ] {
            if let Some(on) = flag {
                parts.push(if on { yes } else { no }.to_owned());
            }
        }
        if let Some(days) = self.quiet_days {
            parts.push(format!(
                "not messaged in {days} day{}",
                if days == 1 { "" } else { "s" }
            ));
        }
        parts.join(", ")
    }
}

/// The leads a bulk action or an export works on: the ones the user ticked, or every lead
/// matching a filter (however many pages it spans).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadSelection {
    Ids(Vec<uuid::Uuid>),
    Filter(LeadFilter),
}

impl LeadSelection {
    /// The most leads a selection by id may name; a larger set is sent as a filter.
    pub const MAX_IDS: usize = 10_000;
}

/// What a bulk action does to every selected lead.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BulkAction {
    Tag(String),
    Untag(String),
    SetStage(Stage),
    Delete,
}

impl BulkAction {
    /// The outcome in words for `changed` leads ("Tagged 3 leads "vip"").
    pub fn outcome(&self, changed: u64) -> String {
        let leads = if changed == 1 { "lead" } else { "leads" };
        match self {
            Self::Tag(tag) => format!("Tagged {changed} {leads} \"{tag}\"."),
            Self::Untag(tag) => format!("Removed the tag \"{tag}\" from {changed} {leads}."),
            Self::SetStage(stage) => {
                format!("Moved {changed} {leads} to {}.", stage.label())
            }
            Self::Delete => format!("Deleted {changed} {leads}."),
        }
    }
}

/// What a bulk action did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkOutcome {
    /// Leads that changed (already tagged, already at that stage and so on do not count).
    pub changed: u64,
    /// `changed` in words, for a toast.
    pub message: String,
}

/// A lead as the list shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadRow {
    pub id: uuid::Uuid,
    pub name: String,
    /// E.164 when the number is valid, else as typed.
    pub phone: Option<String>,
    /// Why the phone could not be normalised.
    pub phone_error: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    pub website_status: WebsiteStatus,
    pub whatsapp_status: WhatsappStatus,
    pub city: Option<String>,
    pub category: Option<String>,
    pub stage: Stage,
    pub tags: Vec<String>,
    pub opted_out: bool,
    pub engagement: Engagement,
}

/// What the workspace's messaging has done with a lead, from its messages, and what came of
/// it: an appointment booked, a conversion.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Engagement {
    /// Messages sent to the lead (handed to WhatsApp).
    pub messages_sent: u64,
    #[serde(default, with = "crate::dates::wire::instant_option")]
    pub last_contacted_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When the lead last wrote.
    #[serde(default, with = "crate::dates::wire::instant_option")]
    pub last_reply_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When the appointment booked with the lead is, if one is.
    #[serde(default, with = "crate::dates::wire::instant_option")]
    pub appointment_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When the lead was converted, while it is in the Converted stage.
    #[serde(default, with = "crate::dates::wire::instant_option")]
    pub converted_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The lead list's sort orders (each served by an index, paginated by keyset).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadSort {
    #[default]
    Newest,
    Oldest,
    Name,
}

impl LeadSort {
    pub const ALL: [LeadSort; 3] = [Self::Newest, Self::Oldest, Self::Name];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Newest => "newest",
            Self::Oldest => "oldest",
            Self::Name => "name",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Newest => "Newest first",
            Self::Oldest => "Oldest first",
            Self::Name => "Name A–Z",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }
}

/// One page of the lead list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadPage {
    pub rows: Vec<LeadRow>,
    /// Leads matching the filter, all pages together — on the first page only. Counting is most
    /// of what a page costs at a million leads (an index scan of every match), and the count
    /// cannot change meaning while the user pages through one filter, so later pages (`after`
    /// given) leave it out and the list keeps the first page's.
    pub total: Option<u64>,
    /// Pass back to get the next page; `None` on the last page.
    pub next: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_round_trip() {
        for s in WebsiteStatus::ALL {
            assert_eq!(WebsiteStatus::parse(s.as_str()), Some(s));
        }
        for s in WhatsappStatus::ALL {
            assert_eq!(WhatsappStatus::parse(s.as_str()), Some(s));
        }
        for s in Stage::ALL {
            assert_eq!(Stage::parse(s.as_str()), Some(s));
        }
        assert_eq!(
            WebsiteStatus::parse("working"),
            Some(WebsiteStatus::Working)
        );
        assert_eq!(Stage::parse("won"), None);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn filters_read_back_from_older_json_and_describe_themselves() {
        let filter: LeadFilter = serde_json::from_str(r#"{"city":"Nairobi","stage":["new"]}"#)
            .expect("missing fields default");
        assert_eq!(filter.summary(), "stage New, city \"Nairobi\"");
        assert!(!filter.is_empty());
        assert!(LeadFilter::default().is_empty());
        let blank = LeadFilter {
            search: Some("  ".into()),
            ..LeadFilter::default()
        };
        assert!(blank.is_empty(), "blank text matches everything");
        let filter = LeadFilter {
            website_status: vec![WebsiteStatus::NoWebsite, WebsiteStatus::NotWorking],
            opted_out: Some(false),
            ..LeadFilter::default()
        };
        assert_eq!(
            filter.summary(),
            "website No website or Not working, not opted out"
        );
        let engaged = LeadFilter {
            messaged: Some(true),
            replied: Some(false),
            quiet_days: Some(7),
            appointment: Some(true),
            converted: Some(false),
            ..LeadFilter::default()
        };
        assert_eq!(
            engaged.summary(),
            "messaged, never answered, with an appointment, not converted, \
             not messaged in 7 days"
        );
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn selections_and_actions_have_stable_wire_names() {
        let json = serde_json::to_value(LeadSelection::Ids(vec![])).unwrap();
        assert_eq!(json, serde_json::json!({ "ids": [] }));
        let json = serde_json::to_value(BulkAction::SetStage(Stage::Qualified)).unwrap();
        assert_eq!(json, serde_json::json!({ "set_stage": "qualified" }));
        assert_eq!(serde_json::to_value(BulkAction::Delete).unwrap(), "delete");
        assert_eq!(BulkAction::Delete.outcome(1), "Deleted 1 lead.");
        assert_eq!(
            BulkAction::Tag("vip".into()).outcome(2),
            "Tagged 2 leads \"vip\"."
        );
    }
}
