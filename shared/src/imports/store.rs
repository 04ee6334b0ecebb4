//! Queries on imports, their row errors and saved mappings. Every function on tenant-owned rows
//! takes the `WorkspaceId` first; the job-side functions (claiming, progress) take the import id
//! of a job the worker already holds.

use super::job::Tally;
use super::{ColumnMapping, ImportDto, ImportStatus, RowError, pace};
use crate::db::entities::{import, import_file, import_row_error, lead, saved_mapping, workspace};
use crate::plans::Limit;
use crate::{AppError, WorkspaceId};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

/// Stores a new import and its uploaded file (call inside a transaction: both or neither).
pub async fn insert(
    db: &impl ConnectionTrait,
    model: import::ActiveModel,
    file: Vec<u8>,
) -> Result<(), AppError> {
    let (id, workspace_id) = (model.id.clone(), model.workspace_id.clone());
    import::Entity::insert(model)
        .exec_without_returning(db)
        .await?;
    import_file::Entity::insert(import_file::ActiveModel {
        import_id: id,
        workspace_id,
        data: Set(file),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The import (without its file), only if it belongs to the workspace.
pub async fn find(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: Uuid,
) -> Result<import::Model, AppError> {
    import::Entity::find()
        .filter(import::Column::WorkspaceId.eq(workspace.0))
        .filter(import::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// The uploaded file of an import of the workspace (`None` once the job has ended).
pub async fn file(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: Uuid,
) -> Result<Option<Vec<u8>>, AppError> {
    Ok(import_file::Entity::find()
        .filter(import_file::Column::WorkspaceId.eq(workspace.0))
        .filter(import_file::Column::ImportId.eq(id))
        .one(db)
        .await?
        .map(|f| f.data))
}

/// Drops the uploaded file of an import (the job has ended or will never run).
async fn drop_file(db: &impl ConnectionTrait, id: Uuid) -> Result<(), AppError> {
    import_file::Entity::delete_many()
        .filter(import_file::Column::ImportId.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn update(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: Uuid,
    change: import::ActiveModel,
) -> Result<(), AppError> {
    import::Entity::update_many()
        .set(change)
        .filter(import::Column::WorkspaceId.eq(workspace.0))
        .filter(import::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// The workspace's imports, newest first (drafts left in the preview excluded).
pub async fn list(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    limit: u64,
) -> Result<Vec<ImportDto>, AppError> {
    let rows = import::Entity::find()
        .filter(import::Column::WorkspaceId.eq(workspace.0))
        .filter(import::Column::Status.ne(ImportStatus::Draft.as_str()))
        .order_by_desc(import::Column::CreatedAt)
        .limit(limit)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let errors = error_count(db, workspace, row.id).await?;
        out.push(to_dto(row, errors));
    }
    Ok(out)
}

pub async fn error_count(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: Uuid,
) -> Result<u32, AppError> {
    Ok(import_row_error::Entity::find()
        .filter(import_row_error::Column::WorkspaceId.eq(workspace.0))
        .filter(import_row_error::Column::ImportId.eq(id))
        .count(db)
        .await? as u32)
}

/// Rejected and flagged rows in row order.
pub async fn errors(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: Uuid,
) -> Result<Vec<RowError>, AppError> {
    Ok(import_row_error::Entity::find()
        .filter(import_row_error::Column::WorkspaceId.eq(workspace.0))
        .filter(import_row_error::Column::ImportId.eq(id))
        .order_by_asc(import_row_error::Column::RowNumber)
        .all(db)
        .await?
        .into_iter()
        .map(|e| RowError {
            row: non_negative(e.row_number),
            reason: e.reason,
        })
        .collect())
}

/// A stored counter as a count (the columns are never negative; a bad value reads as 0).
pub fn non_negative(value: i32) -> u32 {
    u32::try_from(value).unwrap_or(0)
}

pub fn to_dto(row: import::Model, error_count: u32) -> ImportDto {
    let status = ImportStatus::parse(&row.status).unwrap_or(ImportStatus::Failed);
    let until = row.finished_at.unwrap_or_else(Utc::now);
    let processed = non_negative(row.processed_rows);
    let total = non_negative(row.total_rows);
    let (rows_per_second, eta) = pace(processed, total, row.started_at, until);
    ImportDto {
        id: row.id,
        file_name: row.file_name,
        status,
        total_rows: total,
        processed_rows: processed,
        imported: non_negative(row.imported),
        updated: non_negative(row.updated),
        duplicates: non_negative(row.duplicates),
        invalid: non_negative(row.invalid),
        blank: non_negative(row.blank),
        error_count,
        failure: row.failure,
        cancel_requested: row.cancel_requested,
        created_at: row.created_at,
        started_at: row.started_at,
        finished_at: row.finished_at,
        rows_per_second,
        eta_seconds: (status == ImportStatus::Running).then_some(eta).flatten(),
    }
}

/// The mapping saved for files with these headers, if any.
pub async fn saved_mapping(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    signature: &str,
) -> Result<Option<Vec<ColumnMapping>>, AppError> {
    Ok(
        saved_mapping::Entity::find_by_id((workspace.0, signature.to_owned()))
            .one(db)
            .await?
            .and_then(|m| serde_json::from_str(&m.mapping).ok()),
    )
}

pub async fn save_mapping(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    signature: &str,
    columns: &[ColumnMapping],
) -> Result<(), AppError> {
    let json = serde_json::to_string(columns).map_err(|e| {
        tracing::error!(error = %e, "serialising a mapping");
        AppError::Internal
    })?;
    saved_mapping::Entity::insert(saved_mapping::ActiveModel {
        workspace_id: Set(workspace.0),
        signature: Set(signature.to_owned()),
        mapping: Set(json),
        updated_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::columns([
            saved_mapping::Column::WorkspaceId,
            saved_mapping::Column::Signature,
        ])
        .update_columns([
            saved_mapping::Column::Mapping,
            saved_mapping::Column::UpdatedAt,
        ])
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Claims the oldest queued import for `worker`; `None` when there is nothing to do. The
/// conditional update makes the claim safe with any number of workers on one database.
pub async fn claim_next(db: &impl ConnectionTrait, worker: &str) -> Result<Option<Uuid>, AppError> {
    loop {
        let Some(candidate) = import::Entity::find()
            .select_only()
            .column(import::Column::Id)
            .filter(import::Column::Status.eq(ImportStatus::Queued.as_str()))
            .order_by_asc(import::Column::CreatedAt)
            .into_tuple::<Uuid>()
            .one(db)
            .await?
        else {
            return Ok(None);
        };
        let now = Utc::now();
        let claimed = import::Entity::update_many()
            .col_expr(
                import::Column::Status,
                Expr::value(ImportStatus::Running.as_str()),
            )
            .col_expr(import::Column::Worker, Expr::value(worker))
            .col_expr(import::Column::HeartbeatAt, Expr::value(now))
            .col_expr(
                import::Column::StartedAt,
                Expr::col(import::Column::StartedAt).if_null(now),
            )
            .filter(import::Column::Id.eq(candidate))
            .filter(import::Column::Status.eq(ImportStatus::Queued.as_str()))
            .exec(db)
            .await?;
        if claimed.rows_affected == 1 {
            return Ok(Some(candidate));
        }
        // Another worker won this one; look again.
    }
}

/// Puts running imports whose worker stopped beating back in the queue: the job resumes from
/// its committed `processed_rows`. Returns how many were re-queued.
pub async fn requeue_stale(
    db: &impl ConnectionTrait,
    older_than: Duration,
) -> Result<u64, AppError> {
    let cutoff: DateTime<Utc> = Utc::now() - older_than;
    let result = import::Entity::update_many()
        .col_expr(
            import::Column::Status,
            Expr::value(ImportStatus::Queued.as_str()),
        )
        .col_expr(import::Column::Worker, Expr::value(Option::<String>::None))
        .filter(import::Column::Status.eq(ImportStatus::Running.as_str()))
        .filter(import::Column::HeartbeatAt.lt(cutoff))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Deletes drafts (uploads never confirmed) older than `older_than`, with their files.
pub async fn delete_stale_drafts(
    db: &impl ConnectionTrait,
    older_than: Duration,
) -> Result<u64, AppError> {
    let cutoff = Utc::now() - older_than;
    let result = import::Entity::delete_many()
        .filter(import::Column::Status.eq(ImportStatus::Draft.as_str()))
        .filter(import::Column::CreatedAt.lt(cutoff))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

pub async fn set_total(db: &impl ConnectionTrait, id: Uuid, total: u32) -> Result<(), AppError> {
    import::Entity::update_many()
        .col_expr(import::Column::TotalRows, Expr::value(total as i32))
        .col_expr(import::Column::HeartbeatAt, Expr::value(Utc::now()))
        .filter(import::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Adds a batch's counters (in the batch's own transaction).
pub async fn add_progress(
    db: &impl ConnectionTrait,
    id: Uuid,
    processed: u32,
    tally: Tally,
) -> Result<(), AppError> {
    let add = |col: import::Column, n: u32| (col, Expr::col(col).add(n as i32));
    let mut update = import::Entity::update_many();
    for (col, expr) in [
        add(import::Column::ProcessedRows, processed),
        add(import::Column::Imported, tally.imported),
        add(import::Column::Updated, tally.updated),
        add(import::Column::Duplicates, tally.duplicates),
        add(import::Column::Invalid, tally.invalid),
        add(import::Column::Blank, tally.blank),
    ] {
        update = update.col_expr(col, expr);
    }
    update
        .col_expr(import::Column::HeartbeatAt, Expr::value(Utc::now()))
        .filter(import::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn cancel_requested(db: &impl ConnectionTrait, id: Uuid) -> Result<bool, AppError> {
    Ok(import::Entity::find()
        .select_only()
        .column(import::Column::CancelRequested)
        .filter(import::Column::Id.eq(id))
        .into_tuple::<bool>()
        .one(db)
        .await?
        .unwrap_or(true))
}

/// Ends a job: its final status, an optional failure message; the upload is dropped.
pub async fn finish(
    db: &impl ConnectionTrait,
    id: Uuid,
    status: ImportStatus,
    failure: Option<&str>,
) -> Result<(), AppError> {
    import::Entity::update_many()
        .col_expr(import::Column::Status, Expr::value(status.as_str()))
        .col_expr(
            import::Column::Failure,
            Expr::value(failure.map(|f| f.chars().take(500).collect::<String>())),
        )
        .col_expr(import::Column::FinishedAt, Expr::value(Utc::now()))
        .filter(import::Column::Id.eq(id))
        .exec(db)
        .await?;
    drop_file(db, id).await
}

/// How many more leads the workspace's plan allows, with the message for rows over it.
#[derive(Clone, Debug)]
pub struct Capacity {
    pub remaining: u64,
    pub message: String,
}

/// `None` when the plan has no lead limit.
pub async fn lead_capacity(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
) -> Result<Option<Capacity>, AppError> {
    let ws = workspace::Entity::find_by_id(workspace.0)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let plan = crate::workspaces::store::plan(db, &ws.plan_code).await?;
    let Some(max) = plan.limit(Limit::Leads) else {
        return Ok(None);
    };
    let in_use = lead::Entity::find()
        .filter(lead::Column::WorkspaceId.eq(workspace.0))
        .count(db)
        .await?;
    Ok(Some(Capacity {
        remaining: u64::from(max).saturating_sub(in_use),
        message: format!(
            "not imported: the {} plan allows {max} leads and the workspace is full (upgrade the plan to import more)",
            plan.name
        ),
    }))
}

async fn flag_cancel(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: Uuid,
) -> Result<(), AppError> {
    update(
        db,
        workspace,
        id,
        import::ActiveModel {
            cancel_requested: Set(true),
            ..Default::default()
        },
    )
    .await
}

/// Asks a queued or running import to stop; a draft is simply discarded.
pub async fn request_cancel(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: Uuid,
) -> Result<(), AppError> {
    let row = find(db, workspace, id).await?;
    match ImportStatus::parse(&row.status) {
        Some(ImportStatus::Queued) => {
            flag_cancel(db, workspace, id).await?;
            // Nobody holds a queued job: end it here (the worker re-checks the status).
            let ended = import::Entity::update_many()
                .col_expr(
                    import::Column::Status,
                    Expr::value(ImportStatus::Cancelled.as_str()),
                )
                .col_expr(import::Column::FinishedAt, Expr::value(Utc::now()))
                .filter(import::Column::WorkspaceId.eq(workspace.0))
                .filter(import::Column::Id.eq(id))
                .filter(import::Column::Status.eq(ImportStatus::Queued.as_str()))
                .exec(db)
                .await?;
            if ended.rows_affected == 1 {
                drop_file(db, id).await?;
            }
        }
        Some(ImportStatus::Running) => {
            flag_cancel(db, workspace, id).await?;
        }
        Some(ImportStatus::Draft) => {
            import::Entity::delete_many()
                .filter(import::Column::WorkspaceId.eq(workspace.0))
                .filter(import::Column::Id.eq(id))
                .exec(db)
                .await?;
        }
        _ => {
            return Err(AppError::field(
                "import",
                "This import has already finished.",
            ));
        }
    }
    Ok(())
}
