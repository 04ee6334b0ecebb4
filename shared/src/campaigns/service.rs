//! Campaign entry points: drafts (create, save, delete), the wizard's live helpers (audience
//! count, variant preview for a real recipient, test send, the launch review), launch, pause,
//! resume, cancel, "retry failed", and the campaign page's data. Each checks the role first;
//! every lookup is scoped by the workspace.

use super::model::{
    AudienceCount, CampaignDto, CampaignForm, CampaignKind, CampaignLive, CampaignState,
    CampaignStatus, CampaignSummary, CheckItem, LaunchReview, MAX_TEST_NUMBERS, RecipientCounts,
    RecipientPage, RecipientRow, RecipientState, SenderPanel, VariantChoice, VariantExtra,
    VariantPreview, variant_label,
};
use super::planner::{self, SenderCapacity, SenderPace};
use super::strategy::WorkingHours;
use super::{notify, store};
use crate::audit::{AuditAction, store as audit};
use crate::db::entities::{
    campaign, campaign_recipient, campaign_sender, lead, message, sender, template, workspace,
};
use crate::services::{RequestMeta, Services};
use crate::templates::{TemplateVariables, check_body, render::Template};
use crate::whatsapp::messages::{take_daily_slots, take_plan_slots};
use crate::whatsapp::provider::digits;
use crate::whatsapp::senders::{daily_cap, provider_failure};
use crate::whatsapp::{MessageStatus, ProviderKind, attachments, optout};
use crate::workspaces::{Permission, WorkingDays, service::TenantCtx, store as workspaces};
use crate::{AppError, FieldError, WorkspaceId};
use chrono::{DateTime, Utc};
use rand::Rng;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// Campaigns a list shows.
pub const LIST_LIMIT: u64 = 200;
/// Recipients per page of the campaign's table.
pub const RECIPIENT_PAGE: u64 = 50;

