//! What the benchmarks share: a brand-new database (a SQLite file in a temporary directory, or a
//! fresh PostgreSQL database dropped afterwards) with an owner and an empty workspace, and the
//! process's peak RSS. Setting up happens before any clock starts.

use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use shared::WorkspaceId;
use shared::services::{RequestMeta, Services, Settings};
use std::sync::Arc;

/// Peak resident set size of this process so far, in MiB (Linux `VmHWM`).
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// A migrated, empty database with one owner and one workspace (`bench`).
pub struct BenchDb {
    pub svc: Services,
    pub db: DatabaseConnection,
    pub workspace: WorkspaceId,
    /// "SQLite" or "PostgreSQL", for the output.
    pub backend: &'static str,
    /// The PostgreSQL admin URL and database to drop in [`BenchDb::finish`].
    postgres: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

impl BenchDb {
    /// SQLite, or PostgreSQL when `postgres` (an admin URL) is given.
    pub async fn create(postgres: Option<String>) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let database = format!("leadloom_bench_{}", uuid::Uuid::new_v4().simple());
        let (url, backend) = match &postgres {
            Some(admin) => {
                Database::connect(admin)
                    .await?
                    .execute_unprepared(&format!("CREATE DATABASE \"{database}\""))
                    .await?;
                let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
                (format!("{base}/{database}"), "PostgreSQL")
            }
            None => (
                format!("sqlite://{}/bench.db?mode=rwc", dir.path().display()),
                "SQLite",
            ),
        };
        let db =
            server::serve::connect_and_migrate(&server::config::DatabaseArgs { database_url: url })
                .await?;
        let svc = Services {
            db: db.clone(),
            mailer: None,
            settings: Arc::new(Settings {
                public_url: String::new(),
                invitation_ttl_days: 7,
                max_import_bytes: 200 * 1024 * 1024,
                attachments_dir: dir.path().join("attachments"),
            }),
            import_wakeup: Arc::default(),
            verify_wakeup: Arc::default(),
            whatsapp: Arc::new(shared::whatsapp::channel::Channel::new(
                shared::crypto::SecretBox::ephemeral(),
                Vec::new(),
            )),
        };
        let meta = RequestMeta::default();
        let owner = shared::accounts::service::register(
            &svc,
            shared::accounts::Registration {
                name: "Bench".into(),
                email: "bench@example.com".into(),
                password: shared::accounts::password::generate(),
            },
            &meta,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        let ws = shared::workspaces::service::create(
            &svc,
            owner,
            shared::workspaces::NewWorkspace {
                name: "Bench".into(),
                slug: "bench".into(),
                timezone: "Africa/Nairobi".into(),
                use_case: "agency".into(),
            },
            &meta,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(BenchDb {
            svc,
            db,
            workspace: WorkspaceId(ws.id),
            backend,
            postgres: postgres.map(|admin| (admin, database)),
            _dir: dir,
        })
    }

    /// Closes the pools and drops the PostgreSQL database (the SQLite directory goes with `self`).
    pub async fn finish(self) -> anyhow::Result<()> {
        let BenchDb {
            svc, db, postgres, ..
        } = self;
        drop(db);
        drop(svc);
        if let Some((admin, database)) = postgres {
            Database::connect(&admin)
                .await?
                .execute_unprepared(&format!(
                    "DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)"
                ))
                .await?;
        }
        Ok(())
    }
}
