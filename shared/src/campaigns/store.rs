//! The campaign tables' queries: which leads an audience names and which of them may be
//! messaged, the set-based creation of a run's recipient rows, the counters, and the
//! dispatcher's claims, results and sender leases. Every query is scoped by workspace or by a
//! campaign id read through a workspace-scoped lookup.

use super::SendOrder;
use super::SenderPace;
use super::model::{
    Audience, AudienceCount, AudienceSource, CampaignForm, CampaignRun, RecipientCounts,
    RecipientState, VariantChoice,
};
use crate::analytics::report::count as count_column;
use crate::db::entities::{campaign, campaign_recipient, lead, message, sender_lease};
use crate::db::{Sql, placeholder};
use crate::leads::{WhatsappStatus, normalize_phone};
use crate::whatsapp::MessageStatus;
use crate::{AppError, WorkspaceId};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, Select, Statement,
};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// The leads an audience source names (before exclusions), and what reading pasted numbers
/// found along the way.
pub struct Named {
    pub select: Select<lead::Entity>,
    /// Pasted numbers that were not numbers, repeated, or matched no lead.
    pub invalid_numbers: u64,
    pub duplicates: u64,
    pub unmatched: u64,
}

/// Reads pasted numbers: E.164 with the workspace's default country; returns the distinct
/// numbers, how many were invalid and how many repeated.
pub fn parse_numbers(text: &str, default_country: &str) -> (Vec<String>, u64, u64) {
    let mut seen = HashSet::new();
    let (mut numbers, mut invalid, mut duplicates) = (Vec::new(), 0, 0);
    for item in text
        .split(['\n', '\r', ',', ';', '\t'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        match normalize_phone(item, Some(default_country)) {
            Ok(phone) if seen.insert(phone.e164.clone()) => numbers.push(phone.e164),
            Ok(_) => duplicates += 1,
            Err(_) => invalid += 1,
        }
    }
    (numbers, invalid, duplicates)
}

pub async fn named(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    default_country: &str,
    source: &AudienceSource,
) -> Result<Named, AppError> {
    let mut named = Named {
        select: crate::leads::store::filtered(workspace, &Default::default()),
        invalid_numbers: 0,
        duplicates: 0,
        unmatched: 0,
    };
    match source {
        AudienceSource::Filter(filter) => {
            if let Some(problem) = filter.problem() {
                return Err(AppError::field("audience", problem));
            }
            named.select = crate::leads::store::filtered(workspace, filter);
        }
        AudienceSource::Segment(id) => {
            let segment = crate::segments::store::find(db, workspace, *id)
                .await
                .map_err(|_| AppError::field("audience", "That segment is no longer here."))?;
            let filter = crate::segments::store::filter_of(&segment)?;
            named.select = crate::leads::store::filtered(workspace, &filter);
        }
        AudienceSource::Leads(ids) => {
            named.select = named
                .select
                .filter(lead::Column::Id.is_in(ids.iter().copied()));
        }
        AudienceSource::Numbers(text) => {
            let (numbers, invalid, duplicates) = parse_numbers(text, default_country);
            if numbers.len() > super::model::MAX_PASTED_NUMBERS {
                return Err(AppError::field(
                    "audience",
                    format!(
                        "At most {} numbers at once; import them as leads and use a filter.",
                        super::model::MAX_PASTED_NUMBERS
                    ),
                ));
            }
            named.invalid_numbers = invalid;
            named.duplicates = duplicates;
            let total = numbers.len() as u64;
            named.select = named.select.filter(lead::Column::PhoneE164.is_in(numbers));
            let matched = named.select.clone().count(db).await?;
            named.unmatched = total.saturating_sub(matched);
        }
    }
    Ok(named)
}

/// Leads some campaign messaged since `since` (an outbound campaign message, any state).
fn contacted_since(workspace: WorkspaceId, since: DateTime<Utc>) -> SelectStatement {
    message::Entity::find()
        .select_only()
        .column(message::Column::LeadId)
        .filter(message::Column::WorkspaceId.eq(workspace.0))
        .filter(message::Column::Direction.eq("out"))
        .filter(message::Column::CampaignId.is_not_null())
        .filter(message::Column::LeadId.is_not_null())
        .filter(message::Column::CreatedAt.gte(since))
        .into_query()
}

/// Leads this campaign already reached in an earlier run — or may have: an `unknown` (or
/// still `sending`) message may be on the lead's phone, and is never sent again on its own,
/// so a later run must not send it either; "retry failed" with unknown ones is how the user
/// says it did not arrive.
fn reached_by(campaign: Uuid) -> SelectStatement {
    campaign_recipient::Entity::find()
        .select_only()
        .column(campaign_recipient::Column::LeadId)
        .filter(campaign_recipient::Column::CampaignId.eq(campaign))
        .filter(campaign_recipient::Column::State.is_in(reached_states()))
        .into_query()
}

/// The recipient states that count as (maybe) reached, for [`reached_by`].
fn reached_states() -> [&'static str; 3] {
    [
        RecipientState::Sent.as_str(),
        RecipientState::Sending.as_str(),
        RecipientState::Unknown.as_str(),
    ]
}

/// The exclusions in the order they are counted; each step narrows the previous one.
type Step = Box<dyn Fn(Select<lead::Entity>) -> Select<lead::Entity> + Send + Sync>;

fn exclusion_steps(
    workspace: WorkspaceId,
    audience: &Audience,
    campaign: Option<Uuid>,
    now: DateTime<Utc>,
) -> [Step; 4] {
    let within = audience.skip_contacted_within_days;
    [
        Box::new(|s| s.filter(lead::Column::OptedOut.eq(false))),
        Box::new(|s| s.filter(lead::Column::PhoneE164.is_not_null())),
        Box::new(|s| {
            s.filter(lead::Column::WhatsappStatus.ne(WhatsappStatus::NotOnWhatsapp.as_str()))
        }),
        Box::new(move |mut s| {
            if let Some(id) = campaign {
                s = s.filter(lead::Column::Id.not_in_subquery(reached_by(id)));
            }
            if let Some(days) = within.filter(|d| *d > 0) {
                let since = now - chrono::TimeDelta::days(i64::from(days));
                s = s.filter(lead::Column::Id.not_in_subquery(contacted_since(workspace, since)));
            }
            s
        }),
    ]
}

/// The leads of `named` that may be messaged now.
pub fn eligible(
    workspace: WorkspaceId,
    named: Select<lead::Entity>,
    audience: &Audience,
    campaign: Option<Uuid>,
    now: DateTime<Utc>,
) -> Select<lead::Entity> {
    exclusion_steps(workspace, audience, campaign, now)
        .iter()
        .fold(named, |s, step| step(s))
}

/// Who the audience reaches and who it leaves out, each lead under its first reason.
pub async fn count(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    default_country: &str,
    audience: &Audience,
    campaign: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<AudienceCount, AppError> {
    let named = named(db, workspace, default_country, &audience.source).await?;
    let mut select = named.select;
    let mut counts = [0u64; 5];
    counts[0] = select.clone().count(db).await?;
    for (i, step) in exclusion_steps(workspace, audience, campaign, now)
        .iter()
        .enumerate()
    {
        select = step(select);
        counts[i + 1] = select.clone().count(db).await?;
    }
    Ok(AudienceCount {
        matched: counts[0],
        opted_out: counts[0] - counts[1],
        invalid_phone: counts[1] - counts[2] + named.invalid_numbers,
        not_on_whatsapp: counts[2] - counts[3],
        already_messaged: counts[3] - counts[4],
        eligible: counts[4],
        duplicates: named.duplicates,
        unmatched_numbers: named.unmatched,
    })
}

/// The variant each weight's share maps to, over a cycle of `sum(weights)` positions reduced
/// by their greatest common divisor (50/50 alternates A, B, A, B).
fn rotation_case(weights: &[u32]) -> Option<String> {
    fn gcd(a: u32, b: u32) -> u32 {
        if b == 0 { a } else { gcd(b, a % b) }
    }
    if weights.len() < 2 {
        return None;
    }
    let divisor = weights.iter().copied().fold(0, gcd).max(1);
    let reduced: Vec<u32> = weights.iter().map(|w| w / divisor).collect();
    let cycle: u32 = reduced.iter().sum();
    let mut case = String::from("CASE");
    let mut upper = 0;
    for (i, w) in reduced.iter().enumerate() {
        upper += w;
        case.push_str(&format!(
            " WHEN (position - 1) % {cycle} < {upper} THEN {i}"
        ));
    }
    case.push_str(" ELSE 0 END");
    Some(case)
}

/// Creates run `run`'s recipient rows from the audience in one set-based statement (a million
/// leads never pass through memory), then assigns rotation variants; returns how many.
pub async fn materialise(
    db: &impl ConnectionTrait,
    campaign: &campaign::Model,
    form: &CampaignForm,
    default_country: &str,
    run: i32,
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    let workspace = WorkspaceId(campaign.workspace_id);
    let named = named(db, workspace, default_country, &form.audience.source).await?;
    let select = eligible(
        workspace,
        named.select,
        &form.audience,
        Some(campaign.id),
        now,
    );
    let base: i64 = campaign_recipient::Entity::find()
        .select_only()
        .column_as(campaign_recipient::Column::Position.max(), "max")
        .filter(campaign_recipient::Column::CampaignId.eq(campaign.id))
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .flatten()
        .unwrap_or(0);
    let order = if form.strategy.order == SendOrder::Random {
        "random()"
    } else {
        r#""leads"."id""#
    };
    let variant = match form.variant_choice {
        VariantChoice::ByWebsiteStatus => {
            let mut case = String::from("CASE");
            for (i, v) in form.variants.iter().enumerate() {
                if v.website_statuses.is_empty() {
                    continue;
                }
                let list: Vec<String> = v
                    .website_statuses
                    .iter()
                    .map(|s| format!("'{}'", s.as_str()))
                    .collect();
                case.push_str(&format!(
                    r#" WHEN "leads"."website_status" IN ({}) THEN {i}"#,
                    list.join(",")
                ));
            }
            if case == "CASE" {
                "0".to_owned()
            } else {
                case + " ELSE 0 END"
            }
        }
        VariantChoice::Rotation => "0".to_owned(),
    };
    let query = select
        .select_only()
        .column_as(Expr::val(campaign.id), "campaign_id")
        .column_as(
            Expr::cust(format!("{base} + ROW_NUMBER() OVER (ORDER BY {order})")),
            "position",
        )
        .column_as(Expr::val(campaign.workspace_id), "workspace_id")
        .column_as(Expr::val(run), "run")
        .column_as(Expr::col((lead::Entity, lead::Column::Id)), "lead_id")
        .column_as(Expr::cust(variant), "variant")
        .column_as(Expr::val(RecipientState::Pending.as_str()), "state")
        .column_as(Expr::val(0), "attempts")
        .column_as(Expr::val(now), "updated_at")
        .into_query();
    let insert = Query::insert()
        .into_table(campaign_recipient::Entity)
        .columns([
            campaign_recipient::Column::CampaignId,
            campaign_recipient::Column::Position,
            campaign_recipient::Column::WorkspaceId,
            campaign_recipient::Column::Run,
            campaign_recipient::Column::LeadId,
            campaign_recipient::Column::Variant,
            campaign_recipient::Column::State,
            campaign_recipient::Column::Attempts,
            campaign_recipient::Column::UpdatedAt,
        ])
        .select_from(query)
        .map_err(|e| AppError::internal("building a run's recipients insert", e))?
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([
                campaign_recipient::Column::CampaignId,
                campaign_recipient::Column::Run,
                campaign_recipient::Column::LeadId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .to_owned();
    let inserted = db.execute(&insert).await?.rows_affected();
    if db.get_database_backend() == DbBackend::Postgres && inserted >= ANALYZE_AFTER {
        // PostgreSQL plans the dispatcher's statements on the table's statistics, which
        // autovacuum refreshes only after a fifth of the table changed: a large run's rows
        // are counted now (its own uncommitted rows included), not minutes into the sending.
        db.execute_unprepared("ANALYZE campaign_recipients").await?;
    }
    if form.variant_choice == VariantChoice::Rotation {
        let weights: Vec<u32> = form.variants.iter().map(|v| v.weight.max(1)).collect();
        if let Some(case) = rotation_case(&weights) {
            let backend = db.get_database_backend();
            db.execute_raw(Statement::from_sql_and_values(
                backend,
                format!(
                    "UPDATE campaign_recipients SET variant = {} WHERE campaign_id = {} AND run = {}",
                    case.replace("position", &format!("(position - {base})")),
                    placeholder(backend, 1),
                    placeholder(backend, 2)
                ),
                [campaign.id.into(), run.into()],
            ))
            .await?;
        }
    }
    Ok(inserted)
}

/// A run with at least this many recipients has the table's statistics refreshed at once.
const ANALYZE_AFTER: u64 = 10_000;

/// Recipients per state, and what webhooks and replies added, for one campaign: the sum of
/// its runs' [`tally`].
pub async fn counts(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    campaign: &campaign::Model,
) -> Result<RecipientCounts, AppError> {
    Ok(tally(db, workspace, campaign.id).await?.counts)
}

/// A campaign's runs, and its counters (their sum), from one aggregate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// The latest first.
    pub runs: Vec<CampaignRun>,
    pub counts: RecipientCounts,
}

/// A campaign's recipients by run and state, with their latest message's receipts, from the
/// `campaign_run_stats` rollup (migration `000024`): a few rows per run, kept exact by
/// triggers on `campaign_recipients`, whatever the campaign's size. Each recipient carries its
/// latest message's receipts (copied by the triggers of migration `000023`); a message counts
/// as delivered when its delivery receipt, its read receipt or its lead's answer came:
/// receipts can be lost or switched off, an answer cannot come without the message. A run's
/// first and last send are the earliest and latest time one of its recipients became `sent`.
pub async fn tally(
    db: &impl ConnectionTrait,
    ws: WorkspaceId,
    campaign: Uuid,
) -> Result<Tally, AppError> {
    Ok(tallies(db, ws, &[campaign])
        .await?
        .remove(&campaign)
        .unwrap_or_default())
}

/// [`tally`] for several campaigns of one workspace in one query (the campaign list). A
/// campaign with no recipients has no entry.
pub async fn tallies(
    db: &impl ConnectionTrait,
    ws: WorkspaceId,
    campaigns: &[Uuid],
) -> Result<HashMap<Uuid, Tally>, AppError> {
    let mut out: HashMap<Uuid, Tally> = HashMap::with_capacity(campaigns.len());
    if campaigns.is_empty() {
        return Ok(out);
    }
    // PostgreSQL sums BIGINTs as NUMERIC: cast back.
    let sums: Vec<String> = [
        ("recipients", "recipients"),
        ("pending", "pending"),
        ("sending", "sending"),
        ("sent", "sent"),
        ("failed", "failed"),
        ("skipped", "skipped"),
        ("delivered", "delivered"),
        ("reads", "read_count"),
        ("replied", "replied"),
        ("undelivered", "undelivered"),
    ]
    .iter()
    .map(|(column, name)| format!("CAST(SUM({column}) AS BIGINT) AS {name}"))
    .collect();
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(&format!(
        "SELECT campaign_id, run, {sums}, MIN(first_sent_at) AS first_sent_at, \
         MAX(last_sent_at) AS last_sent_at FROM campaign_run_stats WHERE workspace_id = ",
        sums = sums.join(", ")
    ))
    .bind(ws.0)
    .push(" AND campaign_id IN (");
    for (i, id) in campaigns.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind(*id);
    }
    // A run whose recipients are all gone (their leads deleted) is no run any more.
    sql.push(
        ") GROUP BY campaign_id, run HAVING SUM(recipients) > 0 \
         ORDER BY campaign_id, run DESC",
    );
    for row in db.query_all_raw(sql.statement()).await? {
        let campaign: Uuid = row.try_get("", "campaign_id")?;
        let run: i32 = row.try_get("", "run")?;
        let recipients = count_column(&row, "recipients")?;
        let (sent, failed, skipped) = (
            count_column(&row, "sent")?,
            count_column(&row, "failed")?,
            count_column(&row, "skipped")?,
        );
        let run = CampaignRun {
            run: u32::try_from(run).unwrap_or(0),
            recipients,
            sent,
            failed,
            skipped,
            open: recipients.saturating_sub(sent + failed + skipped),
            delivered: count_column(&row, "delivered")?,
            read: count_column(&row, "read_count")?,
            replied: count_column(&row, "replied")?,
            first_sent_at: row.try_get("", "first_sent_at")?,
            last_sent_at: row.try_get("", "last_sent_at")?,
        };
        let tally = out.entry(campaign).or_default();
        let counts = &mut tally.counts;
        counts.total += recipients;
        counts.pending += count_column(&row, "pending")?;
        counts.sending += count_column(&row, "sending")?;
        counts.sent += run.sent;
        counts.failed += run.failed;
        counts.skipped += run.skipped;
        counts.delivered += run.delivered;
        counts.read += run.read;
        counts.replied += run.replied;
        counts.undelivered += count_column(&row, "undelivered")?;
        tally.runs.push(run);
    }
    // A state no version of the code wrote counts as unknown, as the page shows it.
    for tally in out.values_mut() {
        let counts = &mut tally.counts;
        counts.unknown = counts.total
            - (counts.pending + counts.sending + counts.sent + counts.failed + counts.skipped)
                .min(counts.total);
    }
    Ok(out)
}

/// Recipients in state `sent` whose message the provider reported failed afterwards (a failed
/// receipt). A recipient's `message_id` is its latest message, so
/// one that was retried and went through is no longer one of them.
pub fn undelivered() -> Condition {
    Condition::all()
        .add(campaign_recipient::Column::State.eq(RecipientState::Sent.as_str()))
        .add(campaign_recipient::Column::MessageFailed.eq(true))
}

/// The recipients the page lists as failed messages and "retry failed" puts back in the
/// queue: failed ones, those whose message failed after it went, and on request those whose
/// outcome is unknown.
pub fn retryable(include_unknown: bool) -> Condition {
    let mut states = vec![RecipientState::Failed.as_str()];
    if include_unknown {
        states.push(RecipientState::Unknown.as_str());
    }
    Condition::any()
        .add(campaign_recipient::Column::State.is_in(states))
        .add(undelivered())
}

/// A due recipient the dispatcher picked, locked for its transaction; [`claim`] commits it as
/// `sending`, linked to its message, before any provider call.
#[derive(Clone, Debug)]
pub struct Claimed {
    pub position: i64,
    pub lead_id: Uuid,
    pub variant: usize,
    /// This attempt's number (1 for the first).
    pub attempt: u32,
}

/// Up to `limit` due pending recipients of a running campaign, in order, locked until the
/// caller's transaction ends: PostgreSQL skips rows another worker has locked
/// (`FOR UPDATE SKIP LOCKED`); SQLite has one writer at a time (the caller's write
/// transaction). Leads that opted out meanwhile are never picked.
pub async fn pick(
    db: &impl ConnectionTrait,
    campaign: Uuid,
    limit: u64,
    now: DateTime<Utc>,
) -> Result<Vec<Claimed>, AppError> {
    let backend = db.get_database_backend();
    let mut sql = Sql::new(backend);
    sql.push(
        "SELECT r.position, r.lead_id, r.variant, r.attempts \
         FROM campaign_recipients r JOIN leads l ON l.id = r.lead_id \
         WHERE r.campaign_id = ",
    )
    .bind(campaign)
    .push(" AND r.state = 'pending' AND (r.next_attempt_at IS NULL OR r.next_attempt_at <= ")
    .bind(now)
    .push(") AND NOT l.opted_out AND EXISTS (SELECT 1 FROM campaigns c WHERE c.id = ")
    .bind(campaign)
    .push(" AND c.status = 'running') ORDER BY r.position LIMIT ")
    .bind(i64::try_from(limit).unwrap_or(i64::MAX));
    if backend == DbBackend::Postgres {
        sql.push(" FOR UPDATE OF r SKIP LOCKED");
    }
    let mut picked = Vec::new();
    for row in db.query_all_raw(sql.statement()).await? {
        let variant: i32 = row.try_get("", "variant")?;
        let attempts: i32 = row.try_get("", "attempts")?;
        picked.push(Claimed {
            position: row.try_get("", "position")?,
            lead_id: row.try_get("", "lead_id")?,
            variant: usize::try_from(variant).unwrap_or(0),
            attempt: u32::try_from(attempts.saturating_add(1)).unwrap_or(1),
        });
    }
    Ok(picked)
}

/// Marks picked recipients `sending` by `sender`, each linked to the message written for it
/// (`links`: position and message id), in one statement: one new row version per recipient
/// where a claim and then a link would write two (on PostgreSQL each version also touches
/// every index of the table, since `state` is indexed).
pub async fn claim(
    db: &impl ConnectionTrait,
    campaign: Uuid,
    sender: Uuid,
    links: &[(i64, Uuid)],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if links.is_empty() {
        return Ok(());
    }
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("UPDATE campaign_recipients SET state = 'sending', sender_id = ")
        .bind(sender)
        .push(", attempts = attempts + 1, updated_at = ")
        .bind(now)
        // Both backends name a VALUES list's columns column1, column2, ….
        .push(", message_id = v.column2 FROM (VALUES ");
    for (i, (position, message)) in links.iter().enumerate() {
        sql.push(if i == 0 { "(" } else { ", (" })
            .bind(*position)
            .push(", ")
            .bind(*message)
            .push(")");
    }
    sql.push(") AS v WHERE campaign_recipients.campaign_id = ")
        .bind(campaign)
        .push(" AND campaign_recipients.position = v.column1");
    db.execute_raw(sql.statement()).await?;
    Ok(())
}

/// Moves recipients (still `sending`, or marked `unknown` by a take-over meanwhile) to `state`.
pub async fn finish(
    db: &impl ConnectionTrait,
    campaign: Uuid,
    positions: &[i64],
    state: RecipientState,
    error: Option<(&str, &str)>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if positions.is_empty() {
        return Ok(());
    }
    campaign_recipient::Entity::update_many()
        .col_expr(
            campaign_recipient::Column::State,
            Expr::value(state.as_str()),
        )
        .col_expr(
            campaign_recipient::Column::ErrorCode,
            Expr::value(error.map(|(code, _)| code.to_owned())),
        )
        .col_expr(
            campaign_recipient::Column::ErrorText,
            Expr::value(error.map(|(_, text)| text.to_owned())),
        )
        .col_expr(campaign_recipient::Column::UpdatedAt, Expr::value(now))
        .filter(campaign_recipient::Column::CampaignId.eq(campaign))
        .filter(campaign_recipient::Column::Position.is_in(positions.iter().copied()))
        .filter(campaign_recipient::Column::State.is_in([
            RecipientState::Sending.as_str(),
            RecipientState::Unknown.as_str(),
        ]))
        .exec(db)
        .await?;
    Ok(())
}

/// Puts a recipient back in the queue for `at` (a retry, or a provider's rate limit —
/// `refund` gives the attempt back, since nothing was sent).
pub async fn requeue(
    db: &impl ConnectionTrait,
    campaign: Uuid,
    position: i64,
    at: DateTime<Utc>,
    error: Option<(&str, &str)>,
    refund: bool,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let mut update = campaign_recipient::Entity::update_many()
        .col_expr(
            campaign_recipient::Column::State,
            Expr::value(RecipientState::Pending.as_str()),
        )
        .col_expr(campaign_recipient::Column::NextAttemptAt, Expr::value(at))
        .col_expr(
            campaign_recipient::Column::ErrorCode,
            Expr::value(error.map(|(code, _)| code.to_owned())),
        )
        .col_expr(
            campaign_recipient::Column::ErrorText,
            Expr::value(error.map(|(_, text)| text.to_owned())),
        )
        .col_expr(campaign_recipient::Column::UpdatedAt, Expr::value(now));
    if refund {
        update = update.col_expr(
            campaign_recipient::Column::Attempts,
            sea_orm::sea_query::ExprTrait::sub(Expr::col(campaign_recipient::Column::Attempts), 1),
        );
    }
    update
        .filter(campaign_recipient::Column::CampaignId.eq(campaign))
        .filter(campaign_recipient::Column::Position.eq(position))
        .filter(campaign_recipient::Column::State.eq(RecipientState::Sending.as_str()))
        .exec(db)
        .await?;
    Ok(())
}

/// Points a recipient at another of its messages: a pin's or card's text that failed (the pin
/// or card was then never tried, and its row is gone).
pub async fn relink(
    db: &impl ConnectionTrait,
    campaign: Uuid,
    position: i64,
    message: Uuid,
) -> Result<(), AppError> {
    campaign_recipient::Entity::update_many()
        .col_expr(campaign_recipient::Column::MessageId, Expr::value(message))
        .filter(campaign_recipient::Column::CampaignId.eq(campaign))
        .filter(campaign_recipient::Column::Position.eq(position))
        .filter(campaign_recipient::Column::State.is_in([
            RecipientState::Sending.as_str(),
            RecipientState::Unknown.as_str(),
        ]))
        .exec(db)
        .await?;
    Ok(())
}

/// The messages matching `which` that are still `sending` become `unknown`: WhatsApp may
/// have them, so they are never sent again by themselves.
async fn sending_to_unknown(
    db: &impl ConnectionTrait,
    which: sea_orm::Condition,
) -> Result<(), AppError> {
    message::Entity::update_many()
        .col_expr(
            message::Column::Status,
            Expr::value(MessageStatus::Unknown.as_str()),
        )
        .filter(message::Column::Status.eq(MessageStatus::Sending.as_str()))
        .filter(which)
        .exec(db)
        .await?;
    Ok(())
}

/// Marks a sender's `sending` recipients (and their messages) `unknown`: called by a worker
/// that just took the sender's lease from a holder that stopped renewing it, so whatever that
/// holder had in flight may or may not have reached WhatsApp. Never re-sent on its own.
pub async fn settle_abandoned(
    db: &impl ConnectionTrait,
    sender: Uuid,
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    let messages = campaign_recipient::Entity::find()
        .select_only()
        .column(campaign_recipient::Column::MessageId)
        .filter(campaign_recipient::Column::SenderId.eq(sender))
        .filter(campaign_recipient::Column::State.eq(RecipientState::Sending.as_str()))
        .filter(campaign_recipient::Column::MessageId.is_not_null())
        .into_query();
    sending_to_unknown(
        db,
        sea_orm::Condition::all().add(message::Column::Id.in_subquery(messages)),
    )
    .await?;
    // A pin's or card's text is a message of its own, written in the same claim but not
    // linked from the recipient: the `sending` messages of this sender to the same lead in the
    // same campaign. Few rows (one claim's), so the pairs are matched one by one.
    let pairs: Vec<(Uuid, Uuid)> = campaign_recipient::Entity::find()
        .select_only()
        .column(campaign_recipient::Column::CampaignId)
        .column(campaign_recipient::Column::LeadId)
        .filter(campaign_recipient::Column::SenderId.eq(sender))
        .filter(campaign_recipient::Column::State.eq(RecipientState::Sending.as_str()))
        .into_tuple()
        .all(db)
        .await?;
    for chunk in pairs.chunks(100) {
        let mut any = sea_orm::Condition::any();
        for (campaign, lead) in chunk {
            any = any.add(
                sea_orm::Condition::all()
                    .add(message::Column::CampaignId.eq(*campaign))
                    .add(message::Column::LeadId.eq(*lead)),
            );
        }
        sending_to_unknown(
            db,
            sea_orm::Condition::all()
                .add(message::Column::SenderId.eq(sender))
                .add(any),
        )
        .await?;
    }
    let result = campaign_recipient::Entity::update_many()
        .col_expr(
            campaign_recipient::Column::State,
            Expr::value(RecipientState::Unknown.as_str()),
        )
        .col_expr(
            campaign_recipient::Column::ErrorText,
            Expr::value(
                "The worker sending this stopped during the send; WhatsApp may or may not have it.",
            ),
        )
        .col_expr(campaign_recipient::Column::UpdatedAt, Expr::value(now))
        .filter(campaign_recipient::Column::SenderId.eq(sender))
        .filter(campaign_recipient::Column::State.eq(RecipientState::Sending.as_str()))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Whether the campaign still has recipients to send or in flight.
pub async fn has_open(db: &impl ConnectionTrait, campaign: Uuid) -> Result<bool, AppError> {
    Ok(campaign_recipient::Entity::find()
        .filter(campaign_recipient::Column::CampaignId.eq(campaign))
        .filter(campaign_recipient::Column::State.is_in([
            RecipientState::Pending.as_str(),
            RecipientState::Sending.as_str(),
        ]))
        .limit(1)
        .count(db)
        .await?
        > 0)
}

/// The earliest moment a pending recipient of the campaign becomes due (`None`: none pending).
pub async fn next_due(
    db: &impl ConnectionTrait,
    campaign: Uuid,
) -> Result<Option<Option<DateTime<Utc>>>, AppError> {
    // The common case first, on the (campaign, state, position) index: a row due now.
    let due_now: Option<i64> = campaign_recipient::Entity::find()
        .select_only()
        .column(campaign_recipient::Column::Position)
        .filter(campaign_recipient::Column::CampaignId.eq(campaign))
        .filter(campaign_recipient::Column::State.eq(RecipientState::Pending.as_str()))
        .filter(campaign_recipient::Column::NextAttemptAt.is_null())
        .limit(1)
        .into_tuple()
        .one(db)
        .await?;
    if due_now.is_some() {
        return Ok(Some(None));
    }
    let row: Option<(i64, Option<DateTime<Utc>>)> = campaign_recipient::Entity::find()
        .select_only()
        .column_as(campaign_recipient::Column::Position.count(), "n")
        .column_as(campaign_recipient::Column::NextAttemptAt.min(), "at")
        .filter(campaign_recipient::Column::CampaignId.eq(campaign))
        .filter(campaign_recipient::Column::State.eq(RecipientState::Pending.as_str()))
        .into_tuple()
        .one(db)
        .await?;
    Ok(match row {
        Some((0, _)) => None,
        Some((_, at)) => {
            // Some pending rows have no wait at all: due now.
            let unscheduled = campaign_recipient::Entity::find()
                .filter(campaign_recipient::Column::CampaignId.eq(campaign))
                .filter(campaign_recipient::Column::State.eq(RecipientState::Pending.as_str()))
                .filter(campaign_recipient::Column::NextAttemptAt.is_null())
                .limit(1)
                .count(db)
                .await?;
            Some(if unscheduled > 0 { None } else { at })
        }
        None => None,
    })
}

/// Pending recipients of opted-out leads become `skipped` (they are never claimed anyway; this
/// lets the campaign complete and says why).
pub async fn skip_opted_out(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    campaign: Uuid,
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    let opted_out = lead::Entity::find()
        .select_only()
        .column(lead::Column::Id)
        .filter(lead::Column::WorkspaceId.eq(workspace.0))
        .filter(lead::Column::OptedOut.eq(true))
        .into_query();
    let result = campaign_recipient::Entity::update_many()
        .col_expr(
            campaign_recipient::Column::State,
            Expr::value(RecipientState::Skipped.as_str()),
        )
        .col_expr(
            campaign_recipient::Column::ErrorCode,
            Expr::value("opted_out"),
        )
        .col_expr(
            campaign_recipient::Column::ErrorText,
            Expr::value("The lead opted out before its turn."),
        )
        .col_expr(campaign_recipient::Column::UpdatedAt, Expr::value(now))
        .filter(campaign_recipient::Column::CampaignId.eq(campaign))
        .filter(campaign_recipient::Column::State.eq(RecipientState::Pending.as_str()))
        .filter(campaign_recipient::Column::LeadId.in_subquery(opted_out))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// The outcomes of the campaign's latest `window` sends since `since` (its launch or last
/// resume: failures a person has already looked at do not pause it again), oldest first.
pub async fn recent_outcomes(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    campaign: Uuid,
    since: DateTime<Utc>,
    window: u32,
) -> Result<Vec<super::Outcome>, AppError> {
    let mut statuses: Vec<String> = message::Entity::find()
        .select_only()
        .column(message::Column::Status)
        .filter(message::Column::WorkspaceId.eq(workspace.0))
        .filter(message::Column::CampaignId.eq(campaign))
        .filter(message::Column::Status.ne(MessageStatus::Sending.as_str()))
        .filter(message::Column::CreatedAt.gte(since))
        // UUIDv7 ids break ties between sends in the same millisecond.
        .order_by_desc(message::Column::CreatedAt)
        .order_by_desc(message::Column::Id)
        .limit(u64::from(window))
        .into_tuple()
        .all(db)
        .await?;
    statuses.reverse();
    Ok(statuses
        .into_iter()
        .map(|s| {
            if s == MessageStatus::Failed.as_str() {
                super::Outcome::Failed
            } else {
                super::Outcome::Sent
            }
        })
        .collect())
}

/// Senders (with their workspace) whose lease a worker stopped renewing while some of their
/// recipients were `sending`. The dispatcher only leases senders of running campaigns, so
/// without this a send left in flight by a dead worker would stay `sending` for good once its
/// campaign was cancelled, paused for a long time, or its sender taken out of rotation.
pub async fn senders_with_stale_sends(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Vec<(Uuid, Uuid)>, AppError> {
    let in_flight = campaign_recipient::Entity::find()
        .select_only()
        .column(campaign_recipient::Column::SenderId)
        .filter(campaign_recipient::Column::State.eq(RecipientState::Sending.as_str()))
        .filter(campaign_recipient::Column::SenderId.is_not_null())
        .into_query();
    Ok(sender_lease::Entity::find()
        .select_only()
        .column(sender_lease::Column::SenderId)
        .column(sender_lease::Column::WorkspaceId)
        .filter(sender_lease::Column::Holder.is_not_null())
        .filter(sender_lease::Column::ExpiresAt.lt(now))
        .filter(sender_lease::Column::SenderId.in_subquery(in_flight))
        .into_tuple()
        .all(db)
        .await?)
}

/// One of a campaign's senders, for "senders take turns": how many of the current run's
/// recipients it has claimed, and whether the others wait for it: a worker holds its lease
/// and last picked this campaign, or has picked none yet (a lease just taken names no
/// campaign until its loop picks one), or no worker holds it yet (the next tick leases it). A
/// sender busy with another campaign does not hold this one up.
#[derive(Clone, Debug)]
pub struct Turn {
    pub sender: Uuid,
    pub claimed: u64,
    pub contends: bool,
}

/// The campaign's senders still in its rotation, with their share of run `run` so far.
pub async fn turns(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    campaign: Uuid,
    run: i32,
    now: DateTime<Utc>,
) -> Result<Vec<Turn>, AppError> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(
        "SELECT cs.sender_id AS sender_id, l.holder AS holder, l.expires_at AS expires_at, \
         l.campaign_id AS lease_campaign, (SELECT COUNT(*) FROM campaign_recipients r \
         WHERE r.sender_id = cs.sender_id AND r.campaign_id = cs.campaign_id AND r.run = ",
    )
    .bind(run)
    .push(
        ") AS claimed FROM campaign_senders cs \
         LEFT JOIN sender_leases l ON l.sender_id = cs.sender_id \
         WHERE cs.skipped_reason IS NULL AND cs.workspace_id = ",
    )
    .bind(workspace.0)
    .push(" AND cs.campaign_id = ")
    .bind(campaign);
    let mut out = Vec::new();
    for row in db.query_all_raw(sql.statement()).await? {
        let holder: Option<String> = row.try_get("", "holder")?;
        let expires_at: Option<DateTime<Utc>> = row.try_get("", "expires_at")?;
        let lease_campaign: Option<Uuid> = row.try_get("", "lease_campaign")?;
        out.push(Turn {
            sender: row.try_get("", "sender_id")?,
            claimed: count_column(&row, "claimed")?,
            contends: !(holder.is_some() && expires_at.is_some_and(|at| at > now))
                || lease_campaign.is_none_or(|named| named == campaign),
        });
    }
    Ok(out)
}

/// Leases: a row per sender, created on first use.
pub async fn lease(
    db: &impl ConnectionTrait,
    sender: Uuid,
    workspace: Uuid,
    holder: &str,
    ttl: chrono::TimeDelta,
    now: DateTime<Utc>,
) -> Result<Option<(sender_lease::Model, bool)>, AppError> {
    sender_lease::Entity::insert(sender_lease::ActiveModel {
        sender_id: sea_orm::Set(sender),
        workspace_id: sea_orm::Set(workspace),
        holder: sea_orm::Set(None),
        expires_at: sea_orm::Set(None),
        pace: sea_orm::Set(serde_json::to_string(&SenderPace::default()).unwrap_or_default()),
        campaign_id: sea_orm::Set(None),
        updated_at: sea_orm::Set(now),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::column(sender_lease::Column::SenderId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    let before = sender_lease::Entity::find_by_id(sender).one(db).await?;
    let taken = sender_lease::Entity::update_many()
        // A lease taken afresh names no campaign until the new holder's loop picks one (the
        // one named belongs to the last holder's work): meanwhile the sender counts as about
        // to work on each of its campaigns, so the others wait for it ("senders take turns").
        .col_expr(
            sender_lease::Column::CampaignId,
            Expr::case(
                sender_lease::Column::Holder.eq(holder),
                Expr::col(sender_lease::Column::CampaignId),
            )
            .finally(Expr::value(Option::<Uuid>::None))
            .into(),
        )
        .col_expr(sender_lease::Column::Holder, Expr::value(holder))
        .col_expr(sender_lease::Column::ExpiresAt, Expr::value(now + ttl))
        .col_expr(sender_lease::Column::UpdatedAt, Expr::value(now))
        .filter(sender_lease::Column::SenderId.eq(sender))
        .filter(
            sea_orm::Condition::any()
                .add(sender_lease::Column::Holder.is_null())
                .add(sender_lease::Column::Holder.eq(holder))
                .add(sender_lease::Column::ExpiresAt.lt(now)),
        )
        .exec(db)
        .await?;
    if taken.rows_affected == 0 {
        return Ok(None);
    }
    // Taken from a holder that never released it: it stopped, maybe mid-send.
    let abandoned = before
        .as_ref()
        .is_some_and(|b| b.holder.as_deref().is_some_and(|h| h != holder));
    let model = sender_lease::Entity::find_by_id(sender)
        .one(db)
        .await?
        .ok_or(AppError::Internal)?;
    Ok(Some((model, abandoned)))
}

/// Extends the lease; `false` when another worker holds it now (stop sending at once).
pub async fn renew(
    db: &impl ConnectionTrait,
    sender: Uuid,
    holder: &str,
    ttl: chrono::TimeDelta,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    Ok(sender_lease::Entity::update_many()
        .col_expr(sender_lease::Column::ExpiresAt, Expr::value(now + ttl))
        .filter(sender_lease::Column::SenderId.eq(sender))
        .filter(sender_lease::Column::Holder.eq(holder))
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

/// Stores the pacing state (and the campaign it sends for) while holding the lease.
pub async fn save_pace(
    db: &impl ConnectionTrait,
    sender: Uuid,
    holder: &str,
    pace: &SenderPace,
    campaign: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    sender_lease::Entity::update_many()
        .col_expr(
            sender_lease::Column::Pace,
            Expr::value(serde_json::to_string(pace).unwrap_or_default()),
        )
        .col_expr(sender_lease::Column::CampaignId, Expr::value(campaign))
        .col_expr(sender_lease::Column::UpdatedAt, Expr::value(now))
        .filter(sender_lease::Column::SenderId.eq(sender))
        .filter(sender_lease::Column::Holder.eq(holder))
        .exec(db)
        .await?;
    Ok(())
}

/// Gives the lease up (the pace stays for the next holder).
pub async fn release(
    db: &impl ConnectionTrait,
    sender: Uuid,
    holder: &str,
) -> Result<(), AppError> {
    sender_lease::Entity::update_many()
        .col_expr(sender_lease::Column::Holder, Expr::value(None::<String>))
        .col_expr(
            sender_lease::Column::ExpiresAt,
            Expr::value(None::<DateTime<Utc>>),
        )
        .col_expr(sender_lease::Column::CampaignId, Expr::value(None::<Uuid>))
        .filter(sender_lease::Column::SenderId.eq(sender))
        .filter(sender_lease::Column::Holder.eq(holder))
        .exec(db)
        .await?;
    Ok(())
}

/// The workspace's leases by sender (the campaign page's panel).
pub async fn leases(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
) -> Result<HashMap<Uuid, sender_lease::Model>, AppError> {
    Ok(sender_lease::Entity::find()
        .filter(sender_lease::Column::WorkspaceId.eq(workspace.0))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.sender_id, l))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_reduces_weights_to_the_shortest_cycle() {
        assert_eq!(rotation_case(&[50]), None);
        assert_eq!(
            rotation_case(&[50, 50]).unwrap(),
            "CASE WHEN (position - 1) % 2 < 1 THEN 0 WHEN (position - 1) % 2 < 2 THEN 1 ELSE 0 END"
        );
        assert!(
            rotation_case(&[70, 30])
                .unwrap()
                .contains("% 10 < 7 THEN 0")
        );
    }

    #[test]
    fn pasted_numbers_are_read_deduplicated_and_counted() {
        let (numbers, invalid, duplicates) = parse_numbers(
            "+254712345678\n0712 345 678, hello; +254722000111\n\n",
            "KE",
        );
        assert_eq!(numbers, ["+254712345678", "+254722000111"]);
        assert_eq!((invalid, duplicates), (1, 1));
    }
}
