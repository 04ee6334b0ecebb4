//! Campaigns as the wizard, the campaign list and the campaign page see them: the form a draft
//! is saved from (basics, audience, variants, strategy, senders, schedule), the campaign with
//! its counters, and the states a recipient moves through. Compiles everywhere, so the wizard
//! checks a form in the browser exactly as the server does.

use super::strategy::{Strategy, WorkingHours};
use super::{Estimate, Wait};
use crate::leads::{LeadFilter, WebsiteStatus};
use crate::whatsapp::MAX_MESSAGE_CHARS;
use crate::{AppError, FieldError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The longest campaign name.
pub const MAX_NAME_CHARS: usize = 120;
/// The longest description.
pub const MAX_DESCRIPTION_CHARS: usize = 1_000;
/// Message variants per campaign.
pub const MAX_VARIANTS: usize = 5;
/// Lead ids a campaign may name one by one (larger lists are a filter or a segment).
pub const MAX_LEAD_IDS: usize = 10_000;
/// Numbers a pasted list may hold.
pub const MAX_PASTED_NUMBERS: usize = 10_000;
/// Tags per campaign, and the longest.
pub const MAX_TAGS: usize = 10;
pub const MAX_TAG_CHARS: usize = 40;
/// Numbers a test send goes to at most.
pub const MAX_TEST_NUMBERS: usize = 5;

/// When a campaign runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignKind {
    /// Starts when launched.
    #[default]
    OneTime,
    /// Starts at `start_at`.
    Scheduled,
    /// A run every day at `start_at`'s time, each to the audience's leads not yet messaged by it.
    RecurringDaily,
    /// A run every week on `start_at`'s weekday and time.
    RecurringWeekly,
}

impl CampaignKind {
    pub const ALL: [Self; 4] = [
        Self::OneTime,
        Self::Scheduled,
        Self::RecurringDaily,
        Self::RecurringWeekly,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::OneTime => "one_time",
            Self::Scheduled => "scheduled",
            Self::RecurringDaily => "recurring_daily",
            Self::RecurringWeekly => "recurring_weekly",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::OneTime => "One-time",
            Self::Scheduled => "Scheduled",
            Self::RecurringDaily => "Every day",
            Self::RecurringWeekly => "Every week",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == value)
    }

    pub fn is_recurring(self) -> bool {
        matches!(self, Self::RecurringDaily | Self::RecurringWeekly)
    }

    /// Whether the form must say when it starts.
    pub fn needs_start(self) -> bool {
        self != Self::OneTime
    }
}

/// Where a campaign is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    /// Being written; nothing is sent.
    Draft,
    /// Launched; waits for its start (or its next run).
    Scheduled,
    Running,
    /// By a person or by the auto-pause rule (`paused_reason` says which).
    Paused,
    Completed,
    Cancelled,
}

impl CampaignStatus {
    pub const ALL: [Self; 6] = [
        Self::Draft,
        Self::Scheduled,
        Self::Running,
        Self::Paused,
        Self::Completed,
        Self::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Scheduled => "scheduled",
            Self::Running => "running",
            Self::Paused => "paused",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "Draft",
            Self::Scheduled => "Scheduled",
            Self::Running => "Running",
            Self::Paused => "Paused",
            Self::Completed => "Completed",
            Self::Cancelled => "Cancelled",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// Whether it has ended (nothing more will be sent unless failed messages are retried).
    pub fn is_final(self) -> bool {
        matches!(self, Self::Completed | Self::Cancelled)
    }
}

/// One recipient's state. `pending` → `sending` → `sent` | `failed` (after its retries) |
/// `unknown` (the process stopped during the provider call, or the provider did not answer:
/// never re-sent on its own); `pending` → `skipped` (opted out meanwhile, cancelled).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecipientState {
    Pending,
    Sending,
    Sent,
    Failed,
    Skipped,
    Unknown,
}

impl RecipientState {
    pub const ALL: [Self; 6] = [
        Self::Pending,
        Self::Sending,
        Self::Sent,
        Self::Failed,
        Self::Skipped,
        Self::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
            Self::Unknown => "unknown",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "Waiting",
            Self::Sending => "Sending",
            Self::Sent => "Sent",
            Self::Failed => "Failed",
            Self::Skipped => "Skipped",
            Self::Unknown => "Unknown",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }
}

