//! The background import worker inside `leadloom serve`: claims queued imports one at a time
//! (safely across instances), runs them, and puts jobs abandoned by a crashed instance back in
//! the queue so they resume from their last committed batch.

use chrono::Duration as ChronoDuration;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// How often the worker looks for work it was not woken for (queued by another instance).
const POLL: Duration = Duration::from_secs(2);
/// A running job whose heartbeat is older than this is considered abandoned.
const STALE_AFTER_MINUTES: i64 = 2;

/// Runs until the process ends.
pub async fn run_imports(db: DatabaseConnection, wakeup: Arc<Notify>) {
    let worker = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple());
    loop {
        match shared::imports::store::requeue_stale(
            &db,
            ChronoDuration::minutes(STALE_AFTER_MINUTES),
        )
        .await
        {
            Ok(0) => {}
            Ok(n) => tracing::warn!(jobs = n, "re-queued imports abandoned by a stopped worker"),
            Err(e) => tracing::warn!(error = %e, "checking for abandoned imports failed"),
        }
        loop {
            match shared::imports::store::claim_next(&db, &worker).await {
                Ok(Some(id)) => {
                    tracing::info!(import = %id, "import started");
                    match shared::imports::job::run(&db, id).await {
                        Ok(status) => {
                            tracing::info!(import = %id, status = status.as_str(), "import ended")
                        }
                        Err(e) => {
                            tracing::error!(import = %id, error = %e, "import failed");
                            let _ = shared::imports::store::finish(
                                &db,
                                id,
                                shared::imports::ImportStatus::Failed,
                                Some("The import stopped because of a problem on our side. The rows counted so far are stored; import the file again to add the rest."),
                            )
                            .await;
                        }
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "claiming an import failed");
                    break;
                }
            }
        }
        tokio::select! {
            () = wakeup.notified() => {}
            () = tokio::time::sleep(POLL) => {}
        }
    }
}
