//! The verification job: streams a job's pending leads through the engine with a bounded
//! number of checks in flight, and stores the results in small transactions as they finish, so
//! progress is live, memory stays flat however many leads there are, and a job cut off by a
//! crash resumes with exactly the leads it had not stored.

use super::engine::Verifier;
use super::{VerifyJobStatus, WebsiteCheck, store};
use crate::AppError;
use crate::db::entities::verify_job;
use futures::{StreamExt, TryStreamExt, stream};
use sea_orm::DatabaseConnection;
use std::time::Duration;
use uuid::Uuid;

/// Pending leads read per query.
const PAGE: u64 = 500;
/// Results stored per transaction at most.
const FLUSH_AT: usize = 200;
/// How often results are stored, the heartbeat beaten and the cancel flag read, at the latest.
const TICK: Duration = Duration::from_millis(750);

/// Runs a job the worker has claimed until its pending leads are done or it is cancelled.
pub async fn run(
    db: &DatabaseConnection,
    verifier: &Verifier,
    id: Uuid,
) -> Result<VerifyJobStatus, AppError> {
    let job = store::job(db, id).await?;
    if job.cancel_requested {
        store::finish(db, id, VerifyJobStatus::Cancelled, None).await?;
        return Ok(VerifyJobStatus::Cancelled);
    }

    // Owned state in the stream's closures: the future must be `Send + 'static` for spawning.
    let pages = stream::try_unfold(
        (db.clone(), job.clone(), None::<Uuid>, false),
        |(db, job, after, exhausted)| async move {
            if exhausted {
                return Ok::<_, AppError>(None);
            }
            let page = store::pending(&db, &job, after, PAGE).await?;
            let Some(last) = page.last().map(|p| p.lead_id) else {
                return Ok(None);
            };
            let exhausted = (page.len() as u64) < PAGE;
            Ok(Some((page, (db, job, Some(last), exhausted))))
        },
    );
    let checks = pages
        .map_ok(|page| stream::iter(page.into_iter().map(Ok::<_, AppError>)))
        .try_flatten()
        .map(|pending| {
            let verifier = verifier.clone();
            async move {
                let pending = pending?;
                let cell = pending.website.as_deref().unwrap_or("");
                Ok::<_, AppError>((pending.lead_id, verifier.check(cell).await))
            }
        })
        .buffer_unordered(verifier.concurrency().max(1));
    let mut checks = std::pin::pin!(checks);

    let mut done: Vec<(Uuid, WebsiteCheck)> = Vec::with_capacity(FLUSH_AT);
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            next = checks.next() => match next {
                Some(result) => {
                    done.push(result?);
                    if done.len() >= FLUSH_AT {
                        flush(db, &job, &mut done).await?;
                    }
                }
                None => break,
            },
            _ = tick.tick() => {
                flush(db, &job, &mut done).await?;
                if store::beat(db, id).await? {
                    // Checks in flight are dropped unstored; their leads keep their old status.
                    store::finish(db, id, VerifyJobStatus::Cancelled, None).await?;
                    return Ok(VerifyJobStatus::Cancelled);
                }
            }
        }
    }
    flush(db, &job, &mut done).await?;
    store::finish(db, id, VerifyJobStatus::Done, None).await?;
    Ok(VerifyJobStatus::Done)
}

async fn flush(
    db: &DatabaseConnection,
    job: &verify_job::Model,
    done: &mut Vec<(Uuid, WebsiteCheck)>,
) -> Result<(), AppError> {
    if done.is_empty() {
        return Ok(());
    }
    let txn = crate::db::begin_write(db).await?;
    store::record(&txn, job, done).await?;
    txn.commit().await?;
    done.clear();
    Ok(())
}
