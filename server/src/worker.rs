//! The background workers inside `leadloom serve`: imports (one at a time), website
//! verification (a few jobs at once, sharing the engine's global limit), WhatsApp number
//! checks (one at a time: they are paced like sends) and the senders' status poll. Both claim queued jobs
//! safely across instances and put jobs abandoned by a crashed instance back in the queue, so
//! they resume from what they last committed.

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

/// Verification jobs one process runs at once: enough that a huge job in one workspace does
/// not hold up the others, while the engine's global limit bounds the requests in flight.
const PARALLEL_VERIFICATIONS: usize = 4;

/// Runs until the process ends.
pub async fn run_verifications(
    db: DatabaseConnection,
    verifier: shared::websites::engine::Verifier,
    wakeup: Arc<Notify>,
) {
    use shared::websites::{VerifyJobStatus, job, store};
    let worker = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple());
    let mut running = tokio::task::JoinSet::new();
    loop {
        match store::requeue_stale(&db, ChronoDuration::minutes(STALE_AFTER_MINUTES)).await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(
                jobs = n,
                "re-queued website checks abandoned by a stopped worker"
            ),
            Err(e) => tracing::warn!(error = %e, "checking for abandoned website checks failed"),
        }
        while running.len() < PARALLEL_VERIFICATIONS {
            match store::claim_next(&db, &worker).await {
                Ok(Some(id)) => {
                    let (db, verifier) = (db.clone(), verifier.clone());
                    running.spawn(async move {
                        tracing::info!(job = %id, "website check started");
                        match job::run(&db, &verifier, id).await {
                            Ok(status) => {
                                tracing::info!(job = %id, status = status.as_str(), "website check ended")
                            }
                            Err(e) => {
                                tracing::error!(job = %id, error = %e, "website check failed");
                                let _ = store::finish(
                                    &db,
                                    id,
                                    VerifyJobStatus::Failed,
                                    Some("The check stopped because of a problem on our side. The results stored so far are kept; check the remaining leads again."),
                                )
                                .await;
                            }
                        }
                    });
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "claiming a website check failed");
                    break;
                }
            }
        }
        tokio::select! {
            () = wakeup.notified() => {}
            () = tokio::time::sleep(POLL) => {}
            Some(_) = running.join_next(), if !running.is_empty() => {}
        }
    }
}

/// How often the senders' connection status is re-read from their providers.
const SENDER_STATUS_EVERY: Duration = Duration::from_secs(5 * 60);

/// Keeps every sender's 🟢/🔴 current: each minute, the senders last checked more than five
/// minutes ago (at most 50 a minute) are asked again. Runs until the process ends.
pub async fn run_sender_status(services: shared::services::Services) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
        let older_than = ChronoDuration::from_std(SENDER_STATUS_EVERY).unwrap_or_default();
        match shared::whatsapp::senders::refresh_stale(&services, older_than, 50).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(senders = n, "sender status refreshed"),
            Err(e) => tracing::warn!(error = %e, "refreshing sender status failed"),
        }
    }
}

/// Runs WhatsApp number checks one at a time, until the process ends.
pub async fn run_number_checks(services: shared::services::Services) {
    use shared::whatsapp::numbers;
    let worker = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple());
    loop {
        match numbers::requeue_stale(&services.db, ChronoDuration::minutes(STALE_AFTER_MINUTES))
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::warn!(
                jobs = n,
                "re-queued number checks abandoned by a stopped worker"
            ),
            Err(e) => tracing::warn!(error = %e, "checking for abandoned number checks failed"),
        }
        loop {
            match numbers::claim_next(&services.db, &worker).await {
                Ok(Some(id)) => match numbers::run(&services, id).await {
                    Ok(status) => {
                        tracing::info!(job = %id, status = status.as_str(), "number check ended")
                    }
                    Err(e) => {
                        // Left running: its heartbeat stops, and it is re-queued and resumed.
                        tracing::error!(job = %id, error = %e, "number check stopped");
                    }
                },
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "claiming a number check failed");
                    break;
                }
            }
        }
        tokio::select! {
            () = services.whatsapp.check_wakeup.notified() => {}
            () = tokio::time::sleep(POLL) => {}
        }
    }
}
