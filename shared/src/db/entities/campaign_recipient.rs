//! `campaign_recipients`: one lead of one campaign run, with its state (`RecipientState`),
//! variant, attempts and latest message (and its receipts). `(campaign_id, run, lead_id)` is
//! unique.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "campaign_recipients")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub campaign_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub position: i64,
    pub workspace_id: Uuid,
    pub run: i32,
    pub lead_id: Uuid,
    pub variant: i32,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTimeUtc>,
    pub sender_id: Option<Uuid>,
    pub message_id: Option<Uuid>,
    pub error_code: Option<String>,
    pub error_text: Option<String>,
    pub updated_at: DateTimeUtc,
    /// The latest message's receipts, copied by triggers (migration `000023`): delivered
    /// (or read, or answered), read, answered, failed after it went.
    pub message_delivered: bool,
    pub message_read: bool,
    pub message_replied: bool,
    pub message_failed: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
