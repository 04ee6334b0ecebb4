//! Queries on a workspace's segments, always scoped by `WorkspaceId` first.

use crate::db::entities::segment;
use crate::error::OnConstraint;
use crate::leads::LeadFilter;
use crate::{AppError, UserId, WorkspaceId};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

const TAKEN: &str = "This workspace already has a segment with that name.";

fn filter_json(filter: &LeadFilter) -> Result<String, AppError> {
    serde_json::to_string(filter).map_err(|e| AppError::internal("writing a segment's filter", e))
}

/// The stored filter; one that no longer reads is an internal error, never "all leads".
pub fn filter_of(model: &segment::Model) -> Result<LeadFilter, AppError> {
    serde_json::from_str(&model.filter)
        .map_err(|e| AppError::internal("reading a segment's filter", e))
}

/// The workspace's segments by name.
pub async fn list(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
) -> Result<Vec<segment::Model>, AppError> {
    Ok(segment::Entity::find()
        .filter(segment::Column::WorkspaceId.eq(workspace.0))
        .order_by_asc(segment::Column::Name)
        .all(db)
        .await?)
}

pub async fn count(db: &impl ConnectionTrait, workspace: WorkspaceId) -> Result<u64, AppError> {
    Ok(segment::Entity::find()
        .filter(segment::Column::WorkspaceId.eq(workspace.0))
        .count(db)
        .await?)
}

/// One of the workspace's segments; another workspace's id is `NotFound`.
pub async fn find(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: Uuid,
) -> Result<segment::Model, AppError> {
    segment::Entity::find_by_id(id)
        .filter(segment::Column::WorkspaceId.eq(workspace.0))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn insert(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    created_by: UserId,
    name: &str,
    filter: &LeadFilter,
) -> Result<segment::Model, AppError> {
    let now = Utc::now();
    segment::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(workspace.0),
        name: Set(name.to_owned()),
        filter: Set(filter_json(filter)?),
        created_by: Set(Some(created_by.0)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .on_unique("name", TAKEN)
}

pub async fn update(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: Uuid,
    name: &str,
    filter: &LeadFilter,
) -> Result<segment::Model, AppError> {
    let current = find(db, workspace, id).await?;
    let mut model: segment::ActiveModel = current.into();
    model.name = Set(name.to_owned());
    model.filter = Set(filter_json(filter)?);
    model.updated_at = Set(Utc::now());
    model.update(db).await.on_unique("name", TAKEN)
}

/// Deletes one of the workspace's segments; `NotFound` when it has no such segment.
pub async fn delete(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: Uuid,
) -> Result<(), AppError> {
    let deleted = segment::Entity::delete_many()
        .filter(segment::Column::WorkspaceId.eq(workspace.0))
        .filter(segment::Column::Id.eq(id))
        .exec(db)
        .await?
        .rows_affected;
    if deleted == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}
