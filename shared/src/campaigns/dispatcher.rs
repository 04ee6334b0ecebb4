//! The durable dispatcher, run inside `leadloom serve` and by `leadloom worker` (any number of
//! them, on one database). It starts scheduled runs when they are due and, for every sender a
//! running campaign uses, takes the sender's **lease**: only the holder sends for that number,
//! so the planner's pace, cooldowns and caps hold however many instances run.
//!
//! A send is three steps. (1) One transaction claims due recipients (`pending` → `sending`),
//! counts them against the sender's day, renders each message and stores it `sending`. (2) The
//! provider is called. (3) One transaction records the answers: `sent`, a retry later,
//! `failed`, or `unknown` when the provider did not answer (it may have the message). A worker
//! that dies between (1) and (3) stops renewing its lease; whoever takes the lease next marks
//! that sender's `sending` rows `unknown` — they are never sent again on their own. A location
//! pin or contact card goes as two messages (its text, then the pin or card), both claimed in
//! step (1).

use super::model::{
    CampaignForm, CampaignKind, CampaignStatus, RecipientState, Variant, VariantExtra,
};
use super::planner::{self, SenderPace, ThreadRandom};
use super::{Strategy, store};
use crate::db::entities::{
    campaign, campaign_sender, lead, lead_event, message, sender, workspace,
};
use crate::leads::{Stage, TimelineKind};
use crate::services::Services;
use crate::templates::render::Template;
use crate::whatsapp::messages::{excerpt, new_row, take_daily_slots, take_plan_slots, timeline};
use crate::whatsapp::provider::{ContactCard, Content, MediaKind, ProviderError, Sent, digits};
use crate::whatsapp::senders::{daily_cap, pause_for, provider_failure};
use crate::whatsapp::{MessageStatus, attachments};
use crate::workspaces::store as workspaces;
use crate::{AppError, WorkspaceId};
use chrono::{DateTime, TimeDelta, Utc};
use futures::StreamExt;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, Statement,
};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;
use uuid::Uuid;

/// A lease lasts this long unless renewed (every loop, at most a second apart).
pub const LEASE_TTL: TimeDelta = TimeDelta::seconds(15);
/// The longest a sender's loop sleeps before looking again: pause, resume and cancel take
/// effect within it.
const NAP: Duration = Duration::from_secs(1);
/// How often the dispatcher looks for new work when nobody woke it.
const POLL: Duration = Duration::from_millis(500);
/// Recipients one burst claim takes, and provider calls in flight per sender in a burst.
const BURST_BATCH: u64 = 100;
const BURST_CONCURRENCY: usize = 32;
/// How long a sender waits for its turn before looking again ("senders take turns").
const TURN_WAIT: TimeDelta = TimeDelta::milliseconds(200);
/// How long a rate-limited sender waits when the provider does not say.
const RATE_LIMIT_WAIT: TimeDelta = TimeDelta::seconds(30);

/// The dispatcher of one process.
#[derive(Clone)]
pub struct Dispatcher {
    svc: Services,
    holder: Arc<str>,
    /// Senders this process holds the lease of.
    active: Arc<Mutex<HashSet<Uuid>>>,
}

impl Dispatcher {
    pub fn new(svc: Services) -> Self {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
        Self {
            svc,
            holder: format!(
                "{host}-{}-{}",
                std::process::id(),
                &Uuid::new_v4().simple().to_string()[..8]
            )
            .into(),
            active: Arc::default(),
        }
    }

    /// Runs until the process ends; `wakeup` starts work at once (a launch in this process).
    pub async fn run(self, wakeup: Arc<Notify>) {
        tracing::info!(holder = %self.holder, "campaign dispatcher started");
        loop {
            if let Err(error) = self.tick().await {
                tracing::warn!(%error, "campaign dispatcher tick failed");
            }
            tokio::select! {
                () = wakeup.notified() => {}
                () = tokio::time::sleep(POLL) => {}
            }
        }
    }

