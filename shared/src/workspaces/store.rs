//! Queries on workspaces, memberships, invitations and plans. Every function on
//! tenant-owned rows takes the `WorkspaceId` first; there is no unscoped lookup by row id.

use super::{InvitationDto, Role, WorkspaceSummary};
use crate::db::entities::{invitation, membership, plan, user, workspace};
use crate::error::OnConstraint;
use crate::plans::PlanDto;
use crate::{AppError, UserId, WorkspaceId};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set, sea_query::Expr,
};
use std::collections::HashMap;
use uuid::Uuid;

pub async fn insert(
    db: &impl ConnectionTrait,
    model: workspace::ActiveModel,
) -> Result<workspace::Model, AppError> {
    model
        .insert(db)
        .await
        .on_unique("slug", "This slug is taken. Choose another.")
}

pub async fn slug_taken(db: &impl ConnectionTrait, slug: &str) -> Result<bool, AppError> {
    Ok(workspace::Entity::find()
        .filter(workspace::Column::Slug.eq(slug))
        .count(db)
        .await?
        > 0)
}

/// The workspace with `slug` and the user's role in it, only if the user is a member.
pub async fn find_by_slug_for_member(
    db: &impl ConnectionTrait,
    slug: &str,
    user: UserId,
) -> Result<Option<(workspace::Model, Role)>, AppError> {
    let Some(ws) = workspace::Entity::find()
        .filter(workspace::Column::Slug.eq(slug))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(role_of(db, WorkspaceId(ws.id), user)
        .await?
        .map(|r| (ws, r)))
}

pub async fn find(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
) -> Result<workspace::Model, AppError> {
    workspace::Entity::find_by_id(workspace.0)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// The workspace found by slug regardless of membership: for platform administration only.
pub async fn find_by_slug_unscoped_for_platform_admin(
    db: &impl ConnectionTrait,
    slug: &str,
) -> Result<Option<workspace::Model>, AppError> {
    Ok(workspace::Entity::find()
        .filter(workspace::Column::Slug.eq(slug))
        .one(db)
        .await?)
}

pub async fn update(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    mut model: workspace::ActiveModel,
) -> Result<workspace::Model, AppError> {
    model.id = Set(workspace.0);
    model.updated_at = Set(Utc::now());
    model
        .update(db)
        .await
        .on_unique("slug", "This slug is taken. Choose another.")
}

pub async fn role_of(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    user: UserId,
) -> Result<Option<Role>, AppError> {
    Ok(membership::Entity::find_by_id((workspace.0, user.0))
        .one(db)
        .await?
        .map(|m| m.role))
}

pub async fn summaries_for_user(
    db: &impl ConnectionTrait,
    user: UserId,
) -> Result<Vec<WorkspaceSummary>, AppError> {
    let memberships = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user.0))
        .all(db)
        .await?;
    let roles: HashMap<Uuid, Role> = memberships
        .iter()
        .map(|m| (m.workspace_id, m.role))
        .collect();
    let workspaces = workspace::Entity::find()
        .filter(workspace::Column::Id.is_in(roles.keys().copied()))
        .order_by_asc(workspace::Column::Name)
        .all(db)
        .await?;
    Ok(workspaces
        .into_iter()
        .filter_map(|w| {
            let role = *roles.get(&w.id)?;
            Some(WorkspaceSummary {
                id: w.id,
                name: w.name,
                slug: w.slug,
                timezone: w.timezone,
                role,
                brand_colour: w.brand_colour,
                has_logo: w.logo.is_some(),
            })
        })
        .collect())
}

