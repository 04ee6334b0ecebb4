//! `leads`: one business lead of a workspace, with its normalised phone and qualification state.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "leads")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub name: String,
    pub phone_raw: Option<String>,
    pub phone_e164: Option<String>,
    pub phone_country: Option<String>,
    pub phone_kind: Option<String>,
    pub phone_error: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    pub website_status: String,
    /// A social or chat profile the website cell held instead of a site.
    pub social_url: Option<String>,
    pub whatsapp_status: String,
    /// When the number was last checked on WhatsApp.
    pub whatsapp_checked_at: Option<DateTimeUtc>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub category: Option<String>,
    pub notes: Option<String>,
    pub custom_fields: Option<String>,
    pub stage: String,
    pub opted_out: bool,
    pub import_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Engagement, kept by triggers on `messages` (migration `m20261205_000017`); the
    /// application never writes these. Outbound messages sent (handed to WhatsApp), delivered
    /// (a read one was delivered) and read, and inbound messages the lead wrote.
    pub messages_sent: i64,
    pub messages_delivered: i64,
    pub messages_read: i64,
    pub messages_received: i64,
    /// When the lead was last sent a message.
    pub last_contacted_at: Option<DateTimeUtc>,
    /// When the latest message the lead answered was sent.
    pub last_answered_sent_at: Option<DateTimeUtc>,
    /// When the lead last wrote.
    pub last_reply_at: Option<DateTimeUtc>,
    /// The appointment booked with the lead, if any: when it is (migration `m20261205_000019`).
    pub appointment_at: Option<DateTimeUtc>,
    /// When the lead entered the Converted stage; empty while it is in another stage.
    pub converted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
