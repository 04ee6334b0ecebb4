//! The dispatcher's queue, indexed as a queue: a partial index over the `pending` recipients
//! of a campaign, in order. The pick (`campaigns::store::pick`) asks for a campaign's first
//! due pending rows; on the full `(campaign, state, position)` index PostgreSQL often chose
//! the primary key instead — its statistics, taken when every row was pending, say the state
//! filters nothing — and then read past every row already sent (32 ms per pick at 40,000 sent,
//! growing). The partial index holds only what is still to send, so the first entries are the
//! answer whatever the statistics say, and rows that leave `pending` add nothing to it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const PENDING: &str = "ix_campaign_recipients_pending";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Raw SQL: the same partial-index syntax on both backends.
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "CREATE INDEX {PENDING} ON campaign_recipients (campaign_id, position) \
                 WHERE state = 'pending'"
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(&format!("DROP INDEX {PENDING}"))
            .await?;
        Ok(())
    }
}
