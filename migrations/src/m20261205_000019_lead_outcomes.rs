//! The two outcomes a sales team records on a lead beside its messages: a booked appointment
//! (`leads.appointment_at`, when the meeting is, set and cleared on the lead page) and the
//! time the lead was converted (`leads.converted_at`, set when it enters the Converted stage,
//! cleared when it leaves it). Filters and segments ask "has an appointment" / "converted"
//! with them, the lead page and the export show them. Converted leads already stored take the
//! time their customer was made, else the lead's last update.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Leads {
    Table,
    WorkspaceId,
    AppointmentAt,
    ConvertedAt,
}

const BY_APPOINTMENT: &str = "ix_leads_workspace_appointment";
const BY_CONVERTED: &str = "ix_leads_workspace_converted";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        for column in [Leads::AppointmentAt, Leads::ConvertedAt] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Leads::Table)
                        .add_column(timestamp_with_time_zone_null(column))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE leads SET converted_at = COALESCE((SELECT MIN(c.created_at) \
                 FROM customers c WHERE c.workspace_id = leads.workspace_id \
                 AND c.lead_id = leads.id), updated_at) WHERE stage = 'converted'",
            )
            .await?;
        for (name, column) in [
            (BY_APPOINTMENT, Leads::AppointmentAt),
            (BY_CONVERTED, Leads::ConvertedAt),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Leads::Table)
                        .col(Leads::WorkspaceId)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [BY_CONVERTED, BY_APPOINTMENT] {
            manager
                .drop_index(Index::drop().name(name).table(Leads::Table).to_owned())
                .await?;
        }
        for column in [Leads::ConvertedAt, Leads::AppointmentAt] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Leads::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
