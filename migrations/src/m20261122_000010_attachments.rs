//! Attachments: files users attach to WhatsApp messages (pdf, jpg, png, doc, docx). The bytes
//! live under the attachments directory, outside the web root; this table holds what was
//! checked about them and whether a message uses them (unused uploads are removed after a day).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Workspaces {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Attachments {
    Table,
    Id,
    WorkspaceId,
    UploadedBy,
    FileName,
    ContentType,
    SizeBytes,
    Sha256,
    CreatedAt,
    UsedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Attachments::Table)
                    .col(pk_uuid(Attachments::Id))
                    .col(uuid(Attachments::WorkspaceId))
                    .col(uuid_null(Attachments::UploadedBy))
                    // Sanitised: what the recipient sees as the document's name.
                    .col(string_len(Attachments::FileName, 120))
                    .col(string_len(Attachments::ContentType, 100))
                    .col(big_integer(Attachments::SizeBytes))
                    .col(string_len(Attachments::Sha256, 64))
                    .col(timestamp_with_time_zone(Attachments::CreatedAt))
                    // Set when a message first carries it; until then it is a draft upload.
                    .col(timestamp_with_time_zone_null(Attachments::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Attachments::Table, Attachments::WorkspaceId)
                            .to(Workspaces::Table, Workspaces::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("attachments_unused")
                    .table(Attachments::Table)
                    .col(Attachments::UsedAt)
                    .col(Attachments::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Attachments::Table).to_owned())
            .await
    }
}
