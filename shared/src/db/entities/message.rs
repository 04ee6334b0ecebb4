//! `messages`: every WhatsApp message in or out, with a timestamp per delivery state.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "messages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub lead_id: Option<Uuid>,
    pub sender_id: Option<Uuid>,
    /// `out` or `in`.
    pub direction: String,
    pub peer_phone: String,
    pub body: String,
    pub attachment_path: Option<String>,
    pub attachment_name: Option<String>,
    pub attachment_type: Option<String>,
    pub provider_message_id: Option<String>,
    pub status: String,
    pub error_code: Option<String>,
    pub error_text: Option<String>,
    pub campaign_id: Option<Uuid>,
    /// The template the message was written from, if any.
    pub template_id: Option<Uuid>,
    /// Campaign messages: the index of the variant the message was written from.
    pub variant: Option<i32>,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    pub delivered_at: Option<DateTimeUtc>,
    pub read_at: Option<DateTimeUtc>,
    pub failed_at: Option<DateTimeUtc>,
    pub seen_at: Option<DateTimeUtc>,
    /// Outbound: when the lead first wrote back after it.
    pub replied_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
