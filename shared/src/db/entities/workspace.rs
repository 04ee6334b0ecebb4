//! `workspaces`: the tenants.

use crate::workspaces::UseCase;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "workspaces")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    #[sea_orm(unique)]
    pub slug: String,
    pub timezone: String,
    pub use_case: UseCase,
    pub plan_code: String,
    pub brand_colour: String,
    pub logo: Option<Vec<u8>>,
    pub logo_content_type: Option<String>,
    pub default_country: String,
    pub daily_limit_new_sender: i32,
    pub daily_limit_warmed_sender: i32,
    /// Minutes after midnight, in the workspace's time zone.
    pub working_hours_start: i32,
    pub working_hours_end: i32,
    /// Bit set, bit 0 = Monday.
    pub working_days: i32,
    /// Inbound texts that opt a lead out, one per line; `None` means the defaults.
    pub opt_out_keywords: Option<String>,
    /// Sent once to a lead who opts out, when set.
    pub opt_out_reply: Option<String>,
    /// Messages sent on `sent_day` (the workspace-local day), against the plan's daily limit.
    pub sent_today: i32,
    pub sent_day: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The workspace's time zone; a name the tz database does not know (never stored by the
    /// settings form) reads as UTC rather than failing whatever asked.
    pub fn zone(&self) -> chrono_tz::Tz {
        self.timezone.parse().unwrap_or(chrono_tz::UTC)
    }
}
