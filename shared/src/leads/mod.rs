//! Leads: their fields and states, filters and list rows (everywhere), and behind `ssr` the
//! import core — reads an uploaded CSV/TSV or workbook into rows of text, finds the header row
//! and maps columns to lead fields, and cleans phones, websites and e-mails (pure and
//! synchronous; callers run it on the blocking pool) — plus the lead store, bulk actions and
//! exports. The list's URL parameters (`LeadQuery`) compile everywhere.

#[cfg(feature = "ssr")]
pub mod bulk;
#[cfg(feature = "ssr")]
mod clean;
mod detail;
#[cfg(feature = "ssr")]
mod detect;
#[cfg(feature = "ssr")]
mod error;
#[cfg(feature = "ssr")]
pub mod export;
mod model;
#[cfg(feature = "ssr")]
mod phone;
mod query;
#[cfg(feature = "ssr")]
mod read;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;

use std::fmt;

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
pub use clean::{clean_email, clean_website, website_cell};
pub use detail::*;
#[cfg(feature = "ssr")]
pub use detect::{
    ColumnMapping, ColumnTarget, DetectOptions, Mapping, detect_mapping, parse_override,
};
#[cfg(feature = "ssr")]
pub use error::ImportError;
pub use model::*;
#[cfg(feature = "ssr")]
pub use phone::{NormalizedPhone, PhoneError, PhoneKind, normalize_phone};
pub use query::{LeadQuery, MAX_QUIET_DAYS, read_yes_no, yes_no_text};
#[cfg(feature = "ssr")]
pub use read::{FileFormat, ReadOptions, SourceRow, SourceTable, read_table};

/// A lead's built-in fields; anything else in an upload becomes a custom field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadField {
    Name,
    Phone,
    Website,
    Email,
    City,
    Country,
    Category,
    Tags,
    Notes,
}

impl LeadField {
    pub const ALL: [LeadField; 9] = [
        Self::Name,
        Self::Phone,
        Self::Website,
        Self::Email,
        Self::City,
        Self::Country,
        Self::Category,
        Self::Tags,
        Self::Notes,
    ];
    /// The names accepted in overrides, in the order of [`LeadField::ALL`].
    pub const NAMES: [&'static str; 9] = [
        "name", "phone", "website", "email", "city", "country", "category", "tags", "notes",
    ];

    pub fn as_str(self) -> &'static str {
        // ALL and NAMES are in the same order, so the position is the index.
        Self::NAMES[self as usize]
    }

    /// The field's name in the interface.
    pub fn label(self) -> &'static str {
        match self {
            Self::Name => "Business name",
            Self::Phone => "Phone",
            Self::Website => "Website",
            Self::Email => "Email",
            Self::City => "City",
            Self::Country => "Country",
            Self::Category => "Category",
            Self::Tags => "Tags",
            Self::Notes => "Notes",
        }
    }

    /// The field named `value` (as in [`LeadField::NAMES`], any case), if any.
    pub fn parse(value: &str) -> Option<Self> {
        let wanted = value.trim();
        Self::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(wanted))
    }
}

/// A detected column as the preview and the job see it: a custom column carries the (unique)
/// name it is stored under as its header.
#[cfg(feature = "ssr")]
pub fn to_wire_column(column: ColumnMapping) -> crate::imports::ColumnMapping {
    let (header, target) = match column.target {
        ColumnTarget::Field(field) => (column.header, crate::imports::ColumnTarget::Field(field)),
        ColumnTarget::Custom(name) => (name, crate::imports::ColumnTarget::Custom),
        ColumnTarget::Ignore => (column.header, crate::imports::ColumnTarget::Ignore),
    };
    crate::imports::ColumnMapping {
        index: u32::try_from(column.index).unwrap_or(u32::MAX),
        header,
        target,
        confidence: column.confidence,
    }
}

impl fmt::Display for LeadField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(feature = "ssr")]
impl std::str::FromStr for LeadField {
    type Err = ImportError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s).ok_or_else(|| ImportError::UnknownField {
            field: s.trim().to_owned(),
        })
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn field_names_round_trip() {
        for field in LeadField::ALL {
            assert_eq!(field.as_str().parse::<LeadField>(), Ok(field));
        }
        assert_eq!(" Phone ".parse::<LeadField>(), Ok(LeadField::Phone));
        assert_eq!(
            "fax".parse::<LeadField>().map_err(|e| e.to_string()),
            Err(
                "\"fax\" is not a lead field; use one of: name, phone, website, email, city, \
                 country, category, tags, notes."
                    .to_owned()
            )
        );
    }
}
