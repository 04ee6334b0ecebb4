//! Spreadsheet imports as they cross the wire: options, the preview with its detected mapping,
//! live progress and the report. The job that runs an import sits behind `ssr` in `job`, its
//! storage in `store` and the entry points in `service`.

#[cfg(feature = "ssr")]
pub mod job;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use crate::leads::LeadField;

/// Where one column of the file goes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
// Read as a flat `{kind, value}` struct: serde's derived reading of an adjacently tagged enum
// carries its buffered `Content` path into the import page's wasm (docs/benchmarks.md,
// "Tagged enums without serde's buffer").
#[serde(
    tag = "kind",
    content = "value",
    rename_all = "lowercase",
    try_from = "ColumnTargetWire"
)]
pub enum ColumnTarget {
    /// One of the lead's own fields.
    Field(LeadField),
    /// Kept on the lead as a custom field named by the column's header.
    Custom,
    /// Not imported.
    Ignore,
}

/// [`ColumnTarget`] as written: `{"kind": "field", "value": "phone"}`, `{"kind": "custom"}`.
#[derive(Deserialize)]
struct ColumnTargetWire {
    kind: ColumnKind,
    value: Option<LeadField>,
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum ColumnKind {
    Field,
    Custom,
    Ignore,
}

impl TryFrom<ColumnTargetWire> for ColumnTarget {
    type Error = &'static str;

    fn try_from(wire: ColumnTargetWire) -> Result<Self, &'static str> {
        Ok(match wire.kind {
            ColumnKind::Field => Self::Field(
                wire.value
                    .ok_or("a column of kind field needs the lead field as its value")?,
            ),
            ColumnKind::Custom => Self::Custom,
            ColumnKind::Ignore => Self::Ignore,
        })
    }
}

/// One column of the file with where it goes and how sure detection was.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnMapping {
    /// 0-based position in the row.
    pub index: u32,
    /// The header as written in the file (or "Column C" when the file has no header row).
    pub header: String,
    pub target: ColumnTarget,
    /// 0–100: how sure detection is (100 for a choice the user made).
    pub confidence: u8,
}

/// What to do with a row whose phone number is already a lead in the workspace.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnDuplicate {
    /// Leave the existing lead alone (the row counts as a duplicate).
    #[default]
    Skip,
    /// Fill the existing lead's empty fields from the row.
    Update,
    /// Replace the existing lead's fields with the row's non-empty values.
    Overwrite,
}

impl OnDuplicate {
    pub const ALL: [OnDuplicate; 3] = [Self::Skip, Self::Update, Self::Overwrite];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Skip => "skip",
            Self::Update => "update",
            Self::Overwrite => "overwrite",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Skip => "Skip the row",
            Self::Update => "Fill the lead's empty fields",
            Self::Overwrite => "Overwrite the lead's fields",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == value.trim())
    }
}

/// What the user confirmed in the preview (or passed to `leadloom import`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOptions {
    /// ISO 3166 alpha-2 country for numbers written without a country code.
    pub default_country: Option<String>,
    pub on_duplicate: OnDuplicate,
    /// The sheet of a workbook; `None` picks the first non-empty one.
    pub sheet: Option<String>,
    /// Fingerprint of the file's header row, under which the confirmed mapping is saved.
    #[serde(default)]
    pub headers_signature: Option<String>,
}

/// What the user confirms in the preview.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartImport {
    pub columns: Vec<ColumnMapping>,
    pub default_country: Option<String>,
    pub on_duplicate: OnDuplicate,
}

/// The first rows of an uploaded file with what detection made of them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPreview {
    pub import_id: Uuid,
    pub file_name: String,
    /// Every sheet of a workbook (empty for csv/tsv).
    pub sheets: Vec<String>,
    pub sheet: Option<String>,
    /// 1-based row number of the header row; `None` when the file has none.
    pub header_row: Option<u32>,
    pub columns: Vec<ColumnMapping>,
    /// The first data rows after the header, cells in column order.
    pub rows: Vec<PreviewRow>,
    /// Data rows in the file (after the header, blank rows included).
    pub total_rows: u32,
    /// Whether the mapping came from the one saved for files with the same headers.
    pub mapping_reused: bool,
    pub default_country: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewRow {
    /// 1-based row number in the file.
    pub number: u32,
    pub cells: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImportStatus {
    /// Uploaded and previewed; waiting for the user to confirm the mapping.
    Draft,
    Queued,
    Running,
    Completed,
    Failed,
    Cancelled,
}

impl ImportStatus {
    pub const ALL: [ImportStatus; 6] = [
        Self::Draft,
        Self::Queued,
        Self::Running,
        Self::Completed,
        Self::Failed,
        Self::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "Waiting for mapping",
            Self::Queued => "Queued",
            Self::Running => "Importing",
            Self::Completed => "Completed",
            Self::Failed => "Failed",
            Self::Cancelled => "Cancelled",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// Whether the job has stopped for good.
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Cancelled)
    }
}