pub(super) async fn find(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: Uuid,
) -> Result<campaign::Model, AppError> {
    campaign::Entity::find_by_id(id)
        .filter(campaign::Column::WorkspaceId.eq(workspace.0))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

pub(crate) fn form_of(model: &campaign::Model) -> CampaignForm {
    serde_json::from_str(&model.form).unwrap_or_default()
}

fn status_of(model: &campaign::Model) -> CampaignStatus {
    CampaignStatus::parse(&model.status).unwrap_or(CampaignStatus::Draft)
}

/// Runs and counters: live while it runs; once it completed, the recorded totals with the
/// receipts read live (they keep arriving after the last send).
async fn tally_of(
    db: &impl ConnectionTrait,
    model: &campaign::Model,
) -> Result<store::Tally, AppError> {
    let live = store::tally(db, WorkspaceId(model.workspace_id), model.id).await?;
    Ok(settled(model, live))
}

/// `live` ([`store::tally`]) as [`tally_of`] reports it for `model`.
fn settled(model: &campaign::Model, live: store::Tally) -> store::Tally {
    if status_of(model) == CampaignStatus::Completed
        && let Some(totals) = model
            .totals
            .as_deref()
            .and_then(|t| serde_json::from_str::<RecipientCounts>(t).ok())
    {
        let counts = RecipientCounts {
            delivered: live.counts.delivered,
            read: live.counts.read,
            replied: live.counts.replied,
            undelivered: live.counts.undelivered,
            ..totals
        };
        return store::Tally { counts, ..live };
    }
    live
}

async fn to_dto(
    svc: &Services,
    ctx: &TenantCtx,
    ws: &workspace::Model,
    model: campaign::Model,
) -> Result<CampaignDto, AppError> {
    let form = form_of(&model);
    let status = status_of(&model);
    let store::Tally { runs, counts } = tally_of(&svc.db, &model).await?;
    let links: HashMap<Uuid, campaign_sender::Model> = campaign_sender::Entity::find()
        .filter(campaign_sender::Column::CampaignId.eq(model.id))
        .filter(campaign_sender::Column::WorkspaceId.eq(ws.id))
        .all(&svc.db)
        .await?
        .into_iter()
        .map(|l| (l.sender_id, l))
        .collect();
    let ids: Vec<Uuid> = if links.is_empty() {
        form.sender_ids.clone()
    } else {
        links.keys().copied().collect()
    };
    let senders = sender::Entity::find()
        .filter(sender::Column::WorkspaceId.eq(ws.id))
        .filter(sender::Column::Id.is_in(ids))
        .order_by_asc(sender::Column::CreatedAt)
        .all(&svc.db)
        .await?;
    let leases = store::leases(&svc.db, WorkspaceId(ws.id)).await?;
    let tz = ws.zone();
    let now = Utc::now();
    let today = crate::whatsapp::senders::local_day(ws);
    let mut panels = Vec::with_capacity(senders.len());
    for s in senders {
        let cap = daily_cap(ws, &s);
        let sent_today = crate::whatsapp::senders::sent_on(&s, &today);
        let skipped_reason = links.get(&s.id).and_then(|l| l.skipped_reason.clone());
        let decision = (status == CampaignStatus::Running
            && s.paused_reason.is_none()
            && skipped_reason.is_none())
        .then(|| {
            let mut pace: SenderPace = leases
                .get(&s.id)
                .and_then(|l| serde_json::from_str(&l.pace).ok())
                .unwrap_or_default();
            pace.day = Some(now.with_timezone(&tz).date_naive());
            pace.sent_today = sent_today;
            planner::next_send_at(&form.strategy, &pace, cap, now, &tz)
        })
        .flatten();
        panels.push(SenderPanel {
            id: s.id,
            name: s.name.clone(),
            display_number: s.display_number.clone(),
            sent_today,
            cap,
            next_at: decision.map(|d| d.at),
            wait: decision.map(|d| d.wait),
            connected: s.connected,
            paused_reason: s.paused_reason.clone(),
            skipped_reason,
        });
    }
    // The plan's messages a day used up: the dispatcher waits for the workspace's next day.
    let plan_notice = if status == CampaignStatus::Running {
        let plan = workspaces::plan(&svc.db, &ws.plan_code).await?;
        let room = super::dispatcher::plan_room(ws, &plan, now.with_timezone(&tz).date_naive());
        (room == Some(0)).then(|| {
            format!(
                "Today's messages are used up: the {} plan allows {} a day across the workspace. Sending continues after midnight ({}), or at once after an upgrade.",
                plan.name,
                crate::plans::format_limit(plan.max_messages_per_day),
                ws.timezone
            )
        })
    } else {
        None
    };
    let webhook_key = if ctx.require(Permission::CampaignsEdit).is_ok() {
        model.webhook_key_enc.as_deref().and_then(|enc| {
            svc.whatsapp
                .secrets
                .decrypt(&notify::key_context(model.id), enc)
                .ok()
        })
    } else {
        None
    };
    Ok(CampaignDto {
        id: model.id,
        form,
        state: CampaignState {
            status,
            paused_reason: model.paused_reason,
            run: u32::try_from(model.run).unwrap_or(0),
            next_run_at: model.next_run_at,
            counts,
            runs,
            senders: panels,
            plan_notice,
            webhook_key,
            created_at: model.created_at,
            launched_at: model.launched_at,
            completed_at: model.completed_at,
        },
    })
}

pub async fn list(svc: &Services, ctx: &TenantCtx) -> Result<Vec<CampaignSummary>, AppError> {
    let models = campaign::Entity::find()
        .filter(campaign::Column::WorkspaceId.eq(ctx.workspace_id.0))
        .order_by_desc(campaign::Column::CreatedAt)
        .limit(LIST_LIMIT)
        .all(&svc.db)
        .await?;
    // Every listed campaign's counters from one query.
    let ids: Vec<Uuid> = models.iter().map(|m| m.id).collect();
    let mut live = store::tallies(&svc.db, ctx.workspace_id, &ids).await?;
    let mut out = Vec::with_capacity(models.len());
    for model in models {
        let tally = live.remove(&model.id).unwrap_or_default();
        let counts = settled(&model, tally).counts;
        let form = form_of(&model);
        out.push(CampaignSummary {
            id: model.id,
            name: model.name.clone(),
            kind: CampaignKind::parse(&model.kind).unwrap_or_default(),
            status: status_of(&model),
            tags: form.tags,
            counts,
            created_at: model.created_at,
            launched_at: model.launched_at,
            completed_at: model.completed_at,
        });
    }
    Ok(out)
}

pub async fn get(svc: &Services, ctx: &TenantCtx, id: Uuid) -> Result<CampaignDto, AppError> {
    let ws = workspaces::find(&svc.db, ctx.workspace_id).await?;
    let model = find(&svc.db, ctx.workspace_id, id).await?;
    to_dto(svc, ctx, &ws, model).await
}

/// The name a draft is stored under (a draft may still have none).
fn draft_name(form: &CampaignForm) -> String {
    let name = form.name.trim();
    if name.is_empty() {
        "Untitled campaign".into()
    } else {
        name.chars().take(super::model::MAX_NAME_CHARS).collect()
    }
}

fn stored_form(form: &CampaignForm) -> Result<String, AppError> {
    serde_json::to_string(form).map_err(|e| AppError::internal("storing a campaign form", e))
}

/// `form` with every variant's `template_id` that is not one of the workspace's templates
/// dropped: the dispatcher copies it onto each message, and a message must only count toward
/// (and be reported under) a template of its own workspace. A template deleted since the
/// variant started from it is dropped the same way rather than refusing the save: the text
/// the variant holds is its own.
async fn with_own_templates(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    form: &CampaignForm,
) -> Result<CampaignForm, AppError> {
    let mut form = form.clone();
    let named: Vec<Uuid> = form.variants.iter().filter_map(|v| v.template_id).collect();
    if named.is_empty() {
        return Ok(form);
    }
    let own: Vec<Uuid> = template::Entity::find()
        .select_only()
        .column(template::Column::Id)
        .filter(template::Column::WorkspaceId.eq(workspace.0))
        .filter(template::Column::Id.is_in(named))
        .into_tuple()
        .all(db)
        .await?;
    for variant in &mut form.variants {
        variant.template_id = variant.template_id.filter(|id| own.contains(id));
    }
    Ok(form)
}

/// The wizard's form for a new campaign: sending within the workspace's working hours and
/// days (its settings), which the wizard also offers when "working hours" is ticked again.
pub async fn new_form(svc: &Services, ctx: &TenantCtx) -> Result<CampaignForm, AppError> {
    let ws = workspaces::find(&svc.db, ctx.workspace_id).await?;
    Ok(CampaignForm::new_draft(working_hours_of(&ws)))
}

/// The workspace's working hours as a campaign's sending window.
pub fn working_hours_of(ws: &workspace::Model) -> WorkingHours {
    WorkingHours::from_settings(
        ws.working_hours_start,
        ws.working_hours_end,
        WorkingDays(u8::try_from(ws.working_days).unwrap_or(0)),
    )
}

pub async fn create_draft(
    svc: &Services,
    ctx: &TenantCtx,
    form: &CampaignForm,
    meta: &RequestMeta,
) -> Result<CampaignDto, AppError> {
    ctx.require(Permission::CampaignsCreate)?;
    let ws = workspaces::find(&svc.db, ctx.workspace_id).await?;
    let form = &with_own_templates(&svc.db, ctx.workspace_id, form).await?;
    let now = Utc::now();
    let txn = crate::db::begin_write(&svc.db).await?;
    let model = campaign::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(ctx.workspace_id.0),
        name: Set(draft_name(form)),
        kind: Set(form.kind.as_str().into()),
        status: Set(CampaignStatus::Draft.as_str().into()),
        form: Set(stored_form(form)?),
        paused_reason: Set(None),
        run: Set(0),
        next_run_at: Set(None),
        webhook_key_enc: Set(None),
        created_by: Set(Some(ctx.user_id.0)),
        created_at: Set(now),
        updated_at: Set(now),
        launched_at: Set(None),
        completed_at: Set(None),
        totals: Set(None),
    }
    .insert(&txn)
    .await?;
    audit_in(&txn, ctx, AuditAction::CampaignCreated, &model.name, meta).await?;
    txn.commit().await?;
    to_dto(svc, ctx, &ws, model).await
}

