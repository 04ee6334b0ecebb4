//! Bulk actions on a selection of leads — tag, untag, set stage, delete — for a handful of
//! ticked rows or every lead matching a filter. Each runs in one transaction as set-based
//! statements (`INSERT … SELECT`, `UPDATE/DELETE … WHERE id IN (subquery)`), so a million-lead
//! filter never travels through the server's memory; ids are bound in chunks well under
//! SQLite's 32,766 parameters. Stage changes write one `stage_changed` event per lead.

use super::store::filtered;
use super::{BulkAction, BulkOutcome, LeadFilter, LeadSelection, Stage};
use crate::audit::{AuditAction, store as audit};
use crate::db::entities::{lead, lead_event, lead_tag};
use crate::services::{RequestMeta, Services};
use crate::workspaces::{Permission, service::TenantCtx};
use crate::{AppError, WorkspaceId};
use chrono::Utc;
use sea_orm::sea_query::{Expr, OnConflict, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    Select, Set,
};
use uuid::Uuid;

/// Ids bound per statement: far below SQLite's 32,766 parameters (and PostgreSQL's 65,535),
/// and an event insert of this many rows (7 columns each) stays under both as well.
const CHUNK: usize = 1_000;

/// The longest tag, as the `lead_tags.tag` column holds it.
pub const MAX_TAG_CHARS: usize = 60;

/// A tag as stored: trimmed, 1–60 characters; the error names the field `tag`.
pub fn validate_tag(tag: &str) -> Result<String, AppError> {
    let tag = tag.trim();
    if tag.is_empty() {
        return Err(AppError::field("tag", "Enter a tag."));
    }
    if tag.chars().count() > MAX_TAG_CHARS {
        return Err(AppError::field(
            "tag",
            format!("A tag is at most {MAX_TAG_CHARS} characters."),
        ));
    }
    Ok(tag.to_owned())
}

/// Checks the selection's size; the error names the field `selection`.
pub fn validate_selection(selection: &LeadSelection) -> Result<(), AppError> {
    match selection {
        LeadSelection::Ids(ids) if ids.is_empty() => {
            Err(AppError::field("selection", "Select at least one lead."))
        }
        LeadSelection::Ids(ids) if ids.len() > LeadSelection::MAX_IDS => Err(AppError::field(
            "selection",
            format!(
                "Select at most {} leads by hand, or select every lead matching the filter.",
                LeadSelection::MAX_IDS
            ),
        )),
        _ => Ok(()),
    }
}

/// The selection as queries over the workspace's leads: one per chunk of ids (sorted, without
/// repeats, so the chunks also come out in id order), or the filter's query.
pub fn scopes(workspace: WorkspaceId, selection: &LeadSelection) -> Vec<Select<lead::Entity>> {
    match selection {
        LeadSelection::Filter(filter) => vec![filtered(workspace, filter)],
        LeadSelection::Ids(ids) => {
            let mut ids = ids.clone();
            ids.sort_unstable();
            ids.dedup();
            ids.chunks(CHUNK)
                .map(|chunk| {
                    filtered(workspace, &LeadFilter::default())
                        .filter(lead::Column::Id.is_in(chunk.iter().copied()))
                })
                .collect()
        }
    }
}

/// `SELECT id FROM leads WHERE <scope>`, for `… WHERE id IN (…)`.
fn ids_of(scope: Select<lead::Entity>) -> SelectStatement {
    scope.select_only().column(lead::Column::Id).into_query()
}

/// Adds `tag` to the selected leads that lack it; returns how many gained it.
pub async fn tag(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    selection: &LeadSelection,
    tag: &str,
) -> Result<u64, AppError> {
    let mut changed = 0;
    for scope in scopes(workspace, selection) {
        let rows = scope
            .select_only()
            .column(lead::Column::Id)
            .column_as(Expr::val(tag), "tag")
            .column(lead::Column::WorkspaceId)
            .into_query();
        let insert = Query::insert()
            .into_table(lead_tag::Entity)
            .columns([
                lead_tag::Column::LeadId,
                lead_tag::Column::Tag,
                lead_tag::Column::WorkspaceId,
            ])
            .select_from(rows)
            .map_err(|e| AppError::internal("building the bulk tag insert", e))?
            .on_conflict(
                OnConflict::columns([lead_tag::Column::LeadId, lead_tag::Column::Tag])
                    .do_nothing()
                    .to_owned(),
            )
            .to_owned();
        changed += db.execute(&insert).await?.rows_affected();
    }
    Ok(changed)
}

/// Removes `tag` from the selected leads; returns how many had it.
pub async fn untag(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    selection: &LeadSelection,
    tag: &str,
) -> Result<u64, AppError> {
    let mut changed = 0;
    for scope in scopes(workspace, selection) {
        changed += lead_tag::Entity::delete_many()
            .filter(lead_tag::Column::WorkspaceId.eq(workspace.0))
            .filter(lead_tag::Column::Tag.eq(tag))
            .filter(lead_tag::Column::LeadId.in_subquery(ids_of(scope)))
            .exec(db)
            .await?
            .rows_affected;
    }
    Ok(changed)
}

