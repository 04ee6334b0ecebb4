//! The bell: adding notifications for people in a workspace, reading and clearing them.

use super::{NotificationDto, NotificationFeed};
use crate::db::entities::notification;
use crate::{AppError, UserId, WorkspaceId};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, sea_query::Expr,
};
use uuid::Uuid;

pub async fn notify(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    user: UserId,
    message: &str,
    link: Option<&str>,
) -> Result<(), AppError> {
    notification::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(workspace.0),
        user_id: Set(user.0),
        message: Set(message.chars().take(500).collect()),
        link: Set(link.map(str::to_owned)),
        read_at: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The unread count and the 10 latest notifications of `user` in `workspace`.
pub async fn feed(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    user: UserId,
) -> Result<NotificationFeed, AppError> {
    let unread = unread_count(db, workspace, user).await?;
    let items = mine(workspace, user)
        .order_by_desc(notification::Column::Id)
        .limit(10)
        .all(db)
        .await?
        .into_iter()
        .map(|n| NotificationDto {
            id: n.id,
            message: n.message,
            link: n.link,
            read: n.read_at.is_some(),
            created_at: n.created_at,
        })
        .collect();
    Ok(NotificationFeed { unread, items })
}

/// How many notifications of `user` in `workspace` are unread: the number on the bell.
pub async fn unread_count(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    user: UserId,
) -> Result<u64, AppError> {
    Ok(mine(workspace, user)
        .filter(notification::Column::ReadAt.is_null())
        .count(db)
        .await?)
}

fn mine(workspace: WorkspaceId, user: UserId) -> sea_orm::Select<notification::Entity> {
    notification::Entity::find()
        .filter(notification::Column::WorkspaceId.eq(workspace.0))
        .filter(notification::Column::UserId.eq(user.0))
}

pub async fn mark_all_read(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    user: UserId,
) -> Result<(), AppError> {
    notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(Utc::now()))
        .filter(notification::Column::WorkspaceId.eq(workspace.0))
        .filter(notification::Column::UserId.eq(user.0))
        .filter(notification::Column::ReadAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}
