//! Campaigns: the campaign (its wizard form as JSON, status, runs), the senders it sends from
//! (with failures in a row), one row per recipient with an explicit state machine (the
//! `(campaign, run, lead)` key is the idempotency key: a lead gets one message per run), and
//! sender leases — the one holder that may send for a number, with its pacing state.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Workspaces {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Leads {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Senders {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    CampaignId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Campaigns {
    Table,
    Id,
    WorkspaceId,
    Name,
    Kind,
    Status,
    Form,
    PausedReason,
    Run,
    NextRunAt,
    WebhookKeyEnc,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    LaunchedAt,
    CompletedAt,
    Totals,
}

#[derive(DeriveIden)]
enum CampaignSenders {
    Table,
    CampaignId,
    SenderId,
    WorkspaceId,
    ConsecutiveFailures,
    SkippedReason,
}

#[derive(DeriveIden)]
enum CampaignRecipients {
    Table,
    CampaignId,
    Position,
    WorkspaceId,
    Run,
    LeadId,
    Variant,
    State,
    Attempts,
    NextAttemptAt,
    SenderId,
    MessageId,
    ErrorCode,
    ErrorText,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SenderLeases {
    Table,
    SenderId,
    WorkspaceId,
    Holder,
    ExpiresAt,
    Pace,
    CampaignId,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Campaigns::Table)
                    .col(pk_uuid(Campaigns::Id))
                    .col(uuid(Campaigns::WorkspaceId))
                    .col(string_len(Campaigns::Name, 120))
                    .col(string_len(Campaigns::Kind, 20))
                    .col(string_len(Campaigns::Status, 12))
                    // `CampaignForm` as JSON: what the wizard edits, read whole.
                    .col(text(Campaigns::Form))
                    .col(text_null(Campaigns::PausedReason))
                    // 0 before launch; recurring campaigns count their runs.
                    .col(integer(Campaigns::Run))
                    .col(timestamp_with_time_zone_null(Campaigns::NextRunAt))
                    // Signs the notification webhook; AES-GCM like provider credentials.
                    .col(text_null(Campaigns::WebhookKeyEnc))
                    .col(uuid_null(Campaigns::CreatedBy))
                    .col(timestamp_with_time_zone(Campaigns::CreatedAt))
                    .col(timestamp_with_time_zone(Campaigns::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Campaigns::LaunchedAt))
                    .col(timestamp_with_time_zone_null(Campaigns::CompletedAt))
                    // The counters when it completed (JSON `RecipientCounts`).
                    .col(text_null(Campaigns::Totals))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Campaigns::Table, Campaigns::WorkspaceId)
                            .to(Workspaces::Table, Workspaces::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_campaigns_workspace_created")
                    .table(Campaigns::Table)
                    .col(Campaigns::WorkspaceId)
                    .col(Campaigns::CreatedAt)
                    .to_owned(),
            )
            .await?;
        // The dispatcher looks for running campaigns and scheduled ones that are due.
        manager
            .create_index(
                Index::create()
                    .name("ix_campaigns_status_next_run")
                    .table(Campaigns::Table)
                    .col(Campaigns::Status)
                    .col(Campaigns::NextRunAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CampaignSenders::Table)
                    .col(uuid(CampaignSenders::CampaignId))
                    .col(uuid(CampaignSenders::SenderId))
                    .col(uuid(CampaignSenders::WorkspaceId))
                    .col(integer(CampaignSenders::ConsecutiveFailures))
                    .col(text_null(CampaignSenders::SkippedReason))
                    .primary_key(
                        Index::create()
                            .col(CampaignSenders::CampaignId)
                            .col(CampaignSenders::SenderId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CampaignSenders::Table, CampaignSenders::CampaignId)
                            .to(Campaigns::Table, Campaigns::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CampaignSenders::Table, CampaignSenders::SenderId)
                            .to(Senders::Table, Senders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_campaign_senders_sender")
                    .table(CampaignSenders::Table)
                    .col(CampaignSenders::SenderId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CampaignRecipients::Table)
                    .col(uuid(CampaignRecipients::CampaignId))
                    // The send order within the campaign (shuffled for random order).
                    .col(big_integer(CampaignRecipients::Position))
                    .col(uuid(CampaignRecipients::WorkspaceId))
                    .col(integer(CampaignRecipients::Run))
                    .col(uuid(CampaignRecipients::LeadId))
                    .col(integer(CampaignRecipients::Variant))
                    .col(string_len(CampaignRecipients::State, 10))
                    .col(integer(CampaignRecipients::Attempts))
                    .col(timestamp_with_time_zone_null(
                        CampaignRecipients::NextAttemptAt,
                    ))
                    .col(uuid_null(CampaignRecipients::SenderId))
                    // The latest attempt's message.
                    .col(uuid_null(CampaignRecipients::MessageId))
                    .col(string_len_null(CampaignRecipients::ErrorCode, 40))
                    .col(text_null(CampaignRecipients::ErrorText))
                    .col(timestamp_with_time_zone(CampaignRecipients::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(CampaignRecipients::CampaignId)
                            .col(CampaignRecipients::Position),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CampaignRecipients::Table, CampaignRecipients::CampaignId)
                            .to(Campaigns::Table, Campaigns::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CampaignRecipients::Table, CampaignRecipients::LeadId)
                            .to(Leads::Table, Leads::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CampaignRecipients::Table, CampaignRecipients::SenderId)
                            .to(Senders::Table, Senders::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        // The idempotency key: one row, hence one message, per lead and run.
        manager
            .create_index(
                Index::create()
                    .name("ux_campaign_recipients_run_lead")
                    .table(CampaignRecipients::Table)
                    .col(CampaignRecipients::CampaignId)
                    .col(CampaignRecipients::Run)
                    .col(CampaignRecipients::LeadId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // Claims: the next pending rows in order; counters by state.
        manager
            .create_index(
                Index::create()
                    .name("ix_campaign_recipients_state")
                    .table(CampaignRecipients::Table)
                    .col(CampaignRecipients::CampaignId)
                    .col(CampaignRecipients::State)
                    .col(CampaignRecipients::Position)
                    .to_owned(),
            )
            .await?;
        // A lead's deletion cascades here; "messaged by any campaign" looks up by lead.
        manager
            .create_index(
                Index::create()
                    .name("ix_campaign_recipients_lead")
                    .table(CampaignRecipients::Table)
                    .col(CampaignRecipients::LeadId)
                    .to_owned(),
            )
            .await?;
        // A lease taken over from a dead holder settles that sender's `sending` rows.
        manager
            .create_index(
                Index::create()
                    .name("ix_campaign_recipients_sender_state")
                    .table(CampaignRecipients::Table)
                    .col(CampaignRecipients::SenderId)
                    .col(CampaignRecipients::State)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SenderLeases::Table)
                    .col(pk_uuid(SenderLeases::SenderId))
                    .col(uuid(SenderLeases::WorkspaceId))
                    // `{host}-{pid}-{random}` of the worker holding it; NULL: free.
                    .col(string_len_null(SenderLeases::Holder, 120))
                    .col(timestamp_with_time_zone_null(SenderLeases::ExpiresAt))
                    // The planner's `SenderPace` as JSON: survives pauses, restarts, take-overs.
                    .col(text(SenderLeases::Pace))
                    // The campaign it is sending for now (the campaign page's panel).
                    .col(uuid_null(SenderLeases::CampaignId))
                    .col(timestamp_with_time_zone(SenderLeases::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SenderLeases::Table, SenderLeases::SenderId)
                            .to(Senders::Table, Senders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        // Failure rates over a campaign's latest sends, and its analytics.
        manager
            .create_index(
                Index::create()
                    .name("ix_messages_campaign_created")
                    .table(Messages::Table)
                    .col(Messages::CampaignId)
                    .col(Messages::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_messages_campaign_created")
                    .table(Messages::Table)
                    .to_owned(),
            )
            .await?;
        for table in [
            SenderLeases::Table.into_iden(),
            CampaignRecipients::Table.into_iden(),
            CampaignSenders::Table.into_iden(),
            Campaigns::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
