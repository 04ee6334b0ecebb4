//! LeadLoom's schema: the single source of truth for every table, on SQLite and PostgreSQL
//! alike. Runs on start (`leadloom serve`) and by `leadloom migrate`.

pub use sea_orm_migration::prelude::*;

mod m20261121_000001_foundation;
mod m20261121_000002_leads;
mod m20261121_000003_lead_details;
mod m20261121_000004_segments;
mod m20261121_000005_import_files;
mod m20261121_000006_website_checks;
mod m20261122_000007_whatsapp;
mod m20261122_000008_number_checks;
mod m20261122_000009_phone_verification;
mod m20261122_000010_attachments;
mod m20261203_000011_templates;
mod m20261204_000012_campaigns;
mod m20261204_000013_workspace_daily_messages;
mod m20261204_000014_message_analytics;
mod m20261204_000015_message_replies;
mod m20261205_000016_message_stats;
mod m20261205_000017_lead_engagement;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_foundation::Migration),
            Box::new(m20261121_000002_leads::Migration),
            Box::new(m20261121_000003_lead_details::Migration),
            Box::new(m20261121_000004_segments::Migration),
            Box::new(m20261121_000005_import_files::Migration),
            Box::new(m20261121_000006_website_checks::Migration),
            Box::new(m20261122_000007_whatsapp::Migration),
            Box::new(m20261122_000008_number_checks::Migration),
            Box::new(m20261122_000009_phone_verification::Migration),
            Box::new(m20261122_000010_attachments::Migration),
            Box::new(m20261203_000011_templates::Migration),
            Box::new(m20261204_000012_campaigns::Migration),
            Box::new(m20261204_000013_workspace_daily_messages::Migration),
            Box::new(m20261204_000014_message_analytics::Migration),
            Box::new(m20261204_000015_message_replies::Migration),
            Box::new(m20261205_000016_message_stats::Migration),
            Box::new(m20261205_000017_lead_engagement::Migration),
        ]
    }
}
