//! Queries on verification jobs, their pending leads and the stored checks. Functions on
//! tenant-owned rows take the `WorkspaceId` first; the job-side ones (claiming, progress,
//! results) take the id of a job the worker already holds.

use super::{
    CheckReason, CheckScope, Offer, ResultRow, ResultsQuery, StatusCounts, VerifyJobDto,
    VerifyJobStatus, WebsiteCheck,
};
use crate::db::entities::{lead, lead_event, verify_job, verify_job_item, website_check};
use crate::jobs::{self, JobItemTable, JobTable};
use crate::leads::bulk::scopes;
use crate::leads::{LeadFilter, TimelineKind, WebsiteStatus, store::filtered};
use crate::{AppError, WorkspaceId};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

/// Creates a queued job over `scope` with one pending item per lead, set-based (a million-lead
/// filter never passes through memory). Call inside a transaction. Returns the job id and how
/// many leads it will check.
pub async fn create_job(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    created_by: Option<Uuid>,
    scope: &CheckScope,
) -> Result<(Uuid, u64), AppError> {
    let id = Uuid::now_v7();
    let now = Utc::now();
    verify_job::Entity::insert(verify_job::ActiveModel {
        id: Set(id),
        workspace_id: Set(workspace.0),
        created_by: Set(created_by),
        scope: Set(scope.describe()),
        status: Set(VerifyJobStatus::Queued.as_str().to_owned()),
        total: Set(0),
        processed: Set(0),
        working: Set(0),
        not_working: Set(0),
        no_website: Set(0),
        error: Set(0),
        cancel_requested: Set(false),
        worker: Set(None),
        heartbeat_at: Set(None),
        started_at: Set(None),
        finished_at: Set(None),
        created_at: Set(now),
        failure: Set(None),
    })
    .exec_without_returning(db)
    .await?;

    let selects = match scope {
        CheckScope::Selection(selection) => scopes(workspace, selection),
        CheckScope::Stale { days } => {
            let cutoff = now - Duration::days(i64::from(*days));
            let fresh = Query::select()
                .column(website_check::Column::LeadId)
                .from(website_check::Entity)
                .and_where(website_check::Column::WorkspaceId.eq(workspace.0))
                .and_where(website_check::Column::CheckedAt.gte(cutoff))
                .to_owned();
            vec![
                filtered(workspace, &LeadFilter::default())
                    .filter(lead::Column::Id.not_in_subquery(fresh)),
            ]
        }
    };
    let total = jobs::enqueue_leads::<verify_job_item::Entity>(db, id, selects).await?;
    verify_job::Entity::update_many()
        .col_expr(verify_job::Column::Total, Expr::val(total as i32))
        .filter(verify_job::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok((id, total))
}

/// The job, only if it belongs to the workspace.
pub async fn find(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: Uuid,
) -> Result<verify_job::Model, AppError> {
    verify_job::Entity::find()
        .filter(verify_job::Column::WorkspaceId.eq(workspace.0))
        .filter(verify_job::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// The workspace's newest job, running or not.
pub async fn latest(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
) -> Result<Option<verify_job::Model>, AppError> {
    Ok(verify_job::Entity::find()
        .filter(verify_job::Column::WorkspaceId.eq(workspace.0))
        .order_by_desc(verify_job::Column::CreatedAt)
        .order_by_desc(verify_job::Column::Id)
        .one(db)
        .await?)
}

/// The workspace's queued or running job, if any.
pub async fn active(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
) -> Result<Option<verify_job::Model>, AppError> {
    Ok(verify_job::Entity::find()
        .filter(verify_job::Column::WorkspaceId.eq(workspace.0))
        .filter(verify_job::Column::Status.is_in([
            VerifyJobStatus::Queued.as_str(),
            VerifyJobStatus::Running.as_str(),
        ]))
        .order_by_desc(verify_job::Column::CreatedAt)
        .one(db)
        .await?)
}

/// Asks the job to stop; a queued job is cancelled at once, a running one by its worker.
/// Returns false when the job had already ended.
pub async fn request_cancel(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: Uuid,
) -> Result<bool, AppError> {
    let now = Utc::now();
    let queued = verify_job::Entity::update_many()
        .col_expr(
            verify_job::Column::Status,
            Expr::val(VerifyJobStatus::Cancelled.as_str()),
        )
        .col_expr(verify_job::Column::CancelRequested, Expr::val(true))
        .col_expr(verify_job::Column::FinishedAt, Expr::val(now))
        .filter(verify_job::Column::WorkspaceId.eq(workspace.0))
        .filter(verify_job::Column::Id.eq(id))
        .filter(verify_job::Column::Status.eq(VerifyJobStatus::Queued.as_str()))
        .exec(db)
        .await?;
    if queued.rows_affected == 1 {
        drop_items(db, id).await?;
        return Ok(true);
    }
    let running = verify_job::Entity::update_many()
        .col_expr(verify_job::Column::CancelRequested, Expr::val(true))
        .filter(verify_job::Column::WorkspaceId.eq(workspace.0))
        .filter(verify_job::Column::Id.eq(id))
        .filter(verify_job::Column::Status.eq(VerifyJobStatus::Running.as_str()))
        .exec(db)
        .await?;
    Ok(running.rows_affected == 1)
}

/// Claims the oldest queued job for `worker`, if any.
pub async fn claim_next(db: &impl ConnectionTrait, worker: &str) -> Result<Option<Uuid>, AppError> {
    jobs::claim_next::<verify_job::Entity>(db, worker).await
}

/// Moves job `id` from queued to running for `worker`; false when someone else got it first.
pub async fn claim(db: &impl ConnectionTrait, id: Uuid, worker: &str) -> Result<bool, AppError> {
    jobs::claim::<verify_job::Entity>(db, id, worker).await
}

/// Puts running jobs whose worker stopped beating back in the queue.
pub async fn requeue_stale(
    db: &impl ConnectionTrait,
    older_than: Duration,
) -> Result<u64, AppError> {
    jobs::requeue_stale::<verify_job::Entity>(db, older_than).await
}

/// The job row as its worker sees it (no workspace check: the worker holds the job).
pub async fn job(db: &impl ConnectionTrait, id: Uuid) -> Result<verify_job::Model, AppError> {
    verify_job::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// A lead the job has still to check: its id and website cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    pub lead_id: Uuid,
    pub website: Option<String>,
}

/// The next pending leads of the job after `after`, in lead-id order.
pub async fn pending(
    db: &impl ConnectionTrait,
    job: &verify_job::Model,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<Pending>, AppError> {
    let mut select = Query::select();
    select
        .column((verify_job_item::Entity, verify_job_item::Column::LeadId))
        .column((lead::Entity, lead::Column::Website))
        .from(verify_job_item::Entity)
        .inner_join(
            lead::Entity,
            Expr::col((lead::Entity, lead::Column::Id))
                .equals((verify_job_item::Entity, verify_job_item::Column::LeadId)),
        )
        .and_where(Expr::col((verify_job_item::Entity, verify_job_item::Column::JobId)).eq(job.id))
        .and_where(Expr::col((lead::Entity, lead::Column::WorkspaceId)).eq(job.workspace_id))
        .order_by(
            (verify_job_item::Entity, verify_job_item::Column::LeadId),
            sea_orm::Order::Asc,
        )
        .limit(limit);
    if let Some(after) = after {
        select.and_where(
            Expr::col((verify_job_item::Entity, verify_job_item::Column::LeadId)).gt(after),
        );
    }
    let mut out = Vec::new();
    for row in db.query_all(&select).await? {
        out.push(Pending {
            lead_id: row.try_get("", "lead_id")?,
            website: row.try_get("", "website")?,
        });
    }
    Ok(out)
}

/// Stores a batch of finished checks — the evidence, the lead's status and social link, a
/// timeline entry each, the items done and the job's counters — in one transaction's worth of
/// statements (call inside one), and beats the job's heartbeat.
pub async fn record(
    db: &impl ConnectionTrait,
    job: &verify_job::Model,
    results: &[(Uuid, WebsiteCheck)],
) -> Result<(), AppError> {
    let now = Utc::now();
    let workspace = job.workspace_id;
    let mut counts = StatusCounts::default();
    for (lead_id, check) in results {
        counts.add(check.status);
        // The lead may have been deleted meanwhile: then nothing is written for it.
        let updated = lead::Entity::update_many()
            .col_expr(
                lead::Column::WebsiteStatus,
                Expr::val(check.status.as_str()),
            )
            .col_expr(
                lead::Column::SocialUrl,
                match &check.social_url {
                    Some(url) => Expr::val(url.as_str()),
                    None => Expr::col(lead::Column::SocialUrl),
                },
            )
            .col_expr(lead::Column::UpdatedAt, Expr::val(now))
            .filter(lead::Column::WorkspaceId.eq(workspace))
            .filter(lead::Column::Id.eq(*lead_id))
            .exec(db)
            .await?;
        if updated.rows_affected == 0 {
            continue;
        }
        website_check::Entity::insert(check_row(workspace, *lead_id, check))
            .on_conflict(
                OnConflict::column(website_check::Column::LeadId)
                    .update_columns([
                        website_check::Column::Status,
                        website_check::Column::Reason,
                        website_check::Column::HttpStatus,
                        website_check::Column::FinalUrl,
                        website_check::Column::Redirects,
                        website_check::Column::Ms,
                        website_check::Column::Title,
                        website_check::Column::HttpsValid,
                        website_check::Column::CheckedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    let events: Vec<_> = results
        .iter()
        .map(|(lead_id, check)| (*lead_id, timeline_detail(check)))
        .collect();
    insert_events(db, workspace, &events, job.created_by, now).await?;
    for chunk in results.chunks(500) {
        verify_job_item::Entity::delete_many()
            .filter(verify_job_item::Column::JobId.eq(job.id))
            .filter(verify_job_item::Column::LeadId.is_in(chunk.iter().map(|(id, _)| *id)))
            .exec(db)
            .await?;
    }
    let add = |col: verify_job::Column, n: u32| (col, Expr::col(col).add(Expr::val(n as i32)));
    let mut update = verify_job::Entity::update_many();
    for (col, expr) in [
        add(verify_job::Column::Processed, results.len() as u32),
        add(verify_job::Column::Working, counts.working),
        add(verify_job::Column::NotWorking, counts.not_working),
        add(verify_job::Column::NoWebsite, counts.no_website),
        add(verify_job::Column::Error, counts.error),
    ] {
        update = update.col_expr(col, expr);
    }
    update
        .col_expr(verify_job::Column::HeartbeatAt, Expr::val(now))
        .filter(verify_job::Column::Id.eq(job.id))
        .exec(db)
        .await?;
    Ok(())
}

/// The lead timeline's words for a check: "Working — Live site (200)".
fn timeline_detail(check: &WebsiteCheck) -> String {
    let mut detail = format!("{} — {}", check.status.label(), check.reason.label());
    if let Some(status) = check.http_status {
        detail.push_str(&format!(" (HTTP {status})"));
    }
    detail
}

async fn insert_events(
    db: &impl ConnectionTrait,
    workspace: Uuid,
    events: &[(Uuid, String)],
    actor: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if events.is_empty() {
        return Ok(());
    }
    // Only for leads that still exist (a deleted lead's event would break its foreign key).
    let ids: Vec<Uuid> = events.iter().map(|(id, _)| *id).collect();
    let existing: std::collections::HashSet<Uuid> = lead::Entity::find()
        .select_only()
        .column(lead::Column::Id)
        .filter(lead::Column::WorkspaceId.eq(workspace))
        .filter(lead::Column::Id.is_in(ids))
        .into_tuple::<Uuid>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let rows: Vec<_> = events
        .iter()
        .filter(|(id, _)| existing.contains(id))
        .map(|(lead_id, detail)| lead_event::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(workspace),
            lead_id: Set(*lead_id),
            kind: Set(TimelineKind::Verified.as_str().to_owned()),
            detail: Set(detail.clone()),
            actor_id: Set(actor),
            created_at: Set(now),
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    lead_event::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

fn check_row(workspace: Uuid, lead_id: Uuid, check: &WebsiteCheck) -> website_check::ActiveModel {
    website_check::ActiveModel {
        lead_id: Set(lead_id),
        workspace_id: Set(workspace),
        status: Set(check.status.as_str().to_owned()),
        reason: Set(check.reason.as_str().to_owned()),
        http_status: Set(check.http_status.map(i32::from)),
        final_url: Set(check.final_url.clone()),
        redirects: Set(check.redirects as i32),
        ms: Set(check.ms as i32),
        title: Set(check.title.clone()),
        https_valid: Set(check.https_valid),
        checked_at: Set(check.checked_at),
    }
}

/// Beats the heartbeat while no result came in (slow sites), and reads the cancel flag.
pub async fn beat(db: &impl ConnectionTrait, id: Uuid) -> Result<bool, AppError> {
    jobs::heartbeat::<verify_job::Entity>(db, id).await?;
    Ok(job(db, id).await?.cancel_requested)
}

/// Ends the job; what it has not checked is dropped.
pub async fn finish(
    db: &impl ConnectionTrait,
    id: Uuid,
    status: VerifyJobStatus,
    failure: Option<&str>,
) -> Result<(), AppError> {
    verify_job::Entity::update_many()
        .col_expr(verify_job::Column::Status, Expr::val(status.as_str()))
        .col_expr(
            verify_job::Column::Failure,
            Expr::val(failure.map(|f| f.chars().take(500).collect::<String>())),
        )
        .col_expr(verify_job::Column::FinishedAt, Expr::val(Utc::now()))
        .filter(verify_job::Column::Id.eq(id))
        .exec(db)
        .await?;
    drop_items(db, id).await
}

async fn drop_items(db: &impl ConnectionTrait, id: Uuid) -> Result<(), AppError> {
    verify_job_item::Entity::delete_many()
        .filter(verify_job_item::Column::JobId.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

pub fn to_dto(job: verify_job::Model) -> VerifyJobDto {
    let status = VerifyJobStatus::parse(&job.status).unwrap_or(VerifyJobStatus::Failed);
    let processed = non_negative(job.processed);
    let total = non_negative(job.total);
    let end = job.finished_at.unwrap_or_else(Utc::now);
    let per_second = job.started_at.and_then(|start| {
        let secs = (end - start).num_milliseconds() as f64 / 1000.0;
        (secs > 0.5 && processed > 0).then(|| f64::from(processed) / secs)
    });
    let eta_seconds = match (status, per_second) {
        (VerifyJobStatus::Running, Some(rate)) if rate > 0.0 => {
            Some((f64::from(total.saturating_sub(processed)) / rate).ceil() as u64)
        }
        _ => None,
    };
    VerifyJobDto {
        id: job.id,
        status,
        scope: job.scope,
        total,
        processed,
        counts: StatusCounts {
            working: non_negative(job.working),
            not_working: non_negative(job.not_working),
            no_website: non_negative(job.no_website),
            error: non_negative(job.error),
        },
        cancel_requested: job.cancel_requested,
        per_second,
        eta_seconds,
        failure: job.failure,
        created_at: job.created_at,
        started_at: job.started_at,
        finished_at: job.finished_at,
    }
}

/// Leads per website status in the workspace (every status listed, zeros included).
pub async fn status_counts(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
) -> Result<Vec<(WebsiteStatus, u64)>, AppError> {
    let rows: Vec<(String, i64)> = lead::Entity::find()
        .select_only()
        .column(lead::Column::WebsiteStatus)
        .column_as(lead::Column::Id.count(), "n")
        .filter(lead::Column::WorkspaceId.eq(workspace.0))
        .group_by(lead::Column::WebsiteStatus)
        .into_tuple()
        .all(db)
        .await?;
    Ok(WebsiteStatus::ALL
        .into_iter()
        .map(|status| {
            let n = rows
                .iter()
                .filter(|(s, _)| s == status.as_str())
                .map(|(_, n)| u64::try_from(*n).unwrap_or(0))
                .sum();
            (status, n)
        })
        .collect())
}

/// One page of checked leads, newest check first, with their evidence.
pub async fn results(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    query: &ResultsQuery,
    limit: u64,
) -> Result<Vec<ResultRow>, AppError> {
    let mut select = website_check::Entity::find()
        .filter(website_check::Column::WorkspaceId.eq(workspace.0))
        .order_by_desc(website_check::Column::CheckedAt)
        .order_by_desc(website_check::Column::LeadId)
        .limit(limit);
    if !query.status.is_empty() {
        select = select
            .filter(website_check::Column::Status.is_in(query.status.iter().map(|s| s.as_str())));
    }
    if let Some(reason) = query.reason {
        select = select.filter(website_check::Column::Reason.eq(reason.as_str()));
    }
    if let Some((at, id)) = query.after {
        select = select.filter(
            Condition::any()
                .add(website_check::Column::CheckedAt.lt(at))
                .add(
                    Condition::all()
                        .add(website_check::Column::CheckedAt.eq(at))
                        .add(website_check::Column::LeadId.lt(id)),
                ),
        );
    }
    let checks = select.all(db).await?;
    let leads: std::collections::HashMap<Uuid, lead::Model> = lead::Entity::find()
        .filter(lead::Column::WorkspaceId.eq(workspace.0))
        .filter(lead::Column::Id.is_in(checks.iter().map(|c| c.lead_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect();
    Ok(checks
        .into_iter()
        .filter_map(|row| {
            let lead = leads.get(&row.lead_id)?;
            let check = from_row(row, lead.social_url.clone())?;
            Some(ResultRow {
                lead_id: lead.id,
                name: lead.name.clone(),
                website: lead.website.clone(),
                offer: Offer::for_status(check.status),
                check,
            })
        })
        .collect())
}

/// The latest check of one lead of the workspace.
pub async fn lead_check(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    lead: &lead::Model,
) -> Result<Option<WebsiteCheck>, AppError> {
    Ok(website_check::Entity::find()
        .filter(website_check::Column::WorkspaceId.eq(workspace.0))
        .filter(website_check::Column::LeadId.eq(lead.id))
        .one(db)
        .await?
        .and_then(|row| from_row(row, lead.social_url.clone())))
}

/// Drops a lead's stored check (its website changed, so the evidence no longer applies).
pub async fn forget_check(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    lead_id: Uuid,
) -> Result<(), AppError> {
    website_check::Entity::delete_many()
        .filter(website_check::Column::WorkspaceId.eq(workspace.0))
        .filter(website_check::Column::LeadId.eq(lead_id))
        .exec(db)
        .await?;
    Ok(())
}

fn from_row(row: website_check::Model, social_url: Option<String>) -> Option<WebsiteCheck> {
    let reason = CheckReason::parse(&row.reason)?;
    Some(WebsiteCheck {
        status: reason.status(),
        reason,
        http_status: row.http_status.and_then(|s| u16::try_from(s).ok()),
        final_url: row.final_url,
        redirects: non_negative(row.redirects),
        ms: non_negative(row.ms),
        title: row.title,
        https_valid: row.https_valid,
        social_url,
        checked_at: row.checked_at,
    })
}

/// A stored counter as a count (never negative in practice; 0 if it ever were).
fn non_negative(n: i32) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

impl JobTable for verify_job::Entity {
    const ID: verify_job::Column = verify_job::Column::Id;
    const STATUS: verify_job::Column = verify_job::Column::Status;
    const WORKER: verify_job::Column = verify_job::Column::Worker;
    const HEARTBEAT_AT: verify_job::Column = verify_job::Column::HeartbeatAt;
    const STARTED_AT: verify_job::Column = verify_job::Column::StartedAt;
    const CREATED_AT: verify_job::Column = verify_job::Column::CreatedAt;
}

impl JobItemTable for verify_job_item::Entity {
    const JOB_ID: verify_job_item::Column = verify_job_item::Column::JobId;
    const LEAD_ID: verify_job_item::Column = verify_job_item::Column::LeadId;
    const WORKSPACE_ID: verify_job_item::Column = verify_job_item::Column::WorkspaceId;
}