async fn audit_in(
    db: &impl ConnectionTrait,
    ctx: &TenantCtx,
    action: AuditAction,
    name: &str,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    audit::record(
        db,
        Some(ctx.workspace_id),
        Some(ctx.user_id),
        action,
        &format!("\"{name}\""),
        meta,
    )
    .await
}

fn editable(model: &campaign::Model) -> Result<(), AppError> {
    if status_of(model) == CampaignStatus::Draft {
        Ok(())
    } else {
        Err(AppError::field(
            "name",
            "This campaign was launched; only drafts can be changed.",
        ))
    }
}

pub async fn save_draft(
    svc: &Services,
    ctx: &TenantCtx,
    id: Uuid,
    form: &CampaignForm,
    meta: &RequestMeta,
) -> Result<CampaignDto, AppError> {
    ctx.require(Permission::CampaignsEdit)?;
    let ws = workspaces::find(&svc.db, ctx.workspace_id).await?;
    let form = &with_own_templates(&svc.db, ctx.workspace_id, form).await?;
    // Read before the transaction: on SQLite a transaction that reads and then writes fails
    // at once (not after the busy timeout) when another writer committed in between.
    let model = find(&svc.db, ctx.workspace_id, id).await?;
    let txn = crate::db::begin_write(&svc.db).await?;
    editable(&model)?;
    let mut active: campaign::ActiveModel = model.into();
    active.name = Set(draft_name(form));
    active.kind = Set(form.kind.as_str().into());
    active.form = Set(stored_form(form)?);
    active.updated_at = Set(Utc::now());
    let model = active.update(&txn).await?;
    audit_in(&txn, ctx, AuditAction::CampaignUpdated, &model.name, meta).await?;
    txn.commit().await?;
    to_dto(svc, ctx, &ws, model).await
}

pub async fn delete_draft(
    svc: &Services,
    ctx: &TenantCtx,
    id: Uuid,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    ctx.require(Permission::CampaignsEdit)?;
    // Read before the transaction: on SQLite a transaction that reads and then writes fails
    // at once (not after the busy timeout) when another writer committed in between.
    let model = find(&svc.db, ctx.workspace_id, id).await?;
    let txn = crate::db::begin_write(&svc.db).await?;
    editable(&model)?;
    campaign::Entity::delete_many()
        .filter(campaign::Column::Id.eq(id))
        .filter(campaign::Column::WorkspaceId.eq(ctx.workspace_id.0))
        .exec(&txn)
        .await?;
    audit_in(&txn, ctx, AuditAction::CampaignDeleted, &model.name, meta).await?;
    txn.commit().await?;
    Ok(())
}

pub async fn count_audience(
    svc: &Services,
    ctx: &TenantCtx,
    audience: &super::model::Audience,
) -> Result<AudienceCount, AppError> {
    let ws = workspaces::find(&svc.db, ctx.workspace_id).await?;
    store::count(
        &svc.db,
        ctx.workspace_id,
        &ws.default_country,
        audience,
        None,
        Utc::now(),
    )
    .await
}

/// Everything a launch needs that the form alone cannot tell: templates parse against the
/// workspace's variables, senders and attachments are the workspace's, location and contact
/// cards only go through the Cloud API. Returns the parsed templates and the senders.
async fn check_launchable(
    svc: &Services,
    ctx: &TenantCtx,
    form: &CampaignForm,
) -> Result<Vec<sender::Model>, AppError> {
    let mut errors: Vec<FieldError> = match form.check(Utc::now()) {
        Ok(()) => vec![],
        Err(AppError::Validation(errors)) => errors,
        Err(other) => return Err(other),
    };
    let variables = crate::templates::service::variables(&svc.db, ctx.workspace_id).await?;
    let senders = sender::Entity::find()
        .filter(sender::Column::WorkspaceId.eq(ctx.workspace_id.0))
        .filter(sender::Column::Id.is_in(form.sender_ids.iter().copied()))
        .all(&svc.db)
        .await?;
    if senders.len() != form.sender_ids.len() && !form.sender_ids.is_empty() {
        errors.push(FieldError::new(
            "sender_ids",
            "One of the chosen senders is no longer here; choose again.",
        ));
    }
    let all_cloud = senders
        .iter()
        .all(|s| ProviderKind::parse(&s.provider) == Some(ProviderKind::CloudApi));
    for (i, variant) in form.variants.iter().enumerate() {
        let field = format!("variants.{i}");
        let label = variant_label(variant, i);
        if variant.extra == VariantExtra::None
            && !variant.body.trim().is_empty()
            && let Err(message) = check_body(&variant.body, &variables)
        {
            errors.push(FieldError::new(
                &field,
                format!("Variant {label}: {message}"),
            ));
        }
        if variant.extra != VariantExtra::None && !all_cloud {
            errors.push(FieldError::new(
                &field,
                format!(
                    "Variant {label}: locations and contact cards go through the WhatsApp Cloud API only; choose Cloud API senders or send text."
                ),
            ));
        }
        if let Some(file) = variant.attachment
            && attachments::find(&svc.db, ctx.workspace_id, file)
                .await
                .is_err()
        {
            errors.push(FieldError::new(
                &field,
                format!("Variant {label}: the attachment is no longer here; attach it again."),
            ));
        }
    }
    if let super::model::AudienceSource::Segment(id) = &form.audience.source
        && crate::segments::store::find(&svc.db, ctx.workspace_id, *id)
            .await
            .is_err()
    {
        errors.push(FieldError::new(
            "audience",
            "That segment is no longer here.",
        ));
    }
    if errors.is_empty() {
        Ok(senders)
    } else {
        Err(AppError::Validation(errors))
    }
}

