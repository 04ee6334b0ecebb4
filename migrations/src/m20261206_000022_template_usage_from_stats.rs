//! Drops `templates.usage_count`. A template's usage count is now read from `message_stats`
//! (the rollup the triggers on `messages` keep exact), so every message written with a
//! `template_id` — one-to-one sends and campaign messages alike — counts, and no send path has
//! a counter to remember or to lock. The column only ever counted one-to-one sends, which the
//! rollup counts too, so nothing is lost.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Templates {
    Table,
    UsageCount,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Templates::Table)
                    .drop_column(Templates::UsageCount)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Templates::Table)
                    .add_column(
                        ColumnDef::new(Templates::UsageCount)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await
    }
}
