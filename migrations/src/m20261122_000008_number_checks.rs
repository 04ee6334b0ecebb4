//! WhatsApp number checks: a 24-hour cache of answers per workspace and number, and durable
//! check jobs whose pending leads are rows (as website checks), so a job resumes on any
//! instance after a crash without asking the provider twice.

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
enum NumberChecks {
    Table,
    WorkspaceId,
    PhoneE164,
    OnWhatsapp,
    CheckedAt,
}

#[derive(DeriveIden)]
enum NumberCheckJobs {
    Table,
    Id,
    WorkspaceId,
    CreatedBy,
    SenderId,
    Scope,
    Status,
    Total,
    Processed,
    OnWhatsapp,
    NotOnWhatsapp,
    Failed,
    Cached,
    CancelRequested,
    Worker,
    HeartbeatAt,
    StartedAt,
    FinishedAt,
    CreatedAt,
    Failure,
}

#[derive(DeriveIden)]
enum NumberCheckItems {
    Table,
    JobId,
    LeadId,
    WorkspaceId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(NumberChecks::Table)
                    .col(uuid(NumberChecks::WorkspaceId))
                    .col(string_len(NumberChecks::PhoneE164, 20))
                    .col(boolean(NumberChecks::OnWhatsapp))
                    .col(timestamp_with_time_zone(NumberChecks::CheckedAt))
                    .primary_key(
                        Index::create()
                            .col(NumberChecks::WorkspaceId)
                            .col(NumberChecks::PhoneE164),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(NumberChecks::Table, NumberChecks::WorkspaceId)
                            .to(Workspaces::Table, Workspaces::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(NumberCheckJobs::Table)
                    .col(pk_uuid(NumberCheckJobs::Id))
                    .col(uuid(NumberCheckJobs::WorkspaceId))
                    .col(uuid_null(NumberCheckJobs::CreatedBy))
                    // The sender whose session answers the checks (chosen when the job starts).
                    .col(uuid_null(NumberCheckJobs::SenderId))
                    .col(text(NumberCheckJobs::Scope))
                    .col(string_len(NumberCheckJobs::Status, 16))
                    .col(integer(NumberCheckJobs::Total))
                    .col(integer(NumberCheckJobs::Processed))
                    .col(integer(NumberCheckJobs::OnWhatsapp))
                    .col(integer(NumberCheckJobs::NotOnWhatsapp))
                    .col(integer(NumberCheckJobs::Failed))
                    // Answered from the 24-hour cache, without asking the provider.
                    .col(integer(NumberCheckJobs::Cached))
                    .col(boolean(NumberCheckJobs::CancelRequested))
                    .col(text_null(NumberCheckJobs::Worker))
                    .col(timestamp_with_time_zone_null(NumberCheckJobs::HeartbeatAt))
                    .col(timestamp_with_time_zone_null(NumberCheckJobs::StartedAt))
                    .col(timestamp_with_time_zone_null(NumberCheckJobs::FinishedAt))
                    .col(timestamp_with_time_zone(NumberCheckJobs::CreatedAt))
                    .col(text_null(NumberCheckJobs::Failure))
                    .foreign_key(
                        ForeignKey::create()
                            .from(NumberCheckJobs::Table, NumberCheckJobs::WorkspaceId)
                            .to(Workspaces::Table, Workspaces::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_number_check_jobs_status_created")
                    .table(NumberCheckJobs::Table)
                    .col(NumberCheckJobs::Status)
                    .col(NumberCheckJobs::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_number_check_jobs_workspace_created")
                    .table(NumberCheckJobs::Table)
                    .col(NumberCheckJobs::WorkspaceId)
                    .col(NumberCheckJobs::CreatedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(NumberCheckItems::Table)
                    .col(uuid(NumberCheckItems::JobId))
                    .col(uuid(NumberCheckItems::LeadId))
                    .col(uuid(NumberCheckItems::WorkspaceId))
                    .primary_key(
                        Index::create()
                            .col(NumberCheckItems::JobId)
                            .col(NumberCheckItems::LeadId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(NumberCheckItems::Table, NumberCheckItems::JobId)
                            .to(NumberCheckJobs::Table, NumberCheckJobs::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(NumberCheckItems::Table, NumberCheckItems::LeadId)
                            .to(Leads::Table, Leads::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_number_check_items_lead")
                    .table(NumberCheckItems::Table)
                    .col(NumberCheckItems::LeadId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            NumberCheckItems::Table.into_iden(),
            NumberCheckJobs::Table.into_iden(),
            NumberChecks::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