/// The first eligible lead of the audience that would get `variant`.
async fn sample_lead(
    svc: &Services,
    ws: &workspace::Model,
    form: &CampaignForm,
    variant: usize,
) -> Result<Option<lead::Model>, AppError> {
    let workspace = WorkspaceId(ws.id);
    let named = store::named(
        &svc.db,
        workspace,
        &ws.default_country,
        &form.audience.source,
    )
    .await?;
    let mut select = store::eligible(workspace, named.select, &form.audience, None, Utc::now());
    if form.variant_choice == VariantChoice::ByWebsiteStatus
        && let Some(v) = form.variants.get(variant)
        && !v.website_statuses.is_empty()
    {
        select = select.filter(
            lead::Column::WebsiteStatus.is_in(v.website_statuses.iter().map(|s| s.as_str())),
        );
    }
    Ok(select.order_by_asc(lead::Column::Id).one(&svc.db).await?)
}

fn render(template: &Template, values: &BTreeMap<String, String>) -> String {
    template.render(&|key| values.get(key).cloned(), &mut |n| {
        rand::rng().random_range(0..n.max(1))
    })
}

fn parse_variant(
    form: &CampaignForm,
    variant: usize,
    variables: &TemplateVariables,
) -> Result<Template, AppError> {
    let v = form
        .variants
        .get(variant)
        .ok_or_else(|| AppError::field("variants", "That variant is no longer here."))?;
    check_body(&v.body, variables).map_err(|message| {
        AppError::field(
            format!("variants.{variant}"),
            format!("Variant {}: {message}", variant_label(v, variant)),
        )
    })
}

pub async fn preview_variant(
    svc: &Services,
    ctx: &TenantCtx,
    form: &CampaignForm,
    variant: usize,
) -> Result<VariantPreview, AppError> {
    let ws = workspaces::find(&svc.db, ctx.workspace_id).await?;
    let variables = crate::templates::service::variables(&svc.db, ctx.workspace_id).await?;
    let template = parse_variant(form, variant, &variables)?;
    let lead = sample_lead(svc, &ws, form, variant).await?;
    let values = lead
        .as_ref()
        .map(crate::templates::service::lead_values)
        .unwrap_or_default();
    Ok(VariantPreview {
        text: render(&template, &values),
        missing: template
            .variables_without_fallback()
            .into_iter()
            .filter(|key| !values.contains_key(key))
            .collect(),
        lead_name: lead.map(|l| l.name),
    })
}

/// Sends variant `variant`, rendered for the audience's first recipient, to 1–5 numbers from
/// the campaign's first sender that is not paused: the same messages the campaign sends (the
/// file with the text as its caption; a pin or card after its text), the text marked
/// "[Test]". Test sends are not campaign messages, but they leave the user's number like any
/// other: each number takes a slot of the sender's daily cap and of the plan's messages a day,
/// all of them or none.
pub async fn test_send(
    svc: &Services,
    ctx: &TenantCtx,
    form: &CampaignForm,
    variant: usize,
    numbers: &str,
) -> Result<String, AppError> {
    ctx.require(Permission::Send)?;
    let ws = workspaces::find(&svc.db, ctx.workspace_id).await?;
    let (phones, invalid, _) = store::parse_numbers(numbers, &ws.default_country);
    if invalid > 0 || phones.is_empty() || phones.len() > MAX_TEST_NUMBERS {
        return Err(AppError::field(
            "test_numbers",
            format!(
                "Enter 1 to {MAX_TEST_NUMBERS} valid numbers, with the country code when they are abroad."
            ),
        ));
    }
    let variables = crate::templates::service::variables(&svc.db, ctx.workspace_id).await?;
    let template = parse_variant(form, variant, &variables);
    let chosen = form.variants.get(variant);
    // A file or a card may go without text, as in the campaign (`variant_content` says when
    // there is nothing to send); a text that is there must parse.
    let template = match template {
        Ok(template) => Some(template),
        Err(_)
            if chosen.is_some_and(|v| {
                v.body.trim().is_empty()
                    && (v.attachment.is_some() || v.extra != VariantExtra::None)
            }) =>
        {
            None
        }
        Err(error) => return Err(error),
    };
    let file = match chosen.and_then(|v| v.attachment) {
        Some(id) => Some(attachments::find(&svc.db, ctx.workspace_id, id).await?),
        None => None,
    };
    // The Message step comes before the Strategy step names the campaign's senders: until
    // then the workspace's first number that is not paused sends the test.
    let mut candidates = sender::Entity::find()
        .filter(sender::Column::WorkspaceId.eq(ctx.workspace_id.0))
        .filter(sender::Column::PausedReason.is_null());
    if !form.sender_ids.is_empty() {
        candidates = candidates.filter(sender::Column::Id.is_in(form.sender_ids.iter().copied()));
    }
    let sender = candidates
        .order_by_asc(sender::Column::CreatedAt)
        .one(&svc.db)
        .await?
        .ok_or_else(|| {
            AppError::field(
                "test_numbers",
                if form.sender_ids.is_empty() {
                    "Connect a WhatsApp number (Senders) that is not paused to send a test."
                } else {
                    "Choose a sender that is not paused (Strategy step) to send a test."
                },
            )
        })?;
    let provider = svc.whatsapp.provider_for(&sender)?;
    let lead = sample_lead(svc, &ws, form, variant).await?;
    let values = lead
        .as_ref()
        .map(crate::templates::service::lead_values)
        .unwrap_or_default();
    let text = template
        .as_ref()
        .map(|t| render(t, &values))
        .unwrap_or_default();
    // An empty text stays empty, so a card without text is tested as the card alone.
    let text = if text.trim().is_empty() {
        text
    } else {
        format!("[Test] {text}")
    };
    let now = Utc::now();
    let content = super::dispatcher::variant_content(svc, chosen, file.as_ref(), &text, now);
    let message = content
        .message
        .map_err(|error| AppError::field("test_numbers", provider_failure(&error)))?;
    take_test_slots(svc, &ws, &sender, phones.len()).await?;
    for phone in &phones {
        let to = digits(phone);
        for content in content.lead_in.iter().chain(std::iter::once(&message)) {
            provider
                .send(&to, content)
                .await
                .map_err(|error| AppError::field("test_numbers", provider_failure(&error)))?;
        }
    }
    Ok(format!(
        "Test sent from {} to {}.",
        sender.name,
        phones.join(", ")
    ))
}

