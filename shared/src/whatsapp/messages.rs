//! Messages: one-to-one sends from the lead page, a lead's conversation, and what webhooks
//! tell us — delivery states (forward only, idempotent, in any order), replies (timeline, stage
//! "replied") and opt-outs (the lead is never messaged again).

use super::provider::webhook::WebhookEvent;
use super::provider::{Content, MediaKind, ProviderError, digits, with_backoff};
use super::senders::{self, local_day, provider_failure};
use super::{InboxEntry, MAX_MESSAGE_CHARS, MessageDto, MessageStatus};
use super::{attachments, optout};
use crate::db::entities::{lead, lead_event, message, sender, workspace};
use crate::leads::Stage;
use crate::leads::TimelineKind;
use crate::plans::Limit;
use crate::services::Services;
use crate::workspaces::{Permission, service::TenantCtx, store as workspaces};
use crate::{AppError, WorkspaceId};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use std::collections::HashMap;
use std::time::Duration;
use uuid::Uuid;

/// How many messages the lead page shows.
pub const CONVERSATION_LIMIT: u64 = 200;

/// Gateway send errors that mean the number is being restricted (WAHA's reach-out time-lock
/// and message capping) and Cloud API policy blocks: the sender is paused, not retried.
const RESTRICTION_CODES: [&str; 5] = ["463", "475", "131031", "368", "131048"];

fn to_dto(model: message::Model, names: &HashMap<Uuid, String>) -> MessageDto {
    let error = match (&model.error_code, &model.error_text) {
        (Some(code), Some(text)) => Some(format!("{text} ({code})")),
        (None, Some(text)) => Some(text.clone()),
        (Some(code), None) => Some(code.clone()),
        (None, None) => None,
    };
    MessageDto {
        id: model.id,
        lead_id: model.lead_id,
        sender_id: model.sender_id,
        sender_name: model.sender_id.and_then(|id| names.get(&id).cloned()),
        inbound: model.direction == "in",
        body: model.body,
        attachment_name: model.attachment_name,
        attachment_type: model.attachment_type,
        status: MessageStatus::parse(&model.status).unwrap_or(MessageStatus::Unknown),
        error,
        created_at: model.created_at,
        sent_at: model.sent_at,
        delivered_at: model.delivered_at,
        read_at: model.read_at,
    }
}

