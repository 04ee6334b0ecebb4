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
mod m20261205_000018_pending_recipients;
mod m20261205_000019_lead_outcomes;
mod m20261205_000020_partial_outcome_indexes;
mod m20261206_000021_lead_search_trigrams;
mod m20261206_000022_template_usage_from_stats;
mod m20261206_000023_recipient_receipts;
mod m20261206_000024_campaign_run_stats;
mod triggers;

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
            Box::new(m20261205_000018_pending_recipients::Migration),
            Box::new(m20261205_000019_lead_outcomes::Migration),
            Box::new(m20261205_000020_partial_outcome_indexes::Migration),
            Box::new(m20261206_000021_lead_search_trigrams::Migration),
            Box::new(m20261206_000022_template_usage_from_stats::Migration),
            Box::new(m20261206_000023_recipient_receipts::Migration),
            Box::new(m20261206_000024_campaign_run_stats::Migration),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::Migrator;
    use sea_orm_migration::MigratorTrait;
    use sea_orm_migration::sea_orm::{ConnectionTrait, Database, Statement};

    /// The migrations whose `down` is checked: the latest ones, which a deployment may have to
    /// roll back (triggers, functions, columns, indexes).
    const ROLLED_BACK: u32 = 6;

    /// `down` undoes `up` for the latest migrations, so that `up` runs again, on SQLite and,
    /// when `LEADLOOM_TEST_POSTGRES_URL` names a server, on a fresh PostgreSQL database.
    #[tokio::test]
    async fn down_undoes_up() {
        let mut urls = vec!["sqlite::memory:".to_owned()];
        let mut fresh = None;
        if let Ok(admin) = std::env::var("LEADLOOM_TEST_POSTGRES_URL") {
            let name = format!("leadloom_migration_{}", uuid::Uuid::now_v7().simple());
            let server = Database::connect(&admin).await.unwrap();
            server
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .unwrap();
            let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
            urls.push(format!("{base}/{name}"));
            fresh = Some((server, name));
        }
        for url in &urls {
            let db = Database::connect(url).await.unwrap();
            Migrator::up(&db, None).await.unwrap();
            Migrator::down(&db, Some(ROLLED_BACK)).await.unwrap();
            Migrator::up(&db, None).await.unwrap();
            // What the rolled-back migrations create is there again.
            db.execute_unprepared("SELECT COUNT(*) FROM message_stats")
                .await
                .unwrap();
            db.execute_unprepared(
                "SELECT messages_sent, last_contacted_at, last_reply_at, appointment_at, \
                 converted_at FROM leads",
            )
            .await
            .unwrap();
            // The outcome indexes are partial again (only leads that have one).
            for index in [
                "ix_leads_workspace_appointment",
                "ix_leads_workspace_converted",
            ] {
                let definition = if url.starts_with("sqlite:") {
                    format!("SELECT sql AS d FROM sqlite_master WHERE name = '{index}'")
                } else {
                    format!("SELECT indexdef AS d FROM pg_indexes WHERE indexname = '{index}'")
                };
                let row = db
                    .query_one_raw(Statement::from_string(
                        db.get_database_backend(),
                        definition,
                    ))
                    .await
                    .unwrap()
                    .unwrap();
                let definition: String = row.try_get("", "d").unwrap();
                assert!(
                    definition.contains("IS NOT NULL"),
                    "{index} should be partial: {definition}"
                );
            }
            if !url.starts_with("sqlite:") {
                // Lead search's trigram index (PostgreSQL only; pg_trgm is on this server).
                let found = db
                    .query_one_raw(Statement::from_string(
                        db.get_database_backend(),
                        "SELECT indexdef AS d FROM pg_indexes \
                         WHERE indexname = 'ix_leads_search_trigrams'",
                    ))
                    .await
                    .unwrap()
                    .expect("the trigram index exists");
                let definition: String = found.try_get("", "d").unwrap();
                assert!(definition.contains("gin_trgm_ops"), "{definition}");
            }
            db.close().await.unwrap();
        }
        if let Some((server, name)) = fresh {
            server
                .execute_unprepared(&format!("DROP DATABASE \"{name}\""))
                .await
                .unwrap();
        }
    }
}