/// Counts a test to `numbers` numbers against the sender's daily cap and the plan's messages
/// a day, as one-to-one sends count (a pin and its text count once, as in a campaign), or
/// refuses it naming what is full.
async fn take_test_slots(
    svc: &Services,
    ws: &workspace::Model,
    sender: &sender::Model,
    numbers: usize,
) -> Result<(), AppError> {
    let n = u32::try_from(numbers).unwrap_or(u32::MAX);
    let cap = daily_cap(ws, sender);
    let plan = workspaces::plan(&svc.db, &ws.plan_code).await?;
    let plan_cap = plan.limit(crate::plans::Limit::MessagesPerDay);
    let today = crate::whatsapp::senders::local_day(ws);
    // The two counts move together or not at all.
    let txn = crate::db::begin_write(&svc.db).await?;
    if !take_daily_slots(&txn, sender.id, &today, n, Some(cap)).await? {
        txn.rollback().await?;
        let left = cap.saturating_sub(crate::whatsapp::senders::sent_on(sender, &today));
        let test = if n == 1 {
            "a test to 1 number needs 1".to_owned()
        } else {
            format!("a test to {n} numbers needs {n}")
        };
        return Err(AppError::field(
            "test_numbers",
            format!(
                "{} has {left} of its {cap} messages left today and {test}; the daily cap protects the number. Test fewer numbers, choose another sender or try tomorrow.",
                sender.name
            ),
        ));
    }
    if !take_plan_slots(&txn, WorkspaceId(ws.id), &today, n, plan_cap).await? {
        txn.rollback().await?;
        return Err(plan.daily_messages_used(plan_cap.map_or(0, u64::from)));
    }
    txn.commit().await?;
    Ok(())
}

pub async fn review(
    svc: &Services,
    ctx: &TenantCtx,
    form: &CampaignForm,
) -> Result<LaunchReview, AppError> {
    let ws = workspaces::find(&svc.db, ctx.workspace_id).await?;
    let now = Utc::now();
    let audience = store::count(
        &svc.db,
        ctx.workspace_id,
        &ws.default_country,
        &form.audience,
        None,
        now,
    )
    .await?;
    let senders = sender::Entity::find()
        .filter(sender::Column::WorkspaceId.eq(ctx.workspace_id.0))
        .filter(sender::Column::Id.is_in(form.sender_ids.iter().copied()))
        .all(&svc.db)
        .await?;
    let today = crate::whatsapp::senders::local_day(&ws);
    let usable: Vec<&sender::Model> = senders
        .iter()
        .filter(|s| s.paused_reason.is_none())
        .collect();
    let capacities: Vec<SenderCapacity> = usable
        .iter()
        .map(|s| SenderCapacity {
            cap: daily_cap(&ws, s),
            sent_today: crate::whatsapp::senders::sent_on(s, &today),
        })
        .collect();
    // A one-time campaign starts at launch, whatever date the form kept from another type.
    let start = form
        .start_at
        .filter(|at| *at > now && form.kind.needs_start())
        .unwrap_or(now);
    // The plan's messages a day are shared by every sender (and one-to-one sends).
    let tz = ws.zone();
    let plan = workspaces::plan(&svc.db, &ws.plan_code).await?;
    let plan_capacity = plan.limit(crate::plans::Limit::MessagesPerDay).map(|cap| {
        let room = super::dispatcher::plan_room(&ws, &plan, start.with_timezone(&tz).date_naive())
            .map_or(cap, |room| u32::try_from(room).unwrap_or(cap));
        SenderCapacity {
            cap,
            sent_today: cap.saturating_sub(room),
        }
    });
    let estimate = planner::estimate_duration(
        &form.strategy,
        audience.eligible,
        &capacities,
        plan_capacity,
        start,
        &tz,
    );
    let keywords = optout::keywords(ws.opt_out_keywords.as_deref());
    let tells_opt_out = !form.variants.is_empty()
        && form.variants.iter().all(|v| {
            let upper = v.body.to_uppercase();
            keywords.iter().any(|k| upper.contains(&k.to_uppercase()))
        });
    let checklist = vec![
        CheckItem {
            label: format!(
                "Opted-out leads are left out ({} in this audience) and are re-checked before every message.",
                audience.opted_out
            ),
            ok: true,
            required: true,
        },
        CheckItem {
            label: format!(
                "Every message tells people how to opt out (e.g. “Reply {} to opt out”).",
                keywords.first().map_or("STOP", String::as_str)
            ),
            ok: tells_opt_out,
            required: false,
        },
        CheckItem {
            label: format!("{} recipients to message.", audience.eligible),
            ok: audience.eligible > 0 || form.kind.is_recurring(),
            required: true,
        },
        CheckItem {
            label: "The chosen senders are connected and not paused.".into(),
            ok: !usable.is_empty() && usable.iter().all(|s| s.connected != Some(false)),
            required: false,
        },
        CheckItem {
            label: "Sending keeps to working hours and daily caps (the anti-ban defaults).".into(),
            ok: form.strategy.working_hours.is_some() && form.strategy.respect_daily_cap,
            required: false,
        },
    ];
    Ok(LaunchReview {
        audience,
        estimate,
        checklist,
    })
}

