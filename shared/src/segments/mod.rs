//! Segments: lead-list filters saved by name, listed with how many leads each matches now.
//! The DTOs compile everywhere; the store and service sit behind `ssr`.

#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;

use crate::leads::LeadFilter;
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

/// What a member sends to save or change a segment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentForm {
    pub name: String,
    pub filter: LeadFilter,
}

impl SegmentForm {
    /// The name trimmed and checked (1–80 characters); errors name the field `name`.
    pub fn validated_name(&self) -> Result<String, AppError> {
        let name = self.name.trim();
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        let form = |name: &str| SegmentForm {
            name: name.to_owned(),
            ..SegmentForm::default()
        };
        assert_eq!(form("  Hot leads ").validated_name().unwrap(), "Hot leads");
        for bad in ["", "  ", &"n".repeat(81)] {
            assert!(
                form(bad)
                    .validated_name()
                    .unwrap_err()
                    .field_message("name")
                    .is_some(),
                "{bad:?}"
            );
        }
    }
}
