//! Segments: lead-list filters saved by name, listed with how many leads each matches now.
//! The DTOs compile everywhere; the store and service sit behind `ssr`.

#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;

use crate::leads::{LeadFilter, LeadQuery, LeadSort};
use crate::{AppError, FieldError};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The longest segment name.
pub const MAX_NAME_CHARS: usize = 80;
/// Segments per workspace: each one's live count is a query on every list load.
pub const MAX_SEGMENTS: u64 = 100;

/// A saved filter with its live count, as the lead list shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentDto {
    pub id: Uuid,
    pub name: String,
    pub filter: LeadFilter,
    /// Leads matching the filter right now.
    pub count: u64,
    #[serde(with = "crate::dates::wire::instant")]
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// A saved filter as the lead list and the wizard list it: its name, its live count, and its
/// filter as the lead list's URL parameters (for the default sort) and in words. The filter
/// itself stays on the server, so the list's pages do not decode it (docs/benchmarks.md, "One
/// resource type for the app").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentEntry {
    pub id: Uuid,
    pub name: String,
    /// Leads matching the filter right now.
    pub count: u64,
    /// `LeadQuery::from_filter(filter, LeadSort::default()).query_string()`.
    pub query: String,
    /// The filter in words ("Every lead" when it is empty).
    pub summary: String,
}

impl SegmentEntry {
    /// The entry for `filter`, saved as `name` and matching `count` leads now.
    pub fn new(id: Uuid, name: String, count: u64, filter: &LeadFilter) -> Self {
        let summary = match filter.summary() {
            s if s.is_empty() => "Every lead".to_owned(),
            s => s,
        };
        Self {
            id,
            name,
            count,
            query: LeadQuery::from_filter(filter, LeadSort::default()).query_string(),
            summary,
        }
    }
}

/// What a member sends to save or change a segment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentForm {
    pub name: String,
    pub filter: LeadFilter,
}

/// A segment's name trimmed and checked (1–80 characters); errors name the field `name`.
pub fn validated_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    let problem = if name.is_empty() {
        Some("Give the segment a name.".to_owned())
    } else if name.chars().count() > MAX_NAME_CHARS {
        Some(format!(
            "A segment name is at most {MAX_NAME_CHARS} characters."
        ))
    } else {
        None
    };
    match problem {
        Some(message) => Err(AppError::Validation(vec![FieldError::new("name", message)])),
        None => Ok(name.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(validated_name("  Hot leads ").unwrap(), "Hot leads");
        for bad in ["", "  ", &"n".repeat(81)] {
            assert!(
                validated_name(bad)
                    .unwrap_err()
                    .field_message("name")
                    .is_some(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn an_entry_carries_its_filter_as_the_lists_parameters_and_in_words() {
        let id = Uuid::nil();
        let every = SegmentEntry::new(id, "All".into(), 6, &LeadFilter::default());
        assert_eq!(
            (every.query.as_str(), every.summary.as_str()),
            ("", "Every lead")
        );
        let filter = LeadFilter {
            city: Some("Nairobi".into()),
            stage: vec![crate::leads::Stage::Qualified],
            ..LeadFilter::default()
        };
        let entry = SegmentEntry::new(id, "Hot".into(), 2, &filter);
        assert_eq!(entry.query, "stage=qualified&city=Nairobi");
        assert_eq!(entry.summary, filter.summary());
        // The list reads the same filter back from the parameters.
        let back = LeadQuery::read(|key| {
            entry
                .query
                .split('&')
                .find_map(|pair| pair.strip_prefix(&format!("{key}=")).map(str::to_owned))
        });
        assert_eq!(
            back.to_filter().unwrap(),
            (filter.clone(), LeadSort::default())
        );
        // Under another sort, the parameters are the filter's and the sort's.
        assert_eq!(
            LeadQuery::with_sort(&entry.query, LeadSort::Name),
            LeadQuery::from_filter(&filter, LeadSort::Name).query_string()
        );
        assert_eq!(LeadQuery::with_sort("", LeadSort::Name), "sort=name");
        assert_eq!(
            LeadQuery::with_sort(&entry.query, LeadSort::Newest),
            entry.query
        );
    }
}
