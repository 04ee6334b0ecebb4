//! Customers: leads converted to customers. A customer copies the lead's contact details at
//! conversion and keeps a link back to the lead; the lead page links forward to the customer.

#[cfg(feature = "ssr")]
pub mod service;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A customer: a converted lead.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerDto {
    pub id: Uuid,
    pub name: String,
    pub phone_e164: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub category: Option<String>,
    /// The lead it was converted from, while that lead exists: its id and name.
    pub lead: Option<(Uuid, String)>,
    /// Who converted it.
    pub created_by: Option<String>,
    #[serde(with = "crate::dates::wire::instant")]
    pub created_at: DateTime<Utc>,
}

/// One page of the customer list, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerPage {
    pub rows: Vec<CustomerDto>,
    /// Customers in the workspace, all pages together.
    pub total: u64,
    /// Pass back to get the next page; `None` on the last page.
    pub next: Option<Uuid>,
}