    /// Runs until no campaign is running or scheduled-and-due (the benchmark and tests).
    pub async fn run_until_idle(self) -> Result<(), AppError> {
        loop {
            self.tick().await?;
            let busy = !self.lock().is_empty();
            if !busy && !any_running(&self.svc.db).await? {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<Uuid>> {
        self.active.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts due runs, settles what dead workers left in flight, then takes the lease of
    /// every sender with work that no live worker holds.
    pub async fn tick(&self) -> Result<(), AppError> {
        start_due(&self.svc, Utc::now()).await?;
        self.settle_dead_workers().await?;
        for (sender_id, workspace_id) in senders_with_work(&self.svc.db).await? {
            if self.lock().contains(&sender_id) {
                continue;
            }
            let now = Utc::now();
            let Some((lease, abandoned)) = store::lease(
                &self.svc.db,
                sender_id,
                workspace_id,
                &self.holder,
                LEASE_TTL,
                now,
            )
            .await?
            else {
                continue;
            };
            if abandoned {
                let settled = store::settle_abandoned(&self.svc.db, sender_id, now).await?;
                if settled > 0 {
                    tracing::warn!(sender = %sender_id, settled, "took over a sender whose worker stopped mid-send; its sends are marked unknown");
                }
            }
            let pace: SenderPace = serde_json::from_str(&lease.pace).unwrap_or_default();
            self.lock().insert(sender_id);
            let this = self.clone();
            tokio::spawn(async move {
                let outcome = this
                    .sender_loop(sender_id, WorkspaceId(workspace_id), pace)
                    .await;
                if let Err(error) = &outcome {
                    tracing::warn!(sender = %sender_id, %error, "sender loop stopped");
                }
                let _ = store::release(&this.svc.db, sender_id, &this.holder).await;
                this.lock().remove(&sender_id);
            });
        }
        Ok(())
    }

    /// Takes over, just long enough to mark their in-flight sends `unknown`, the senders whose
    /// worker died mid-send and that no running campaign needs (those are settled when their
    /// lease is taken for sending, below).
    async fn settle_dead_workers(&self) -> Result<(), AppError> {
        let db = &self.svc.db;
        let now = Utc::now();
        for (sender_id, workspace_id) in store::senders_with_stale_sends(db, now).await? {
            if self.lock().contains(&sender_id) {
                continue;
            }
            let Some((_, abandoned)) =
                store::lease(db, sender_id, workspace_id, &self.holder, LEASE_TTL, now).await?
            else {
                continue;
            };
            if abandoned {
                let settled = store::settle_abandoned(db, sender_id, now).await?;
                tracing::warn!(sender = %sender_id, settled, "settled the sends a stopped worker left in flight; they are marked unknown");
            }
            store::release(db, sender_id, &self.holder).await?;
        }
        Ok(())
    }

    /// Sends for one sender while it holds the lease and a running campaign needs it.
    async fn sender_loop(
        &self,
        sender_id: Uuid,
        workspace: WorkspaceId,
        mut pace: SenderPace,
    ) -> Result<(), AppError> {
        let db = &self.svc.db;
        let mut rng = ThreadRandom;
        // The workspace's template variables, read once per campaign and outside any
        // transaction: the query reads every lead's custom fields.
        let mut known: Option<(Uuid, Vec<String>)> = None;
        // The campaign the lease names, as this loop last wrote it.
        let mut named: Option<Uuid> = None;
        loop {
            let now = Utc::now();
            if !store::renew(db, sender_id, &self.holder, LEASE_TTL, now).await? {
                tracing::warn!(sender = %sender_id, "lease lost; another worker sends for this number now");
                return Ok(());
            }
            let Some(sender) = sender::Entity::find_by_id(sender_id)
                .filter(sender::Column::WorkspaceId.eq(workspace.0))
                .one(db)
                .await?
            else {
                return Ok(());
            };
            if sender.paused_reason.is_some() {
                return Ok(());
            }
            let ws = workspaces::find(db, workspace).await?;
            let Some(choice) = pick_campaign(&self.svc, workspace, sender_id, now).await? else {
                return Ok(());
            };
            let campaign = match choice {
                Pick::Due(campaign) => campaign,
                Pick::WaitUntil(at) => {
                    nap_until(at, now).await;
                    continue;
                }
            };
            let form: CampaignForm = serde_json::from_str(&campaign.form).unwrap_or_default();
            let tz = ws.zone();
            let cap = daily_cap(&ws, &sender);
            sync_day(&mut pace, &sender, now, &tz);
            let Some(decision) = planner::next_send_at(&form.strategy, &pace, cap, now, &tz) else {
                store::save_pace(db, sender_id, &self.holder, &pace, Some(campaign.id), now)
                    .await?;
                named = Some(campaign.id);
                nap_until(now + TimeDelta::seconds(1), now).await;
                continue;
            };
            if decision.at > now {
                store::save_pace(db, sender_id, &self.holder, &pace, Some(campaign.id), now)
                    .await?;
                named = Some(campaign.id);
                nap_until(decision.at, now).await;
                continue;
            }
            if form.strategy.order == super::SendOrder::RoundRobin {
                // The lease names the campaign before the turn is taken, so the other senders
                // wait for this one from its first message on. Written once, not on every
                // look at the turns (each 200 ms while another sender goes).
                if named != Some(campaign.id) {
                    store::save_pace(db, sender_id, &self.holder, &pace, Some(campaign.id), now)
                        .await?;
                    named = Some(campaign.id);
                }
                if !my_turn(db, &ws, &campaign, &form.strategy, &sender, now).await? {
                    // Another sender at work on this campaign has sent fewer: it goes first.
                    nap_until(now + TURN_WAIT, now).await;
                    continue;
                }
            }
            // The plan's messages a day are the workspace's, across senders and campaigns:
            // none left, and this sender waits for the workspace's next day.
            let plan = workspaces::plan(db, &ws.plan_code).await?;
            let plan_room = plan_room(&ws, &plan, day_of(now, &tz));
            if plan_room == Some(0) {
                // Looked at again every half minute, so an upgraded plan takes effect then; the
                // pace is left alone (the campaign page says why nothing goes).
                let tomorrow = next_local_midnight(now, &tz);
                nap_until(tomorrow.min(now + TimeDelta::seconds(30)), now).await;
                continue;
            }
            let batch = if form.strategy.is_burst() {
                let left = if form.strategy.respect_daily_cap {
                    u64::from(cap.saturating_sub(pace.sent_on(day_of(now, &tz))))
                } else {
                    BURST_BATCH
                };
                BURST_BATCH.min(left.max(1))
            } else {
                1
            }
            .min(plan_room.unwrap_or(u64::MAX));
            if known.as_ref().is_none_or(|(id, _)| *id != campaign.id) {
                let keys = crate::templates::service::variables(db, workspace)
                    .await?
                    .keys();
                known = Some((campaign.id, keys));
            }
            let variables = known.as_ref().map_or(&[][..], |(_, k)| k.as_slice());
            let outcome = self
                .send_batch(&ws, &sender, &campaign, &form, variables, batch, cap, now)
                .await?;
            for sent_at in outcome.attempted {
                pace = planner::after_send(&form.strategy, &pace, sent_at, &tz, &mut rng);
            }
            if form.strategy.order == super::SendOrder::HealthBalanced {
                slow_down_by_health(db, &sender, &mut pace, now).await?;
            }
            if let Some(until) = outcome.hold_until {
                // The provider rate-limited the number: nothing more before it allows.
                pace.next_at = Some(pace.next_at.map_or(until, |next| next.max(until)));
            }
            store::save_pace(
                db,
                sender_id,
                &self.holder,
                &pace,
                Some(campaign.id),
                Utc::now(),
            )
            .await?;
            named = Some(campaign.id);
        }
    }

    /// Claims, sends and records one batch; returns when each attempted message went (for the
    /// pace; rate-limited calls sent nothing and do not count).
    #[allow(clippy::too_many_arguments)]
    async fn send_batch(
        &self,
        ws: &workspace::Model,
        sender: &sender::Model,
        campaign: &campaign::Model,
        form: &CampaignForm,
        variables: &[String],
        batch: u64,
        cap: u32,
        now: DateTime<Utc>,
    ) -> Result<BatchOutcome, AppError> {
        let db = &self.svc.db;
        let txn = crate::db::begin_write(db).await?;
        let claimed = store::pick(&txn, campaign.id, batch, now).await?;
        if claimed.is_empty() {
            txn.commit().await?;
            // What no pick takes while rows are due are opted-out leads (the pick leaves them
            // out): skipped here, so the run can complete.
            store::skip_opted_out(db, WorkspaceId(ws.id), campaign.id, now).await?;
            return Ok(BatchOutcome::default());
        }
        let prepared = self
            .prepare(&txn, ws, sender, campaign, form, variables, &claimed, now)
            .await?;
        let count = u32::try_from(prepared.len()).unwrap_or(u32::MAX);
        let day = day_of(now, &ws.zone()).to_string();
        let limit = form.strategy.respect_daily_cap.then_some(cap);
        let plan = workspaces::plan(&txn, &ws.plan_code).await?;
        let plan_cap = plan.limit(crate::plans::Limit::MessagesPerDay);
        // The counters come last: the workspace's row is shared by every sender loop and stays
        // locked until the commit, so taking it first would make the loops wait on each other
        // for a whole batch's writes.
        if !take_daily_slots(&txn, sender.id, &day, count, limit).await?
            || !take_plan_slots(&txn, WorkspaceId(ws.id), &day, count, plan_cap).await?
        {
            // Someone (a one-to-one send, another sender) took the last slots meanwhile:
            // claim nothing; the next loop sees what is left.
            txn.rollback().await?;
            return Ok(BatchOutcome::default());
        }
        txn.commit().await?;

        let provider = match self.svc.whatsapp.provider_for(sender) {
            Ok(provider) => Arc::new(provider),
            Err(error) => {
                tracing::warn!(sender = %sender.id, %error, "sender cannot be used");
                return Err(error);
            }
        };
        let calls = prepared.into_iter().map(|item| {
            let provider = Arc::clone(&provider);
            async move {
                // The text first; the pin or card only once the text went, so the lead never
                // gets a bare pin whose text failed, nor the two out of order.
                let lead_in = match &item.lead_in {
                    Some(lead_in) => Some(provider.send(&item.to, &lead_in.content).await),
                    None => None,
                };
                let outcome = match (&lead_in, &item.content) {
                    (Some(Err(error)), _) => Err(error.clone()),
                    (_, Ok(content)) => provider.send(&item.to, content).await,
                    (_, Err(problem)) => Err(problem.clone()),
                };
                (item, Answers { lead_in, outcome }, Utc::now())
            }
        });
        let results: Vec<_> = futures::stream::iter(calls)
            .buffer_unordered(BURST_CONCURRENCY)
            .collect()
            .await;
        self.record(ws, sender, campaign, form, results).await
    }

    /// Inside the pick's transaction: renders each picked recipient's message, stores it
    /// `sending` and claims the recipient row for `sender`, linked to it.
    #[allow(clippy::too_many_arguments)]
    async fn prepare(
        &self,
        txn: &impl ConnectionTrait,
        ws: &workspace::Model,
        sender: &sender::Model,
        campaign: &campaign::Model,
        form: &CampaignForm,
        known: &[String],
        claimed: &[store::Claimed],
        now: DateTime<Utc>,
    ) -> Result<Vec<Prepared>, AppError> {
        let workspace = WorkspaceId(ws.id);
        let leads: HashMap<Uuid, lead::Model> = lead::Entity::find()
            .filter(lead::Column::WorkspaceId.eq(ws.id))
            .filter(lead::Column::Id.is_in(claimed.iter().map(|c| c.lead_id)))
            .all(txn)
            .await?
            .into_iter()
            .map(|l| (l.id, l))
            .collect();
        let mut templates = Vec::with_capacity(form.variants.len());
        let mut files = Vec::with_capacity(form.variants.len());
        for variant in &form.variants {
            templates.push(Template::parse(&variant.body, known).ok());
            files.push(match variant.attachment {
                Some(id) => attachments::find(txn, workspace, id).await.ok(),
                None => None,
            });
        }
        let mut rows = Vec::with_capacity(claimed.len());
        let mut links = Vec::with_capacity(claimed.len());
        let mut prepared = Vec::with_capacity(claimed.len());
        for item in claimed {
            // The pick joined the lead in this transaction: it is there.
            let Some(lead) = leads.get(&item.lead_id) else {
                continue;
            };
            let index = item.variant.min(form.variants.len().saturating_sub(1));
            let variant = form.variants.get(index);
            let values = crate::templates::service::lead_values(lead);
            let text = templates
                .get(index)
                .and_then(Option::as_ref)
                .map(|t| {
                    t.render(&|key| values.get(key).cloned(), &mut |n| {
                        rand::Rng::random_range(&mut rand::rng(), 0..n.max(1))
                    })
                })
                .unwrap_or_default();
            let phone = lead.phone_e164.clone().unwrap_or_default();
            // A pin's or card's own row says what it was, for the conversation and the
            // timeline; its text is a message of its own (below).
            let body = match variant.map(|v| &v.extra) {
                Some(extra @ (VariantExtra::Location { .. } | VariantExtra::Contact { .. })) => {
                    describe(extra)
                }
                _ => text.clone(),
            };
            let main_excerpt = excerpt(&body);
            let mut row = new_row(
                sender,
                Some(lead.id),
                false,
                &phone,
                body,
                MessageStatus::Sending,
                now,
            );
            row.campaign_id = Set(Some(campaign.id));
            row.variant = Set(i32::try_from(index).ok());
            let file = files.get(index).cloned().flatten();
            // Saving kept only the workspace's own templates (`service::with_own_templates`).
            let template_id = variant.and_then(|v| v.template_id);
            // A pin or a card is a message of its own that carries no text: the text (and the
            // file, with the text as its caption) goes first as a message of its own, then the
            // pin or card, which is the recipient's message. Both rows are stored `sending` in
            // this transaction, before any provider call, so a crash leaves them `unknown`.
            let built = variant_content(&self.svc, variant, file.as_ref(), &text, now);
            let mut lead_in = None;
            if let Some(content) = built.lead_in {
                let mut text_row = new_row(
                    sender,
                    Some(lead.id),
                    false,
                    &phone,
                    text.clone(),
                    MessageStatus::Sending,
                    now,
                );
                text_row.campaign_id = Set(Some(campaign.id));
                text_row.variant = Set(i32::try_from(index).ok());
                // The text is what the template wrote; the pin or card is not.
                text_row.template_id = Set(template_id);
                if let Some(file) = &file {
                    attachments::attach_to(txn, file, &mut text_row).await?;
                }
                let message_id = Uuid::now_v7();
                text_row.id = Set(message_id);
                rows.push(text_row);
                lead_in = Some(LeadIn {
                    message_id,
                    excerpt: excerpt(&text),
                    content,
                });
            } else if !is_pin_or_card(variant) {
                // The recipient's message is the text itself (with the file, if any).
                row.template_id = Set(template_id);
                if let Some(file) = &file {
                    attachments::attach_to(txn, file, &mut row).await?;
                }
            }
            let content = built.message;
            let message_id = match &row.id {
                sea_orm::ActiveValue::Set(id) => *id,
                _ => Uuid::now_v7(),
            };
            links.push((item.position, message_id));
            rows.push(row);
            prepared.push(Prepared {
                position: item.position,
                attempt: item.attempt,
                message_id,
                lead_id: lead.id,
                lead_stage: lead.stage.clone(),
                to: digits(&phone),
                excerpt: main_excerpt,
                lead_in,
                content,
            });
        }
        if !rows.is_empty() {
            message::Entity::insert_many(rows)
                .exec_without_returning(txn)
                .await?;
        }
        store::claim(txn, campaign.id, sender.id, &links, now).await?;
        Ok(prepared)
    }

    /// Records the provider's answers in one transaction, then acts on what they say about the
    /// sender (paused) and the campaign (auto-pause). Returns when each real attempt went.
    async fn record(
        &self,
        ws: &workspace::Model,
        sender: &sender::Model,
        campaign: &campaign::Model,
        form: &CampaignForm,
        results: Vec<(Prepared, Answers, DateTime<Utc>)>,
    ) -> Result<BatchOutcome, AppError> {
        let db = &self.svc.db;
        let strategy = &form.strategy;
        let now = Utc::now();
        let txn = crate::db::begin_write(db).await?;
        let mut attempted = Vec::with_capacity(results.len());
        // This batch's sends as the auto-pause sees them: a provider failure is one; an
        // unreachable provider (the message may be there) is not counted against the number.
        let mut outcomes = Vec::with_capacity(results.len());
        // Every message that went (a text before its pin or card included), and the
        // recipients whose last message went.
        let mut went: Vec<Went> = Vec::new();
        let mut sent: Vec<i64> = Vec::new();
        let mut pausing: Option<ProviderError> = None;
        let mut failures_in_row = 0u32;
        let mut successes = 0u32;
        let mut rate_limited_until: Option<DateTime<Utc>> = None;
        for (item, answers, at) in &results {
            // The message the outcome is about: the recipient's own, or its text when that
            // failed and the pin or card was never tried.
            let mut message_id = item.message_id;
            // Once the text went, sending again would repeat it: no retry, and a rate limit
            // on the pin or card is a failure rather than a requeue.
            let mut text_went = false;
            match (&answers.lead_in, &item.lead_in) {
                (Some(Ok(answer)), Some(lead_in)) => {
                    text_went = true;
                    went.push(Went {
                        message_id: lead_in.message_id,
                        provider_id: answer.provider_message_id.clone(),
                        lead_id: item.lead_id,
                        lead_stage: &item.lead_stage,
                        excerpt: &lead_in.excerpt,
                    });
                }
                (Some(Err(_)), Some(lead_in)) => {
                    // The pin or card never went: its row goes, and the recipient points at
                    // the text, whose outcome is the recipient's.
                    message::Entity::delete_by_id(item.message_id)
                        .exec(&txn)
                        .await?;
                    store::relink(&txn, campaign.id, item.position, lead_in.message_id).await?;
                    message_id = lead_in.message_id;
                }
                _ => {}
            }
            match &answers.outcome {
                Ok(answer) => {
                    attempted.push(*at);
                    outcomes.push(super::Outcome::Sent);
                    successes += 1;
                    failures_in_row = 0;
                    went.push(Went {
                        message_id,
                        provider_id: answer.provider_message_id.clone(),
                        lead_id: item.lead_id,
                        lead_stage: &item.lead_stage,
                        excerpt: &item.excerpt,
                    });
                    sent.push(item.position);
                }
                Err(ProviderError::RateLimited { retry_after }) if !text_went => {
                    let wait = retry_after
                        .and_then(|d| TimeDelta::from_std(d).ok())
                        .unwrap_or(RATE_LIMIT_WAIT);
                    rate_limited_until = Some(now + wait);
                    message::Entity::delete_by_id(message_id).exec(&txn).await?;
                    store::requeue(
                        &txn,
                        campaign.id,
                        item.position,
                        now + wait,
                        None,
                        true,
                        now,
                    )
                    .await?;
                }
                Err(error) => {
                    if let ProviderError::RateLimited { retry_after } = error {
                        let wait = retry_after
                            .and_then(|d| TimeDelta::from_std(d).ok())
                            .unwrap_or(RATE_LIMIT_WAIT);
                        rate_limited_until = Some(now + wait);
                    }
                    attempted.push(*at);
                    failures_in_row += 1;
                    let code = error.code();
                    let text = provider_failure(error);
                    let unknown = matches!(error, ProviderError::Unreachable(_));
                    outcomes.push(if unknown {
                        super::Outcome::Sent
                    } else {
                        super::Outcome::Failed
                    });
                    let status = if unknown {
                        MessageStatus::Unknown
                    } else {
                        MessageStatus::Failed
                    };
                    message::Entity::update_many()
                        .col_expr(message::Column::Status, Expr::value(status.as_str()))
                        .col_expr(message::Column::ErrorCode, Expr::value(code.clone()))
                        .col_expr(message::Column::ErrorText, Expr::value(text.clone()))
                        .col_expr(
                            message::Column::FailedAt,
                            Expr::value((!unknown).then_some(*at)),
                        )
                        .filter(message::Column::Id.eq(message_id))
                        .exec(&txn)
                        .await?;
                    if error.pauses_sender() {
                        pausing.get_or_insert_with(|| error.clone());
                    }
                    let retry = (!text_went && matches!(error, ProviderError::Rejected { .. }))
                        .then(|| planner::retry_delay(strategy, item.attempt))
                        .flatten();
                    if unknown {
                        // The provider may have it: never sent again on its own.
                        store::finish(
                            &txn,
                            campaign.id,
                            &[item.position],
                            RecipientState::Unknown,
                            Some((&code, &text)),
                            now,
                        )
                        .await?;
                    } else if let Some(wait) = retry {
                        store::requeue(
                            &txn,
                            campaign.id,
                            item.position,
                            now + wait,
                            Some((&code, &text)),
                            false,
                            now,
                        )
                        .await?;
                    } else {
                        store::finish(
                            &txn,
                            campaign.id,
                            &[item.position],
                            RecipientState::Failed,
                            Some((&code, &text)),
                            now,
                        )
                        .await?;
                    }
                }
            }
        }
        if !went.is_empty() {
            mark_sent(&txn, &went, now).await?;
            store::finish(&txn, campaign.id, &sent, RecipientState::Sent, None, now).await?;
            record_on_leads(&txn, ws, sender, &went, now).await?;
        }
        update_sender_streak(
            &txn,
            campaign.id,
            sender.id,
            successes,
            failures_in_row,
            strategy,
        )
        .await?;
        txn.commit().await?;

        if let Some(error) = &pausing
            && sender.paused_reason.is_none()
        {
            pause_for(&self.svc, sender, error).await?;
        }
        let restricted = matches!(pausing, Some(ProviderError::Restricted(_)));
        let window = strategy.failure_window.max(1);
        // A burst batch holds the whole window: the latest sends are its own, and the query
        // (whose cost grows with the campaign's messages) is left for paced sending.
        let recent = if outcomes.len() >= usize::try_from(window).unwrap_or(usize::MAX) {
            outcomes
        } else {
            store::recent_outcomes(
                db,
                WorkspaceId(ws.id),
                campaign.id,
                campaign.updated_at,
                window,
            )
            .await?
        };
        if let Some(reason) = planner::auto_pause(strategy, &recent, restricted) {
            auto_pause(&self.svc, campaign, &reason.message()).await?;
        }
        Ok(BatchOutcome {
            attempted,
            hold_until: rate_limited_until,
        })
    }
}

/// What a batch did to the sender's pace.
#[derive(Default)]
struct BatchOutcome {
    /// When each message that reached the provider went (rate-limited calls sent nothing).
    attempted: Vec<DateTime<Utc>>,
    /// A rate limit: not before this.
    hold_until: Option<DateTime<Utc>>,
}

/// The provider's answers for one recipient: its text's (when it has one of its own) and its
/// message's (the text's error when the text failed and the message was not tried).
struct Answers {
    lead_in: Option<Result<Sent, ProviderError>>,
    outcome: Result<Sent, ProviderError>,
}

/// A message the provider took.
struct Went<'a> {
    message_id: Uuid,
    provider_id: String,
    lead_id: Uuid,
    lead_stage: &'a str,
    excerpt: &'a str,
}

/// The text (with its file, if any) that goes as a message of its own before a location pin
/// or a contact card, which carry no text.
struct LeadIn {
    message_id: Uuid,
    excerpt: String,
    content: Content,
}

/// What one recipient of a variant gets, as provider calls. The dispatcher and the wizard's
/// test send (`service::test_send`) both build it here, so a test sends what the campaign
/// will.
pub(crate) struct VariantContent {
    /// Sent first for a pin or a card, which carry no text: the text, or the variant's file
    /// with the text as its caption (`None` when there is neither).
    pub lead_in: Option<Content>,
    /// The recipient's message; an error when there is nothing to send.
    pub message: Result<Content, ProviderError>,
}

/// Whether the variant's message is a pin or a card (its text then goes first on its own).
fn is_pin_or_card(variant: Option<&Variant>) -> bool {
    matches!(
        variant.map(|v| &v.extra),
        Some(VariantExtra::Location { .. } | VariantExtra::Contact { .. })
    )
}

/// The provider calls for `variant` with its `text` rendered for one recipient and its `file`
/// (an attachment of the workspace).
pub(crate) fn variant_content(
    svc: &Services,
    variant: Option<&Variant>,
    file: Option<&crate::db::entities::attachment::Model>,
    text: &str,
    now: DateTime<Utc>,
) -> VariantContent {
    let Some(variant) = variant else {
        return VariantContent {
            lead_in: None,
            message: Err(ProviderError::Unsupported("This campaign has no message.")),
        };
    };
    let message = match &variant.extra {
        VariantExtra::None => {
            let message = match file {
                Some(file) => Ok(media(svc, file, text, now)),
                None if text.trim().is_empty() => Err(ProviderError::Unsupported(
                    "The message is empty for this lead.",
                )),
                None => Ok(Content::Text {
                    body: text.to_owned(),
                }),
            };
            return VariantContent {
                lead_in: None,
                message,
            };
        }
        VariantExtra::Location {
            latitude,
            longitude,
            name,
            address,
        } => Content::Location {
            latitude: *latitude,
            longitude: *longitude,
            name: name.clone(),
            address: address.clone(),
        },
        VariantExtra::Contact { name, phone } => Content::Contacts {
            cards: vec![ContactCard {
                formatted_name: name.clone(),
                phones: vec![phone.clone()],
            }],
        },
    };
    let lead_in = match file {
        Some(file) => Some(media(svc, file, text, now)),
        None if !text.trim().is_empty() => Some(Content::Text {
            body: text.to_owned(),
        }),
        None => None,
    };
    VariantContent {
        lead_in,
        message: Ok(message),
    }
}

/// What a pin's or card's message row says.
fn describe(extra: &VariantExtra) -> String {
    match extra {
        VariantExtra::Location {
            latitude,
            longitude,
            name,
            address,
        } => {
            let place = [name, address]
                .into_iter()
                .flatten()
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", ");
            if place.is_empty() {
                format!("Location: {latitude}, {longitude}")
            } else {
                format!("Location: {place}")
            }
        }
        VariantExtra::Contact { name, phone } => format!("Contact card: {name}, {phone}"),
        VariantExtra::None => String::new(),
    }
}

/// An uploaded file as the provider fetches it, with `text` as its caption.
fn media(
    svc: &Services,
    file: &crate::db::entities::attachment::Model,
    text: &str,
    now: DateTime<Utc>,
) -> Content {
    Content::Media {
        kind: attachments::FileType::from_content_type(&file.content_type)
            .map_or(MediaKind::Document, attachments::FileType::media_kind),
        link: attachments::signed_link(svc, file, now),
        caption: Some(text.to_owned()).filter(|c| !c.is_empty()),
        filename: Some(file.file_name.clone()),
    }
}

/// A claimed recipient ready for its provider call.
struct Prepared {
    position: i64,
    attempt: u32,
    message_id: Uuid,
    lead_id: Uuid,
    lead_stage: String,
    /// Digits only.
    to: String,
    excerpt: String,
    /// Its text, sent first as a message of its own (before a pin or a card).
    lead_in: Option<LeadIn>,
    content: Result<Content, ProviderError>,
}

/// Stores the provider ids of sent messages (one statement for the batch).
async fn mark_sent(
    db: &impl ConnectionTrait,
    sent: &[Went<'_>],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let Some((first, rest)) = sent.split_first() else {
        return Ok(());
    };
    let mut case = Expr::case(
        message::Column::Id.eq(first.message_id),
        first.provider_id.clone(),
    );
    for went in rest {
        case = case.case(
            message::Column::Id.eq(went.message_id),
            went.provider_id.clone(),
        );
    }
    message::Entity::update_many()
        .col_expr(message::Column::ProviderMessageId, case.into())
        .col_expr(
            message::Column::Status,
            Expr::value(MessageStatus::Sent.as_str()),
        )
        .col_expr(message::Column::SentAt, Expr::value(now))
        .filter(message::Column::Id.is_in(sent.iter().map(|w| w.message_id)))
        .filter(message::Column::Status.is_in([
            MessageStatus::Sending.as_str(),
            MessageStatus::Unknown.as_str(),
        ]))
        .exec(db)
        .await?;
    Ok(())
}

/// The leads' timelines, and "contacted" for leads that were new.
async fn record_on_leads(
    db: &impl ConnectionTrait,
    ws: &workspace::Model,
    sender: &sender::Model,
    sent: &[Went<'_>],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let mut events: Vec<lead_event::ActiveModel> = sent
        .iter()
        .map(|w| {
            timeline(
                ws.id,
                w.lead_id,
                TimelineKind::Messaged,
                format!("Campaign, from {}: {}", sender.name, w.excerpt),
                None,
            )
        })
        .collect();
    // A text and its pin are two messages to one lead: it moves (and says so) once.
    let mut new_leads: Vec<Uuid> = sent
        .iter()
        .filter(|w| w.lead_stage == Stage::New.as_str())
        .map(|w| w.lead_id)
        .collect();
    new_leads.sort_unstable();
    new_leads.dedup();
    if !new_leads.is_empty() {
        let moved = lead::Entity::update_many()
            .col_expr(lead::Column::Stage, Expr::value(Stage::Contacted.as_str()))
            .col_expr(lead::Column::UpdatedAt, Expr::value(now))
            .filter(lead::Column::WorkspaceId.eq(ws.id))
            .filter(lead::Column::Id.is_in(new_leads.iter().copied()))
            .filter(lead::Column::Stage.eq(Stage::New.as_str()))
            .exec(db)
            .await?;
        if moved.rows_affected > 0 {
            events.extend(new_leads.iter().map(|id| {
                timeline(
                    ws.id,
                    *id,
                    TimelineKind::StageChanged,
                    format!("{} → {}", Stage::New.label(), Stage::Contacted.label()),
                    None,
                )
            }));
        }
    }
    lead_event::Entity::insert_many(events)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Failures in a row per campaign sender; too many take it out of the campaign's rotation.
async fn update_sender_streak(
    db: &impl ConnectionTrait,
    campaign: Uuid,
    sender: Uuid,
    successes: u32,
    trailing_failures: u32,
    strategy: &Strategy,
) -> Result<(), AppError> {
    let Some(row) = campaign_sender::Entity::find_by_id((campaign, sender))
        .one(db)
        .await?
    else {
        return Ok(());
    };
    let streak = if successes > 0 {
        trailing_failures
    } else {
        u32::try_from(row.consecutive_failures).unwrap_or(0) + trailing_failures
    };
    let mut active: campaign_sender::ActiveModel = row.into();
    active.consecutive_failures = Set(i32::try_from(streak).unwrap_or(i32::MAX));
    if planner::should_skip_sender(strategy, streak) {
        active.skipped_reason = Set(Some(format!(
            "Left this campaign after {streak} failures in a row; its recipients go to the other senders."
        )));
    }
    active.update(db).await?;
    Ok(())
}

/// A campaign pauses itself (conditional: only a running campaign), telling its managers.
pub async fn auto_pause(
    svc: &Services,
    campaign: &campaign::Model,
    reason: &str,
) -> Result<(), AppError> {
    let paused = campaign::Entity::update_many()
        .col_expr(
            campaign::Column::Status,
            Expr::value(CampaignStatus::Paused.as_str()),
        )
        .col_expr(campaign::Column::PausedReason, Expr::value(reason))
        .col_expr(campaign::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(campaign::Column::Id.eq(campaign.id))
        .filter(campaign::Column::Status.eq(CampaignStatus::Running.as_str()))
        .exec(&svc.db)
        .await?;
    if paused.rows_affected == 1 {
        tracing::warn!(campaign = %campaign.id, "campaign paused itself: {reason}");
        super::notify::tell(
            svc,
            campaign,
            &format!("Campaign “{}”: {reason}", campaign.name),
        )
        .await?;
    }
    Ok(())
}

/// Messages the workspace's plan still allows on `today` (`None`: unlimited).
pub fn plan_room(
    ws: &workspace::Model,
    plan: &crate::plans::PlanDto,
    today: chrono::NaiveDate,
) -> Option<u64> {
    let max = plan.limit(crate::plans::Limit::MessagesPerDay)?;
    let used = if ws.sent_day.as_deref() == Some(today.to_string().as_str()) {
        u64::try_from(ws.sent_today).unwrap_or_default()
    } else {
        0
    };
    Some(u64::from(max).saturating_sub(used))
}

/// The start of the workspace's next local day.
pub fn next_local_midnight(now: DateTime<Utc>, tz: &chrono_tz::Tz) -> DateTime<Utc> {
    let tomorrow = day_of(now, tz).succ_opt().unwrap_or(day_of(now, tz));
    resolve_local(tomorrow.and_time(chrono::NaiveTime::MIN), tz).unwrap_or(now + TimeDelta::days(1))
}

fn day_of(at: DateTime<Utc>, tz: &chrono_tz::Tz) -> chrono::NaiveDate {
    at.with_timezone(tz).date_naive()
}

/// The sender row's day count is the truth (one-to-one sends count too).
fn sync_day(pace: &mut SenderPace, sender: &sender::Model, now: DateTime<Utc>, tz: &chrono_tz::Tz) {
    let today = day_of(now, tz);
    let stored = sender
        .sent_day
        .as_deref()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    pace.day = Some(today);
    pace.sent_today = if stored == Some(today) {
        u32::try_from(sender.sent_today).unwrap_or(0)
    } else {
        0
    };
}

/// Balanced by health: a sender that failed recently waits longer, in proportion to its
/// failures among its last 20 sends (5 failures: twice the usual gap).
async fn slow_down_by_health(
    db: &DatabaseConnection,
    sender: &sender::Model,
    pace: &mut SenderPace,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let failed = message::Entity::find()
        .select_only()
        .column(message::Column::Status)
        .filter(message::Column::SenderId.eq(sender.id))
        .filter(message::Column::Direction.eq("out"))
        .order_by_desc(message::Column::CreatedAt)
        .limit(crate::whatsapp::senders::HEALTH_WINDOW)
        .into_tuple::<String>()
        .all(db)
        .await?
        .iter()
        .filter(|status| *status == MessageStatus::Failed.as_str())
        .count();
    if failed > 0
        && let Some(next) = pace.next_at
        && next > now
    {
        let gap = next - now;
        pace.next_at = Some(next + gap * i32::try_from(failed).unwrap_or(20) / 5);
    }
    Ok(())
}

/// "Senders take turns": a sender goes only when no other sender at work on the campaign has
/// claimed fewer of this run's recipients, so shares stay within one message of each other
/// whatever each number's speed. Senders paused, out of the rotation, busy with another
/// campaign or at their daily cap do not hold the others up; one no worker holds yet does
/// (the next tick leases it), and so does one just leased whose loop has not picked a campaign
/// yet, so the first sender at work does not run away with the list.
async fn my_turn(
    db: &impl ConnectionTrait,
    ws: &workspace::Model,
    campaign: &campaign::Model,
    strategy: &Strategy,
    me: &sender::Model,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let turns = store::turns(db, WorkspaceId(ws.id), campaign.id, campaign.run, now).await?;
    let mine = turns
        .iter()
        .find(|t| t.sender == me.id)
        .map_or(0, |t| t.claimed);
    let ahead_of: Vec<Uuid> = turns
        .iter()
        .filter(|t| t.sender != me.id && t.contends && t.claimed < mine)
        .map(|t| t.sender)
        .collect();
    if ahead_of.is_empty() {
        return Ok(true);
    }
    let today = crate::whatsapp::senders::local_day(ws);
    let others = sender::Entity::find()
        .filter(sender::Column::WorkspaceId.eq(ws.id))
        .filter(sender::Column::Id.is_in(ahead_of))
        .filter(sender::Column::PausedReason.is_null())
        .all(db)
        .await?;
    Ok(!others.iter().any(|other| {
        !strategy.respect_daily_cap
            || crate::whatsapp::senders::sent_on(other, &today) < daily_cap(ws, other)
    }))
}

async fn nap_until(at: DateTime<Utc>, now: DateTime<Utc>) {
    let wait = (at - now).to_std().unwrap_or_default().min(NAP);
    tokio::time::sleep(wait.max(Duration::from_millis(5))).await;
}

enum Pick {
    Due(campaign::Model),
    WaitUntil(DateTime<Utc>),
}

/// The oldest running campaign this sender sends for that has a recipient due; completes
/// those with nothing left. `None`: the sender has nothing to do.
async fn pick_campaign(
    svc: &Services,
    workspace: WorkspaceId,
    sender: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<Pick>, AppError> {
    let db = &svc.db;
    let mine = campaign_sender::Entity::find()
        .filter(campaign_sender::Column::SenderId.eq(sender))
        .filter(campaign_sender::Column::WorkspaceId.eq(workspace.0))
        .filter(campaign_sender::Column::SkippedReason.is_null())
        .all(db)
        .await?;
    let campaigns = campaign::Entity::find()
        .filter(campaign::Column::WorkspaceId.eq(workspace.0))
        .filter(campaign::Column::Id.is_in(mine.iter().map(|c| c.campaign_id)))
        .filter(campaign::Column::Status.eq(CampaignStatus::Running.as_str()))
        .order_by_asc(campaign::Column::LaunchedAt)
        .all(db)
        .await?;
    let mut earliest: Option<DateTime<Utc>> = None;
    for campaign in campaigns {
        match store::next_due(db, campaign.id).await? {
            None => {
                if !store::has_open(db, campaign.id).await? {
                    complete(svc, &campaign, now).await?;
                }
            }
            Some(None) => return Ok(Some(Pick::Due(campaign))),
            Some(Some(at)) if at <= now => return Ok(Some(Pick::Due(campaign))),
            Some(Some(at)) => earliest = Some(earliest.map_or(at, |e| e.min(at))),
        }
    }
    Ok(earliest.map(Pick::WaitUntil))
}

/// Ends a run with nothing left: the totals are recorded; a recurring campaign waits for its
/// next run, any other completes. Conditional on `running`, so two workers end it once — and
/// only the one that ended it tells the campaign's people (bell, e-mail, webhook).
pub async fn complete(
    svc: &Services,
    model: &campaign::Model,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let db = &svc.db;
    let counts = store::counts(db, WorkspaceId(model.workspace_id), model).await?;
    let kind = CampaignKind::parse(&model.kind).unwrap_or_default();
    let form: CampaignForm = serde_json::from_str(&model.form).unwrap_or_default();
    let tz = workspace::Entity::find_by_id(model.workspace_id)
        .one(db)
        .await?
        .map_or(chrono_tz::UTC, |ws| ws.zone());
    let next = next_run(kind, form.start_at, now, &tz);
    let (status, next_at) = match next {
        Some(at) => (CampaignStatus::Scheduled, Some(at)),
        None => (CampaignStatus::Completed, None),
    };
    let done = campaign::Entity::update_many()
        .col_expr(campaign::Column::Status, Expr::value(status.as_str()))
        .col_expr(campaign::Column::NextRunAt, Expr::value(next_at))
        .col_expr(
            campaign::Column::Totals,
            Expr::value(serde_json::to_string(&counts).ok()),
        )
        .col_expr(
            campaign::Column::CompletedAt,
            Expr::value((status == CampaignStatus::Completed).then_some(now)),
        )
        .col_expr(campaign::Column::UpdatedAt, Expr::value(now))
        .filter(campaign::Column::Id.eq(model.id))
        .filter(campaign::Column::Status.eq(CampaignStatus::Running.as_str()))
        .exec(db)
        .await?
        .rows_affected
        == 1;
    if done {
        tracing::info!(campaign = %model.id, sent = counts.sent, failed = counts.failed, "campaign run completed");
        let mut ended = model.clone();
        ended.status = status.as_str().into();
        let text = super::notify::completion_text(&ended, &counts, next_at, &tz);
        // The run has ended whatever happens here; a notification that cannot be written is
        // logged rather than undoing or repeating that.
        if let Err(error) = super::notify::tell(svc, &ended, &text).await {
            tracing::warn!(campaign = %model.id, %error, "completion notification not stored");
        }
    }
    Ok(done)
}

/// The next run of a recurring campaign after `now`, at `start`'s time of day (weekly: and
/// weekday); `None` for the others.
pub fn next_run(
    kind: CampaignKind,
    start: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    tz: &chrono_tz::Tz,
) -> Option<DateTime<Utc>> {
    let step = match kind {
        CampaignKind::RecurringDaily => TimeDelta::days(1),
        CampaignKind::RecurringWeekly => TimeDelta::weeks(1),
        _ => return None,
    };
    let start = start?;
    if start > now {
        return Some(start);
    }
    // Runs keep the first run's wall-clock time in the workspace's zone, so a 09:00 run stays
    // at 09:00 across daylight-saving changes. Skip the whole steps already behind us first.
    let first = start.with_timezone(tz).naive_local();
    let behind = (now - start).num_seconds() / step.num_seconds();
    let mut k = i32::try_from(behind.saturating_sub(1).max(0)).unwrap_or(i32::MAX);
    loop {
        let at = resolve_local(first + step * k, tz)?;
        if at > now {
            return Some(at);
        }
        k = k.checked_add(1)?;
    }
}

/// A wall-clock time in `tz` as an instant: the earlier one when the clocks go back, and the
/// first minute that exists when they jump forward over it.
fn resolve_local(local: chrono::NaiveDateTime, tz: &chrono_tz::Tz) -> Option<DateTime<Utc>> {
    use chrono::TimeZone;
    (0..=4 * 60).find_map(|minutes| {
        tz.from_local_datetime(&(local + TimeDelta::minutes(minutes)))
            .earliest()
            .map(|at| at.with_timezone(&Utc))
    })
}

/// Starts the runs of scheduled campaigns that are due: the status moves first (conditional,
/// so one worker wins), then the run's recipients are created in the same transaction.
pub async fn start_due(svc: &Services, now: DateTime<Utc>) -> Result<u64, AppError> {
    let due = campaign::Entity::find()
        .filter(campaign::Column::Status.eq(CampaignStatus::Scheduled.as_str()))
        .filter(campaign::Column::NextRunAt.lte(now))
        .all(&svc.db)
        .await?;
    let mut started = 0;
    for model in due {
        let txn = crate::db::begin_write(&svc.db).await?;
        let won = campaign::Entity::update_many()
            .col_expr(
                campaign::Column::Status,
                Expr::value(CampaignStatus::Running.as_str()),
            )
            .col_expr(
                campaign::Column::Run,
                sea_orm::sea_query::ExprTrait::add(Expr::col(campaign::Column::Run), 1),
            )
            .col_expr(campaign::Column::LaunchedAt, Expr::value(now))
            .col_expr(campaign::Column::UpdatedAt, Expr::value(now))
            .filter(campaign::Column::Id.eq(model.id))
            .filter(campaign::Column::Status.eq(CampaignStatus::Scheduled.as_str()))
            .exec(&txn)
            .await?
            .rows_affected
            == 1;
        if !won {
            txn.rollback().await?;
            continue;
        }
        let ws = workspaces::find(&txn, WorkspaceId(model.workspace_id)).await?;
        let form: CampaignForm = serde_json::from_str(&model.form).unwrap_or_default();
        let created =
            store::materialise(&txn, &model, &form, &ws.default_country, model.run + 1, now)
                .await?;
        txn.commit().await?;
        tracing::info!(campaign = %model.id, run = model.run + 1, recipients = created, "campaign run started");
        started += 1;
    }
    Ok(started)
}

/// Senders of running campaigns (not taken out of the rotation), with their workspace.
async fn senders_with_work(db: &DatabaseConnection) -> Result<Vec<(Uuid, Uuid)>, AppError> {
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT DISTINCT cs.sender_id, cs.workspace_id FROM campaign_senders cs \
             JOIN campaigns c ON c.id = cs.campaign_id \
             JOIN senders s ON s.id = cs.sender_id \
             WHERE c.status = 'running' AND cs.skipped_reason IS NULL AND s.paused_reason IS NULL",
        ))
        .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get("", "sender_id")?,
                row.try_get("", "workspace_id")?,
            ))
        })
        .collect()
}

