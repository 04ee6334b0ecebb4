//! Template entry points: anyone in the workspace lists them and renders them for a lead;
//! members who may manage templates create, change and delete them (audited). New workspaces
//! get the starters.

use super::render::{Template, variable_key};
use super::{
    MAX_TEMPLATES, RenderedTemplate, STARTERS, TemplateCategory, TemplateDto, TemplateForm,
    TemplateVariables,
};
use crate::analytics::rollup::sent_by_template;
use crate::audit::{AuditAction, store as audit};
use crate::db::entities::{attachment, lead, template};
use crate::error::OnConstraint;
use crate::services::{RequestMeta, Services};
use crate::whatsapp::attachments;
use crate::workspaces::{Permission, service::TenantCtx};
use crate::{AppError, WorkspaceId};
use chrono::Utc;
use rand::Rng;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set, Statement,
};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// Gives a new workspace the starter templates.
pub async fn seed_starters(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
) -> Result<(), AppError> {
    let now = Utc::now();
    for (name, category, body) in STARTERS {
        template::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(workspace.0),
            name: Set(name.into()),
            category: Set(category.as_str().into()),
            body: Set(body.into()),
            attachment_id: Set(None),
            created_by: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// The variables the workspace's templates may use: lead fields and its leads' custom fields.
pub async fn variables(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
) -> Result<TemplateVariables, AppError> {
    let backend = db.get_database_backend();
    // Custom fields are a JSON object per lead; the distinct keys come from the database's own
    // JSON functions rather than reading every lead.
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT DISTINCT jsonb_object_keys(custom_fields::jsonb) AS key FROM leads \
             WHERE workspace_id = $1 AND custom_fields IS NOT NULL AND custom_fields LIKE '{%'"
        }
        _ => {
            // A malformed value reads as `{}` rather than failing the whole query.
            "SELECT DISTINCT j.key AS key FROM leads, json_each(CASE WHEN \
             json_valid(leads.custom_fields) THEN leads.custom_fields ELSE '{}' END) AS j \
             WHERE leads.workspace_id = ? AND leads.custom_fields IS NOT NULL"
        }
    };
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [workspace.0.into()],
        ))
        .await?;
    let mut custom: Vec<String> = rows
        .iter()
        .filter_map(|row| row.try_get::<String>("", "key").ok())
        .filter(|key| {
            let key = variable_key(key);
            !key.is_empty() && !super::render::LEAD_VARIABLES.contains(&key.as_str())
        })
        .collect();
    custom.sort();
    custom.dedup_by_key(|key| variable_key(key));
    Ok(TemplateVariables { custom })
}

