//! Segment entry points: any member lists them (with live counts); members who may manage
//! leads save, change and delete them. Changes are audited.

use super::{MAX_SEGMENTS, SegmentDto, SegmentEntry, SegmentForm, store, validated_name};
use crate::AppError;
use crate::audit::{AuditAction, store as audit};
use crate::db::entities::segment;
use crate::leads::store as leads;
use crate::services::{RequestMeta, Services};
use crate::workspaces::{Permission, service::TenantCtx};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

async fn to_dto(
    db: &impl ConnectionTrait,
    ctx: &TenantCtx,
    model: segment::Model,
) -> Result<SegmentDto, AppError> {
    let filter = store::filter_of(&model)?;
    Ok(SegmentDto {
        id: model.id,
        name: model.name,
        count: leads::count(db, ctx.workspace_id, &filter).await?,
        filter,
        updated_at: model.updated_at,
    })
}

/// The workspace's segments by name, each with how many leads it matches now.
pub async fn list(svc: &Services, ctx: &TenantCtx) -> Result<Vec<SegmentEntry>, AppError> {
    let mut out = Vec::new();
    for model in store::list(&svc.db, ctx.workspace_id).await? {
        let dto = to_dto(&svc.db, ctx, model).await?;
        out.push(SegmentEntry::new(dto.id, dto.name, dto.count, &dto.filter));
    }
    Ok(out)
}

pub async fn create(
    svc: &Services,
    ctx: &TenantCtx,
    form: &SegmentForm,
    meta: &RequestMeta,
) -> Result<SegmentDto, AppError> {
    ctx.require(Permission::LeadsManage)?;
    let name = validated_name(&form.name)?;
    let txn = crate::db::begin_write(&svc.db).await?;
    if store::count(&txn, ctx.workspace_id).await? >= MAX_SEGMENTS {
        return Err(AppError::field(
            "name",
            format!("A workspace keeps at most {MAX_SEGMENTS} segments; delete one first."),
        ));
    }
    let model = store::insert(&txn, ctx.workspace_id, ctx.user_id, &name, &form.filter).await?;
    audit::record(
        &txn,
        Some(ctx.workspace_id),
        Some(ctx.user_id),
        AuditAction::SegmentCreated,
        &describe(&name, &form.filter),
        meta,
    )
    .await?;
    txn.commit().await?;
    to_dto(&svc.db, ctx, model).await
}

/// Renames the segment and/or replaces its filter.
pub async fn update(
    svc: &Services,
    ctx: &TenantCtx,
    id: Uuid,
    form: &SegmentForm,
    meta: &RequestMeta,
) -> Result<SegmentDto, AppError> {
    ctx.require(Permission::LeadsManage)?;
    let name = validated_name(&form.name)?;
    let txn = crate::db::begin_write(&svc.db).await?;
    let before = store::find(&txn, ctx.workspace_id, id).await?;
    let model = store::update(&txn, ctx.workspace_id, id, &name, &form.filter).await?;
    let renamed = if before.name == name {
        String::new()
    } else {
        format!("\"{}\" → ", before.name)
    };
    audit::record(
        &txn,
        Some(ctx.workspace_id),
        Some(ctx.user_id),
        AuditAction::SegmentUpdated,
        &format!("{renamed}{}", describe(&name, &form.filter)),
        meta,
    )
    .await?;
    txn.commit().await?;
    to_dto(&svc.db, ctx, model).await
}

/// Renames the segment, its filter kept.
pub async fn rename(
    svc: &Services,
    ctx: &TenantCtx,
    id: Uuid,
    name: &str,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    ctx.require(Permission::LeadsManage)?;
    let name = validated_name(name)?;
    let txn = crate::db::begin_write(&svc.db).await?;
    let before = store::find(&txn, ctx.workspace_id, id).await?;
    let filter = store::filter_of(&before)?;
    store::update(&txn, ctx.workspace_id, id, &name, &filter).await?;
    audit::record(
        &txn,
        Some(ctx.workspace_id),
        Some(ctx.user_id),
        AuditAction::SegmentUpdated,
        &format!("\"{}\" → \"{name}\"", before.name),
        meta,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

pub async fn delete(
    svc: &Services,
    ctx: &TenantCtx,
    id: Uuid,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    ctx.require(Permission::LeadsManage)?;
    let txn = crate::db::begin_write(&svc.db).await?;
    let model = store::find(&txn, ctx.workspace_id, id).await?;
    store::delete(&txn, ctx.workspace_id, id).await?;
    audit::record(
        &txn,
        Some(ctx.workspace_id),
        Some(ctx.user_id),
        AuditAction::SegmentDeleted,
        &format!("\"{}\"", model.name),
        meta,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// `"Hot leads" (stage Qualified)` for the audit log.
fn describe(name: &str, filter: &crate::leads::LeadFilter) -> String {
    if filter.is_empty() {
        format!("\"{name}\" (every lead)")
    } else {
        format!("\"{name}\" ({})", filter.summary())
    }
}