pub async fn launch(
    svc: &Services,
    ctx: &TenantCtx,
    id: Uuid,
    form: &CampaignForm,
    meta: &RequestMeta,
) -> Result<CampaignDto, AppError> {
    ctx.require(Permission::CampaignsLaunch)?;
    let ws = workspaces::find(&svc.db, ctx.workspace_id).await?;
    editable(&find(&svc.db, ctx.workspace_id, id).await?)?;
    let senders = check_launchable(svc, ctx, form).await?;
    let form = &with_own_templates(&svc.db, ctx.workspace_id, form).await?;
    let now = Utc::now();
    // Read before the transaction: on SQLite a transaction that reads and then writes fails
    // at once (not after the busy timeout) when another writer committed in between.
    let model = find(&svc.db, ctx.workspace_id, id).await?;
    let txn = crate::db::begin_write(&svc.db).await?;
    editable(&model)?;
    let key = form
        .notify
        .webhook_url
        .as_deref()
        .filter(|u| !u.trim().is_empty())
        .map(|_| {
            svc.whatsapp.secrets.encrypt(
                &notify::key_context(model.id),
                &crate::crypto::random_token(32),
            )
        });
    let starts_now = form.kind == CampaignKind::OneTime;
    let mut active: campaign::ActiveModel = model.clone().into();
    active.name = Set(form.name.trim().to_owned());
    active.kind = Set(form.kind.as_str().into());
    active.form = Set(stored_form(form)?);
    active.webhook_key_enc = Set(key);
    active.updated_at = Set(now);
    if starts_now {
        active.status = Set(CampaignStatus::Running.as_str().into());
        active.run = Set(1);
        active.launched_at = Set(Some(now));
    } else {
        active.status = Set(CampaignStatus::Scheduled.as_str().into());
        active.next_run_at = Set(form.start_at);
    }
    let model = active.update(&txn).await?;
    for s in &senders {
        campaign_sender::ActiveModel {
            campaign_id: Set(model.id),
            sender_id: Set(s.id),
            workspace_id: Set(ctx.workspace_id.0),
            consecutive_failures: Set(0),
            skipped_reason: Set(None),
        }
        .insert(&txn)
        .await?;
    }
    if starts_now {
        let created = store::materialise(&txn, &model, form, &ws.default_country, 1, now).await?;
        if created == 0 {
            return Err(AppError::field(
                "audience",
                "No lead in this audience can be messaged now (see the exclusions in Recipients).",
            ));
        }
    }
    audit_in(&txn, ctx, AuditAction::CampaignLaunched, &model.name, meta).await?;
    txn.commit().await?;
    svc.whatsapp.campaign_wakeup.notify_one();
    to_dto(svc, ctx, &ws, model).await
}

