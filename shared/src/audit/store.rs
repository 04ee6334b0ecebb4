//! Writing and reading the audit log. A workspace's log holds its own events plus the account
//! events (sign-ins, failed sign-ins, password changes) of its current members.

use super::{AuditAction, AuditEntryDto, AuditPage};
use crate::db::entities::{audit_log, membership, user};
use crate::services::RequestMeta;
use crate::{AppError, UserId, WorkspaceId};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set,
};
use std::collections::HashMap;
use uuid::Uuid;

/// Appends an entry.
pub async fn record(
    db: &impl ConnectionTrait,
    workspace: Option<WorkspaceId>,
    actor: Option<UserId>,
    action: AuditAction,
    detail: &str,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    audit_log::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(workspace.map(|w| w.0)),
        actor_user_id: Set(actor.map(|a| a.0)),
        action: Set(action.as_str().to_owned()),
        detail: Set(detail.chars().take(2000).collect()),
        ip: Set((!meta.ip.is_empty()).then(|| meta.ip.clone())),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    Ok(())
}

fn scope(workspace: WorkspaceId) -> Condition {
    let members = membership::Entity::find()
        .select_only()
        .column(membership::Column::UserId)
        .filter(membership::Column::WorkspaceId.eq(workspace.0))
        .into_query();
    Condition::any()
        .add(audit_log::Column::WorkspaceId.eq(workspace.0))
        .add(
            Condition::all()
                .add(audit_log::Column::WorkspaceId.is_null())
                .add(audit_log::Column::ActorUserId.in_subquery(members)),
        )
}

/// A page of the workspace's log, newest first, continuing before `before` when given.
pub async fn list(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    before: Option<Uuid>,
    limit: u64,
) -> Result<AuditPage, AppError> {
    let mut query = audit_log::Entity::find().filter(scope(workspace));
    if let Some(before) = before {
        query = query.filter(audit_log::Column::Id.lt(before));
    }
    let mut rows = query
        .order_by_desc(audit_log::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await?;
    let next_before = (rows.len() as u64 > limit).then(|| {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.id)
    });
    let actor_ids: Vec<Uuid> = rows.iter().filter_map(|r| r.actor_user_id).collect();
    let names: HashMap<Uuid, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(actor_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, format!("{} <{}>", u.name, u.email)))
        .collect();
    let entries = rows
        .into_iter()
        .map(|r| AuditEntryDto {
            id: r.id,
            action_label: AuditAction::parse(&r.action)
                .map(|a| a.label().to_owned())
                .unwrap_or_else(|| r.action.clone()),
            action: r.action,
            actor: r.actor_user_id.and_then(|a| names.get(&a).cloned()),
            detail: r.detail,
            ip: r.ip,
            created_at: r.created_at,
        })
        .collect();
    Ok(AuditPage {
        entries,
        next_before: next_before.flatten(),
    })
}

/// Entries in the workspace's log since `since` (for the dashboard).
pub async fn count_since(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    since: chrono::DateTime<Utc>,
) -> Result<u64, AppError> {
    Ok(audit_log::Entity::find()
        .filter(scope(workspace))
        .filter(audit_log::Column::CreatedAt.gte(since))
        .count(db)
        .await?)
}