/// Which leads a campaign goes to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
// Read through a wire type that keeps serde's buffer out of the wasm (`tagged.rs`).
#[serde(
    rename_all = "snake_case",
    tag = "kind",
    content = "value",
    try_from = "super::tagged::AudienceSourceWire"
)]
pub enum AudienceSource {
    /// The leads matching a filter (as on the lead list).
    Filter(LeadFilter),
    /// A saved segment's filter, read when the campaign starts.
    Segment(Uuid),
    /// These leads.
    Leads(Vec<Uuid>),
    /// Numbers pasted or read from a file, one per line (or separated by commas/semicolons),
    /// matched to the workspace's leads.
    Numbers(String),
}

impl Default for AudienceSource {
    fn default() -> Self {
        Self::Filter(LeadFilter::default())
    }
}

/// The audience and its optional exclusion.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Audience {
    pub source: AudienceSource,
    /// Also leave out leads any campaign messaged in the last N days.
    pub skip_contacted_within_days: Option<u32>,
}

/// What a variant sends besides (or instead of) its text.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
// Read through a wire type that keeps serde's buffer out of the wasm (`tagged.rs`).
#[serde(
    rename_all = "snake_case",
    tag = "kind",
    try_from = "super::tagged::VariantExtraWire"
)]
pub enum VariantExtra {
    /// Text only, or text as the caption of `attachment`.
    #[default]
    None,
    /// A pin (the Cloud API only), after the text.
    Location {
        latitude: f64,
        longitude: f64,
        name: Option<String>,
        address: Option<String>,
    },
    /// A contact card (the Cloud API only), after the text.
    Contact { name: String, phone: String },
}

/// One version of the message.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Variant {
    /// "A", "B", … or the user's own words.
    pub label: String,
    /// The template language (`shared::templates::render`).
    pub body: String,
    /// An uploaded image, video, document or audio file sent with the text as its caption.
    pub attachment: Option<Uuid>,
    pub extra: VariantExtra,
    /// Its share in a rotation (relative weight, 1–100).
    pub weight: u32,
    /// With [`VariantChoice::ByWebsiteStatus`]: the leads it is for (the first variant also
    /// takes every lead no variant names).
    pub website_statuses: Vec<WebsiteStatus>,
    /// The workspace template the text was started from, so its messages count as the
    /// template's uses. Saving drops an id that is not one of the workspace's templates.
    pub template_id: Option<Uuid>,
}

/// How each recipient's variant is chosen (once, when the campaign starts).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VariantChoice {
    /// By weight, spread evenly through the list (an A/B split).
    #[default]
    Rotation,
    /// By the lead's website status (e.g. WORKING → A, NOT_WORKING/NO_WEBSITE → B).
    ByWebsiteStatus,
}

/// Who hears when the campaign ends or pauses itself.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Notify {
    /// Also by e-mail (when the deployment has SMTP).
    pub email: bool,
    /// An https URL that receives a JSON POST signed with HMAC-SHA256
    /// (`X-LeadLoom-Signature: sha256=…`, the key shown on the campaign page).
    pub webhook_url: Option<String>,
}

/// Everything the wizard edits; a draft stores it as it is, launching checks it all.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CampaignForm {
    pub name: String,
    pub description: String,
    pub kind: CampaignKind,
    pub tags: Vec<String>,
    pub audience: Audience,
    pub variants: Vec<Variant>,
    pub variant_choice: VariantChoice,
    pub strategy: Strategy,
    /// The senders it sends from (at least one).
    pub sender_ids: Vec<Uuid>,
    /// When a scheduled or recurring campaign (first) starts.
    #[serde(default, with = "crate::dates::wire::instant_option")]
    pub start_at: Option<DateTime<Utc>>,
    pub notify: Notify,
}

impl CampaignForm {
    /// The label of variant `index` (recipients keep the index they were given, which a later
    /// edit may have left without a variant: it still reads "C", not nothing).
    pub fn label_of(&self, index: usize) -> String {
        self.variants.get(index).map_or_else(
            || variant_label(&Variant::default(), index),
            |v| variant_label(v, index),
        )
    }

