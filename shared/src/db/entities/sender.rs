//! `senders`: a WhatsApp number/session a workspace sends from, with its provider, encrypted
//! credentials, warm-up state, today's count and last known connection status.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "senders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub name: String,
    pub provider: String,
    pub display_number: String,
    pub base_url: String,
    pub account_ref: String,
    /// Gateway API key or Cloud API access token, encrypted (`shared::crypto`).
    pub secret_enc: String,
    /// Cloud API app secret (signs webhooks), encrypted.
    pub app_secret_enc: Option<String>,
    /// Gateway webhook HMAC secret or Cloud API verify token, encrypted.
    pub webhook_secret_enc: String,
    pub webhook_registered: bool,
    pub warmup: String,
    pub daily_cap: Option<i32>,
    pub sent_today: i32,
    pub sent_day: Option<String>,
    pub connected: Option<bool>,
    pub status_detail: Option<String>,
    pub status_checked_at: Option<DateTimeUtc>,
    pub paused_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
