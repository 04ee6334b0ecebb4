//! Leads and their imports: the lead table (with tags and a timeline), import jobs with their
//! uploaded file, progress and report, per-row import errors, and mappings saved per header set.

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
enum Imports {
    Table,
    Id,
    WorkspaceId,
    CreatedBy,
    FileName,
    FileSize,
    FileFormat,
    FileData,
    Sheet,
    Options,
    Mapping,
    HeaderRow,
    Status,
    TotalRows,
    ProcessedRows,
    Imported,
    Updated,
    Duplicates,
    Invalid,
    Blank,
    Failure,
    CancelRequested,
    Worker,
    HeartbeatAt,
    StartedAt,
    FinishedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ImportRowErrors {
    Table,
    ImportId,
    RowNumber,
    WorkspaceId,
    Reason,
}

#[derive(DeriveIden)]
enum SavedMappings {
    Table,
    WorkspaceId,
    Signature,
    Mapping,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Leads {
    Table,
    Id,
    WorkspaceId,
    Name,
    PhoneRaw,
    PhoneE164,
    PhoneCountry,
    PhoneKind,
    PhoneError,
    Email,
    Website,
    WebsiteStatus,
    WhatsappStatus,
    City,
    Country,
    Category,
    Notes,
    CustomFields,
    Stage,
    OptedOut,
    ImportId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum LeadTags {
    Table,
    LeadId,
    Tag,
    WorkspaceId,
}

#[derive(DeriveIden)]
enum LeadEvents {
    Table,
    Id,
    WorkspaceId,
    LeadId,
    Kind,
    Detail,
    ActorId,
    CreatedAt,
}

fn cascade(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .take()
}

fn set_null(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::SetNull)
        .take()
}

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    cols: Vec<DynIden>,
    unique: bool,
) -> Result<(), DbErr> {
    let mut statement = Index::create().name(name).table(table).to_owned();
    for col in cols {
        statement.col(col);
    }
    if unique {
        statement.unique();
    }
    manager.create_index(statement).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Imports::Table)
                    .col(pk_uuid(Imports::Id))
                    .col(uuid(Imports::WorkspaceId))
                    .col(uuid_null(Imports::CreatedBy))
                    .col(string_len(Imports::FileName, 255))
                    .col(big_integer(Imports::FileSize))
                    .col(string_len(Imports::FileFormat, 8))
                    // The upload lives in the database until the job has read it, so any
                    // instance's worker can run the import; it is cleared when the job ends.
                    .col(blob_null(Imports::FileData))
                    .col(string_len_null(Imports::Sheet, 255))
                    .col(text(Imports::Options))
                    .col(text_null(Imports::Mapping))
                    .col(integer_null(Imports::HeaderRow))
                    .col(string_len(Imports::Status, 12))
                    .col(integer(Imports::TotalRows).default(0))
                    .col(integer(Imports::ProcessedRows).default(0))
                    .col(integer(Imports::Imported).default(0))
                    .col(integer(Imports::Updated).default(0))
                    .col(integer(Imports::Duplicates).default(0))
                    .col(integer(Imports::Invalid).default(0))
                    .col(integer(Imports::Blank).default(0))
                    .col(string_len_null(Imports::Failure, 500))
                    .col(boolean(Imports::CancelRequested).default(false))
                    .col(string_len_null(Imports::Worker, 64))
                    .col(timestamp_with_time_zone_null(Imports::HeartbeatAt))
                    .col(timestamp_with_time_zone_null(Imports::StartedAt))
                    .col(timestamp_with_time_zone_null(Imports::FinishedAt))
                    .col(timestamp_with_time_zone(Imports::CreatedAt))
                    .foreign_key(&mut cascade(
                        (Imports::Table, Imports::WorkspaceId),
                        (Workspaces::Table, Workspaces::Id),
                    ))
                    .foreign_key(&mut set_null(
                        (Imports::Table, Imports::CreatedBy),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_imports_workspace",
            Imports::Table,
            vec![
                Imports::WorkspaceId.into_iden(),
                Imports::CreatedAt.into_iden(),
            ],
            false,
        )
        .await?;
        index(
            manager,
            "idx_imports_status",
            Imports::Table,
            vec![Imports::Status.into_iden(), Imports::CreatedAt.into_iden()],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(ImportRowErrors::Table)
                    .col(uuid(ImportRowErrors::ImportId))
                    .col(integer(ImportRowErrors::RowNumber))
                    .col(uuid(ImportRowErrors::WorkspaceId))
                    .col(string_len(ImportRowErrors::Reason, 500))
                    .primary_key(
                        Index::create()
                            .col(ImportRowErrors::ImportId)
                            .col(ImportRowErrors::RowNumber),
                    )
                    .foreign_key(&mut cascade(
                        (ImportRowErrors::Table, ImportRowErrors::ImportId),
                        (Imports::Table, Imports::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SavedMappings::Table)
                    .col(uuid(SavedMappings::WorkspaceId))
                    .col(string_len(SavedMappings::Signature, 64))
                    .col(text(SavedMappings::Mapping))
                    .col(timestamp_with_time_zone(SavedMappings::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(SavedMappings::WorkspaceId)
                            .col(SavedMappings::Signature),
                    )
                    .foreign_key(&mut cascade(
                        (SavedMappings::Table, SavedMappings::WorkspaceId),
                        (Workspaces::Table, Workspaces::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Leads::Table)
                    .col(pk_uuid(Leads::Id))
                    .col(uuid(Leads::WorkspaceId))
                    .col(string_len(Leads::Name, 300))
                    .col(string_len_null(Leads::PhoneRaw, 64))
                    .col(string_len_null(Leads::PhoneE164, 20))
                    .col(string_len_null(Leads::PhoneCountry, 2))
                    .col(string_len_null(Leads::PhoneKind, 24))
                    .col(string_len_null(Leads::PhoneError, 200))
                    .col(string_len_null(Leads::Email, 254))
                    .col(string_len_null(Leads::Website, 2048))
                    .col(string_len(Leads::WebsiteStatus, 16))
                    .col(string_len(Leads::WhatsappStatus, 16))
                    .col(string_len_null(Leads::City, 120))
                    .col(string_len_null(Leads::Country, 120))
                    .col(string_len_null(Leads::Category, 120))
                    .col(text_null(Leads::Notes))
                    .col(text_null(Leads::CustomFields))
                    .col(string_len(Leads::Stage, 16))
                    .col(boolean(Leads::OptedOut).default(false))
                    .col(uuid_null(Leads::ImportId))
                    .col(timestamp_with_time_zone(Leads::CreatedAt))
                    .col(timestamp_with_time_zone(Leads::UpdatedAt))
                    .foreign_key(&mut cascade(
                        (Leads::Table, Leads::WorkspaceId),
                        (Workspaces::Table, Workspaces::Id),
                    ))
                    .foreign_key(&mut set_null(
                        (Leads::Table, Leads::ImportId),
                        (Imports::Table, Imports::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // One lead per phone number in a workspace (NULLs — no valid phone — never collide).
        index(
            manager,
            "uq_leads_workspace_phone",
            Leads::Table,
            vec![Leads::WorkspaceId.into_iden(), Leads::PhoneE164.into_iden()],
            true,
        )
        .await?;
        // Keyset pagination: ids are UUIDv7 (time-ordered), so (workspace, id) is "newest
        // first"; (workspace, sort key, id) serves the other sort orders and filters.
        index(
            manager,
            "idx_leads_recent",
            Leads::Table,
            vec![Leads::WorkspaceId.into_iden(), Leads::Id.into_iden()],
            false,
        )
        .await?;
        for (name, col) in [
            ("idx_leads_name", Leads::Name),
            ("idx_leads_website_status", Leads::WebsiteStatus),
            ("idx_leads_import", Leads::ImportId),
        ] {
            index(
                manager,
                name,
                Leads::Table,
                vec![
                    Leads::WorkspaceId.into_iden(),
                    col.into_iden(),
                    Leads::Id.into_iden(),
                ],
                false,
            )
            .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(LeadTags::Table)
                    .col(uuid(LeadTags::LeadId))
                    .col(string_len(LeadTags::Tag, 60))
                    .col(uuid(LeadTags::WorkspaceId))
                    .primary_key(Index::create().col(LeadTags::LeadId).col(LeadTags::Tag))
                    .foreign_key(&mut cascade(
                        (LeadTags::Table, LeadTags::LeadId),
                        (Leads::Table, Leads::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_lead_tags_workspace_tag",
            LeadTags::Table,
            vec![
                LeadTags::WorkspaceId.into_iden(),
                LeadTags::Tag.into_iden(),
                LeadTags::LeadId.into_iden(),
            ],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(LeadEvents::Table)
                    .col(pk_uuid(LeadEvents::Id))
                    .col(uuid(LeadEvents::WorkspaceId))
                    .col(uuid(LeadEvents::LeadId))
                    .col(string_len(LeadEvents::Kind, 24))
                    .col(text(LeadEvents::Detail))
                    .col(uuid_null(LeadEvents::ActorId))
                    .col(timestamp_with_time_zone(LeadEvents::CreatedAt))
                    .foreign_key(&mut cascade(
                        (LeadEvents::Table, LeadEvents::LeadId),
                        (Leads::Table, Leads::Id),
                    ))
                    .foreign_key(&mut set_null(
                        (LeadEvents::Table, LeadEvents::ActorId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_lead_events_lead",
            LeadEvents::Table,
            vec![LeadEvents::LeadId.into_iden(), LeadEvents::Id.into_iden()],
            false,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            LeadEvents::Table.into_iden(),
            LeadTags::Table.into_iden(),
            Leads::Table.into_iden(),
            SavedMappings::Table.into_iden(),
            ImportRowErrors::Table.into_iden(),
            Imports::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
