//! Website verification: the latest check of each lead with its evidence, the lead's social
//! link, and durable verification jobs whose pending leads are rows (so a job resumes where it
//! stopped, on any instance).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Workspaces {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Leads {
    Table,
    Id,
    SocialUrl,
}

#[derive(DeriveIden)]
enum WebsiteChecks {
    Table,
    LeadId,
    WorkspaceId,
    Status,
    Reason,
    HttpStatus,
    FinalUrl,
    Redirects,
    Ms,
    Title,
    HttpsValid,
    CheckedAt,
}

#[derive(DeriveIden)]
enum VerifyJobs {
    Table,
    Id,
    WorkspaceId,
    CreatedBy,
    Scope,
    Status,
    Total,
    Processed,
    Working,
    NotWorking,
    NoWebsite,
    Error,
    CancelRequested,
    Worker,
    HeartbeatAt,
    StartedAt,
    FinishedAt,
    CreatedAt,
    Failure,
}

#[derive(DeriveIden)]
enum VerifyJobItems {
    Table,
    JobId,
    LeadId,
    WorkspaceId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A social or chat profile found where the website should be (NO_WEBSITE), kept.
        manager
            .alter_table(
                Table::alter()
                    .table(Leads::Table)
                    .add_column(text_null(Leads::SocialUrl))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(WebsiteChecks::Table)
                    // The latest check only: the lead's timeline keeps the history.
                    .col(pk_uuid(WebsiteChecks::LeadId))
                    .col(uuid(WebsiteChecks::WorkspaceId))
                    .col(string_len(WebsiteChecks::Status, 16))
                    .col(string_len(WebsiteChecks::Reason, 32))
                    .col(integer_null(WebsiteChecks::HttpStatus))
                    .col(text_null(WebsiteChecks::FinalUrl))
                    .col(integer(WebsiteChecks::Redirects))
                    .col(integer(WebsiteChecks::Ms))
                    .col(text_null(WebsiteChecks::Title))
                    .col(boolean_null(WebsiteChecks::HttpsValid))
                    .col(timestamp_with_time_zone(WebsiteChecks::CheckedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(WebsiteChecks::Table, WebsiteChecks::LeadId)
                            .to(Leads::Table, Leads::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // "Stale" (checked before a date) and the results table's newest-first order.
        manager
            .create_index(
                Index::create()
                    .name("ix_website_checks_workspace_checked")
                    .table(WebsiteChecks::Table)
                    .col(WebsiteChecks::WorkspaceId)
                    .col(WebsiteChecks::CheckedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(VerifyJobs::Table)
                    .col(pk_uuid(VerifyJobs::Id))
                    .col(uuid(VerifyJobs::WorkspaceId))
                    .col(uuid_null(VerifyJobs::CreatedBy))
                    // What was chosen, in words ("every lead matching …", "stale: 30 days").
                    .col(text(VerifyJobs::Scope))
                    .col(string_len(VerifyJobs::Status, 16))
                    .col(integer(VerifyJobs::Total))
                    .col(integer(VerifyJobs::Processed))
                    .col(integer(VerifyJobs::Working))
                    .col(integer(VerifyJobs::NotWorking))
                    .col(integer(VerifyJobs::NoWebsite))
                    .col(integer(VerifyJobs::Error))
                    .col(boolean(VerifyJobs::CancelRequested))
                    .col(text_null(VerifyJobs::Worker))
                    .col(timestamp_with_time_zone_null(VerifyJobs::HeartbeatAt))
                    .col(timestamp_with_time_zone_null(VerifyJobs::StartedAt))
                    .col(timestamp_with_time_zone_null(VerifyJobs::FinishedAt))
                    .col(timestamp_with_time_zone(VerifyJobs::CreatedAt))
                    .col(text_null(VerifyJobs::Failure))
                    .foreign_key(
                        ForeignKey::create()
                            .from(VerifyJobs::Table, VerifyJobs::WorkspaceId)
                            .to(Workspaces::Table, Workspaces::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(VerifyJobs::Table, VerifyJobs::CreatedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        // The workers' queue (oldest queued first) and each workspace's latest job.
        manager
            .create_index(
                Index::create()
                    .name("ix_verify_jobs_status_created")
                    .table(VerifyJobs::Table)
                    .col(VerifyJobs::Status)
                    .col(VerifyJobs::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_verify_jobs_workspace_created")
                    .table(VerifyJobs::Table)
                    .col(VerifyJobs::WorkspaceId)
                    .col(VerifyJobs::CreatedAt)
                    .to_owned(),
            )
            .await?;

        // The leads a job has still to check; a row goes in the transaction that stores its
        // lead's result, so what remains after a crash is exactly what is left to do.
        manager
            .create_table(
                Table::create()
                    .table(VerifyJobItems::Table)
                    .col(uuid(VerifyJobItems::JobId))
                    .col(uuid(VerifyJobItems::LeadId))
                    .col(uuid(VerifyJobItems::WorkspaceId))
                    .primary_key(
                        Index::create()
                            .col(VerifyJobItems::JobId)
                            .col(VerifyJobItems::LeadId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(VerifyJobItems::Table, VerifyJobItems::JobId)
                            .to(VerifyJobs::Table, VerifyJobs::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(VerifyJobItems::Table, VerifyJobItems::LeadId)
                            .to(Leads::Table, Leads::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Deleting a lead looks up its pending items by lead.
        manager
            .create_index(
                Index::create()
                    .name("ix_verify_job_items_lead")
                    .table(VerifyJobItems::Table)
                    .col(VerifyJobItems::LeadId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(VerifyJobItems::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(VerifyJobs::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(WebsiteChecks::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Leads::Table)
                    .drop_column(Leads::SocialUrl)
                    .to_owned(),
            )
            .await
    }
}