    /// A new campaign's form: one text variant, the default strategy sending within `hours`
    /// (the workspace's working hours, `service::new_form`).
    pub fn new_draft(hours: WorkingHours) -> Self {
        Self {
            variants: vec![Variant {
                label: "A".into(),
                weight: 50,
                ..Variant::default()
            }],
            strategy: Strategy {
                working_hours: Some(hours),
                ..Strategy::default()
            },
            ..Self::default()
        }
    }

    /// The rules that need no database (names, lengths, counts, the strategy, the schedule),
    /// each on its wizard field. Template syntax and the ids are checked on the server.
    pub fn check(&self, now: DateTime<Utc>) -> Result<(), AppError> {
        let mut errors: Vec<FieldError> = Vec::new();
        let name = self.name.trim();
        if name.is_empty() {
            errors.push(FieldError::new("name", "Give the campaign a name."));
        } else if name.chars().count() > MAX_NAME_CHARS {
            errors.push(FieldError::new(
                "name",
                format!("The name may have at most {MAX_NAME_CHARS} characters."),
            ));
        }
        if self.description.chars().count() > MAX_DESCRIPTION_CHARS {
            errors.push(FieldError::new(
                "description",
                format!("The description may have at most {MAX_DESCRIPTION_CHARS} characters."),
            ));
        }
        if self.tags.len() > MAX_TAGS {
            errors.push(FieldError::new("tags", format!("At most {MAX_TAGS} tags.")));
        } else if self
            .tags
            .iter()
            .any(|t| t.trim().is_empty() || t.trim().chars().count() > MAX_TAG_CHARS)
        {
            errors.push(FieldError::new(
                "tags",
                format!("Each tag has 1 to {MAX_TAG_CHARS} characters."),
            ));
        }
        match &self.audience.source {
            AudienceSource::Leads(ids) if ids.is_empty() => {
                errors.push(FieldError::new("audience", "Choose at least one lead."))
            }
            AudienceSource::Leads(ids) if ids.len() > MAX_LEAD_IDS => errors.push(FieldError::new(
                "audience",
                format!("At most {MAX_LEAD_IDS} leads one by one; use a filter or a segment."),
            )),
            AudienceSource::Numbers(text) if text.trim().is_empty() => {
                errors.push(FieldError::new("audience", "Paste at least one number."))
            }
            AudienceSource::Filter(filter) => {
                if let Some(problem) = filter.problem() {
                    errors.push(FieldError::new("audience", problem));
                }
            }
            _ => {}
        }
        if self.variants.is_empty() {
            errors.push(FieldError::new("variants", "Write at least one message."));
        }
        if self.variants.len() > MAX_VARIANTS {
            errors.push(FieldError::new(
                "variants",
                format!("At most {MAX_VARIANTS} variants."),
            ));
        }
        for (i, variant) in self.variants.iter().enumerate() {
            let field = format!("variants.{i}");
            let label = variant_label(variant, i);
            let length = variant.body.chars().count();
            if variant.body.trim().is_empty()
                && variant.attachment.is_none()
                && variant.extra == VariantExtra::None
            {
                errors.push(FieldError::new(
                    &field,
                    format!("Variant {label}: write the message or attach a file."),
                ));
            } else if length > MAX_MESSAGE_CHARS {
                errors.push(FieldError::new(
                    &field,
                    format!(
                        "Variant {label} has {length} characters; WhatsApp takes at most {MAX_MESSAGE_CHARS}."
                    ),
                ));
            }
            if self.variant_choice == VariantChoice::Rotation
                && !(1..=100).contains(&variant.weight)
            {
                errors.push(FieldError::new(
                    &field,
                    format!("Variant {label}: the weight must be from 1 to 100."),
                ));
            }
            match &variant.extra {
                VariantExtra::Location {
                    latitude,
                    longitude,
                    ..
                } if !(-90.0..=90.0).contains(latitude) || !(-180.0..=180.0).contains(longitude) => {
                    errors.push(FieldError::new(
                        &field,
                        format!("Variant {label}: the latitude must be within ±90 and the longitude within ±180."),
                    ))
                }
                VariantExtra::Contact { name, phone }
                    if name.trim().is_empty() || phone.trim().is_empty() =>
                {
                    errors.push(FieldError::new(
                        &field,
                        format!("Variant {label}: the contact card needs a name and a number."),
                    ))
                }
                _ => {}
            }
        }
        if let Err(strategy) = self.strategy.validate() {
            errors.extend(strategy);
        }
        if self.sender_ids.is_empty() {
            errors.push(FieldError::new("sender_ids", "Choose at least one sender."));
        }
        if self.kind.needs_start() {
            match self.start_at {
                None => errors.push(FieldError::new("start_at", "Say when the campaign starts.")),
                Some(at) if self.kind == CampaignKind::Scheduled && at < now => {
                    errors.push(FieldError::new("start_at", "Choose a time in the future."))
                }
                _ => {}
            }
        }
        if let Some(url) = self
            .notify
            .webhook_url
            .as_deref()
            .filter(|u| !u.trim().is_empty())
            && !url.trim().starts_with("https://")
        {
            errors.push(FieldError::new(
                "webhook_url",
                "The notification webhook must be an https:// address.",
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(errors))
        }
    }
}

/// The label a variant goes by ("A" when it has none).
pub fn variant_label(variant: &Variant, index: usize) -> String {
    if variant.label.trim().is_empty() {
        char::from(b'A' + u8::try_from(index % 26).unwrap_or(0)).to_string()
    } else {
        variant.label.trim().to_owned()
    }
}

/// How many recipients are in each state, plus what the webhooks reported since.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecipientCounts {
    pub total: u64,
    pub pending: u64,
    pub sending: u64,
    pub sent: u64,
    pub failed: u64,
    pub skipped: u64,
    pub unknown: u64,
    /// Of the sent: delivered (or read), read, and leads who wrote back after it.
    pub delivered: u64,
    pub read: u64,
    pub replied: u64,
    /// Of the sent: those whose message the provider reported failed afterwards (a failed
    /// receipt). They are among the "failed messages" the page lists and "retry failed" sends
    /// again. Absent from totals recorded before it existed, hence the default.
    #[serde(default)]
    pub undelivered: u64,
}

