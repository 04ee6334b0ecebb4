//! WhatsApp number checks: which leads' numbers are on WhatsApp, asked through a session
//! gateway sender in batches of at most 100, paced like sends (mass checks get numbers banned),
//! answered from a 24-hour cache shared by the workspace's leads with the same number, as a
//! durable job whose pending leads are rows (it resumes after a crash without asking twice).

use super::provider::{MAX_NUMBERS_PER_CHECK, NumberCheck, ProviderError, digits, with_backoff};
use super::senders::{self, provider_failure};
use super::{NumberCheckJobDto, ProviderKind};
use crate::audit::{AuditAction, store as audit};
use crate::db::entities::{
    lead, lead_event, number_check, number_check_item, number_check_job, sender,
};
use crate::jobs::{self, JobItemTable, JobTable};
use crate::leads::bulk::{scopes, validate_selection};
use crate::leads::{LeadSelection, TimelineKind, WhatsappStatus};
use crate::services::{RequestMeta, Services};
use crate::websites::{CheckScope, VerifyJobStatus};
use crate::workspaces::{Permission, service::TenantCtx};
use crate::{AppError, WorkspaceId};
use chrono::{Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// How long an answer is reused.
pub const CACHE_HOURS: i64 = 24;

impl JobItemTable for number_check_item::Entity {
    const JOB_ID: number_check_item::Column = number_check_item::Column::JobId;
    const LEAD_ID: number_check_item::Column = number_check_item::Column::LeadId;
    const WORKSPACE_ID: number_check_item::Column = number_check_item::Column::WorkspaceId;
}

impl JobTable for number_check_job::Entity {
    const ID: number_check_job::Column = number_check_job::Column::Id;
    const STATUS: number_check_job::Column = number_check_job::Column::Status;
    const WORKER: number_check_job::Column = number_check_job::Column::Worker;
    const HEARTBEAT_AT: number_check_job::Column = number_check_job::Column::HeartbeatAt;
    const STARTED_AT: number_check_job::Column = number_check_job::Column::StartedAt;
    const CREATED_AT: number_check_job::Column = number_check_job::Column::CreatedAt;
}

async fn find(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: Uuid,
) -> Result<number_check_job::Model, AppError> {
    number_check_job::Entity::find_by_id(id)
        .filter(number_check_job::Column::WorkspaceId.eq(workspace.0))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

async fn to_dto(
    db: &impl ConnectionTrait,
    job: number_check_job::Model,
) -> Result<NumberCheckJobDto, AppError> {
    let sender_name = match job.sender_id {
        Some(id) => senders::find(db, WorkspaceId(job.workspace_id), id)
            .await
            .ok()
            .map(|s| s.name),
        None => None,
    };
    let count = |n: i32| u32::try_from(n).unwrap_or(0);
    Ok(NumberCheckJobDto {
        id: job.id,
        status: VerifyJobStatus::parse(&job.status).unwrap_or(VerifyJobStatus::Failed),
        scope: job.scope,
        total: count(job.total),
        processed: count(job.processed),
        on_whatsapp: count(job.on_whatsapp),
        not_on_whatsapp: count(job.not_on_whatsapp),
        failed: count(job.failed),
        cached: count(job.cached),
        sender_name,
        failure: job.failure,
        created_at: job.created_at,
        finished_at: job.finished_at,
    })
}

async fn active_model(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
) -> Result<Option<number_check_job::Model>, AppError> {
    Ok(number_check_job::Entity::find()
        .filter(number_check_job::Column::WorkspaceId.eq(workspace.0))
        .filter(number_check_job::Column::Status.is_in([jobs::QUEUED, jobs::RUNNING]))
        .order_by_desc(number_check_job::Column::CreatedAt)
        .one(db)
        .await?)
}

/// The sender that answers checks: the oldest session-gateway sender that is not paused (the
/// Cloud API has no number check).
async fn checking_sender(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
) -> Result<sender::Model, AppError> {
    sender::Entity::find()
        .filter(sender::Column::WorkspaceId.eq(workspace.0))
        .filter(sender::Column::Provider.eq(ProviderKind::SessionGateway.as_str()))
        .filter(sender::Column::PausedReason.is_null())
        .order_by_asc(sender::Column::CreatedAt)
        .one(db)
        .await?
        .ok_or_else(|| {
            AppError::field(
                "selection",
                "Checking numbers needs a session-gateway sender that is not paused; add one under Senders.",
            )
        })
}

/// Creates a queued check of the selected leads that have a valid phone number, through the
/// workspace's checking sender; call inside a transaction. Refuses when a check is running, when
/// no sender can check, and when no selected lead has a number (nothing is left behind then).
pub async fn create_job(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    created_by: Option<Uuid>,
    selection: &LeadSelection,
) -> Result<(Uuid, u64, sender::Model), AppError> {
    validate_selection(selection)?;
    if active_model(db, workspace).await?.is_some() {
        return Err(AppError::field(
            "selection",
            "A WhatsApp check is already running in this workspace. Wait for it to finish or cancel it first.",
        ));
    }
    let sender = checking_sender(db, workspace).await?;
    let id = Uuid::now_v7();
    number_check_job::Entity::insert(number_check_job::ActiveModel {
        id: Set(id),
        workspace_id: Set(workspace.0),
        created_by: Set(created_by),
        sender_id: Set(Some(sender.id)),
        scope: Set(CheckScope::Selection(selection.clone()).describe()),
        status: Set(jobs::QUEUED.into()),
        total: Set(0),
        processed: Set(0),
        on_whatsapp: Set(0),
        not_on_whatsapp: Set(0),
        failed: Set(0),
        cached: Set(0),
        cancel_requested: Set(false),
        worker: Set(None),
        heartbeat_at: Set(None),
        started_at: Set(None),
        finished_at: Set(None),
        created_at: Set(Utc::now()),
        failure: Set(None),
    })
    .exec_without_returning(db)
    .await?;
    let selects = scopes(workspace, selection)
        .into_iter()
        .map(|select| select.filter(lead::Column::PhoneE164.is_not_null()))
        .collect();
    let total = jobs::enqueue_leads::<number_check_item::Entity>(db, id, selects).await?;
    if total == 0 {
        return Err(AppError::field(
            "selection",
            "None of these leads has a valid phone number to check.",
        ));
    }
    number_check_job::Entity::update_many()
        .col_expr(
            number_check_job::Column::Total,
            Expr::val(i32::try_from(total).unwrap_or(i32::MAX)),
        )
        .filter(number_check_job::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok((id, total, sender))
}

/// Starts a check of the selected leads (see [`create_job`]) for a member who may send.
pub async fn start(
    svc: &Services,
    ctx: &TenantCtx,
    selection: &LeadSelection,
    meta: &RequestMeta,
) -> Result<NumberCheckJobDto, AppError> {
    ctx.require(Permission::Send)?;
    let workspace = ctx.workspace_id;
    let txn = crate::db::begin_write(&svc.db).await?;
    let (id, total, sender) = create_job(&txn, workspace, Some(ctx.user_id.0), selection).await?;
    audit::record(
        &txn,
        Some(workspace),
        Some(ctx.user_id),
        AuditAction::NumberCheckStarted,
        &format!(
            "{total} leads through {}: {}",
            sender.name,
            CheckScope::Selection(selection.clone()).describe()
        ),
        meta,
    )
    .await?;
    txn.commit().await?;
    svc.whatsapp.check_wakeup.notify_one();
    to_dto(&svc.db, find(&svc.db, workspace, id).await?).await
}

/// The job as the CLI reports it.
pub async fn progress(svc: &Services, id: Uuid) -> Result<NumberCheckJobDto, AppError> {
    let model = number_check_job::Entity::find_by_id(id)
        .one(&svc.db)
        .await?
        .ok_or(AppError::NotFound)?;
    to_dto(&svc.db, model).await
}

/// Claims job `id` for `worker` (the CLI runs the job it created itself).
pub async fn claim(db: &impl ConnectionTrait, id: Uuid, worker: &str) -> Result<bool, AppError> {
    jobs::claim::<number_check_job::Entity>(db, id, worker).await
}

/// One check of the workspace, with its progress.
pub async fn job(svc: &Services, ctx: &TenantCtx, id: Uuid) -> Result<NumberCheckJobDto, AppError> {
    to_dto(&svc.db, find(&svc.db, ctx.workspace_id, id).await?).await
}

/// The workspace's running or queued check, for pages that reattach to it.
pub async fn active(
    svc: &Services,
    ctx: &TenantCtx,
) -> Result<Option<NumberCheckJobDto>, AppError> {
    match active_model(&svc.db, ctx.workspace_id).await? {
        Some(model) => Ok(Some(to_dto(&svc.db, model).await?)),
        None => Ok(None),
    }
}

/// Cancels a check: at once when queued, after its current batch when running. What was
/// stored stays.
pub async fn cancel(
    svc: &Services,
    ctx: &TenantCtx,
    id: Uuid,
    meta: &RequestMeta,
) -> Result<NumberCheckJobDto, AppError> {
    ctx.require(Permission::Send)?;
    let current = find(&svc.db, ctx.workspace_id, id).await?;
    let now = Utc::now();
    let queued = number_check_job::Entity::update_many()
        .col_expr(
            number_check_job::Column::Status,
            Expr::val(VerifyJobStatus::Cancelled.as_str()),
        )
        .col_expr(number_check_job::Column::CancelRequested, Expr::val(true))
        .col_expr(number_check_job::Column::FinishedAt, Expr::val(now))
        .filter(number_check_job::Column::Id.eq(current.id))
        .filter(number_check_job::Column::Status.eq(jobs::QUEUED))
        .exec(&svc.db)
        .await?;
    if queued.rows_affected == 1 {
        drop_items(&svc.db, current.id).await?;
    } else {
        number_check_job::Entity::update_many()
            .col_expr(number_check_job::Column::CancelRequested, Expr::val(true))
            .filter(number_check_job::Column::Id.eq(current.id))
            .filter(number_check_job::Column::Status.eq(jobs::RUNNING))
            .exec(&svc.db)
            .await?;
    }
    audit::record(
        &svc.db,
        Some(ctx.workspace_id),
        Some(ctx.user_id),
        AuditAction::NumberCheckCancelled,
        &current.scope,
        meta,
    )
    .await?;
    job(svc, ctx, id).await
}

async fn drop_items(db: &impl ConnectionTrait, id: Uuid) -> Result<(), AppError> {
    number_check_item::Entity::delete_many()
        .filter(number_check_item::Column::JobId.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

async fn finish(
    db: &impl ConnectionTrait,
    id: Uuid,
    status: VerifyJobStatus,
    failure: Option<&str>,
) -> Result<VerifyJobStatus, AppError> {
    number_check_job::Entity::update_many()
        .col_expr(number_check_job::Column::Status, Expr::val(status.as_str()))
        .col_expr(
            number_check_job::Column::Failure,
            Expr::val(failure.map(|f| f.chars().take(500).collect::<String>())),
        )
        .col_expr(number_check_job::Column::FinishedAt, Expr::val(Utc::now()))
        .filter(number_check_job::Column::Id.eq(id))
        .exec(db)
        .await?;
    drop_items(db, id).await?;
    Ok(status)
}

pub async fn claim_next(db: &impl ConnectionTrait, worker: &str) -> Result<Option<Uuid>, AppError> {
    jobs::claim_next::<number_check_job::Entity>(db, worker).await
}

pub async fn requeue_stale(
    db: &impl ConnectionTrait,
    older_than: Duration,
) -> Result<u64, AppError> {
    jobs::requeue_stale::<number_check_job::Entity>(db, older_than).await
}

/// What one batch found, by lead.
#[derive(Default)]
struct Outcomes {
    on: Vec<Uuid>,
    off: Vec<Uuid>,
    failed: Vec<Uuid>,
    cached: i32,
    /// Fresh answers to remember, by number.
    answers: Vec<(String, bool)>,
}

/// Runs claimed job `id` to its end: batches of at most 100 numbers, the cache first, a pause
/// between provider calls, a heartbeat and the cancel flag per batch.
pub async fn run(svc: &Services, id: Uuid) -> Result<VerifyJobStatus, AppError> {
    let job = number_check_job::Entity::find_by_id(id)
        .one(&svc.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let workspace = WorkspaceId(job.workspace_id);
    let sender = match job.sender_id {
        Some(sender_id) => senders::find(&svc.db, workspace, sender_id).await.ok(),
        None => None,
    };
    let Some(sender) = sender else {
        return finish(
            &svc.db,
            id,
            VerifyJobStatus::Failed,
            Some("The sender checking the numbers was removed."),
        )
        .await;
    };
    let provider = svc.whatsapp.provider_for(&sender)?;
    // When the provider was last asked: calls are spaced by `check_pause`, and the last batch
    // does not wait for nothing.
    let mut last_asked: Option<std::time::Instant> = None;
    loop {
        jobs::heartbeat::<number_check_job::Entity>(&svc.db, id).await?;
        let state = number_check_job::Entity::find_by_id(id)
            .one(&svc.db)
            .await?
            .ok_or(AppError::NotFound)?;
        if state.cancel_requested {
            return finish(&svc.db, id, VerifyJobStatus::Cancelled, None).await;
        }
        if let Some(reason) = senders::find(&svc.db, workspace, sender.id)
            .await?
            .paused_reason
        {
            return finish(
                &svc.db,
                id,
                VerifyJobStatus::Failed,
                Some(&format!("{} was paused: {reason}", sender.name)),
            )
            .await;
        }
        let batch: Vec<(Uuid, Option<String>)> = number_check_item::Entity::find()
            .select_only()
            .column(number_check_item::Column::LeadId)
            .column_as(
                Expr::col((lead::Entity, lead::Column::PhoneE164)),
                "phone_e164",
            )
            .join(
                sea_orm::JoinType::InnerJoin,
                number_check_item::Entity::belongs_to(lead::Entity)
                    .from(number_check_item::Column::LeadId)
                    .to(lead::Column::Id)
                    .into(),
            )
            .filter(number_check_item::Column::JobId.eq(id))
            .order_by_asc(number_check_item::Column::LeadId)
            .limit(MAX_NUMBERS_PER_CHECK as u64)
            .into_tuple()
            .all(&svc.db)
            .await?;
        if batch.is_empty() {
            return finish(&svc.db, id, VerifyJobStatus::Done, None).await;
        }
        if let Some(at) = last_asked {
            tokio::time::sleep(svc.whatsapp.check_pause.saturating_sub(at.elapsed())).await;
        }
        let (outcomes, asked) = match check_batch(svc, workspace, provider.as_ref(), &batch).await {
            Ok(found) => found,
            Err(error) if error.pauses_sender() => {
                senders::pause_for(svc, &sender, &error).await?;
                return finish(
                    &svc.db,
                    id,
                    VerifyJobStatus::Failed,
                    Some(&provider_failure(&error)),
                )
                .await;
            }
            Err(error @ ProviderError::RateLimited { .. }) => {
                return finish(
                    &svc.db,
                    id,
                    VerifyJobStatus::Failed,
                    Some(&provider_failure(&error)),
                )
                .await;
            }
            Err(error) => {
                tracing::warn!(job = %id, %error, "a number-check batch failed");
                let failed = batch.iter().map(|(lead, _)| *lead).collect();
                (
                    Outcomes {
                        failed,
                        ..Outcomes::default()
                    },
                    true,
                )
            }
        };
        store_batch(svc, &job, &batch, outcomes).await?;
        if asked {
            last_asked = Some(std::time::Instant::now());
        }
    }
}

/// Answers a batch from the cache, asking the provider for the rest. `true` when it asked.
async fn check_batch(
    svc: &Services,
    workspace: WorkspaceId,
    provider: &dyn super::provider::Provider,
    batch: &[(Uuid, Option<String>)],
) -> Result<(Outcomes, bool), ProviderError> {
    let phones: HashSet<String> = batch.iter().filter_map(|(_, p)| p.clone()).collect();
    let fresh_after = Utc::now() - Duration::hours(CACHE_HOURS);
    let cached: HashMap<String, bool> = number_check::Entity::find()
        .filter(number_check::Column::WorkspaceId.eq(workspace.0))
        .filter(number_check::Column::PhoneE164.is_in(phones.iter().cloned()))
        .filter(number_check::Column::CheckedAt.gte(fresh_after))
        .all(&svc.db)
        .await
        .map_err(|e| ProviderError::Unreachable(format!("reading the cache: {e}")))?
        .into_iter()
        .map(|c| (c.phone_e164, c.on_whatsapp))
        .collect();
    let mut ask: Vec<String> = phones
        .iter()
        .filter(|p| !cached.contains_key(*p))
        .cloned()
        .collect();
    ask.sort();
    let mut answers: HashMap<String, bool> = HashMap::new();
    if !ask.is_empty() {
        let numbers: Vec<String> = ask.iter().map(|p| digits(p)).collect();
        let checks: Vec<NumberCheck> = with_backoff(4, std::time::Duration::from_secs(2), || {
            provider.check_numbers(&numbers)
        })
        .await?;
        let by_digits: HashMap<String, bool> = checks
            .into_iter()
            .map(|c| (c.number, c.on_whatsapp))
            .collect();
        for phone in &ask {
            if let Some(on) = by_digits.get(&digits(phone)) {
                answers.insert(phone.clone(), *on);
            }
        }
    }
    let mut outcomes = Outcomes::default();
    for (lead, phone) in batch {
        let answer = phone.as_ref().and_then(|p| {
            cached
                .get(p)
                .map(|on| (*on, true))
                .or_else(|| answers.get(p).map(|on| (*on, false)))
        });
        match answer {
            Some((on, from_cache)) => {
                if from_cache {
                    outcomes.cached += 1;
                }
                if on {
                    outcomes.on.push(*lead);
                } else {
                    outcomes.off.push(*lead);
                }
            }
            None => outcomes.failed.push(*lead),
        }
    }
    outcomes.answers = answers.into_iter().collect();
    Ok((outcomes, !ask.is_empty()))
}

/// Stores a batch in one transaction: the cache, each lead's status and time, a timeline entry
/// per lead, the batch's items gone and the job's counters — so what remains is what is left.
async fn store_batch(
    svc: &Services,
    job: &number_check_job::Model,
    batch: &[(Uuid, Option<String>)],
    outcomes: Outcomes,
) -> Result<(), AppError> {
    let now = Utc::now();
    let txn = crate::db::begin_write(&svc.db).await?;
    if !outcomes.answers.is_empty() {
        let rows = outcomes
            .answers
            .iter()
            .map(|(phone, on)| number_check::ActiveModel {
                workspace_id: Set(job.workspace_id),
                phone_e164: Set(phone.clone()),
                on_whatsapp: Set(*on),
                checked_at: Set(now),
            });
        number_check::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([
                    number_check::Column::WorkspaceId,
                    number_check::Column::PhoneE164,
                ])
                .update_columns([
                    number_check::Column::OnWhatsapp,
                    number_check::Column::CheckedAt,
                ])
                .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
    }
    let mut events = Vec::new();
    for (leads, status) in [
        (&outcomes.on, WhatsappStatus::OnWhatsapp),
        (&outcomes.off, WhatsappStatus::NotOnWhatsapp),
        (&outcomes.failed, WhatsappStatus::Error),
    ] {
        if leads.is_empty() {
            continue;
        }
        lead::Entity::update_many()
            .col_expr(lead::Column::WhatsappStatus, Expr::val(status.as_str()))
            .col_expr(lead::Column::WhatsappCheckedAt, Expr::val(now))
            .filter(lead::Column::WorkspaceId.eq(job.workspace_id))
            .filter(lead::Column::Id.is_in(leads.iter().copied()))
            .exec(&txn)
            .await?;
        events.extend(leads.iter().map(|lead| lead_event::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(job.workspace_id),
            lead_id: Set(*lead),
            kind: Set(TimelineKind::WhatsappChecked.as_str().to_owned()),
            detail: Set(status.label().to_owned()),
            actor_id: Set(None),
            created_at: Set(now),
        }));
    }
    if !events.is_empty() {
        lead_event::Entity::insert_many(events)
            .exec_without_returning(&txn)
            .await?;
    }
    number_check_item::Entity::delete_many()
        .filter(number_check_item::Column::JobId.eq(job.id))
        .filter(number_check_item::Column::LeadId.is_in(batch.iter().map(|(lead, _)| *lead)))
        .exec(&txn)
        .await?;
    let add = |column: number_check_job::Column, n: usize| {
        Expr::col(column).add(i32::try_from(n).unwrap_or(i32::MAX))
    };
    number_check_job::Entity::update_many()
        .col_expr(
            number_check_job::Column::Processed,
            add(number_check_job::Column::Processed, batch.len()),
        )
        .col_expr(
            number_check_job::Column::OnWhatsapp,
            add(number_check_job::Column::OnWhatsapp, outcomes.on.len()),
        )
        .col_expr(
            number_check_job::Column::NotOnWhatsapp,
            add(number_check_job::Column::NotOnWhatsapp, outcomes.off.len()),
        )
        .col_expr(
            number_check_job::Column::Failed,
            add(number_check_job::Column::Failed, outcomes.failed.len()),
        )
        .col_expr(
            number_check_job::Column::Cached,
            Expr::col(number_check_job::Column::Cached).add(outcomes.cached),
        )
        .filter(number_check_job::Column::Id.eq(job.id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}
