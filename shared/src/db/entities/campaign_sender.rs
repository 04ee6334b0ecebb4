//! `campaign_senders`: a sender a campaign sends from, with its failures in a row (a sender
//! that fails too often leaves the campaign's rotation).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "campaign_senders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub campaign_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub sender_id: Uuid,
    pub workspace_id: Uuid,
    pub consecutive_failures: i32,
    pub skipped_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