impl RecipientCounts {
    /// Recipients that are done one way or another.
    pub fn finished(&self) -> u64 {
        self.sent + self.failed + self.skipped + self.unknown
    }

    /// Whole percent done.
    pub fn percent(&self) -> u32 {
        if self.total == 0 {
            return 0;
        }
        u32::try_from(self.finished().min(self.total) * 100 / self.total).unwrap_or(100)
    }
}

/// Who a campaign would reach now, and who it leaves out and why (each lead counted once, under
/// the first reason in this order).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudienceCount {
    /// Leads the source names.
    pub matched: u64,
    pub eligible: u64,
    pub opted_out: u64,
    pub invalid_phone: u64,
    pub not_on_whatsapp: u64,
    /// By this campaign (an earlier run), or by any campaign within the chosen days.
    pub already_messaged: u64,
    /// Pasted numbers that appear twice, or that are not any lead's.
    pub duplicates: u64,
    pub unmatched_numbers: u64,
}

/// One sender as a campaign page shows it: its day against its cap and when it may send next.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SenderPanel {
    pub id: Uuid,
    pub name: String,
    pub display_number: String,
    pub sent_today: u32,
    pub cap: u32,
    /// When it may send next and why it waits (`None`: not sending for this campaign now).
    #[serde(default, with = "crate::dates::wire::instant_option")]
    pub next_at: Option<DateTime<Utc>>,
    pub wait: Option<Wait>,
    pub connected: Option<bool>,
    pub paused_reason: Option<String>,
    /// Taken out of this campaign's rotation after failures in a row.
    pub skipped_reason: Option<String>,
}

