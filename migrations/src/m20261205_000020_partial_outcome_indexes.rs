//! The appointment and converted indexes cover only the leads that have one. Most leads have
//! neither, and a full index on `(workspace_id, appointment_at)` still took an entry (36 bytes
//! of workspace id, a NULL, the row id) for each of them: two of the eight index writes of
//! every imported lead, for nothing. The filters that use them ask `IS NOT NULL`, the partial
//! indexes' own condition, so both databases still use them; "no appointment" is most of a
//! workspace and reads the table either way.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (index, column) — created by `m20261205_000019_lead_outcomes` over every lead.
const INDEXES: [(&str, &str); 2] = [
    ("ix_leads_workspace_appointment", "appointment_at"),
    ("ix_leads_workspace_converted", "converted_at"),
];

/// Drops `index` and creates it again over `column`, for the leads where it is set or for all.
async fn recreate(
    manager: &SchemaManager<'_>,
    index: &str,
    column: &str,
    partial: bool,
) -> Result<(), DbErr> {
    let db = manager.get_connection();
    // Same statements on both backends: `DROP INDEX name` (PostgreSQL's indexes live in the
    // table's schema, SQLite's in the database) and a `WHERE` clause both understand.
    db.execute_unprepared(&format!("DROP INDEX IF EXISTS {index}"))
        .await?;
    let only_set = if partial {
        format!(" WHERE {column} IS NOT NULL")
    } else {
        String::new()
    };
    db.execute_unprepared(&format!(
        "CREATE INDEX {index} ON leads (workspace_id, {column}){only_set}"
    ))
    .await?;
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// In one transaction on SQLite too (sea-orm uses one only on PostgreSQL by default): the
    /// pool would otherwise run the `DROP` and the `CREATE` on different connections, and one
    /// still reading a snapshot from before the drop refuses the create ("already exists").
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (index, column) in INDEXES {
            recreate(manager, index, column, true).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (index, column) in INDEXES {
            recreate(manager, index, column, false).await?;
        }
        Ok(())
    }
}
