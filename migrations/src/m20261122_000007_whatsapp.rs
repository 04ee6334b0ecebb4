//! The WhatsApp channel: senders (numbers/sessions with encrypted credentials, warm-up and daily
//! counts), messages in both directions with a timestamp per delivery state, the workspace's
//! opt-out keywords, and when each lead's number was last checked.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Workspaces {
    Table,
    Id,
    OptOutKeywords,
    OptOutReply,
}

#[derive(DeriveIden)]
enum Leads {
    Table,
    Id,
    WhatsappCheckedAt,
}

#[derive(DeriveIden)]
enum Senders {
    Table,
    Id,
    WorkspaceId,
    Name,
    Provider,
    DisplayNumber,
    BaseUrl,
    AccountRef,
    SecretEnc,
    AppSecretEnc,
    WebhookSecretEnc,
    WebhookRegistered,
    Warmup,
    DailyCap,
    SentToday,
    SentDay,
    Connected,
    StatusDetail,
    StatusCheckedAt,
    PausedReason,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    Id,
    WorkspaceId,
    LeadId,
    SenderId,
    Direction,
    PeerPhone,
    Body,
    AttachmentPath,
    AttachmentName,
    AttachmentType,
    ProviderMessageId,
    Status,
    ErrorCode,
    ErrorText,
    CampaignId,
    CreatedAt,
    SentAt,
    DeliveredAt,
    ReadAt,
    FailedAt,
    SeenAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        // NULL keywords mean the defaults (STOP, STOP ALL, UNSUBSCRIBE, …).
        for column in [
            text_null(Workspaces::OptOutKeywords),
            text_null(Workspaces::OptOutReply),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Workspaces::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Leads::Table)
                    .add_column(timestamp_with_time_zone_null(Leads::WhatsappCheckedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Senders::Table)
                    .col(pk_uuid(Senders::Id))
                    .col(uuid(Senders::WorkspaceId))
                    .col(string_len(Senders::Name, 80))
                    .col(string_len(Senders::Provider, 24))
                    .col(string_len(Senders::DisplayNumber, 20))
                    .col(text(Senders::BaseUrl))
                    // The gateway's session id or the Cloud API's phone-number id.
                    .col(string_len(Senders::AccountRef, 120))
                    // AES-256-GCM, bound to the sender and the field (shared::crypto).
                    .col(text(Senders::SecretEnc))
                    .col(text_null(Senders::AppSecretEnc))
                    .col(text(Senders::WebhookSecretEnc))
                    .col(boolean(Senders::WebhookRegistered))
                    .col(string_len(Senders::Warmup, 12))
                    .col(integer_null(Senders::DailyCap))
                    .col(integer(Senders::SentToday))
                    // The workspace-local day `sent_today` counts (YYYY-MM-DD).
                    .col(string_len_null(Senders::SentDay, 10))
                    .col(boolean_null(Senders::Connected))
                    .col(text_null(Senders::StatusDetail))
                    .col(timestamp_with_time_zone_null(Senders::StatusCheckedAt))
                    .col(text_null(Senders::PausedReason))
                    .col(timestamp_with_time_zone(Senders::CreatedAt))
                    .col(timestamp_with_time_zone(Senders::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Senders::Table, Senders::WorkspaceId)
                            .to(Workspaces::Table, Workspaces::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_senders_workspace")
                    .table(Senders::Table)
                    .col(Senders::WorkspaceId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Messages::Table)
                    .col(pk_uuid(Messages::Id))
                    .col(uuid(Messages::WorkspaceId))
                    .col(uuid_null(Messages::LeadId))
                    .col(uuid_null(Messages::SenderId))
                    // `out` or `in`.
                    .col(string_len(Messages::Direction, 3))
                    // The other party, E.164.
                    .col(string_len(Messages::PeerPhone, 20))
                    .col(text(Messages::Body))
                    // Under the data directory, outside the web root.
                    .col(text_null(Messages::AttachmentPath))
                    .col(text_null(Messages::AttachmentName))
                    .col(string_len_null(Messages::AttachmentType, 80))
                    .col(string_len_null(Messages::ProviderMessageId, 200))
                    .col(string_len(Messages::Status, 12))
                    .col(string_len_null(Messages::ErrorCode, 40))
                    .col(text_null(Messages::ErrorText))
                    // Set by campaigns (a later migration adds the table and the key).
                    .col(uuid_null(Messages::CampaignId))
                    .col(timestamp_with_time_zone(Messages::CreatedAt))
                    .col(timestamp_with_time_zone_null(Messages::SentAt))
                    .col(timestamp_with_time_zone_null(Messages::DeliveredAt))
                    .col(timestamp_with_time_zone_null(Messages::ReadAt))
                    .col(timestamp_with_time_zone_null(Messages::FailedAt))
                    // Inbound: when someone in the workspace opened the conversation.
                    .col(timestamp_with_time_zone_null(Messages::SeenAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Messages::Table, Messages::WorkspaceId)
                            .to(Workspaces::Table, Workspaces::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Messages::Table, Messages::LeadId)
                            .to(Leads::Table, Leads::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Messages::Table, Messages::SenderId)
                            .to(Senders::Table, Senders::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        // Webhooks find a message by its provider id within its sender; the unique index also
        // makes a repeated inbound webhook a no-op.
        manager
            .create_index(
                Index::create()
                    .name("ux_messages_sender_provider_id")
                    .table(Messages::Table)
                    .col(Messages::SenderId)
                    .col(Messages::ProviderMessageId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // A lead's conversation, newest first; the inbox's conversations by peer.
        manager
            .create_index(
                Index::create()
                    .name("ix_messages_workspace_lead_created")
                    .table(Messages::Table)
                    .col(Messages::WorkspaceId)
                    .col(Messages::LeadId)
                    .col(Messages::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_messages_workspace_peer_created")
                    .table(Messages::Table)
                    .col(Messages::WorkspaceId)
                    .col(Messages::PeerPhone)
                    .col(Messages::CreatedAt)
                    .to_owned(),
            )
            .await?;
        // A sender's recent outcomes (health) and today's sends.
        manager
            .create_index(
                Index::create()
                    .name("ix_messages_sender_created")
                    .table(Messages::Table)
                    .col(Messages::SenderId)
                    .col(Messages::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Messages::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Senders::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Leads::Table)
                    .drop_column(Leads::WhatsappCheckedAt)
                    .to_owned(),
            )
            .await?;
        for column in [Workspaces::OptOutReply, Workspaces::OptOutKeywords] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Workspaces::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