/// A campaign in a list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CampaignSummary {
    pub id: Uuid,
    pub name: String,
    pub kind: CampaignKind,
    pub status: CampaignStatus,
    pub tags: Vec<String>,
    pub counts: RecipientCounts,
    #[serde(with = "crate::dates::wire::instant")]
    pub created_at: DateTime<Utc>,
    #[serde(default, with = "crate::dates::wire::instant_option")]
    pub launched_at: Option<DateTime<Utc>>,
    #[serde(default, with = "crate::dates::wire::instant_option")]
    pub completed_at: Option<DateTime<Utc>>,
}

/// What moves in a campaign once it exists: its status, counters, runs and senders. The wizard's
/// [`CampaignDto`] and the live page's [`CampaignLive`] both carry it, as `state`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CampaignState {
    pub status: CampaignStatus,
    pub paused_reason: Option<String>,
    /// The current run (recurring campaigns count up; 0 before launch).
    pub run: u32,
    #[serde(default, with = "crate::dates::wire::instant_option")]
    pub next_run_at: Option<DateTime<Utc>>,
    pub counts: RecipientCounts,
    /// Its runs, the latest first (a one-time campaign has one): the aggregate the counters
    /// sum, so it is as live as they are.
    pub runs: Vec<CampaignRun>,
    pub senders: Vec<SenderPanel>,
    /// Why nothing goes while running, when the plan's messages a day are used up.
    pub plan_notice: Option<String>,
    /// The key that signs the notification webhook (shown on the campaign page).
    pub webhook_key: Option<String>,
    #[serde(with = "crate::dates::wire::instant")]
    pub created_at: DateTime<Utc>,
    #[serde(default, with = "crate::dates::wire::instant_option")]
    pub launched_at: Option<DateTime<Utc>>,
    #[serde(default, with = "crate::dates::wire::instant_option")]
    pub completed_at: Option<DateTime<Utc>>,
}

/// A campaign with everything the wizard edits and the state it is in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CampaignDto {
    pub id: Uuid,
    pub form: CampaignForm,
    pub state: CampaignState,
}

/// A campaign as its live page shows it and its event stream sends it: its state and, of the
/// wizard's form, only the settings the page names. The page's first download then decodes
/// these instead of the whole form (audience, variants, strategy), which only the wizard needs
/// (docs/benchmarks.md, "What runs only on a click").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CampaignLive {
    pub id: Uuid,
    pub name: String,
    pub kind: CampaignKind,
    pub tags: Vec<String>,
    /// Where the notification webhook posts, if the campaign has one.
    pub webhook_url: Option<String>,
    pub state: CampaignState,
}

impl From<CampaignDto> for CampaignLive {
    fn from(dto: CampaignDto) -> Self {
        let CampaignForm {
            name,
            kind,
            tags,
            notify,
            ..
        } = dto.form;
        Self {
            id: dto.id,
            name,
            kind,
            tags,
            webhook_url: notify.webhook_url,
            state: dto.state,
        }
    }
}

/// One row of the recipients table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecipientRow {
    pub position: i64,
    pub lead_id: Uuid,
    pub lead_name: String,
    pub phone: String,
    pub variant: String,
    pub state: RecipientState,
    /// The delivery state webhooks reported for its message, when sent.
    pub delivery: Option<crate::whatsapp::MessageStatus>,
    pub attempts: u32,
    pub sender_name: Option<String>,
    pub error: Option<String>,
    #[serde(with = "crate::dates::wire::instant")]
    pub updated_at: DateTime<Utc>,
}

/// A page of recipients (keyset on the position).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecipientPage {
    pub rows: Vec<RecipientRow>,
    /// Pass as `after` for the next page.
    pub next: Option<i64>,
}

/// A line of the launch checklist.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckItem {
    pub label: String,
    pub ok: bool,
    /// Blocks the launch when not ok (others are advice).
    pub required: bool,
}

/// The review step: who, how long, and the compliance checklist.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LaunchReview {
    pub audience: AudienceCount,
    pub estimate: Estimate,
    pub checklist: Vec<CheckItem>,
}

