//! The lead page's wire types: a lead with everything known about it (fields, custom fields,
//! notes, timeline, its customer), the edit form, and the timeline's entries.

use super::{Engagement, Stage, WebsiteStatus, WhatsappStatus};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Longest business name, in characters (the column's size).
pub const MAX_NAME_CHARS: usize = 300;
/// Longest city, country or category.
pub const MAX_PLACE_CHARS: usize = 120;
/// Longest custom field name.
pub const MAX_CUSTOM_KEY_CHARS: usize = 60;
/// Longest custom field value.
pub const MAX_CUSTOM_VALUE_CHARS: usize = 300;
/// Most custom fields on one lead.
pub const MAX_CUSTOM_FIELDS: usize = 50;
/// Longest note, and longest imported notes text.
pub const MAX_NOTE_CHARS: usize = 5000;
/// Longest tag.
pub const MAX_TAG_CHARS: usize = 60;
/// Most tags on one lead.
pub const MAX_TAGS: usize = 30;

/// A custom field: a column of the spreadsheet that is not one of the built-in fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomField {
    pub key: String,
    pub value: String,
}

/// Everything the lead page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadDetail {
    pub id: Uuid,
    pub name: String,
    /// The phone as it was typed or imported.
    pub phone_raw: Option<String>,
    pub phone_e164: Option<String>,
    /// ISO country of the number, e.g. `KE`.
    pub phone_country: Option<String>,
    /// `mobile`, `fixed_line`, … where the numbering plan tells.
    pub phone_kind: Option<String>,
    /// Why the phone could not be normalised, for a flagged lead.
    pub phone_error: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    pub website_status: WebsiteStatus,
    /// The latest website check with its evidence, if the current address was checked.
    pub website_check: Option<crate::websites::WebsiteCheck>,
    /// A social or chat profile the website cell held instead of a site.
    pub social_url: Option<String>,
    pub whatsapp_status: WhatsappStatus,
    pub city: Option<String>,
    pub country: Option<String>,
    pub category: Option<String>,
    /// The notes column of the spreadsheet (editable); the team's notes are in `notes_log`.
    pub notes: Option<String>,
    pub tags: Vec<String>,
    pub custom: Vec<CustomField>,
    pub stage: Stage,
    pub opted_out: bool,
    /// The import the lead came from, if any: its id and file name.
    pub import: Option<(Uuid, String)>,
    /// The customer the lead was converted to, if any: its id and name.
    pub customer: Option<(Uuid, String)>,
    pub notes_log: Vec<LeadNote>,
    /// Newest first.
    pub timeline: Vec<TimelineEntry>,
    pub engagement: Engagement,
}

/// A note the team wrote on a lead.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadNote {
    pub id: Uuid,
    /// The author's name; `None` once the account is gone.
    pub author: Option<String>,
    pub body: String,
    #[serde(with = "crate::dates::wire::instant")]
    pub created_at: DateTime<Utc>,
}

/// What happened to a lead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimelineKind {
    Imported,
    Created,
    UpdatedByImport,
    Edited,
    StageChanged,
    Converted,
    /// An appointment booked, moved or cancelled.
    Appointment,
    Verified,
    WhatsappChecked,
    Messaged,
    Replied,
    OptedOut,
    /// A kind this version does not know (written by a newer one).
    Other,
}

impl TimelineKind {
    pub const ALL: [TimelineKind; 13] = [
        Self::Imported,
        Self::Created,
        Self::UpdatedByImport,
        Self::Edited,
        Self::StageChanged,
        Self::Converted,
        Self::Appointment,
        Self::Verified,
        Self::WhatsappChecked,
        Self::Messaged,
        Self::Replied,
        Self::OptedOut,
        Self::Other,
    ];

    /// The name stored in `lead_events.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Imported => "imported",
            Self::Created => "created",
            Self::UpdatedByImport => "import_update",
            Self::Edited => "edited",
            Self::StageChanged => "stage_changed",
            Self::Converted => "converted",
            Self::Appointment => "appointment",
            Self::Verified => "verified",
            Self::WhatsappChecked => "whatsapp_checked",
            Self::Messaged => "messaged",
            Self::Replied => "replied",
            Self::OptedOut => "opted_out",
            Self::Other => "other",
        }
    }

    pub fn parse(value: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == value)
            .unwrap_or(Self::Other)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Imported => "Imported",
            Self::Created => "Created",
            Self::UpdatedByImport => "Updated by an import",
            Self::Edited => "Edited",
            Self::StageChanged => "Stage changed",
            Self::Converted => "Converted to customer",
            Self::Appointment => "Appointment",
            Self::Verified => "Website checked",
            Self::WhatsappChecked => "WhatsApp checked",
            Self::Messaged => "Messaged",
            Self::Replied => "Replied",
            Self::OptedOut => "Opted out",
            Self::Other => "Activity",
        }
    }
}

/// One entry of a lead's timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub kind: TimelineKind,
    pub detail: String,
    /// Who did it, when a person did.
    pub actor: Option<String>,
    #[serde(with = "crate::dates::wire::instant")]
    pub at: DateTime<Utc>,
}

/// The lead page's edit form, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadEdit {
    pub name: String,
    /// Local or international; read with the lead's country, else the workspace's default.
    pub phone: String,
    pub email: String,
    pub website: String,
    pub city: String,
    pub country: String,
    pub category: String,
    /// Comma- or semicolon-separated.
    pub tags: String,
    pub notes: String,
    pub custom: Vec<CustomField>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeline_kinds_round_trip_and_unknown_kinds_are_other() {
        for kind in TimelineKind::ALL {
            assert_eq!(TimelineKind::parse(kind.as_str()), kind);
        }
        assert_eq!(TimelineKind::parse("teleported"), TimelineKind::Other);
    }
}
