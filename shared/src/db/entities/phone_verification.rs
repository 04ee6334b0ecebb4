//! `phone_verifications`: the one-time code last sent to a user's phone, with its pacing.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "phone_verifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    pub phone: String,
    pub code_hash: String,
    pub tries_left: i16,
    pub expires_at: DateTimeUtc,
    pub last_sent_at: DateTimeUtc,
    pub sends_in_window: i16,
    pub window_started_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