pub async fn add_member(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    user: UserId,
    role: Role,
) -> Result<(), AppError> {
    membership::ActiveModel {
        workspace_id: Set(workspace.0),
        user_id: Set(user.0),
        role: Set(role),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await
    .on_unique("email", "This person is already a member.")?;
    Ok(())
}

pub async fn members(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
) -> Result<Vec<(membership::Model, user::Model)>, AppError> {
    let memberships = membership::Entity::find()
        .filter(membership::Column::WorkspaceId.eq(workspace.0))
        .order_by_asc(membership::Column::CreatedAt)
        .all(db)
        .await?;
    let mut users: HashMap<Uuid, user::Model> = user::Entity::find()
        .filter(user::Column::Id.is_in(memberships.iter().map(|m| m.user_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    Ok(memberships
        .into_iter()
        .filter_map(|m| users.remove(&m.user_id).map(|u| (m, u)))
        .collect())
}

pub async fn count_members(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
) -> Result<u64, AppError> {
    Ok(membership::Entity::find()
        .filter(membership::Column::WorkspaceId.eq(workspace.0))
        .count(db)
        .await?)
}

pub async fn count_with_role(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    role: Role,
) -> Result<u64, AppError> {
    Ok(membership::Entity::find()
        .filter(membership::Column::WorkspaceId.eq(workspace.0))
        .filter(membership::Column::Role.eq(role))
        .count(db)
        .await?)
}

/// Ids of the people who manage the workspace (owners and admins), for notifications.
pub async fn managers(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
) -> Result<Vec<UserId>, AppError> {
    Ok(membership::Entity::find()
        .filter(membership::Column::WorkspaceId.eq(workspace.0))
        .filter(membership::Column::Role.is_in([Role::Owner, Role::Admin]))
        .all(db)
        .await?
        .into_iter()
        .map(|m| UserId(m.user_id))
        .collect())
}

pub async fn set_role(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    user: UserId,
    role: Role,
) -> Result<(), AppError> {
    let updated = membership::Entity::update_many()
        .col_expr(membership::Column::Role, Expr::value(role.as_str()))
        .filter(membership::Column::WorkspaceId.eq(workspace.0))
        .filter(membership::Column::UserId.eq(user.0))
        .exec(db)
        .await?;
    if updated.rows_affected == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

pub async fn remove_member(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    user: UserId,
) -> Result<(), AppError> {
    let deleted = membership::Entity::delete_many()
        .filter(membership::Column::WorkspaceId.eq(workspace.0))
        .filter(membership::Column::UserId.eq(user.0))
        .exec(db)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

pub async fn insert_invitation(
    db: &impl ConnectionTrait,
    model: invitation::ActiveModel,
) -> Result<invitation::Model, AppError> {
    Ok(model.insert(db).await?)
}

fn pending(workspace: WorkspaceId, now: DateTime<Utc>) -> sea_orm::Select<invitation::Entity> {
    invitation::Entity::find()
        .filter(invitation::Column::WorkspaceId.eq(workspace.0))
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::RevokedAt.is_null())
        .filter(invitation::Column::ExpiresAt.gt(now))
}

pub async fn pending_invitations(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    now: DateTime<Utc>,
) -> Result<Vec<InvitationDto>, AppError> {
    let rows = pending(workspace, now)
        .order_by_desc(invitation::Column::CreatedAt)
        .all(db)
        .await?;
    let inviters: HashMap<Uuid, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(rows.iter().map(|r| r.invited_by)))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| InvitationDto {
            id: r.id,
            invited_by: inviters.get(&r.invited_by).cloned().unwrap_or_default(),
            email: r.email,
            role: r.role,
            expires_at: r.expires_at,
            created_at: r.created_at,
        })
        .collect())
}

pub async fn count_pending_invitations(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    Ok(pending(workspace, now).count(db).await?)
}

pub async fn pending_invitation_for_email(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    email: &str,
    now: DateTime<Utc>,
) -> Result<Option<invitation::Model>, AppError> {
    Ok(pending(workspace, now)
        .filter(invitation::Column::Email.eq(email))
        .one(db)
        .await?)
}

pub async fn revoke_invitation(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<invitation::Model, AppError> {
    let found = pending(workspace, now)
        .filter(invitation::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut active: invitation::ActiveModel = found.into();
    active.revoked_at = Set(Some(now));
    Ok(active.update(db).await?)
}

/// The invitation whose token hashes to `token_hash`. The token itself is the capability, so
/// this lookup is by design not scoped to a workspace.
pub async fn find_invitation_by_token_hash(
    db: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<invitation::Model>, AppError> {
    Ok(invitation::Entity::find()
        .filter(invitation::Column::TokenHash.eq(token_hash))
        .one(db)
        .await?)
}

pub async fn mark_invitation_accepted(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    invitation::Entity::update_many()
        .col_expr(invitation::Column::AcceptedAt, Expr::value(now))
        .filter(invitation::Column::WorkspaceId.eq(workspace.0))
        .filter(invitation::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn plan(db: &impl ConnectionTrait, code: &str) -> Result<PlanDto, AppError> {
    plan::Entity::find_by_id(code.to_owned())
        .one(db)
        .await?
        .map(|p| PlanDto::from(&p))
        .ok_or_else(|| AppError::internal("plan lookup", format!("unknown plan {code}")))
}

pub async fn plans(db: &impl ConnectionTrait) -> Result<Vec<PlanDto>, AppError> {
    Ok(plan::Entity::find()
        .order_by_asc(plan::Column::Position)
        .all(db)
        .await?
        .iter()
        .map(PlanDto::from)
        .collect())
}

pub async fn user_name(db: &impl ConnectionTrait, user: UserId) -> Result<String, AppError> {
    Ok(user::Entity::find_by_id(user.0)
        .one(db)
        .await?
        .map(|u| u.name)
        .unwrap_or_default())
}
