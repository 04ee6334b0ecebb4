//! `number_check_jobs`: a durable WhatsApp number check over a set of leads, with progress.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "number_check_jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub created_by: Option<Uuid>,
    pub sender_id: Option<Uuid>,
    pub scope: String,
    pub status: String,
    pub total: i32,
    pub processed: i32,
    pub on_whatsapp: i32,
    pub not_on_whatsapp: i32,
    pub failed: i32,
    pub cached: i32,
    pub cancel_requested: bool,
    pub worker: Option<String>,
    pub heartbeat_at: Option<DateTimeUtc>,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub failure: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
