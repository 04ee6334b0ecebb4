//! Replies attributed to the messages they answer: `messages.replied_at` on an outbound message
//! is when its lead first wrote back after it (set as each reply arrives, filled in here for
//! the messages already stored), so analytics count answered messages from the row itself
//! instead of searching each lead's conversation. Also indexes receipts by their time, for the
//! analytics page's delivered and read per day.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Messages {
    Table,
    WorkspaceId,
    RepliedAt,
    DeliveredAt,
    ReadAt,
}

const BY_DELIVERED: &str = "ix_messages_workspace_delivered";
const BY_READ: &str = "ix_messages_workspace_read";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Messages::Table)
                    .add_column(timestamp_with_time_zone_null(Messages::RepliedAt))
                    .to_owned(),
            )
            .await?;
        // The same rule the webhook applies from now on: the lead's first inbound message
        // after this one.
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE messages SET replied_at = (SELECT MIN(i.created_at) FROM messages i \
                 WHERE i.workspace_id = messages.workspace_id AND i.lead_id = messages.lead_id \
                 AND i.direction = 'in' AND i.created_at > messages.created_at) \
                 WHERE direction = 'out' AND lead_id IS NOT NULL",
            )
            .await?;
        for (name, column) in [
            (BY_DELIVERED, Messages::DeliveredAt),
            (BY_READ, Messages::ReadAt),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Messages::Table)
                        .col(Messages::WorkspaceId)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [BY_READ, BY_DELIVERED] {
            manager
                .drop_index(Index::drop().name(name).table(Messages::Table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Messages::Table)
                    .drop_column(Messages::RepliedAt)
                    .to_owned(),
            )
            .await
    }
}
