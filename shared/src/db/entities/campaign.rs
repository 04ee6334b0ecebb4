//! `campaigns`: a campaign of a workspace — its wizard form (JSON), status, current run and
//! the totals it recorded when it completed.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "campaigns")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub name: String,
    pub kind: String,
    pub status: String,
    /// `CampaignForm` as JSON.
    pub form: String,
    pub paused_reason: Option<String>,
    pub run: i32,
    pub next_run_at: Option<DateTimeUtc>,
    /// The notification webhook's signing key, encrypted (`shared::crypto`).
    pub webhook_key_enc: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub launched_at: Option<DateTimeUtc>,
    pub completed_at: Option<DateTimeUtc>,
    /// `RecipientCounts` as JSON, recorded at completion.
    pub totals: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
