//! `website_checks`: the latest website check of a lead, with its evidence.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "website_checks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub lead_id: Uuid,
    pub workspace_id: Uuid,
    pub status: String,
    pub reason: String,
    pub http_status: Option<i32>,
    pub final_url: Option<String>,
    pub redirects: i32,
    pub ms: i32,
    pub title: Option<String>,
    pub https_valid: Option<bool>,
    pub checked_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
