//! Indexes for analytics: outbound messages by the day they were sent (the dashboard's
//! today/week/month counts and its rates' window) and inbound ones newest first (its replies).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Messages {
    Table,
    WorkspaceId,
    Direction,
    SentAt,
    CreatedAt,
}

const BY_SENT: &str = "ix_messages_workspace_direction_sent";
const BY_CREATED: &str = "ix_messages_workspace_direction_created";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(BY_SENT)
                    .table(Messages::Table)
                    .col(Messages::WorkspaceId)
                    .col(Messages::Direction)
                    .col(Messages::SentAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(BY_CREATED)
                    .table(Messages::Table)
                    .col(Messages::WorkspaceId)
                    .col(Messages::Direction)
                    .col(Messages::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [BY_CREATED, BY_SENT] {
            manager
                .drop_index(Index::drop().name(name).table(Messages::Table).to_owned())
                .await?;
        }
        Ok(())
    }
}