/// A variant rendered for one real recipient (the phone mock-up).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantPreview {
    pub text: String,
    pub lead_name: Option<String>,
    /// Variables the lead lacks and that have no fallback.
    pub missing: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn valid() -> CampaignForm {
        CampaignForm {
            name: "Spring offer".into(),
            sender_ids: vec![Uuid::nil()],
            variants: vec![Variant {
                label: "A".into(),
                body: "Hi {name|there}".into(),
                weight: 50,
                ..Variant::default()
            }],
            ..CampaignForm::default()
        }
    }

    fn fields(form: &CampaignForm, now: DateTime<Utc>) -> Vec<String> {
        match form.check(now) {
            Ok(()) => vec![],
            Err(AppError::Validation(errors)) => errors.into_iter().map(|e| e.field).collect(),
            Err(other) => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn a_complete_form_passes_and_each_gap_names_its_field() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap();
        assert!(fields(&valid(), now).is_empty());

        let mut form = valid();
        form.name = "  ".into();
        form.sender_ids.clear();
        form.variants[0].body = String::new();
        assert_eq!(fields(&form, now), ["name", "variants.0", "sender_ids"]);

        let mut form = valid();
        form.kind = CampaignKind::Scheduled;
        assert_eq!(fields(&form, now), ["start_at"]);
        form.start_at = Some(now - chrono::TimeDelta::hours(1));
        assert_eq!(fields(&form, now), ["start_at"]);
        form.start_at = Some(now + chrono::TimeDelta::hours(1));
        assert!(fields(&form, now).is_empty());

        let mut form = valid();
        form.variants[0].body = "x".repeat(MAX_MESSAGE_CHARS + 1);
        form.variants[0].weight = 0;
        form.notify.webhook_url = Some("http://example.com/hook".into());
        assert_eq!(
            fields(&form, now),
            ["variants.0", "variants.0", "webhook_url"]
        );

        let mut form = valid();
        form.audience.source = AudienceSource::Leads(vec![]);
        form.strategy.delay_min_s = 30;
        form.strategy.delay_max_s = 10;
        let found = fields(&form, now);
        assert!(found.contains(&"audience".to_owned()), "{found:?}");
        assert!(found.iter().any(|f| f.starts_with("delay")), "{found:?}");

        // A filter built in the wizard is checked as a whole: it never went through the lead
        // list's query parsing.
        let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        for (filter, wanted) in [
            (
                crate::leads::LeadFilter {
                    quiet_days: Some(u32::MAX),
                    ..Default::default()
                },
                "days",
            ),
            (
                crate::leads::LeadFilter {
                    created_from: Some(day(5)),
                    created_to: Some(day(4)),
                    ..Default::default()
                },
                "end date",
            ),
        ] {
            let mut form = valid();
            form.audience.source = AudienceSource::Filter(filter);
            let Err(AppError::Validation(errors)) = form.check(now) else {
                panic!("{wanted}: accepted");
            };
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert_eq!(errors[0].field, "audience");
            assert!(errors[0].message.contains(wanted), "{errors:?}");
        }
        let mut form = valid();
        form.audience.source = AudienceSource::Filter(crate::leads::LeadFilter {
            quiet_days: Some(crate::leads::MAX_QUIET_DAYS),
            created_from: Some(day(4)),
            created_to: Some(day(4)),
            appointment: Some(true),
            ..Default::default()
        });
        assert!(fields(&form, now).is_empty());
    }

    #[test]
    fn stored_names_round_trip_and_old_json_loads() {
        for kind in CampaignKind::ALL {
            assert_eq!(CampaignKind::parse(kind.as_str()), Some(kind));
        }
        for status in CampaignStatus::ALL {
            assert_eq!(CampaignStatus::parse(status.as_str()), Some(status));
        }
        for state in RecipientState::ALL {
            assert_eq!(RecipientState::parse(state.as_str()), Some(state));
        }
        let form: CampaignForm = serde_json::from_str(r#"{"name":"x"}"#).unwrap();
        assert_eq!(form.strategy, Strategy::default());
        assert_eq!(form.audience.source, AudienceSource::default());
        let json = serde_json::to_string(&AudienceSource::Numbers("+254 712".into())).unwrap();
        assert_eq!(json, r#"{"kind":"numbers","value":"+254 712"}"#);
    }

    #[test]
    fn a_new_draft_sends_within_the_hours_given_and_old_variants_load() {
        let hours = WorkingHours::from_settings(
            8 * 60,
            17 * 60,
            crate::workspaces::WorkingDays::from_days(0..5),
        );
        let form = CampaignForm::new_draft(hours);
        assert_eq!(form.strategy.working_hours, Some(hours));
        assert_eq!(form.variants.len(), 1);
        // A draft stored before variants remembered their template loads without one.
        let stored: CampaignForm =
            serde_json::from_str(r#"{"variants":[{"label":"A","body":"Hi","weight":50}]}"#)
                .unwrap();
        assert_eq!(stored.variants[0].template_id, None);
    }

    #[test]
    fn labels_and_percentages() {
        assert_eq!(variant_label(&Variant::default(), 1), "B");
        let counts = RecipientCounts {
            total: 8,
            sent: 3,
            failed: 1,
            pending: 4,
            ..RecipientCounts::default()
        };
        assert_eq!(counts.percent(), 50);
        assert_eq!(RecipientCounts::default().percent(), 0);
    }
}

/// What a campaign's page charts: where its messages ended up, and when things happened.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignActivity {
    /// Every run's messages, each at its furthest step.
    pub outcomes: crate::analytics::OutcomeShare,
    pub timeline: Timeline,
}

/// A campaign's delivery, read and reply rates, each over its recipients sent and shown with
/// the counts behind it (so "100 %" of one message reads as what it is). The campaign's
/// counters carry the runs' sums (the same aggregate as the "Runs" table), so the page
/// computes the rates from the live counters and the two never disagree.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignRates {
    pub sent: u64,
    /// Of the sent: delivered — a read or answered message reached the phone even when its
    /// delivery receipt never came —, read, answered.
    pub delivered: u64,
    pub read: u64,
    pub replied: u64,
    /// Whole percentages of `sent`; `None` while nothing was sent.
    pub delivery_rate: Option<u32>,
    pub read_rate: Option<u32>,
    pub reply_rate: Option<u32>,
}

impl CampaignRates {
    /// The rates of a campaign's counters (every run's recipients).
    pub fn of_counts(counts: &RecipientCounts) -> Self {
        Self::new(counts.sent, counts.delivered, counts.read, counts.replied)
    }

    fn new(sent: u64, delivered: u64, read: u64, replied: u64) -> Self {
        let rate = |part| crate::analytics::percent(part, sent);
        Self {
            sent,
            delivered,
            read,
            replied,
            delivery_rate: rate(delivered),
            read_rate: rate(read),
            reply_rate: rate(replied),
        }
    }
}

/// One run of a campaign (a recurring one runs every day or week, each time to the audience's
/// leads it has not messaged yet): its recipients by state and how far its messages got.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignRun {
    /// 1 for the first run.
    pub run: u32,
    pub recipients: u64,
    pub sent: u64,
    pub failed: u64,
    pub skipped: u64,
    /// Not sent yet: pending, being sent, or unknown (the provider may have it).
    pub open: u64,
    /// Of the sent: delivered (or read, or answered), read, answered.
    pub delivered: u64,
    pub read: u64,
    pub replied: u64,
    /// Its first and last message sent (none while nothing went).
    #[serde(default, with = "crate::dates::wire::instant_option")]
    pub first_sent_at: Option<DateTime<Utc>>,
    #[serde(default, with = "crate::dates::wire::instant_option")]
    pub last_sent_at: Option<DateTime<Utc>>,
}

/// A campaign's messages over time: sent, delivered and read per local hour or day, each
/// counted when it happened.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeline {
    /// Local hours (a campaign whose messages span at most [`HOURLY_SPAN_HOURS`]) or local days.
    pub hourly: bool,
    /// From the first bucket with a message to the last, empty ones included.
    pub points: Vec<TimelinePoint>,
}

/// The longest span of a campaign's messages drawn hour by hour.
pub const HOURLY_SPAN_HOURS: i64 = 72;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelinePoint {
    /// "Fri 14:00" or "Fri 4 Dec", in the workspace's zone.
    pub label: String,
    pub sent: u64,
    pub delivered: u64,
    pub read: u64,
}
