//! Moves each import's uploaded file out of `imports` into its own table, `import_files`.
//!
//! The job updates its `imports` row once per batch (progress, heartbeat). With the upload in
//! that row, SQLite rewrote the multi-megabyte record on every update (the WAL grew by the
//! file's size per batch and checkpoints copied it back), which was most of the import
//! benchmark's store time. In its own row the file is written once and deleted once.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Imports {
    Table,
    Id,
    WorkspaceId,
    FileData,
}

#[derive(DeriveIden)]
enum ImportFiles {
    Table,
    ImportId,
    WorkspaceId,
    Data,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ImportFiles::Table)
                    .col(pk_uuid(ImportFiles::ImportId))
                    .col(uuid(ImportFiles::WorkspaceId))
                    // Until the job has read it, so any instance's worker can run the import;
                    // deleted when the job ends (and with its import).
                    .col(blob(ImportFiles::Data))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ImportFiles::Table, ImportFiles::ImportId)
                            .to(Imports::Table, Imports::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Uploads waiting in drafts or queued jobs move over; then the column goes.
        let copy = Query::insert()
            .into_table(ImportFiles::Table)
            .columns([
                ImportFiles::ImportId,
                ImportFiles::WorkspaceId,
                ImportFiles::Data,
            ])
            .select_from(
                Query::select()
                    .columns([Imports::Id, Imports::WorkspaceId, Imports::FileData])
                    .from(Imports::Table)
                    .and_where(Expr::col(Imports::FileData).is_not_null())
                    .to_owned(),
            )
            .map_err(|e| DbErr::Migration(e.to_string()))?
            .to_owned();
        manager.exec_stmt(copy).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Imports::Table)
                    .drop_column(Imports::FileData)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Imports::Table)
                    .add_column(blob_null(Imports::FileData))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE imports SET file_data = \
                 (SELECT data FROM import_files WHERE import_files.import_id = imports.id)",
            )
            .await?;
        manager
            .drop_table(Table::drop().table(ImportFiles::Table).to_owned())
            .await
    }
}
