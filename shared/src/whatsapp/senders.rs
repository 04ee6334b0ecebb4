//! Senders: a workspace's WhatsApp numbers. Owners and admins add, edit, pause and remove them
//! (credentials encrypted at once, never sent back); anyone who may send checks their status and
//! sends a test message. Daily counts reset on the workspace's local day.

use super::channel::{secret_context, webhook_url};
use super::provider::{Content, ProviderError, digits};
use super::{MAX_MESSAGE_CHARS, ProviderKind, SenderCreated, SenderDto, SenderInput, Warmup};
use crate::audit::{AuditAction, store as audit};
use crate::db::entities::{message, sender, workspace};
use crate::error::FieldError;
use crate::leads::normalize_phone;
use crate::plans::Limit;
use crate::services::{RequestMeta, Services};
use crate::workspaces::{Permission, service::TenantCtx, store as workspaces};
use crate::{AppError, WorkspaceId};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

/// How many recent sends a sender's health looks at.
pub const HEALTH_WINDOW: u64 = 20;
/// The largest daily cap a sender may be given by hand.
pub const MAX_DAILY_CAP: u32 = 5_000;

pub async fn find(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: Uuid,
) -> Result<sender::Model, AppError> {
    sender::Entity::find_by_id(id)
        .filter(sender::Column::WorkspaceId.eq(workspace.0))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// The sender a webhook names, whatever its workspace: webhooks carry no session, so the
/// sender id in the URL *is* the tenant lookup (its signature is checked next). One of the
/// named exceptions to workspace-scoped lookups.
pub async fn find_for_webhook(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<sender::Model>, AppError> {
    Ok(sender::Entity::find_by_id(id).one(db).await?)
}

/// The workspace-local date, `YYYY-MM-DD`, that daily counts belong to.
pub fn local_day(ws: &workspace::Model) -> String {
    let tz = ws.zone();
    Utc::now().with_timezone(&tz).format("%Y-%m-%d").to_string()
}

/// Messages the sender sent on the workspace's local day `today` (`local_day`).
pub fn sent_on(model: &sender::Model, today: &str) -> u32 {
    if model.sent_day.as_deref() == Some(today) {
        u32::try_from(model.sent_today).unwrap_or(0)
    } else {
        0
    }
}

pub fn daily_cap(ws: &workspace::Model, model: &sender::Model) -> u32 {
    let default = match Warmup::parse(&model.warmup) {
        Some(Warmup::Warmed) => ws.daily_limit_warmed_sender,
        _ => ws.daily_limit_new_sender,
    };
    u32::try_from(model.daily_cap.unwrap_or(default)).unwrap_or(0)
}

pub async fn to_dto(
    svc: &Services,
    ws: &workspace::Model,
    model: &sender::Model,
) -> Result<SenderDto, AppError> {
    let recent: Vec<String> = message::Entity::find()
        .select_only()
        .column(message::Column::Status)
        .filter(message::Column::WorkspaceId.eq(ws.id))
        .filter(message::Column::SenderId.eq(model.id))
        .filter(message::Column::Direction.eq("out"))
        .order_by_desc(message::Column::CreatedAt)
        .limit(HEALTH_WINDOW)
        .into_tuple()
        .all(&svc.db)
        .await?;
    let today = local_day(ws);
    Ok(SenderDto {
        id: model.id,
        name: model.name.clone(),
        provider: ProviderKind::parse(&model.provider).unwrap_or(ProviderKind::SessionGateway),
        display_number: model.display_number.clone(),
        base_url: model.base_url.clone(),
        account_ref: model.account_ref.clone(),
        warmup: Warmup::parse(&model.warmup).unwrap_or(Warmup::New),
        daily_cap: daily_cap(ws, model),
        daily_cap_override: model.daily_cap.and_then(|c| u32::try_from(c).ok()),
        sent_today: sent_on(model, &today),
        connected: model.connected,
        status_detail: model.status_detail.clone(),
        status_checked_at: model.status_checked_at,
        paused_reason: model.paused_reason.clone(),
        recent_failures: u32::try_from(recent.iter().filter(|s| *s == "failed").count())
            .unwrap_or(0),
        recent_sends: u32::try_from(recent.len()).unwrap_or(0),
        webhook_url: webhook_url(&svc.settings.public_url, model),
        webhook_registered: model.webhook_registered,
        created_at: model.created_at,
    })
}

/// The workspace's senders, oldest first.
pub async fn list(svc: &Services, ctx: &TenantCtx) -> Result<Vec<SenderDto>, AppError> {
    let ws = workspaces::find(&svc.db, ctx.workspace_id).await?;
    let models = sender::Entity::find()
        .filter(sender::Column::WorkspaceId.eq(ctx.workspace_id.0))
        .order_by_asc(sender::Column::CreatedAt)
        .all(&svc.db)
        .await?;
    // One query per sender, on purpose: each reads its last 20 sends on the (sender, created)
    // index. One query for all would need a window function over every outbound message of
    // the workspace (SQLite has no LATERAL join), far slower; the plan caps the senders.
    let mut out = Vec::with_capacity(models.len());
    for model in &models {
        out.push(to_dto(svc, &ws, model).await?);
    }
    Ok(out)
}

/// A checked form: every field at once, each error naming its field.
struct Checked {
    name: String,
    provider: ProviderKind,
    display_number: String,
    base_url: String,
    account_ref: String,
    secret: Option<String>,
    app_secret: Option<String>,
    warmup: Warmup,
    daily_cap: Option<i32>,
}

fn check(
    svc: &Services,
    ws: &workspace::Model,
    input: &SenderInput,
    existing: Option<&sender::Model>,
) -> Result<Checked, AppError> {
    let mut errors = Vec::new();
    let mut fail = |field: &str, message: &str| errors.push(FieldError::new(field, message));
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 80 {
        fail("name", "Give the sender a name of 1–80 characters.");
    }
    let provider = ProviderKind::parse(&input.provider);
    if provider.is_none() {
        fail("provider", "Choose a provider.");
    }
    let display_number = match normalize_phone(&input.display_number, Some(&ws.default_country)) {
        Ok(phone) => phone.e164,
        Err(error) => {
            fail(
                "display_number",
                &format!("The number is not valid: {error}."),
            );
            String::new()
        }
    };
    let base_text = match (input.base_url.trim(), provider) {
        ("", Some(ProviderKind::CloudApi)) => super::provider::cloud::DEFAULT_BASE_URL,
        (text, _) => text,
    };
    let base_url = match svc.whatsapp.check_base_url(base_text) {
        Ok(url) => url,
        Err(message) => {
            fail("base_url", &message);
            String::new()
        }
    };
    let account_ref = input.account_ref.trim().to_owned();
    if account_ref.is_empty() || account_ref.len() > 120 || account_ref.contains('/') {
        fail(
            "account_ref",
            match provider {
                Some(ProviderKind::CloudApi) => "Enter the phone-number id from Meta's dashboard.",
                _ => "Enter the gateway's session id (letters, digits, - or _).",
            },
        );
    }
    let secret = Some(input.secret.trim().to_owned()).filter(|s| !s.is_empty());
    if secret.is_none() && existing.is_none() {
        fail(
            "secret",
            match provider {
                Some(ProviderKind::CloudApi) => "Enter the access token.",
                _ => "Enter the gateway's API key.",
            },
        );
    }
    let app_secret = Some(input.app_secret.trim().to_owned()).filter(|s| !s.is_empty());
    let has_app_secret = app_secret.is_some()
        || existing.is_some_and(|e| {
            e.app_secret_enc.is_some() && e.provider == ProviderKind::CloudApi.as_str()
        });
    if provider == Some(ProviderKind::CloudApi) && !has_app_secret {
        fail(
            "app_secret",
            "Enter the app secret: it proves webhooks come from Meta.",
        );
    }
    let warmup = Warmup::parse(&input.warmup);
    if warmup.is_none() {
        fail("warmup", "Choose whether the number is new or warmed up.");
    }
    let daily_cap = match input.daily_cap.trim() {
        "" => None,
        text => match text.parse::<u32>() {
            Ok(cap) if (1..=MAX_DAILY_CAP).contains(&cap) => i32::try_from(cap).ok(),
            _ => {
                fail(
                    "daily_cap",
                    &format!(
                        "The daily cap is a whole number from 1 to {MAX_DAILY_CAP}, or blank for the default."
                    ),
                );
                None
            }
        },
    };
    match (provider, warmup) {
        (Some(provider), Some(warmup)) if errors.is_empty() => Ok(Checked {
            name,
            provider,
            display_number,
            base_url,
            account_ref,
            secret,
            app_secret,
            warmup,
            daily_cap,
        }),
        _ => Err(AppError::Validation(errors)),
    }
}

/// Adds a sender. Its webhook secret (gateway) or verify token (Cloud API) is generated and
/// shown once; gateways that support it get the webhook registered at once.
pub async fn create(
    svc: &Services,
    ctx: &TenantCtx,
    input: &SenderInput,
    meta: &RequestMeta,
) -> Result<SenderCreated, AppError> {
    ctx.require(Permission::SettingsManage)?;
    let ws = workspaces::find(&svc.db, ctx.workspace_id).await?;
    let checked = check(svc, &ws, input, None)?;
    let plan = workspaces::plan(&svc.db, &ws.plan_code).await?;
    let in_use = sender::Entity::find()
        .filter(sender::Column::WorkspaceId.eq(ws.id))
        .count(&svc.db)
        .await?;
    plan.check(Limit::Senders, in_use, 1)?;

    let id = Uuid::now_v7();
    let now = Utc::now();
    let webhook_secret = crate::crypto::random_token(24);
    let boxed = &svc.whatsapp.secrets;
    let model = sender::ActiveModel {
        id: Set(id),
        workspace_id: Set(ws.id),
        name: Set(checked.name.clone()),
        provider: Set(checked.provider.as_str().into()),
        display_number: Set(checked.display_number),
        base_url: Set(checked.base_url),
        account_ref: Set(checked.account_ref),
        secret_enc: Set(boxed.encrypt(
            &secret_context(id, "secret"),
            checked.secret.as_deref().unwrap_or_default(),
        )),
        app_secret_enc: Set(checked
            .app_secret
            .map(|s| boxed.encrypt(&secret_context(id, "app_secret"), &s))),
        webhook_secret_enc: Set(boxed.encrypt(&secret_context(id, "webhook"), &webhook_secret)),
        webhook_registered: Set(false),
        warmup: Set(checked.warmup.as_str().into()),
        daily_cap: Set(checked.daily_cap),
        sent_today: Set(0),
        sent_day: Set(None),
        connected: Set(None),
        status_detail: Set(None),
        status_checked_at: Set(None),
        paused_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&svc.db)
    .await?;
    audit::record(
        &svc.db,
        Some(ctx.workspace_id),
        Some(ctx.user_id),
        AuditAction::SenderAdded,
        &format!(
            "{} ({}, {})",
            checked.name,
            model.display_number,
            checked.provider.label()
        ),
        meta,
    )
    .await?;
    let model = connect(svc, model, &webhook_secret).await?;
    Ok(SenderCreated {
        sender: to_dto(svc, &ws, &model).await?,
        webhook_secret,
    })
}

/// Registers the webhook (where the provider supports it) and reads the session's status;
/// provider failures are recorded on the sender, not returned: the sender is saved either way.
async fn connect(
    svc: &Services,
    model: sender::Model,
    webhook_secret: &str,
) -> Result<sender::Model, AppError> {
    let provider = svc.whatsapp.provider_for(&model)?;
    let url = webhook_url(&svc.settings.public_url, &model);
    let registered = provider.register_webhook(&url, webhook_secret).await;
    let mut active: sender::ActiveModel = model.into();
    if let Ok(registered) = registered {
        active.webhook_registered = Set(registered);
    }
    let model = active.update(&svc.db).await?;
    record_status(svc, model).await
}

/// Asks the provider for the session's state and stores it.
async fn record_status(svc: &Services, model: sender::Model) -> Result<sender::Model, AppError> {
    let provider = svc.whatsapp.provider_for(&model)?;
    let (connected, detail) = match provider.session_status().await {
        Ok(state) => (state.connected, state.detail),
        Err(error) => (false, error.to_string()),
    };
    let mut active: sender::ActiveModel = model.into();
    active.connected = Set(Some(connected));
    active.status_detail = Set(Some(detail));
    active.status_checked_at = Set(Some(Utc::now()));
    Ok(active.update(&svc.db).await?)
}

pub async fn update(
    svc: &Services,
    ctx: &TenantCtx,
    id: Uuid,
    input: &SenderInput,
    meta: &RequestMeta,
) -> Result<SenderDto, AppError> {
    ctx.require(Permission::SettingsManage)?;
    let ws = workspaces::find(&svc.db, ctx.workspace_id).await?;
    let existing = find(&svc.db, ctx.workspace_id, id).await?;
    let checked = check(svc, &ws, input, Some(&existing))?;
    if checked.provider.as_str() != existing.provider {
        return Err(AppError::field(
            "provider",
            "A sender keeps its provider; add a new sender for another one.",
        ));
    }
    let boxed = &svc.whatsapp.secrets;
    let mut active: sender::ActiveModel = existing.clone().into();
    active.name = Set(checked.name.clone());
    active.display_number = Set(checked.display_number);
    active.base_url = Set(checked.base_url);
    active.account_ref = Set(checked.account_ref);
    if let Some(secret) = &checked.secret {
        active.secret_enc = Set(boxed.encrypt(&secret_context(id, "secret"), secret));
    }
    if let Some(app_secret) = &checked.app_secret {
        active.app_secret_enc = Set(Some(
            boxed.encrypt(&secret_context(id, "app_secret"), app_secret),
        ));
    }
    active.warmup = Set(checked.warmup.as_str().into());
    active.daily_cap = Set(checked.daily_cap);
    active.updated_at = Set(Utc::now());
    let model = active.update(&svc.db).await?;
    audit::record(
        &svc.db,
        Some(ctx.workspace_id),
        Some(ctx.user_id),
        AuditAction::SenderUpdated,
        &checked.name,
        meta,
    )
    .await?;
    let webhook_secret = svc.whatsapp.webhook_secret(&model).unwrap_or_default();
    let model = connect(svc, model, &webhook_secret).await?;
    to_dto(svc, &ws, &model).await
}

pub async fn delete(
    svc: &Services,
    ctx: &TenantCtx,
    id: Uuid,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    ctx.require(Permission::SettingsManage)?;
    let existing = find(&svc.db, ctx.workspace_id, id).await?;
    sender::Entity::delete_by_id(existing.id)
        .filter(sender::Column::WorkspaceId.eq(ctx.workspace_id.0))
        .exec(&svc.db)
        .await?;
    audit::record(
        &svc.db,
        Some(ctx.workspace_id),
        Some(ctx.user_id),
        AuditAction::SenderRemoved,
        &format!("{} ({})", existing.name, existing.display_number),
        meta,
    )
    .await
}

/// Pauses (with the person's reason) or resumes a sender.
pub async fn set_paused(
    svc: &Services,
    ctx: &TenantCtx,
    id: Uuid,
    paused: bool,
    meta: &RequestMeta,
) -> Result<SenderDto, AppError> {
    ctx.require(Permission::SettingsManage)?;
    let ws = workspaces::find(&svc.db, ctx.workspace_id).await?;
    let existing = find(&svc.db, ctx.workspace_id, id).await?;
    let name = existing.name.clone();
    let mut active: sender::ActiveModel = existing.into();
    active.paused_reason = Set(paused.then(|| "Paused by hand.".to_owned()));
    active.updated_at = Set(Utc::now());
    let model = active.update(&svc.db).await?;
    audit::record(
        &svc.db,
        Some(ctx.workspace_id),
        Some(ctx.user_id),
        if paused {
            AuditAction::SenderPaused
        } else {
            AuditAction::SenderResumed
        },
        &name,
        meta,
    )
    .await?;
    to_dto(svc, &ws, &model).await
}

/// Re-reads the session's status from the provider.
pub async fn refresh(svc: &Services, ctx: &TenantCtx, id: Uuid) -> Result<SenderDto, AppError> {
    let ws = workspaces::find(&svc.db, ctx.workspace_id).await?;
    let model = find(&svc.db, ctx.workspace_id, id).await?;
    let model = record_status(svc, model).await?;
    to_dto(svc, &ws, &model).await
}

/// Re-reads the status of senders last checked before `older_than` ago (or never), at most
/// `limit` of them, oldest first: the 🟢/🔴 on the senders page stays current without anyone
/// pressing "Check status". Returns how many were checked.
pub async fn refresh_stale(
    svc: &Services,
    older_than: chrono::Duration,
    limit: u64,
) -> Result<usize, AppError> {
    let cutoff = Utc::now() - older_than;
    let due = sender::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(sender::Column::StatusCheckedAt.is_null())
                .add(sender::Column::StatusCheckedAt.lt(cutoff)),
        )
        .order_by_asc(sender::Column::StatusCheckedAt)
        .limit(limit)
        .all(&svc.db)
        .await?;
    let checked = due.len();
    for model in due {
        let id = model.id;
        if let Err(error) = record_status(svc, model).await {
            tracing::warn!(sender = %id, %error, "sender status check failed");
        }
    }
    Ok(checked)
}

/// Pauses a sender because its provider refused it (credentials, a ban signal), and tells the
/// workspace's owners and admins.
pub async fn pause_for(
    svc: &Services,
    model: &sender::Model,
    error: &ProviderError,
) -> Result<(), AppError> {
    let reason = match error {
        ProviderError::Credentials(_) => {
            "The provider refused the credentials; update them to resume.".to_owned()
        }
        ProviderError::Restricted(text) => {
            format!("The provider restricted this number ({text}); let it rest before resuming.")
        }
        other => other.to_string(),
    };
    let mut active: sender::ActiveModel = model.clone().into();
    active.paused_reason = Set(Some(reason.clone()));
    active.connected = Set(Some(false));
    active.updated_at = Set(Utc::now());
    active.update(&svc.db).await?;
    tracing::warn!(sender = %model.id, "sender paused: {reason}");
    let workspace = WorkspaceId(model.workspace_id);
    let ws = workspaces::find(&svc.db, workspace).await?;
    let link = format!("/w/{}/senders", ws.slug);
    for manager in workspaces::managers(&svc.db, workspace).await? {
        crate::notifications::store::notify(
            &svc.db,
            workspace,
            manager,
            &format!("Sender {} was paused. {reason}", model.name),
            Some(&link),
        )
        .await?;
    }
    Ok(())
}

/// Sends a test message from the sender to `to` (the person's own number, usually).
pub async fn send_test(
    svc: &Services,
    ctx: &TenantCtx,
    id: Uuid,
    to: &str,
) -> Result<String, AppError> {
    ctx.require(Permission::Send)?;
    let ws = workspaces::find(&svc.db, ctx.workspace_id).await?;
    let model = find(&svc.db, ctx.workspace_id, id).await?;
    let phone = normalize_phone(to, Some(&ws.default_country))
        .map_err(|error| AppError::field("to", format!("The number is not valid: {error}.")))?;
    if let Some(reason) = &model.paused_reason {
        return Err(AppError::field(
            "to",
            format!("This sender is paused: {reason}"),
        ));
    }
    let body = format!(
        "Test message from LeadLoom: {} ({}) can send. ✅",
        model.name, model.display_number
    );
    debug_assert!(body.chars().count() <= MAX_MESSAGE_CHARS);
    let provider = svc.whatsapp.provider_for(&model)?;
    match provider
        .send(&digits(&phone.e164), &Content::Text { body })
        .await
    {
        Ok(_) => Ok(format!("Test message sent to {}.", phone.e164)),
        Err(error) => {
            if error.pauses_sender() {
                pause_for(svc, &model, &error).await?;
            }
            Err(AppError::field("to", provider_failure(&error)))
        }
    }
}

/// A provider failure in words for the person who pressed the button.
pub fn provider_failure(error: &ProviderError) -> String {
    match error {
        ProviderError::Credentials(_) => {
            "The provider refused this sender's credentials; the sender is paused until they are updated.".into()
        }
        ProviderError::Configuration(_) => {
            "The provider says the address or session id is wrong; check the sender's settings.".into()
        }
        ProviderError::RateLimited { .. } => {
            "The provider is rate limiting this sender; try again in a minute.".into()
        }
        ProviderError::Restricted(text) => {
            format!("The provider restricted this number ({text}); the sender is paused.")
        }
        ProviderError::Rejected { message, .. } => format!("The provider refused it: {message}."),
        ProviderError::Unreachable(what) => format!("The provider could not be reached ({what})."),
        ProviderError::Unsupported(text) => (*text).to_owned(),
    }
}