/// An import's state and counters, as the progress bar and the imports list show them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImportDto {
    pub id: Uuid,
    pub file_name: String,
    pub status: ImportStatus,
    pub total_rows: u32,
    pub processed_rows: u32,
    pub imported: u32,
    pub updated: u32,
    pub duplicates: u32,
    pub invalid: u32,
    pub blank: u32,
    /// Rows listed in the report (rejected or flagged).
    pub error_count: u32,
    pub failure: Option<String>,
    pub cancel_requested: bool,
    #[serde(with = "crate::dates::wire::instant")]
    pub created_at: DateTime<Utc>,
    #[serde(default, with = "crate::dates::wire::instant_option")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default, with = "crate::dates::wire::instant_option")]
    pub finished_at: Option<DateTime<Utc>>,
    /// Rows per second so far (running) or overall (finished).
    pub rows_per_second: Option<f64>,
    /// Seconds left at the current pace, while running.
    pub eta_seconds: Option<u64>,
}

impl ImportDto {
    /// 0–100 for the progress bar.
    pub fn percent(&self) -> u32 {
        match self.status {
            ImportStatus::Completed => 100,
            _ if self.total_rows == 0 => 0,
            _ => ((u64::from(self.processed_rows) * 100) / u64::from(self.total_rows)).min(100)
                as u32,
        }
    }
}

/// Rows per second and seconds left, from the counters and the clock.
pub fn pace(
    processed: u32,
    total: u32,
    started_at: Option<DateTime<Utc>>,
    until: DateTime<Utc>,
) -> (Option<f64>, Option<u64>) {
    let Some(started) = started_at else {
        return (None, None);
    };
    let elapsed = (until - started).num_milliseconds() as f64 / 1000.0;
    if elapsed <= 0.0 || processed == 0 {
        return (None, None);
    }
    let rate = f64::from(processed) / elapsed;
    let left = f64::from(total.saturating_sub(processed)) / rate;
    (Some(rate), Some(left.ceil() as u64))
}

/// One rejected or flagged row of an import.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    /// 1-based row number in the file.
    pub row: u32,
    pub reason: String,
}

/// The report `leadloom import --json` prints and the report page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub imported: u32,
    pub updated: u32,
    pub duplicates: u32,
    pub invalid: u32,
    pub blank: u32,
    /// Lead field → the header of the column that filled it.
    pub mapping: std::collections::BTreeMap<String, String>,
    /// 1-based; `None` when the file has no header row.
    pub header_row: Option<u32>,
    pub errors: Vec<RowError>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn pace_gives_rate_and_time_left() {
        let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let now = start + chrono::Duration::seconds(4);
        let (rate, eta) = pace(2_000, 10_000, Some(start), now);
        assert_eq!(rate, Some(500.0));
        assert_eq!(eta, Some(16));
        assert_eq!(pace(0, 10, Some(start), now), (None, None));
        assert_eq!(pace(5, 10, None, now), (None, None));
    }

    #[test]
    fn column_targets_read_back_in_any_key_order() {
        for target in [
            ColumnTarget::Field(LeadField::Phone),
            ColumnTarget::Custom,
            ColumnTarget::Ignore,
        ] {
            let written = serde_json::to_string(&target).unwrap();
            assert_eq!(
                serde_json::from_str::<ColumnTarget>(&written).unwrap(),
                target
            );
        }
        assert_eq!(
            serde_json::from_str::<ColumnTarget>(r#"{"value":"website","kind":"field"}"#).unwrap(),
            ColumnTarget::Field(LeadField::Website)
        );
        let error = serde_json::from_str::<ColumnTarget>(r#"{"kind":"field"}"#).unwrap_err();
        assert!(
            error.to_string().contains("needs the lead field"),
            "{error}"
        );
        let error = serde_json::from_str::<ColumnTarget>(r#"{"kind":"fax"}"#).unwrap_err();
        assert!(
            error.to_string().contains("unknown variant `fax`"),
            "{error}"
        );
    }

    #[test]
    fn names_round_trip() {
        for field in LeadField::ALL {
            assert_eq!(LeadField::parse(field.as_str()), Some(field));
        }
        assert_eq!(LeadField::parse(" Phone "), Some(LeadField::Phone));
        assert_eq!(LeadField::parse("fax"), None);
        for policy in OnDuplicate::ALL {
            assert_eq!(OnDuplicate::parse(policy.as_str()), Some(policy));
        }
        for status in ImportStatus::ALL {
            assert_eq!(ImportStatus::parse(status.as_str()), Some(status));
        }
    }
}