/// Moves the selected leads that are elsewhere to `stage`, with a `stage_changed` event
/// ("new → qualified") for each; returns how many moved. Works a chunk of leads at a time:
/// a moved lead no longer matches `stage <> target`, so each round picks up the next ones.
pub async fn set_stage(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    selection: &LeadSelection,
    stage: Stage,
    actor: Option<Uuid>,
) -> Result<u64, AppError> {
    let now = Utc::now();
    let mut changed = 0;
    for scope in scopes(workspace, selection) {
        loop {
            let batch: Vec<(Uuid, String)> = scope
                .clone()
                .filter(lead::Column::Stage.ne(stage.as_str()))
                .select_only()
                .column(lead::Column::Id)
                .column(lead::Column::Stage)
                .order_by_asc(lead::Column::Id)
                .limit(CHUNK as u64)
                .into_tuple()
                .all(db)
                .await?;
            if batch.is_empty() {
                break;
            }
            lead::Entity::update_many()
                .col_expr(lead::Column::Stage, Expr::val(stage.as_str()))
                // None of these leads is in `stage` yet, so none keeps an earlier time.
                .col_expr(
                    lead::Column::ConvertedAt,
                    Expr::val(super::service::converted_at(stage, None, now)),
                )
                .col_expr(lead::Column::UpdatedAt, Expr::val(now))
                .filter(lead::Column::WorkspaceId.eq(workspace.0))
                .filter(lead::Column::Id.is_in(batch.iter().map(|(id, _)| *id)))
                .exec(db)
                .await?;
            let events = batch.iter().map(|(id, from)| lead_event::ActiveModel {
                id: Set(Uuid::now_v7()),
                workspace_id: Set(workspace.0),
                lead_id: Set(*id),
                kind: Set("stage_changed".to_owned()),
                detail: Set(format!("{from} → {}", stage.as_str())),
                actor_id: Set(actor),
                created_at: Set(now),
            });
            lead_event::Entity::insert_many(events)
                .exec_without_returning(db)
                .await?;
            changed += batch.len() as u64;
            if batch.len() < CHUNK {
                break;
            }
        }
    }
    Ok(changed)
}

/// Deletes the selected leads; their tags and events go with them (`ON DELETE CASCADE`).
/// Returns how many were deleted.
pub async fn delete(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    selection: &LeadSelection,
) -> Result<u64, AppError> {
    let mut changed = 0;
    for scope in scopes(workspace, selection) {
        changed += lead::Entity::delete_many()
            .filter(lead::Column::WorkspaceId.eq(workspace.0))
            .filter(lead::Column::Id.in_subquery(ids_of(scope)))
            .exec(db)
            .await?
            .rows_affected;
    }
    Ok(changed)
}

/// What the audit log says about a selection.
fn describe(selection: &LeadSelection) -> String {
    match selection {
        LeadSelection::Ids(ids) => format!("{} chosen leads", ids.len()),
        LeadSelection::Filter(filter) if filter.is_empty() => "every lead".to_owned(),
        LeadSelection::Filter(filter) => format!("every lead matching {}", filter.summary()),
    }
}

/// Runs `action` on the selection for a member who may manage leads: one transaction, one
/// audit entry. Leads of other workspaces are never touched, whatever ids are sent.
pub async fn apply(
    svc: &Services,
    ctx: &TenantCtx,
    selection: &LeadSelection,
    action: &BulkAction,
    meta: &RequestMeta,
) -> Result<BulkOutcome, AppError> {
    ctx.require(Permission::LeadsManage)?;
    validate_selection(selection)?;
    let action = match action {
        BulkAction::Tag(t) => BulkAction::Tag(validate_tag(t)?),
        BulkAction::Untag(t) => BulkAction::Untag(validate_tag(t)?),
        other => other.clone(),
    };
    let workspace = ctx.workspace_id;
    let txn = crate::db::begin_write(&svc.db).await?;
    let (changed, audit_action) = match &action {
        BulkAction::Tag(t) => (
            tag(&txn, workspace, selection, t).await?,
            AuditAction::LeadsTagged,
        ),
        BulkAction::Untag(t) => (
            untag(&txn, workspace, selection, t).await?,
            AuditAction::LeadsUntagged,
        ),
        BulkAction::SetStage(stage) => (
            set_stage(&txn, workspace, selection, *stage, Some(ctx.user_id.0)).await?,
            AuditAction::LeadStagesChanged,
        ),
        BulkAction::Delete => (
            delete(&txn, workspace, selection).await?,
            AuditAction::LeadsDeleted,
        ),
    };
    let message = action.outcome(changed);
    audit::record(
        &txn,
        Some(workspace),
        Some(ctx.user_id),
        audit_action,
        &format!("{message} Selection: {}.", describe(selection)),
        meta,
    )
    .await?;
    txn.commit().await?;
    Ok(BulkOutcome { changed, message })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_trimmed_and_bounded() {
        assert_eq!(validate_tag("  vip ").unwrap(), "vip");
        for bad in ["", "   ", &"x".repeat(61)] {
            let error = validate_tag(bad).unwrap_err();
            assert!(error.field_message("tag").is_some(), "{bad:?}");
        }
        assert!(
            validate_tag(&"é".repeat(60)).is_ok(),
            "characters, not bytes"
        );
    }

    #[test]
    fn selections_are_bounded_and_chunked() {
        assert!(
            validate_selection(&LeadSelection::Ids(vec![]))
                .unwrap_err()
                .field_message("selection")
                .is_some()
        );
        let too_many = LeadSelection::Ids(vec![Uuid::nil(); LeadSelection::MAX_IDS + 1]);
        assert!(validate_selection(&too_many).is_err());
        assert!(validate_selection(&LeadSelection::Filter(LeadFilter::default())).is_ok());

        let ids: Vec<Uuid> = (0..2_500).map(|_| Uuid::now_v7()).collect();
        let mut doubled = ids.clone();
        doubled.extend(ids.iter().take(10));
        let scopes = scopes(WorkspaceId(Uuid::nil()), &LeadSelection::Ids(doubled));
        assert_eq!(scopes.len(), 3, "2,500 distinct ids in chunks of 1,000");
        assert_eq!(
            describe(&LeadSelection::Filter(LeadFilter::default())),
            "every lead"
        );
    }
}
