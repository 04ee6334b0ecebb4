//! Queries on `users`. Users are not tenant-owned (one person, many workspaces), so these are
//! keyed by user id or e-mail.

use crate::db::entities::user;
use crate::error::OnConstraint;
use crate::{AppError, UserId};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, Set,
};

pub async fn find_by_email(
    db: &impl ConnectionTrait,
    email: &str,
) -> Result<Option<user::Model>, AppError> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(db)
        .await?)
}

pub async fn find(db: &impl ConnectionTrait, id: UserId) -> Result<Option<user::Model>, AppError> {
    Ok(user::Entity::find_by_id(id.0).one(db).await?)
}

pub async fn count(db: &impl ConnectionTrait) -> Result<u64, AppError> {
    Ok(user::Entity::find().count(db).await?)
}

/// Inserts a user; a taken e-mail becomes a message on the `email` field.
pub async fn insert(
    db: &impl ConnectionTrait,
    name: String,
    email: String,
    password_hash: String,
    is_platform_admin: bool,
) -> Result<user::Model, AppError> {
    let now = Utc::now();
    user::ActiveModel {
        id: Set(UserId::new().0),
        email: Set(email),
        name: Set(name),
        phone: Set(None),
        phone_verified_at: Set(None),
        password_hash: Set(password_hash),
        is_platform_admin: Set(is_platform_admin),
        last_workspace_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .on_unique(
        "email",
        "An account with this email already exists. Sign in instead.",
    )
}

pub async fn update_profile(
    db: &impl ConnectionTrait,
    id: UserId,
    name: String,
    email: String,
    phone: Option<String>,
) -> Result<(), AppError> {
    user::ActiveModel {
        id: Set(id.0),
        name: Set(name),
        email: Set(email),
        phone: Set(phone),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .update(db)
    .await
    .on_unique("email", "Another account already uses this email.")?;
    Ok(())
}

pub async fn set_password_hash(
    db: &impl ConnectionTrait,
    id: UserId,
    password_hash: String,
) -> Result<(), AppError> {
    user::ActiveModel {
        id: Set(id.0),
        password_hash: Set(password_hash),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

pub async fn set_last_workspace(
    db: &impl ConnectionTrait,
    id: UserId,
    workspace: crate::WorkspaceId,
) -> Result<(), AppError> {
    user::Entity::update_many()
        .col_expr(user::Column::LastWorkspaceId, workspace.0.into())
        .filter(user::Column::Id.eq(id.0))
        .filter(
            Condition::any()
                .add(user::Column::LastWorkspaceId.ne(workspace.0))
                .add(user::Column::LastWorkspaceId.is_null()),
        )
        .exec(db)
        .await?;
    Ok(())
}
