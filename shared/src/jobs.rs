//! The durable job queue every background job table shares (website checks, number checks):
//! claiming the oldest queued job with a conditional update (so any number of instances share
//! one queue and a job runs once), heartbeats, and re-queueing jobs whose worker died.

use crate::AppError;
use crate::db::entities::lead;
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    Select,
};
use uuid::Uuid;

/// The status column's values a queue uses.
pub const QUEUED: &str = "queued";
pub const RUNNING: &str = "running";

/// A job table: which columns hold the id, status, worker, heartbeat and times.
pub trait JobTable: EntityTrait {
    const ID: Self::Column;
    const STATUS: Self::Column;
    const WORKER: Self::Column;
    const HEARTBEAT_AT: Self::Column;
    const STARTED_AT: Self::Column;
    const CREATED_AT: Self::Column;
}

/// Claims the oldest queued job for `worker`, if any.
pub async fn claim_next<T: JobTable>(
    db: &impl ConnectionTrait,
    worker: &str,
) -> Result<Option<Uuid>, AppError> {
    loop {
        let Some(candidate) = T::find()
            .select_only()
            .column(T::ID)
            .filter(T::STATUS.eq(QUEUED))
            .order_by_asc(T::CREATED_AT)
            .into_tuple::<Uuid>()
            .one(db)
            .await?
        else {
            return Ok(None);
        };
        if claim::<T>(db, candidate, worker).await? {
            return Ok(Some(candidate));
        }
        // Another worker won this one; look again.
    }
}

/// Moves job `id` from queued to running for `worker`; false when someone else got it first.
pub async fn claim<T: JobTable>(
    db: &impl ConnectionTrait,
    id: Uuid,
    worker: &str,
) -> Result<bool, AppError> {
    let now = Utc::now();
    let claimed = T::update_many()
        .col_expr(T::STATUS, Expr::val(RUNNING))
        .col_expr(T::WORKER, Expr::val(worker))
        .col_expr(T::HEARTBEAT_AT, Expr::val(now))
        .col_expr(T::STARTED_AT, Expr::col(T::STARTED_AT).if_null(now))
        .filter(T::ID.eq(id))
        .filter(T::STATUS.eq(QUEUED))
        .exec(db)
        .await?;
    Ok(claimed.rows_affected == 1)
}

/// Puts running jobs whose heartbeat is older than `older_than` back in the queue; they resume
/// from what they last committed.
pub async fn requeue_stale<T: JobTable>(
    db: &impl ConnectionTrait,
    older_than: Duration,
) -> Result<u64, AppError> {
    let cutoff: DateTime<Utc> = Utc::now() - older_than;
    let result = T::update_many()
        .col_expr(T::STATUS, Expr::val(QUEUED))
        .col_expr(T::WORKER, Expr::val(Option::<String>::None))
        .filter(T::STATUS.eq(RUNNING))
        .filter(T::HEARTBEAT_AT.lt(cutoff))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Records that job `id` is alive.
pub async fn heartbeat<T: JobTable>(db: &impl ConnectionTrait, id: Uuid) -> Result<(), AppError> {
    T::update_many()
        .col_expr(T::HEARTBEAT_AT, Expr::val(Utc::now()))
        .filter(T::ID.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// A job's pending-leads table: `(job_id, lead_id)` is its key, `workspace_id` scopes it.
pub trait JobItemTable: EntityTrait {
    const JOB_ID: Self::Column;
    const LEAD_ID: Self::Column;
    const WORKSPACE_ID: Self::Column;
}

/// Adds one pending item for job `job` per lead the queries select, set-based (a million-lead
/// filter never passes through memory); a lead selected twice is added once. Returns how many.
pub async fn enqueue_leads<T: JobItemTable>(
    db: &impl ConnectionTrait,
    job: Uuid,
    selects: Vec<Select<lead::Entity>>,
) -> Result<u64, AppError> {
    let mut total = 0;
    for select in selects {
        let rows = select
            .select_only()
            .column_as(Expr::val(job), "job_id")
            .column(lead::Column::Id)
            .column(lead::Column::WorkspaceId)
            .into_query();
        let insert = Query::insert()
            .into_table(T::default().table_ref())
            .columns([T::JOB_ID, T::LEAD_ID, T::WORKSPACE_ID])
            .select_from(rows)
            .map_err(|e| AppError::internal("building a job's items insert", e))?
            .on_conflict(
                OnConflict::columns([T::JOB_ID, T::LEAD_ID])
                    .do_nothing()
                    .to_owned(),
            )
            .to_owned();
        total += db.execute(&insert).await?.rows_affected();
    }
    Ok(total)
}
