//! `leadloom serve`, `leadloom worker` and `leadloom migrate`: connect, migrate, build the state
//! and serve until Ctrl-C or SIGTERM, with the background workers (imports, website and number
//! checks, sender status, the campaign dispatcher) and a housekeeping task (expired sessions,
//! old sign-in attempts, abandoned import drafts).

use crate::config::{DatabaseArgs, ServeArgs};
use crate::http::router::{RouterOptions, router};
use crate::state::AppState;
use anyhow::Context;
use migrations::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;
use shared::mail::Mailer;
use shared::services::{Services, Settings};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tower_sessions::session_store::ExpiredDeletion;

/// Connects to the database (creating the SQLite directory if needed) and migrates it.
pub async fn connect_and_migrate(args: &DatabaseArgs) -> anyhow::Result<DatabaseConnection> {
    if let Some(path) = sqlite_path(&args.database_url)
        && let Some(dir) = std::path::Path::new(&path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let db = shared::db::connect(&args.database_url)
        .await
        .context("connecting to the database")?;
    Migrator::up(&db, None)
        .await
        .context("migrating the database")?;
    Ok(db)
}

/// The file path of a `sqlite://path?…` URL, if it is one (and not in-memory).
fn sqlite_path(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| path.to_owned())
}

pub async fn migrate(args: DatabaseArgs) -> anyhow::Result<()> {
    connect_and_migrate(&args).await?;
    tracing::info!("database is up to date");
    Ok(())
}

/// What every process that does background work needs, built from the configuration.
struct Background {
    services: Services,
    verifier: shared::websites::engine::Verifier,
    import_wakeup: Arc<tokio::sync::Notify>,
    verify_wakeup: Arc<tokio::sync::Notify>,
}

fn background(args: &ServeArgs, db: &DatabaseConnection) -> anyhow::Result<Background> {
    let mailer = args
        .smtp_url
        .as_deref()
        .map(|url| Mailer::new(url, &args.smtp_from))
        .transpose()
        .context("SMTP_URL / SMTP_FROM")?;
    let import_wakeup = Arc::new(tokio::sync::Notify::new());
    let verify_wakeup = Arc::new(tokio::sync::Notify::new());
    let verifier = shared::websites::engine::Verifier::new(args.verify.engine_config()?)
        .context("setting up website verification")?;
    Ok(Background {
        services: Services {
            db: db.clone(),
            mailer,
            settings: Arc::new(Settings {
                public_url: args.public_url(),
                invitation_ttl_days: args.invitation_ttl_days,
                max_import_bytes: args.max_import_bytes,
                attachments_dir: args.attachments_dir.clone(),
            }),
            import_wakeup: import_wakeup.clone(),
            verify_wakeup: verify_wakeup.clone(),
            whatsapp: Arc::new(args.whatsapp.channel()?),
        },
        verifier,
        import_wakeup,
        verify_wakeup,
    })
}

/// Starts the background workers: imports, website checks, sender status, number checks, the
/// campaign dispatcher and housekeeping.
fn spawn_workers(work: Background, attachments_dir: std::path::PathBuf) {
    let Background {
        services,
        verifier,
        import_wakeup,
        verify_wakeup,
    } = work;
    let db = services.db.clone();
    tokio::spawn(crate::worker::run_imports(db.clone(), import_wakeup));
    tokio::spawn(crate::worker::run_verifications(
        db.clone(),
        verifier,
        verify_wakeup,
    ));
    tokio::spawn(crate::worker::run_sender_status(services.clone()));
    tokio::spawn(crate::worker::run_number_checks(services.clone()));
    let wakeup = services.whatsapp.campaign_wakeup.clone();
    tokio::spawn(shared::campaigns::dispatcher::Dispatcher::new(services).run(wakeup));
    tokio::spawn(housekeeping(db, attachments_dir));
}

pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let db = connect_and_migrate(&args.database).await?;
    let mut leptos_options = leptos::config::get_configuration(None)
        .context("reading Leptos' configuration")?
        .leptos_options;
    leptos_options.site_addr = args.bind;
    let public_url = args.public_url();
    let work = background(&args, &db)?;
    let state = AppState {
        leptos_options,
        services: work.services.clone(),
        trust_proxy: args.trust_proxy,
        public_origin: public_url.clone(),
        precompressed: Default::default(),
    };
    state.precompressed.compress_site_in_background(
        std::path::Path::new(state.leptos_options.site_root.as_ref())
            .join(state.leptos_options.site_pkg_dir.as_ref()),
        state.leptos_options.output_name.to_string(),
    );
    let app = router(
        state,
        RouterOptions {
            secure_cookies: args.secure_cookies(),
            session_idle_days: args.session_idle_days,
            max_body_bytes: args.max_body_bytes,
            max_import_bytes: args.max_import_bytes,
        },
    );
    spawn_workers(work, args.attachments_dir.clone());

    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("binding {}", args.bind))?;
    tracing::info!(address = %args.bind, public_url, "LeadLoom is listening");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .context("serving")
}

/// `leadloom worker`: the background work of `serve` (campaign dispatch included) without the
/// web server, for deployments that scale sending apart from the web tier.
pub async fn worker(args: ServeArgs) -> anyhow::Result<()> {
    let db = connect_and_migrate(&args.database).await?;
    let work = background(&args, &db)?;
    spawn_workers(work, args.attachments_dir.clone());
    tracing::info!("LeadLoom worker running");
    shutdown_signal().await;
    Ok(())
}

/// Every hour: drop expired sessions, sign-in attempts older than the throttle needs, abandoned
/// import drafts and unused attachments; settle sends whose outcome was lost.
async fn housekeeping(db: DatabaseConnection, attachments_dir: std::path::PathBuf) {
    let store = shared::accounts::session_store::DbSessionStore::new(db.clone());
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        if let Err(e) = store.delete_expired().await {
            tracing::warn!(error = %e, "deleting expired sessions failed");
        }
        if let Err(e) = shared::accounts::throttle::prune(&db, chrono::Utc::now()).await {
            tracing::warn!(error = %e, "pruning sign-in attempts failed");
        }
        // Uploads previewed but never confirmed keep their file; a day is plenty to decide.
        if let Err(e) =
            shared::imports::store::delete_stale_drafts(&db, chrono::Duration::days(1)).await
        {
            tracing::warn!(error = %e, "deleting abandoned import drafts failed");
        }
        // Files attached to a message nobody sent; the message's author has moved on.
        match shared::whatsapp::attachments::remove_unused(
            &db,
            &attachments_dir,
            chrono::Utc::now(),
        )
        .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(attachments = n, "unused attachments removed"),
            Err(e) => tracing::warn!(error = %e, "removing unused attachments failed"),
        }
        // A send still `sending` after ten minutes lost its answer in a crash.
        match shared::whatsapp::messages::settle_abandoned_sends(&db, chrono::Duration::minutes(10))
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::warn!(messages = n, "sends with a lost outcome marked unknown"),
            Err(e) => tracing::warn!(error = %e, "settling abandoned sends failed"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::sqlite_path;

    #[test]
    fn sqlite_paths_are_found() {
        assert_eq!(
            sqlite_path("sqlite://data/leadloom.db?mode=rwc").as_deref(),
            Some("data/leadloom.db")
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://postgres@127.0.0.1/x"), None);
    }
}