async fn any_running(db: &DatabaseConnection) -> Result<bool, AppError> {
    use sea_orm::PaginatorTrait;
    Ok(campaign::Entity::find()
        .filter(campaign::Column::Status.eq(CampaignStatus::Running.as_str()))
        .count(db)
        .await?
        > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn recurring_runs_follow_the_start_time() {
        let utc = chrono_tz::UTC;
        let start = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 10, 0, 0).unwrap();
        assert_eq!(
            next_run(CampaignKind::OneTime, Some(start), now, &utc),
            None
        );
        assert_eq!(
            next_run(CampaignKind::RecurringDaily, Some(start), now, &utc),
            Some(Utc.with_ymd_and_hms(2026, 12, 4, 9, 0, 0).unwrap())
        );
        assert_eq!(
            next_run(CampaignKind::RecurringWeekly, Some(start), now, &utc),
            Some(Utc.with_ymd_and_hms(2026, 12, 8, 9, 0, 0).unwrap())
        );
        let later = Utc.with_ymd_and_hms(2026, 12, 9, 9, 0, 0).unwrap();
        assert_eq!(
            next_run(CampaignKind::RecurringDaily, Some(later), now, &utc),
            Some(later)
        );
    }

    #[test]
    fn recurring_runs_keep_local_time_across_daylight_saving() {
        let berlin = chrono_tz::Europe::Berlin;
        // 09:00 in Berlin is 08:00 UTC in winter and 07:00 UTC in summer (from 29 March 2026).
        let start = Utc.with_ymd_and_hms(2026, 3, 27, 8, 0, 0).unwrap();
        let now = Utc.with_ymd_and_hms(2026, 3, 29, 12, 0, 0).unwrap();
        assert_eq!(
            next_run(CampaignKind::RecurringDaily, Some(start), now, &berlin),
            Some(Utc.with_ymd_and_hms(2026, 3, 30, 7, 0, 0).unwrap())
        );
        // 02:30 does not exist on 29 March in Berlin: that run goes at 03:00 local.
        let night = Utc.with_ymd_and_hms(2026, 3, 28, 1, 30, 0).unwrap();
        let after = Utc.with_ymd_and_hms(2026, 3, 28, 2, 0, 0).unwrap();
        assert_eq!(
            next_run(CampaignKind::RecurringDaily, Some(night), after, &berlin),
            Some(Utc.with_ymd_and_hms(2026, 3, 29, 1, 0, 0).unwrap())
        );
    }
}
