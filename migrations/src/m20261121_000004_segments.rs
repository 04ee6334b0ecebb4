//! Segments: filters of the lead list a workspace saves by name, to reopen, count and (later)
//! target campaigns with.

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
enum Segments {
    Table,
    Id,
    WorkspaceId,
    Name,
    Filter,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Segments::Table)
                    .col(pk_uuid(Segments::Id))
                    .col(uuid(Segments::WorkspaceId))
                    .col(string_len(Segments::Name, 80))
                    // The `LeadFilter` as JSON: new filter fields need no migration.
                    .col(text(Segments::Filter))
                    .col(uuid_null(Segments::CreatedBy))
                    .col(timestamp_with_time_zone(Segments::CreatedAt))
                    .col(timestamp_with_time_zone(Segments::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Segments::Table, Segments::WorkspaceId)
                            .to(Workspaces::Table, Workspaces::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Segments::Table, Segments::CreatedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        // One name per workspace; also the index the (name-ordered) list reads.
        manager
            .create_index(
                Index::create()
                    .name("uq_segments_workspace_name")
                    .table(Segments::Table)
                    .col(Segments::WorkspaceId)
                    .col(Segments::Name)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Segments::Table).to_owned())
            .await
    }
}
