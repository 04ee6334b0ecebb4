//! Website verification for members: start a job over a selection, a filter or the stale
//! leads, follow and cancel it, and read the results with their evidence.

use super::{CheckScope, ResultsQuery, VerifyJobDto, VerifyJobStatus, WebsiteResults, store};
use crate::AppError;
use crate::audit::{AuditAction, store as audit};
use crate::leads::bulk::validate_selection;
use crate::services::{RequestMeta, Services};
use crate::workspaces::{Permission, service::TenantCtx};
use uuid::Uuid;

/// Result rows per page of the results table.
pub const RESULTS_PAGE: u64 = 50;

/// Queues a check of the scope's leads. One job runs per workspace at a time: while one is
/// going, starting another is refused with a message saying so.
pub async fn start(
    svc: &Services,
    ctx: &TenantCtx,
    scope: &CheckScope,
    meta: &RequestMeta,
) -> Result<VerifyJobDto, AppError> {
    ctx.require(Permission::LeadsManage)?;
    match scope {
        CheckScope::Selection(selection) => validate_selection(selection)?,
        CheckScope::Stale { days } if *days > CheckScope::MAX_STALE_DAYS => {
            return Err(AppError::field(
                "days",
                format!("Choose at most {} days.", CheckScope::MAX_STALE_DAYS),
            ));
        }
        CheckScope::Stale { .. } => {}
    }
    let workspace = ctx.workspace_id;
    let txn = crate::db::begin_write(&svc.db).await?;
    if store::active(&txn, workspace).await?.is_some() {
        return Err(AppError::field(
            "selection",
            "A website check is already running in this workspace. Wait for it to finish or \
             cancel it first.",
        ));
    }
    let (id, total) = store::create_job(&txn, workspace, Some(ctx.user_id.0), scope).await?;
    if total == 0 {
        // Rolled back with the transaction: no empty job is left behind.
        return Err(AppError::field(
            "selection",
            match scope {
                CheckScope::Stale { days } => {
                    format!("Every lead was checked in the last {days} days.")
                }
                CheckScope::Selection(_) => "No leads match this selection.".to_owned(),
            },
        ));
    }
    audit::record(
        &txn,
        Some(workspace),
        Some(ctx.user_id),
        AuditAction::WebsiteCheckStarted,
        &format!("{total} leads: {}", scope.describe()),
        meta,
    )
    .await?;
    txn.commit().await?;
    svc.verify_wakeup.notify_one();
    Ok(store::to_dto(store::find(&svc.db, workspace, id).await?))
}

/// One job of the workspace, with its live progress.
pub async fn job(svc: &Services, ctx: &TenantCtx, id: Uuid) -> Result<VerifyJobDto, AppError> {
    Ok(store::to_dto(
        store::find(&svc.db, ctx.workspace_id, id).await?,
    ))
}

/// The workspace's running (or queued) job, for pages that reattach to it.
pub async fn active(svc: &Services, ctx: &TenantCtx) -> Result<Option<VerifyJobDto>, AppError> {
    Ok(store::active(&svc.db, ctx.workspace_id)
        .await?
        .map(store::to_dto))
}

/// Stops a job; what it stored so far stays.
pub async fn cancel(
    svc: &Services,
    ctx: &TenantCtx,
    id: Uuid,
    meta: &RequestMeta,
) -> Result<VerifyJobDto, AppError> {
    ctx.require(Permission::LeadsManage)?;
    let workspace = ctx.workspace_id;
    let job = store::find(&svc.db, workspace, id).await?;
    let status = VerifyJobStatus::parse(&job.status);
    if store::request_cancel(&svc.db, workspace, id).await? {
        audit::record(
            &svc.db,
            Some(workspace),
            Some(ctx.user_id),
            AuditAction::WebsiteCheckCancelled,
            &format!(
                "after {} of {} leads ({})",
                job.processed, job.total, job.scope
            ),
            meta,
        )
        .await?;
    } else if status.is_some_and(|s| !s.is_active()) {
        return Err(AppError::field(
            "job",
            "This website check has already ended.",
        ));
    }
    Ok(store::to_dto(store::find(&svc.db, workspace, id).await?))
}

/// The results dashboard: counts per status, a page of checked leads and the newest job.
pub async fn results(
    svc: &Services,
    ctx: &TenantCtx,
    query: &ResultsQuery,
) -> Result<WebsiteResults, AppError> {
    let workspace = ctx.workspace_id;
    let counts = store::status_counts(&svc.db, workspace).await?;
    let mut rows = store::results(&svc.db, workspace, query, RESULTS_PAGE + 1).await?;
    let next = if rows.len() as u64 > RESULTS_PAGE {
        rows.truncate(RESULTS_PAGE as usize);
        rows.last().map(|r| (r.check.checked_at, r.lead_id))
    } else {
        None
    };
    let job = store::latest(&svc.db, workspace).await?.map(store::to_dto);
    Ok(WebsiteResults {
        counts,
        rows,
        next,
        job,
    })
}