/// Moves the campaign from one of `from` to `to` (conditional, so a race has one winner).
async fn transition(
    db: &impl ConnectionTrait,
    model: &campaign::Model,
    from: &[CampaignStatus],
    to: CampaignStatus,
    paused_reason: Option<String>,
) -> Result<bool, AppError> {
    let now = Utc::now();
    Ok(campaign::Entity::update_many()
        .col_expr(campaign::Column::Status, Expr::value(to.as_str()))
        .col_expr(campaign::Column::PausedReason, Expr::value(paused_reason))
        .col_expr(campaign::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            campaign::Column::CompletedAt,
            Expr::value(to.is_final().then_some(now)),
        )
        .filter(campaign::Column::Id.eq(model.id))
        .filter(campaign::Column::WorkspaceId.eq(model.workspace_id))
        .filter(campaign::Column::Status.is_in(from.iter().map(|s| s.as_str())))
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

fn cannot(what: &str, status: CampaignStatus) -> AppError {
    AppError::field(
        "status",
        format!(
            "A {} campaign cannot be {what}.",
            status.label().to_lowercase()
        ),
    )
}

pub async fn pause(
    svc: &Services,
    ctx: &TenantCtx,
    id: Uuid,
    meta: &RequestMeta,
) -> Result<CampaignDto, AppError> {
    ctx.require(Permission::CampaignsPause)?;
    let ws = workspaces::find(&svc.db, ctx.workspace_id).await?;
    let model = find(&svc.db, ctx.workspace_id, id).await?;
    let who = workspaces::user_name(&svc.db, ctx.user_id).await?;
    let reason = format!("Paused by {who}.");
    if !transition(
        &svc.db,
        &model,
        &[CampaignStatus::Running, CampaignStatus::Scheduled],
        CampaignStatus::Paused,
        Some(reason),
    )
    .await?
    {
        return Err(cannot("paused", status_of(&model)));
    }
    audit_in(&svc.db, ctx, AuditAction::CampaignPaused, &model.name, meta).await?;
    get_in(svc, ctx, &ws, id).await
}

async fn get_in(
    svc: &Services,
    ctx: &TenantCtx,
    ws: &workspace::Model,
    id: Uuid,
) -> Result<CampaignDto, AppError> {
    let model = find(&svc.db, ctx.workspace_id, id).await?;
    to_dto(svc, ctx, ws, model).await
}

pub async fn resume(
    svc: &Services,
    ctx: &TenantCtx,
    id: Uuid,
    meta: &RequestMeta,
) -> Result<CampaignDto, AppError> {
    ctx.require(Permission::CampaignsPause)?;
    let ws = workspaces::find(&svc.db, ctx.workspace_id).await?;
    let model = find(&svc.db, ctx.workspace_id, id).await?;
    // A campaign paused before its (next) run waits for it again; one paused mid-run sends on.
    let to = if model.run == 0
        || (model.next_run_at.is_some() && !store::has_open(&svc.db, id).await?)
    {
        CampaignStatus::Scheduled
    } else {
        CampaignStatus::Running
    };
    if !transition(&svc.db, &model, &[CampaignStatus::Paused], to, None).await? {
        return Err(cannot("resumed", status_of(&model)));
    }
    audit_in(
        &svc.db,
        ctx,
        AuditAction::CampaignResumed,
        &model.name,
        meta,
    )
    .await?;
    svc.whatsapp.campaign_wakeup.notify_one();
    get_in(svc, ctx, &ws, id).await
}

pub async fn cancel(
    svc: &Services,
    ctx: &TenantCtx,
    id: Uuid,
    meta: &RequestMeta,
) -> Result<CampaignDto, AppError> {
    ctx.require(Permission::CampaignsCancel)?;
    let ws = workspaces::find(&svc.db, ctx.workspace_id).await?;
    // Read before the transaction: on SQLite a transaction that reads and then writes fails
    // at once (not after the busy timeout) when another writer committed in between.
    let model = find(&svc.db, ctx.workspace_id, id).await?;
    let txn = crate::db::begin_write(&svc.db).await?;
    if !transition(
        &txn,
        &model,
        &[
            CampaignStatus::Running,
            CampaignStatus::Scheduled,
            CampaignStatus::Paused,
        ],
        CampaignStatus::Cancelled,
        None,
    )
    .await?
    {
        return Err(cannot("cancelled", status_of(&model)));
    }
    // Messages in flight finish; nobody else is messaged.
    campaign_recipient::Entity::update_many()
        .col_expr(
            campaign_recipient::Column::State,
            Expr::value(RecipientState::Skipped.as_str()),
        )
        .col_expr(
            campaign_recipient::Column::ErrorCode,
            Expr::value("cancelled"),
        )
        .col_expr(
            campaign_recipient::Column::ErrorText,
            Expr::value("The campaign was cancelled before this message."),
        )
        .col_expr(
            campaign_recipient::Column::UpdatedAt,
            Expr::value(Utc::now()),
        )
        .filter(campaign_recipient::Column::CampaignId.eq(id))
        .filter(campaign_recipient::Column::WorkspaceId.eq(ctx.workspace_id.0))
        .filter(campaign_recipient::Column::State.eq(RecipientState::Pending.as_str()))
        .exec(&txn)
        .await?;
    audit_in(&txn, ctx, AuditAction::CampaignCancelled, &model.name, meta).await?;
    txn.commit().await?;
    let model = find(&svc.db, ctx.workspace_id, id).await?;
    // The cancel is committed: a bell that cannot be written is logged, not turned into an
    // error for a request that did what it was asked.
    if let Err(error) = notify::tell(
        svc,
        &model,
        &format!("Campaign “{}” was cancelled.", model.name),
    )
    .await
    {
        tracing::warn!(campaign = %model.id, %error, "cancellation notification not stored");
    }
    to_dto(svc, ctx, &ws, model).await
}

/// Puts failed recipients — refused when sent, or reported failed afterwards — (and, when
/// asked, those whose outcome is unknown: the user has checked they did not get it) back in
/// the queue with their attempts reset. A message reported failed stays as it was; the
/// recipient's next attempt is a new message.
pub async fn retry_failed(
    svc: &Services,
    ctx: &TenantCtx,
    id: Uuid,
    include_unknown: bool,
    meta: &RequestMeta,
) -> Result<CampaignDto, AppError> {
    ctx.require(Permission::CampaignsLaunch)?;
    let ws = workspaces::find(&svc.db, ctx.workspace_id).await?;
    // Read before the transaction: on SQLite a transaction that reads and then writes fails
    // at once (not after the busy timeout) when another writer committed in between.
    let model = find(&svc.db, ctx.workspace_id, id).await?;
    let txn = crate::db::begin_write(&svc.db).await?;
    let status = status_of(&model);
    if matches!(status, CampaignStatus::Draft | CampaignStatus::Cancelled) {
        return Err(cannot("retried", status));
    }
    let retried = campaign_recipient::Entity::update_many()
        .col_expr(
            campaign_recipient::Column::State,
            Expr::value(RecipientState::Pending.as_str()),
        )
        .col_expr(campaign_recipient::Column::Attempts, Expr::value(0))
        .col_expr(
            campaign_recipient::Column::NextAttemptAt,
            Expr::value(None::<DateTime<Utc>>),
        )
        .col_expr(
            campaign_recipient::Column::UpdatedAt,
            Expr::value(Utc::now()),
        )
        .filter(campaign_recipient::Column::CampaignId.eq(id))
        .filter(campaign_recipient::Column::WorkspaceId.eq(ctx.workspace_id.0))
        .filter(store::retryable(include_unknown))
        .exec(&txn)
        .await?
        .rows_affected;
    if retried == 0 {
        return Err(AppError::field(
            "status",
            "There is no failed message to retry.",
        ));
    }
    if status == CampaignStatus::Completed {
        transition(
            &txn,
            &model,
            &[CampaignStatus::Completed],
            CampaignStatus::Running,
            None,
        )
        .await?;
    }
    // Senders taken out of the rotation get another chance.
    campaign_sender::Entity::update_many()
        .col_expr(campaign_sender::Column::ConsecutiveFailures, Expr::value(0))
        .col_expr(
            campaign_sender::Column::SkippedReason,
            Expr::value(None::<String>),
        )
        .filter(campaign_sender::Column::CampaignId.eq(id))
        .filter(campaign_sender::Column::WorkspaceId.eq(ctx.workspace_id.0))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        Some(ctx.workspace_id),
        Some(ctx.user_id),
        AuditAction::CampaignRetried,
        &format!("\"{}\": {retried} messages", model.name),
        meta,
    )
    .await?;
    txn.commit().await?;
    svc.whatsapp.campaign_wakeup.notify_one();
    get_in(svc, ctx, &ws, id).await
}

/// Why a recipient did not get its message, the same on the page and in the report: the
/// recipient's own error (a refused send, an unknown outcome, an opt-out), else its message's
/// (a failed receipt after it went, which the provider reports on the message).
pub(super) fn failure_reason(
    row: &campaign_recipient::Model,
    message: Option<&message::Model>,
) -> Option<String> {
    row.error_text
        .clone()
        .or_else(|| message.and_then(|m| m.error_text.clone()))
}

/// The leads and the messages of recipient `rows`, by id (the workspace's only).
pub(super) async fn leads_and_messages(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    rows: &[campaign_recipient::Model],
) -> Result<(HashMap<Uuid, lead::Model>, HashMap<Uuid, message::Model>), AppError> {
    let leads = lead::Entity::find()
        .filter(lead::Column::WorkspaceId.eq(workspace.0))
        .filter(lead::Column::Id.is_in(rows.iter().map(|r| r.lead_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect();
    let messages = message::Entity::find()
        .filter(message::Column::WorkspaceId.eq(workspace.0))
        .filter(message::Column::Id.is_in(rows.iter().filter_map(|r| r.message_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    Ok((leads, messages))
}

pub async fn recipients(
    svc: &Services,
    ctx: &TenantCtx,
    id: Uuid,
    state: Option<RecipientState>,
    after: Option<i64>,
) -> Result<RecipientPage, AppError> {
    let model = find(&svc.db, ctx.workspace_id, id).await?;
    let form = form_of(&model);
    let mut query = campaign_recipient::Entity::find()
        .filter(campaign_recipient::Column::CampaignId.eq(id))
        .filter(campaign_recipient::Column::WorkspaceId.eq(ctx.workspace_id.0));
    query = match state {
        // "Failed" lists what "retry failed" sends again: a message that failed after it went
        // is as failed to the user as one the provider refused.
        Some(RecipientState::Failed) => query.filter(store::retryable(false)),
        Some(state) => query.filter(campaign_recipient::Column::State.eq(state.as_str())),
        None => query,
    };
    if let Some(after) = after {
        query = query.filter(campaign_recipient::Column::Position.gt(after));
    }
    let rows = query
        .order_by_asc(campaign_recipient::Column::Position)
        .limit(RECIPIENT_PAGE + 1)
        .all(&svc.db)
        .await?;
    let more = rows.len() as u64 > RECIPIENT_PAGE;
    let rows: Vec<_> = rows.into_iter().take(RECIPIENT_PAGE as usize).collect();
    let (leads, messages) = leads_and_messages(&svc.db, ctx.workspace_id, &rows).await?;
    let names: HashMap<Uuid, String> = sender::Entity::find()
        .select_only()
        .column(sender::Column::Id)
        .column(sender::Column::Name)
        .filter(sender::Column::WorkspaceId.eq(ctx.workspace_id.0))
        .into_tuple::<(Uuid, String)>()
        .all(&svc.db)
        .await?
        .into_iter()
        .collect();
    let next = more.then(|| rows.last().map(|r| r.position)).flatten();
    Ok(RecipientPage {
        rows: rows
            .into_iter()
            .map(|r| {
                let lead = leads.get(&r.lead_id);
                let index = usize::try_from(r.variant).unwrap_or(0);
                RecipientRow {
                    position: r.position,
                    lead_id: r.lead_id,
                    lead_name: lead.map(|l| l.name.clone()).unwrap_or_default(),
                    phone: lead.and_then(|l| l.phone_e164.clone()).unwrap_or_default(),
                    variant: form.label_of(index),
                    state: RecipientState::parse(&r.state).unwrap_or(RecipientState::Unknown),
                    delivery: r
                        .message_id
                        .and_then(|m| messages.get(&m))
                        .and_then(|m| MessageStatus::parse(&m.status)),
                    attempts: u32::try_from(r.attempts).unwrap_or(0),
                    sender_name: r.sender_id.and_then(|s| names.get(&s).cloned()),
                    error: failure_reason(&r, r.message_id.and_then(|m| messages.get(&m))),
                    updated_at: r.updated_at,
                }
            })
            .collect(),
        next,
    })
}

/// The campaign as the live page shows it and its event stream sends it.
pub async fn live(svc: &Services, ctx: &TenantCtx, id: Uuid) -> Result<CampaignLive, AppError> {
    get(svc, ctx, id).await.map(CampaignLive::from)
}

/// The campaign as the live page's event stream sends it, or `None` once it is gone.
pub async fn snapshot(
    svc: &Services,
    ctx: &TenantCtx,
    id: Uuid,
) -> Result<Option<CampaignLive>, AppError> {
    match live(svc, ctx, id).await {
        Ok(live) => Ok(Some(live)),
        Err(AppError::NotFound) => Ok(None),
        Err(other) => Err(other),
    }
}
