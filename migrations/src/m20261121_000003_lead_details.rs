//! The lead page's own data: team notes on a lead, and customers converted from leads (each
//! keeping a link back to the lead it came from).

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
enum Leads {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum LeadNotes {
    Table,
    Id,
    WorkspaceId,
    LeadId,
    AuthorId,
    Body,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Customers {
    Table,
    Id,
    WorkspaceId,
    LeadId,
    Name,
    PhoneE164,
    Email,
    Website,
    City,
    Country,
    Category,
    CreatedBy,
    CreatedAt,
}

fn references(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(on_delete)
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LeadNotes::Table)
                    .col(pk_uuid(LeadNotes::Id))
                    .col(uuid(LeadNotes::WorkspaceId))
                    .col(uuid(LeadNotes::LeadId))
                    .col(uuid_null(LeadNotes::AuthorId))
                    .col(text(LeadNotes::Body))
                    .col(timestamp_with_time_zone(LeadNotes::CreatedAt))
                    .foreign_key(&mut references(
                        (LeadNotes::Table, LeadNotes::WorkspaceId),
                        (Workspaces::Table, Workspaces::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut references(
                        (LeadNotes::Table, LeadNotes::LeadId),
                        (Leads::Table, Leads::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut references(
                        (LeadNotes::Table, LeadNotes::AuthorId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_lead_notes_lead")
                    .table(LeadNotes::Table)
                    .col(LeadNotes::LeadId)
                    .col(LeadNotes::Id)
                    .to_owned(),
            )
            .await?;

        // A customer copies the lead's contact details when converted, so it stays whole if the
        // lead is later deleted (the link then becomes NULL).
        manager
            .create_table(
                Table::create()
                    .table(Customers::Table)
                    .col(pk_uuid(Customers::Id))
                    .col(uuid(Customers::WorkspaceId))
                    .col(uuid_null(Customers::LeadId))
                    .col(string_len(Customers::Name, 300))
                    .col(string_len_null(Customers::PhoneE164, 20))
                    .col(string_len_null(Customers::Email, 254))
                    .col(string_len_null(Customers::Website, 2048))
                    .col(string_len_null(Customers::City, 120))
                    .col(string_len_null(Customers::Country, 120))
                    .col(string_len_null(Customers::Category, 120))
                    .col(uuid_null(Customers::CreatedBy))
                    .col(timestamp_with_time_zone(Customers::CreatedAt))
                    .foreign_key(&mut references(
                        (Customers::Table, Customers::WorkspaceId),
                        (Workspaces::Table, Workspaces::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut references(
                        (Customers::Table, Customers::LeadId),
                        (Leads::Table, Leads::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut references(
                        (Customers::Table, Customers::CreatedBy),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        // One customer per lead (NULLs, from deleted leads, never collide).
        manager
            .create_index(
                Index::create()
                    .name("uq_customers_workspace_lead")
                    .table(Customers::Table)
                    .col(Customers::WorkspaceId)
                    .col(Customers::LeadId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_customers_recent")
                    .table(Customers::Table)
                    .col(Customers::WorkspaceId)
                    .col(Customers::Id)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [Customers::Table.into_iden(), LeadNotes::Table.into_iden()] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
