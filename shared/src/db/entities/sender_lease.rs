//! `sender_leases`: which worker may send for a sender now (until `expires_at`), and the
//! sender's pacing state (`SenderPace` as JSON).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sender_leases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub sender_id: Uuid,
    pub workspace_id: Uuid,
    pub holder: Option<String>,
    pub expires_at: Option<DateTimeUtc>,
    pub pace: String,
    pub campaign_id: Option<Uuid>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
