//! Message templates: reusable texts with variables, fallbacks and spintax (the language is
//! `shared::templates::render`), a category, an optional attachment and how often they were
//! used. Every workspace starts with the two classic pitches; this migration gives them to
//! the workspaces that already exist.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};

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
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    TemplateId,
}

#[derive(DeriveIden)]
enum Templates {
    Table,
    Id,
    WorkspaceId,
    Name,
    Category,
    Body,
    AttachmentId,
    UsageCount,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

/// The starter templates, as `shared::templates::STARTERS` also defines them for new
/// workspaces (a migration must not depend on code that may change later).
const STARTERS: [(&str, &str, &str); 2] = [
    (
        "Site live: care and SEO",
        "promotional",
        "{Hi|Hello} {name|there}! I came across {website|your website} and it is up and running. \
         We help businesses in {city|your area} get found on Google and keep their sites fast and \
         secure. Could I send you a short free check of your site?\n\nReply STOP to opt out.",
    ),
    (
        "No working site: web design",
        "promotional",
        "{Hi|Hello} {name|there}! I looked for your business online and could not find a working \
         website. We build fast, mobile-friendly sites for {category|businesses} in {city|your \
         area}, ready in two weeks. Would you like to see a few examples?\n\nReply STOP to opt out.",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Templates::Table)
                    .col(pk_uuid(Templates::Id))
                    .col(uuid(Templates::WorkspaceId))
                    .col(string_len(Templates::Name, 80))
                    .col(string_len(Templates::Category, 20))
                    .col(text(Templates::Body))
                    .col(uuid_null(Templates::AttachmentId))
                    .col(big_integer(Templates::UsageCount).default(0))
                    .col(uuid_null(Templates::CreatedBy))
                    .col(timestamp_with_time_zone(Templates::CreatedAt))
                    .col(timestamp_with_time_zone(Templates::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Templates::Table, Templates::WorkspaceId)
                            .to(Workspaces::Table, Workspaces::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Templates::Table, Templates::AttachmentId)
                            .to(Attachments::Table, Attachments::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("templates_workspace_name")
                    .table(Templates::Table)
                    .col(Templates::WorkspaceId)
                    .col(Templates::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Messages::Table)
                    .add_column(uuid_null(Messages::TemplateId))
                    .to_owned(),
            )
            .await?;

        let db = manager.get_connection();
        let backend = db.get_database_backend();
        let workspaces = db
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT id FROM workspaces".to_owned(),
            ))
            .await?;
        let now = chrono::Utc::now();
        for row in workspaces {
            let workspace: uuid::Uuid = row.try_get("", "id")?;
            for (name, category, body) in STARTERS {
                let insert = Query::insert()
                    .into_table(Templates::Table)
                    .columns([
                        Templates::Id,
                        Templates::WorkspaceId,
                        Templates::Name,
                        Templates::Category,
                        Templates::Body,
                        Templates::UsageCount,
                        Templates::CreatedAt,
                        Templates::UpdatedAt,
                    ])
                    .values([
                        uuid::Uuid::now_v7().into(),
                        workspace.into(),
                        name.into(),
                        category.into(),
                        body.into(),
                        0i64.into(),
                        now.into(),
                        now.into(),
                    ])
                    .map_err(|e| DbErr::Custom(e.to_string()))?
                    .to_owned();
                manager.exec_stmt(insert).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Messages::Table)
                    .drop_column(Messages::TemplateId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Templates::Table).to_owned())
            .await
    }
}