async fn attachments_of(
    db: &impl ConnectionTrait,
    models: &[template::Model],
) -> Result<HashMap<Uuid, attachment::Model>, AppError> {
    let ids: Vec<Uuid> = models.iter().filter_map(|m| m.attachment_id).collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(attachment::Entity::find()
        .filter(attachment::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect())
}

/// `model` as lists show it; `uses` is its usage count (`analytics::rollup::sent_by_template`).
fn to_dto(
    model: template::Model,
    files: &HashMap<Uuid, attachment::Model>,
    uses: u64,
) -> TemplateDto {
    TemplateDto {
        id: model.id,
        category: TemplateCategory::parse(&model.category).unwrap_or(TemplateCategory::Custom),
        attachment: model
            .attachment_id
            .and_then(|id| files.get(&id))
            .map(attachments::dto),
        name: model.name,
        body: model.body,
        usage_count: uses,
        updated_at: model.updated_at,
    }
}

/// The workspace's templates, by category then name.
pub async fn list(svc: &Services, ctx: &TenantCtx) -> Result<Vec<TemplateDto>, AppError> {
    let models = template::Entity::find()
        .filter(template::Column::WorkspaceId.eq(ctx.workspace_id.0))
        .order_by_asc(template::Column::Category)
        .order_by_asc(template::Column::Name)
        .all(&svc.db)
        .await?;
    let files = attachments_of(&svc.db, &models).await?;
    let uses = sent_by_template(&svc.db, ctx.workspace_id, None).await?;
    Ok(models
        .into_iter()
        .map(|m| {
            let n = uses.get(&m.id).copied().unwrap_or(0);
            to_dto(m, &files, n)
        })
        .collect())
}

async fn find(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: Uuid,
) -> Result<template::Model, AppError> {
    template::Entity::find_by_id(id)
        .filter(template::Column::WorkspaceId.eq(workspace.0))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// The form checked against the workspace: body variables, and an attachment of its own.
async fn checked(
    db: &impl ConnectionTrait,
    ctx: &TenantCtx,
    form: &TemplateForm,
) -> Result<(String, TemplateCategory, String, Option<attachment::Model>), AppError> {
    let vars = variables(db, ctx.workspace_id).await?;
    let (name, category, body) = form.validated(&vars)?;
    let file = match form.attachment {
        Some(id) => Some(attachments::find(db, ctx.workspace_id, id).await?),
        None => None,
    };
    Ok((name, category, body, file))
}

const NAME_TAKEN: &str = "Another template already has this name.";

pub async fn create(
    svc: &Services,
    ctx: &TenantCtx,
    form: &TemplateForm,
    meta: &RequestMeta,
) -> Result<TemplateDto, AppError> {
    ctx.require(Permission::TemplatesManage)?;
    let (name, category, body, file) = checked(&svc.db, ctx, form).await?;
    let txn = crate::db::begin_write(&svc.db).await?;
    let count = template::Entity::find()
        .filter(template::Column::WorkspaceId.eq(ctx.workspace_id.0))
        .count(&txn)
        .await?;
    if count >= MAX_TEMPLATES {
        return Err(AppError::field(
            "name",
            format!("A workspace keeps at most {MAX_TEMPLATES} templates; delete one first."),
        ));
    }
    if let Some(file) = &file {
        attachments::mark_used(&txn, file.id).await?;
    }
    let now = Utc::now();
    let model = template::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(ctx.workspace_id.0),
        name: Set(name.clone()),
        category: Set(category.as_str().into()),
        body: Set(body),
        attachment_id: Set(file.as_ref().map(|f| f.id)),
        created_by: Set(Some(ctx.user_id.0)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .on_unique("name", NAME_TAKEN)?;
    let detail = format!("\"{name}\"");
    audit_and_commit(txn, ctx, AuditAction::TemplateCreated, &detail, meta).await?;
    Ok(to_dto(model, &file_map(file), 0))
}

async fn audit_and_commit(
    txn: sea_orm::DatabaseTransaction,
    ctx: &TenantCtx,
    action: AuditAction,
    detail: &str,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    audit::record(
        &txn,
        Some(ctx.workspace_id),
        Some(ctx.user_id),
        action,
        detail,
        meta,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

fn file_map(file: Option<attachment::Model>) -> HashMap<Uuid, attachment::Model> {
    file.into_iter().map(|f| (f.id, f)).collect()
}

pub async fn update(
    svc: &Services,
    ctx: &TenantCtx,
    id: Uuid,
    form: &TemplateForm,
    meta: &RequestMeta,
) -> Result<TemplateDto, AppError> {
    ctx.require(Permission::TemplatesManage)?;
    let (name, category, body, file) = checked(&svc.db, ctx, form).await?;
    let txn = crate::db::begin_write(&svc.db).await?;
    let before = find(&txn, ctx.workspace_id, id).await?;
    if let Some(file) = &file {
        attachments::mark_used(&txn, file.id).await?;
    }
    let mut active: template::ActiveModel = before.clone().into();
    active.name = Set(name.clone());
    active.category = Set(category.as_str().into());
    active.body = Set(body);
    active.attachment_id = Set(file.as_ref().map(|f| f.id));
    active.updated_at = Set(Utc::now());
    let model = active.update(&txn).await.on_unique("name", NAME_TAKEN)?;
    let renamed = if before.name == name {
        format!("\"{name}\"")
    } else {
        format!("\"{}\" → \"{name}\"", before.name)
    };
    audit_and_commit(txn, ctx, AuditAction::TemplateUpdated, &renamed, meta).await?;
    let uses = sent_by_template(&svc.db, ctx.workspace_id, Some(id)).await?;
    let uses = uses.get(&id).copied().unwrap_or(0);
    Ok(to_dto(model, &file_map(file), uses))
}

pub async fn delete(
    svc: &Services,
    ctx: &TenantCtx,
    id: Uuid,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    ctx.require(Permission::TemplatesManage)?;
    let txn = crate::db::begin_write(&svc.db).await?;
    let model = find(&txn, ctx.workspace_id, id).await?;
    template::Entity::delete_many()
        .filter(template::Column::Id.eq(id))
        .filter(template::Column::WorkspaceId.eq(ctx.workspace_id.0))
        .exec(&txn)
        .await?;
    let detail = format!("\"{}\"", model.name);
    audit_and_commit(txn, ctx, AuditAction::TemplateDeleted, &detail, meta).await
}

/// A lead's value for each variable key: its fields, then its custom fields by key.
pub fn lead_values(lead: &lead::Model) -> BTreeMap<String, String> {
    let mut values = BTreeMap::new();
    let mut put = |key: &str, value: Option<&str>| {
        if let Some(value) = value.filter(|v| !v.trim().is_empty()) {
            values.insert(key.to_owned(), value.trim().to_owned());
        }
    };
    put("name", Some(&lead.name));
    put(
        "phone",
        lead.phone_e164.as_deref().or(lead.phone_raw.as_deref()),
    );
    put("website", lead.website.as_deref());
    put("city", lead.city.as_deref());
    put("country", lead.country.as_deref());
    put("category", lead.category.as_deref());
    put("email", lead.email.as_deref());
    if let Some(custom) = lead
        .custom_fields
        .as_deref()
        .and_then(|json| serde_json::from_str::<BTreeMap<String, serde_json::Value>>(json).ok())
    {
        for (header, value) in custom {
            let text = match value {
                serde_json::Value::String(s) => s,
                serde_json::Value::Null => continue,
                other => other.to_string(),
            };
            values.entry(variable_key(&header)).or_insert(text);
        }
    }
    values
}

/// `body` (a saved template's, or one being edited) rendered for `lead_id`, or for the
/// workspace's most recent lead when none is given (the editor's preview).
pub async fn render_for_lead(
    svc: &Services,
    ctx: &TenantCtx,
    body: &str,
    attachment: Option<Uuid>,
    lead_id: Option<Uuid>,
) -> Result<RenderedTemplate, AppError> {
    let vars = variables(&svc.db, ctx.workspace_id).await?;
    let parsed: Template =
        super::check_body(body, &vars).map_err(|m| AppError::field("body", m))?;
    let lead = match lead_id {
        Some(id) => Some(crate::leads::service::find(&svc.db, ctx.workspace_id, id).await?),
        None => {
            lead::Entity::find()
                .filter(lead::Column::WorkspaceId.eq(ctx.workspace_id.0))
                .order_by_desc(lead::Column::CreatedAt)
                .one(&svc.db)
                .await?
        }
    };
    let values = lead.as_ref().map(lead_values).unwrap_or_default();
    let text = parsed.render(&|key| values.get(key).cloned(), &mut |n| {
        rand::rng().random_range(0..n.max(1))
    });
    let missing = parsed
        .variables_without_fallback()
        .into_iter()
        .filter(|key| !values.contains_key(key))
        .collect();
    let attachment = match attachment {
        Some(id) => Some(attachments::dto(
            &attachments::find(&svc.db, ctx.workspace_id, id).await?,
        )),
        None => None,
    };
    Ok(RenderedTemplate {
        text,
        missing,
        attachment,
        lead_name: lead.map(|l| l.name),
    })
}

/// A saved template rendered for a lead (the reply box's template picker).
pub async fn render_saved(
    svc: &Services,
    ctx: &TenantCtx,
    id: Uuid,
    lead_id: Uuid,
) -> Result<RenderedTemplate, AppError> {
    let model = find(&svc.db, ctx.workspace_id, id).await?;
    render_for_lead(svc, ctx, &model.body, model.attachment_id, Some(lead_id)).await
}

/// Whether `id` is one of the workspace's templates (a send names the template it came from).
pub async fn exists(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: Uuid,
) -> Result<bool, AppError> {
    Ok(find(db, workspace, id).await.is_ok())
}