async fn sender_names(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
) -> Result<HashMap<Uuid, String>, AppError> {
    Ok(sender::Entity::find()
        .select_only()
        .column(sender::Column::Id)
        .column(sender::Column::Name)
        .filter(sender::Column::WorkspaceId.eq(workspace.0))
        .into_tuple::<(Uuid, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// The lead's latest messages, oldest first; opening them marks its replies seen.
pub async fn conversation(
    svc: &Services,
    ctx: &TenantCtx,
    lead_id: Uuid,
) -> Result<Vec<MessageDto>, AppError> {
    crate::leads::service::find(&svc.db, ctx.workspace_id, lead_id).await?;
    let mut models = message::Entity::find()
        .filter(message::Column::WorkspaceId.eq(ctx.workspace_id.0))
        .filter(message::Column::LeadId.eq(lead_id))
        .order_by_desc(message::Column::CreatedAt)
        .limit(CONVERSATION_LIMIT)
        .all(&svc.db)
        .await?;
    models.reverse();
    message::Entity::update_many()
        .col_expr(message::Column::SeenAt, Expr::value(Utc::now()))
        .filter(message::Column::WorkspaceId.eq(ctx.workspace_id.0))
        .filter(message::Column::LeadId.eq(lead_id))
        .filter(message::Column::Direction.eq("in"))
        .filter(message::Column::SeenAt.is_null())
        .exec(&svc.db)
        .await?;
    let names = sender_names(&svc.db, ctx.workspace_id).await?;
    Ok(models.into_iter().map(|m| to_dto(m, &names)).collect())
}

/// Marks sends that stayed `sending` longer than `older_than` as `unknown`: the process died
/// between storing the row and recording the provider's answer, so whether WhatsApp has the
/// message is not known — shown as such, and never sent again on its own.
pub async fn settle_abandoned_sends(
    db: &impl ConnectionTrait,
    older_than: chrono::Duration,
) -> Result<u64, AppError> {
    let result = message::Entity::update_many()
        .col_expr(
            message::Column::Status,
            Expr::value(MessageStatus::Unknown.as_str()),
        )
        .filter(message::Column::Status.eq(MessageStatus::Sending.as_str()))
        .filter(message::Column::CreatedAt.lt(Utc::now() - older_than))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// How many conversations the inbox lists.
pub const INBOX_LIMIT: u64 = 100;

/// Conversations in which someone wrote to the workspace, newest reply first, each with its
/// latest message (either way) and its unread replies; `unread_only` keeps those with unread.
pub async fn inbox(
    svc: &Services,
    ctx: &TenantCtx,
    unread_only: bool,
) -> Result<Vec<InboxEntry>, AppError> {
    use sea_orm::sea_query::Func;
    let unread = Expr::case(message::Column::SeenAt.is_null(), 1).finally(0);
    let mut query = message::Entity::find()
        .select_only()
        .column(message::Column::PeerPhone)
        .column_as(Expr::from(Func::sum(unread.clone())), "unread")
        .filter(message::Column::WorkspaceId.eq(ctx.workspace_id.0))
        .filter(message::Column::Direction.eq("in"))
        .group_by(message::Column::PeerPhone);
    if unread_only {
        query = query.having(Expr::from(Func::sum(unread)).gt(0));
    }
    let peers: Vec<(String, Option<i64>)> = query
        .order_by_desc(Expr::col(message::Column::CreatedAt).max())
        .limit(INBOX_LIMIT)
        .into_tuple()
        .all(&svc.db)
        .await?;
    let phones: Vec<String> = peers.iter().map(|(p, _)| p.clone()).collect();
    let leads: HashMap<String, (Uuid, String)> = lead::Entity::find()
        .select_only()
        .column(lead::Column::PhoneE164)
        .column(lead::Column::Id)
        .column(lead::Column::Name)
        .filter(lead::Column::WorkspaceId.eq(ctx.workspace_id.0))
        .filter(lead::Column::PhoneE164.is_in(phones))
        .into_tuple::<(String, Uuid, String)>()
        .all(&svc.db)
        .await?
        .into_iter()
        .map(|(phone, id, name)| (phone, (id, name)))
        .collect();
    let mut out = Vec::with_capacity(peers.len());
    for (phone, unread) in peers {
        let Some(last) = message::Entity::find()
            .filter(message::Column::WorkspaceId.eq(ctx.workspace_id.0))
            .filter(message::Column::PeerPhone.eq(phone.as_str()))
            .order_by_desc(message::Column::CreatedAt)
            .one(&svc.db)
            .await?
        else {
            continue;
        };
        let lead = leads.get(&phone).cloned();
        out.push(InboxEntry {
            lead_id: lead.as_ref().map(|(id, _)| *id),
            lead_name: lead.map(|(_, name)| name),
            peer_phone: phone,
            last_body: excerpt(&last.body),
            last_inbound: last.direction == "in",
            last_at: last.created_at,
            unread: u32::try_from(unread.unwrap_or(0)).unwrap_or(0),
        });
    }
    Ok(out)
}

/// A message row with everything unset that a new message leaves unset (attachment, error,
/// campaign, later timestamps); callers set what differs.
pub(crate) fn new_row(
    sender: &sender::Model,
    lead: Option<Uuid>,
    inbound: bool,
    phone: &str,
    body: String,
    status: MessageStatus,
    created_at: DateTime<Utc>,
) -> message::ActiveModel {
    message::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(sender.workspace_id),
        lead_id: Set(lead),
        sender_id: Set(Some(sender.id)),
        direction: Set(if inbound { "in" } else { "out" }.into()),
        peer_phone: Set(phone.to_owned()),
        body: Set(body),
        attachment_path: Set(None),
        attachment_name: Set(None),
        attachment_type: Set(None),
        provider_message_id: Set(None),
        status: Set(status.as_str().into()),
        error_code: Set(None),
        error_text: Set(None),
        campaign_id: Set(None),
        template_id: Set(None),
        variant: Set(None),
        created_at: Set(created_at),
        sent_at: Set(None),
        delivered_at: Set(None),
        read_at: Set(None),
        failed_at: Set(None),
        seen_at: Set(None),
        replied_at: Set(None),
    }
}

/// The sender a one-to-one message goes from: the one asked for, else the workspace's first
/// sender that is not paused and has room left today.
async fn pick_sender(
    svc: &Services,
    ctx: &TenantCtx,
    requested: Option<Uuid>,
) -> Result<sender::Model, AppError> {
    if let Some(id) = requested {
        return senders::find(&svc.db, ctx.workspace_id, id)
            .await
            .map_err(|_| AppError::field("sender", "Choose one of the workspace's senders."));
    }
    sender::Entity::find()
        .filter(sender::Column::WorkspaceId.eq(ctx.workspace_id.0))
        .filter(sender::Column::PausedReason.is_null())
        .order_by_asc(sender::Column::CreatedAt)
        .one(&svc.db)
        .await?
        .ok_or_else(|| {
            AppError::field(
                "sender",
                "Add a WhatsApp sender first (Senders in the menu).",
            )
        })
}

/// Counts `n` sends against the sender's local `day`; with a cap, only when all `n` fit. The
/// conditional update makes the check and the count one step, so two tabs (or a tab and a
/// campaign) cannot both take the last slot.
pub(crate) async fn take_daily_slots(
    db: &impl ConnectionTrait,
    sender: Uuid,
    day: &str,
    n: u32,
    cap: Option<u32>,
) -> Result<bool, AppError> {
    let counter = DailyCounter::<sender::Entity> {
        id: sender::Column::Id,
        today: sender::Column::SentToday,
        day: sender::Column::SentDay,
    };
    counter.take(db, sender, day, n, cap).await
}

/// The same for the workspace as a whole, against its plan's "messages a day" (`None`:
/// unlimited, still counted).
pub(crate) async fn take_plan_slots(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    day: &str,
    n: u32,
    cap: Option<u32>,
) -> Result<bool, AppError> {
    let counter = DailyCounter::<workspace::Entity> {
        id: workspace::Column::Id,
        today: workspace::Column::SentToday,
        day: workspace::Column::SentDay,
    };
    counter.take(db, workspace.0, day, n, cap).await
}

/// A row's "sent on this local day" counter: the count column, the day it counts, the key.
struct DailyCounter<E: EntityTrait> {
    id: E::Column,
    today: E::Column,
    day: E::Column,
}

impl<E: EntityTrait> DailyCounter<E> {
    async fn take(
        &self,
        db: &impl ConnectionTrait,
        id: Uuid,
        day: &str,
        n: u32,
        cap: Option<u32>,
    ) -> Result<bool, AppError> {
        // A new day starts the count again.
        E::update_many()
            .col_expr(self.today, Expr::value(0))
            .col_expr(self.day, Expr::value(day))
            .filter(self.id.eq(id))
            .filter(
                sea_orm::Condition::any()
                    .add(self.day.ne(day))
                    .add(self.day.is_null()),
            )
            .exec(db)
            .await?;
        let n = i32::try_from(n).unwrap_or(i32::MAX);
        let mut update = E::update_many()
            .col_expr(self.today, Expr::col(self.today).add(n))
            .filter(self.id.eq(id));
        if let Some(cap) = cap {
            let room = i32::try_from(cap).unwrap_or(i32::MAX).saturating_sub(n);
            update = update.filter(self.today.lte(room));
        }
        Ok(update.exec(db).await?.rows_affected == 1)
    }
}

pub(crate) fn timeline(
    workspace: Uuid,
    lead: Uuid,
    kind: TimelineKind,
    detail: String,
    actor: Option<Uuid>,
) -> lead_event::ActiveModel {
    lead_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(workspace),
        lead_id: Set(lead),
        kind: Set(kind.as_str().to_owned()),
        detail: Set(detail),
        actor_id: Set(actor),
        created_at: Set(Utc::now()),
    }
}

pub(crate) fn excerpt(body: &str) -> String {
    let mut text: String = body.chars().take(80).collect();
    if body.chars().count() > 80 {
        text.push('…');
    }
    text
}

/// Sends `body` (and the uploaded `attachment`, with `body` as its caption) to the lead from
/// `sender` (or the first available one). The row is stored as
/// `sending` before the provider call, so a crash in between leaves a visible `sending` row
/// (later `unknown`), never a silent re-send.
pub async fn send_to_lead(
    svc: &Services,
    ctx: &TenantCtx,
    lead_id: Uuid,
    sender_id: Option<Uuid>,
    body: &str,
    attachment: Option<Uuid>,
    template: Option<Uuid>,
) -> Result<MessageDto, AppError> {
    ctx.require(Permission::Send)?;
    let body = body.trim();
    if let Some(id) = template
        && !crate::templates::service::exists(&svc.db, ctx.workspace_id, id).await?
    {
        return Err(AppError::field(
            "template",
            "That template is no longer here.",
        ));
    }
    let attachment = match attachment {
        Some(id) => Some(attachments::find(&svc.db, ctx.workspace_id, id).await?),
        None => None,
    };
    if body.is_empty() && attachment.is_none() {
        return Err(AppError::field("body", "Write a message or attach a file."));
    }
    let length = body.chars().count();
    if length > MAX_MESSAGE_CHARS {
        return Err(AppError::field(
            "body",
            format!(
                "The message has {length} characters; WhatsApp takes at most {MAX_MESSAGE_CHARS}."
            ),
        ));
    }
    let lead = crate::leads::service::find(&svc.db, ctx.workspace_id, lead_id).await?;
    if lead.opted_out {
        return Err(AppError::field(
            "body",
            "This lead opted out; LeadLoom does not message them again.",
        ));
    }
    let Some(phone) = lead.phone_e164.clone() else {
        return Err(AppError::field(
            "body",
            "This lead has no valid phone number; fix it on the lead first.",
        ));
    };
    let sender = pick_sender(svc, ctx, sender_id).await?;
    if let Some(reason) = &sender.paused_reason {
        return Err(AppError::field(
            "sender",
            format!("{} is paused: {reason}", sender.name),
        ));
    }
    let ws = workspaces::find(&svc.db, ctx.workspace_id).await?;
    let cap = senders::to_dto(svc, &ws, &sender).await?.daily_cap;
    let plan = workspaces::plan(&svc.db, &ws.plan_code).await?;
    let today = local_day(&ws);
    // The plan's count and the sender's move together or not at all.
    let txn = crate::db::begin_write(&svc.db).await?;
    let plan_cap = plan.limit(Limit::MessagesPerDay);
    if !take_plan_slots(&txn, ctx.workspace_id, &today, 1, plan_cap).await? {
        txn.rollback().await?;
        // Refused only when the count is at the limit: it is the number sent today.
        return Err(plan.daily_messages_used(plan_cap.map_or(0, u64::from)));
    }
    if !take_daily_slots(&txn, sender.id, &today, 1, Some(cap)).await? {
        txn.rollback().await?;
        return Err(AppError::field(
            "sender",
            format!(
                "{} has sent its {cap} messages for today; it protects the number to stop there. Try another sender or tomorrow.",
                sender.name
            ),
        ));
    }
    txn.commit().await?;
    let provider = svc.whatsapp.provider_for(&sender)?;

    let now = Utc::now();
    let mut row = new_row(
        &sender,
        Some(lead.id),
        false,
        &phone,
        body.to_owned(),
        MessageStatus::Sending,
        now,
    );
    row.template_id = Set(template);
    let content = match &attachment {
        Some(file) => {
            attachments::attach_to(&svc.db, file, &mut row).await?;
            Content::Media {
                kind: attachments::FileType::from_content_type(&file.content_type)
                    .map_or(MediaKind::Document, attachments::FileType::media_kind),
                link: attachments::signed_link(svc, file, now),
                caption: Some(body.to_owned()).filter(|caption| !caption.is_empty()),
                filename: Some(file.file_name.clone()),
            }
        }
        None => Content::Text {
            body: body.to_owned(),
        },
    };
    let row = row.insert(&svc.db).await?;

    let to = digits(&phone);
    let outcome = with_backoff(3, Duration::from_secs(1), || provider.send(&to, &content)).await;
    let mut active: message::ActiveModel = row.into();
    match &outcome {
        Ok(sent) => {
            active.provider_message_id = Set(Some(sent.provider_message_id.clone()));
            active.status = Set(MessageStatus::Sent.as_str().into());
            active.sent_at = Set(Some(Utc::now()));
        }
        Err(error) => {
            active.status = Set(MessageStatus::Failed.as_str().into());
            active.failed_at = Set(Some(Utc::now()));
            active.error_code = Set(Some(error.code()));
            active.error_text = Set(Some(provider_failure(error)));
        }
    }
    let stored = active.update(&svc.db).await?;
    if let Err(error) = &outcome {
        if error.pauses_sender() {
            senders::pause_for(svc, &sender, error).await?;
        }
        return Err(AppError::field("body", provider_failure(error)));
    }
    timeline(
        ctx.workspace_id.0,
        lead.id,
        TimelineKind::Messaged,
        format!(
            "From {}: {}",
            sender.name,
            match &attachment {
                Some(file) if body.is_empty() => format!("📎 {}", file.file_name),
                Some(file) => format!("📎 {} — {}", file.file_name, excerpt(body)),
                None => excerpt(body),
            }
        ),
        Some(ctx.user_id.0),
    )
    .insert(&svc.db)
    .await?;
    if lead.stage == Stage::New.as_str() {
        set_stage(&svc.db, &lead, Stage::Contacted, None).await?;
    }
    let names = HashMap::from([(sender.id, sender.name.clone())]);
    Ok(to_dto(stored, &names))
}

async fn set_stage(
    db: &impl ConnectionTrait,
    lead: &lead::Model,
    stage: Stage,
    actor: Option<Uuid>,
) -> Result<(), AppError> {
    let before = Stage::parse(&lead.stage).unwrap_or(Stage::New);
    lead::Entity::update_many()
        .col_expr(lead::Column::Stage, Expr::value(stage.as_str()))
        .col_expr(lead::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(lead::Column::Id.eq(lead.id))
        .filter(lead::Column::WorkspaceId.eq(lead.workspace_id))
        .exec(db)
        .await?;
    timeline(
        lead.workspace_id,
        lead.id,
        TimelineKind::StageChanged,
        format!("{} → {}", before.label(), stage.label()),
        actor,
    )
    .insert(db)
    .await?;
    Ok(())
}

/// Applies what a verified webhook said for `sender`. Each event is idempotent on its own, so
/// a provider that repeats a delivery (Evolution retries up to 10 times) changes nothing more.
pub async fn apply_events(
    svc: &Services,
    sender: &sender::Model,
    events: Vec<WebhookEvent>,
) -> Result<(), AppError> {
    for event in events {
        match event {
            WebhookEvent::Status {
                provider_message_id,
                status,
                at,
                error_code,
                error_text,
            } => {
                apply_status(
                    svc,
                    sender,
                    &provider_message_id,
                    status,
                    at,
                    error_code,
                    error_text,
                )
                .await?;
            }
            WebhookEvent::Inbound {
                provider_message_id,
                from,
                profile_name,
                body,
                at,
            } => {
                receive(
                    svc,
                    sender,
                    &provider_message_id,
                    &from,
                    profile_name,
                    &body,
                    at,
                )
                .await?;
            }
        }
    }
    Ok(())
}

/// How many times (250 ms apart) a receipt for a message not stored yet is looked up again.
const UNKNOWN_RECEIPT_WAITS: u32 = 20;

/// Moves a message forward. The update is conditional on the state it was read in, and retried
/// when another webhook for the same message won the race, so concurrent `delivered` and `read`
/// end as `read` whatever the interleaving.
async fn apply_status(
    svc: &Services,
    sender: &sender::Model,
    provider_message_id: &str,
    reported: MessageStatus,
    at: DateTime<Utc>,
    error_code: Option<String>,
    error_text: Option<String>,
) -> Result<(), AppError> {
    let (mut unknown_for, mut races) = (0, 0);
    while races < 5 {
        let Some(current) = message::Entity::find()
            .filter(message::Column::WorkspaceId.eq(sender.workspace_id))
            .filter(message::Column::SenderId.eq(sender.id))
            .filter(message::Column::ProviderMessageId.eq(provider_message_id))
            .one(&svc.db)
            .await?
        else {
            // A receipt can overtake the send's own record: the provider answered the send and
            // posted the receipt before the sender stored the provider's id (a campaign records
            // a whole batch at once). Wait for it a little before giving up.
            if unknown_for < UNKNOWN_RECEIPT_WAITS {
                unknown_for += 1;
                tokio::time::sleep(Duration::from_millis(250)).await;
                continue;
            }
            tracing::info!(sender = %sender.id, "status for an unknown message ignored");
            return Ok(());
        };
        let before = MessageStatus::parse(&current.status).unwrap_or(MessageStatus::Unknown);
        let after = before.advance(reported);
        let stamp = match reported {
            MessageStatus::Sent => Some((message::Column::SentAt, current.sent_at)),
            MessageStatus::Delivered => Some((message::Column::DeliveredAt, current.delivered_at)),
            MessageStatus::Read => Some((message::Column::ReadAt, current.read_at)),
            MessageStatus::Failed => Some((message::Column::FailedAt, current.failed_at)),
            _ => None,
        };
        let mut update = message::Entity::update_many()
            .filter(message::Column::Id.eq(current.id))
            .filter(message::Column::Status.eq(current.status.as_str()));
        let mut changes = 0;
        if after != before {
            update = update.col_expr(message::Column::Status, Expr::value(after.as_str()));
            changes += 1;
        }
        if let Some((column, None)) = stamp {
            update = update.col_expr(column, Expr::value(at));
            changes += 1;
        }
        // A read message was delivered, even if that webhook never comes.
        if after == MessageStatus::Read
            && current.delivered_at.is_none()
            && reported != MessageStatus::Delivered
        {
            update = update.col_expr(message::Column::DeliveredAt, Expr::value(at));
        }
        if after == MessageStatus::Failed && before != MessageStatus::Failed {
            update = update
                .col_expr(message::Column::ErrorCode, Expr::value(error_code.clone()))
                .col_expr(message::Column::ErrorText, Expr::value(error_text.clone()));
        }
        if changes == 0 {
            return Ok(());
        }
        if update.exec(&svc.db).await?.rows_affected == 1 {
            let restricted = after == MessageStatus::Failed
                && error_code
                    .as_deref()
                    .is_some_and(|code| RESTRICTION_CODES.contains(&code));
            if restricted && sender.paused_reason.is_none() {
                let text = error_text.clone().unwrap_or_else(|| "restriction".into());
                senders::pause_for(svc, sender, &ProviderError::Restricted(text)).await?;
            }
            return Ok(());
        }
        races += 1;
    }
    tracing::warn!(sender = %sender.id, "status update lost five races; left as is");
    Ok(())
}

/// Attributes a lead's message received at `at` to the outbound messages before it that no
/// reply answered yet: analytics then count an answered message from its own row.
pub async fn mark_replied(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    lead: Uuid,
    at: DateTime<Utc>,
) -> Result<(), AppError> {
    message::Entity::update_many()
        .col_expr(message::Column::RepliedAt, Expr::value(at))
        .filter(message::Column::WorkspaceId.eq(workspace.0))
        .filter(message::Column::LeadId.eq(lead))
        .filter(message::Column::Direction.eq("out"))
        .filter(message::Column::RepliedAt.is_null())
        .filter(message::Column::CreatedAt.lt(at))
        .exec(db)
        .await?;
    Ok(())
}

/// Stores an inbound message once (the unique provider id makes a repeat a no-op), then: the
/// lead's timeline, stage "replied", and an opt-out when the text is one of the keywords.
async fn receive(
    svc: &Services,
    sender: &sender::Model,
    provider_message_id: &str,
    from: &str,
    profile_name: Option<String>,
    body: &str,
    at: DateTime<Utc>,
) -> Result<(), AppError> {
    let phone = format!("+{from}");
    let lead = lead::Entity::find()
        .filter(lead::Column::WorkspaceId.eq(sender.workspace_id))
        .filter(lead::Column::PhoneE164.eq(phone.as_str()))
        .one(&svc.db)
        .await?;
    // Our receipt time, not the provider's (whole seconds on some gateways): the conversation
    // then reads in the order things happened here, a reply after the message it answers.
    let received_at = std::cmp::max(Utc::now(), at);
    let mut row = new_row(
        sender,
        lead.as_ref().map(|l| l.id),
        true,
        &phone,
        body.chars().take(MAX_MESSAGE_CHARS).collect(),
        MessageStatus::Received,
        received_at,
    );
    row.provider_message_id = Set(Some(provider_message_id.to_owned()));
    row.error_text = Set(profile_name);
    let inserted = message::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                message::Column::SenderId,
                message::Column::ProviderMessageId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&svc.db)
        .await?;
    if inserted == 0 {
        return Ok(());
    }
    let Some(lead) = lead else {
        tracing::info!(sender = %sender.id, "message from a number that is no lead stored");
        return Ok(());
    };
    mark_replied(
        &svc.db,
        WorkspaceId(sender.workspace_id),
        lead.id,
        received_at,
    )
    .await?;
    timeline(
        sender.workspace_id,
        lead.id,
        TimelineKind::Replied,
        excerpt(body),
        None,
    )
    .insert(&svc.db)
    .await?;
    if matches!(
        Stage::parse(&lead.stage),
        Some(Stage::New | Stage::Contacted) | None
    ) {
        set_stage(&svc.db, &lead, Stage::Replied, None).await?;
    }
    let ws = workspaces::find(&svc.db, WorkspaceId(sender.workspace_id)).await?;
    let keywords = optout::keywords(ws.opt_out_keywords.as_deref());
    if !lead.opted_out && optout::is_opt_out(body, &keywords) {
        lead::Entity::update_many()
            .col_expr(lead::Column::OptedOut, Expr::value(true))
            .col_expr(lead::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(lead::Column::Id.eq(lead.id))
            .filter(lead::Column::WorkspaceId.eq(lead.workspace_id))
            .exec(&svc.db)
            .await?;
        timeline(
            sender.workspace_id,
            lead.id,
            TimelineKind::OptedOut,
            format!("Wrote \"{}\"", excerpt(body)),
            None,
        )
        .insert(&svc.db)
        .await?;
        if let Some(reply) = ws.opt_out_reply.as_deref().filter(|r| !r.trim().is_empty()) {
            confirm_opt_out(svc, sender, &lead, &phone, reply).await;
        }
    }
    Ok(())
}

/// Sends the workspace's opt-out confirmation and keeps it in the conversation; a failure is
/// recorded and logged, never retried (the lead asked us to stop).
async fn confirm_opt_out(
    svc: &Services,
    sender: &sender::Model,
    lead: &lead::Model,
    phone: &str,
    reply: &str,
) {
    let Ok(provider) = svc.whatsapp.provider_for(sender) else {
        return;
    };
    let content = Content::Text {
        body: reply.to_owned(),
    };
    let outcome = provider.send(&digits(phone), &content).await;
    if let Err(error) = &outcome {
        tracing::warn!(sender = %sender.id, %error, "opt-out confirmation not sent");
    }
    let now = Utc::now();
    let (status, provider_id, error) = match outcome {
        Ok(sent) => (MessageStatus::Sent, Some(sent.provider_message_id), None),
        Err(error) => (MessageStatus::Failed, None, Some(error)),
    };
    let mut row = new_row(
        sender,
        Some(lead.id),
        false,
        phone,
        reply.to_owned(),
        status,
        now,
    );
    row.provider_message_id = Set(provider_id);
    row.error_code = Set(error.as_ref().map(ProviderError::code));
    row.error_text = Set(error.as_ref().map(provider_failure));
    row.sent_at = Set((status == MessageStatus::Sent).then_some(now));
    row.failed_at = Set((status == MessageStatus::Failed).then_some(now));
    if let Err(error) = row.insert(&svc.db).await {
        tracing::warn!(sender = %sender.id, %error, "storing the opt-out confirmation failed");
    }
}
