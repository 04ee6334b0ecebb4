//! Trigram indexes for the lead list's search on PostgreSQL. The search matches `%text%` in the
//! lower-cased name, email and typed phone and in the E.164 phone, which no B-tree can answer:
//! at 1,000,000 leads a rare word read every lead (about 2 s). `pg_trgm`'s GIN operator class
//! answers `LIKE '%…%'` from the index. SQLite has no equivalent short of an FTS5 table kept by
//! triggers, whose cost on every imported lead is more than small SQLite workspaces gain, so
//! there the search stays a scan.
//!
//! `pg_trgm` ships with PostgreSQL (contrib) and is a trusted extension since PostgreSQL 13, so
//! the database's owner may install it. Where it cannot be installed (a server without contrib,
//! a role without the right) the migration leaves a notice and search works as before, slower.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The index's expressions are exactly those the search writes (`LOWER("name") LIKE …`), or the
/// planner would not match them.
const UP: &str = r#"
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE INDEX IF NOT EXISTS ix_leads_search_trigrams ON leads USING gin (
        (lower(name)) gin_trgm_ops,
        (lower(email)) gin_trgm_ops,
        (lower(phone_raw)) gin_trgm_ops,
        phone_e164 gin_trgm_ops
    );
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'lead search without trigram indexes: %', SQLERRM;
END
$$"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager.get_connection().execute_unprepared(UP).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            // The extension stays: other objects may use it by now.
            manager
                .get_connection()
                .execute_unprepared("DROP INDEX IF EXISTS ix_leads_search_trigrams")
                .await?;
        }
        Ok(())
    }
}
