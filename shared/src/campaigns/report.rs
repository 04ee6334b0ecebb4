//! `campaign_report.csv`: one line per recipient — lead, phone, variant, state, when the
//! message was sent, delivered and read, when the lead first replied after it, and the error —
//! read a page at a time so a 100,000-recipient campaign streams in bounded memory.

use super::RecipientState;
use super::service::{failure_reason, find, form_of, leads_and_messages};
use crate::AppError;
use crate::db::entities::campaign_recipient;
use crate::export::csv_cell;
use crate::services::Services;
use crate::workspaces::{Permission, service::TenantCtx};
use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

/// Recipients read per query.
const PAGE: u64 = 1_000;

pub const HEADER: &str =
    "lead,phone,variant,state,delivery,sent_at,delivered_at,read_at,replied_at,error\n";

fn time(at: Option<DateTime<Utc>>) -> String {
    at.map(|at| at.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// The report for campaign `id` (every run), in recipient order; times in UTC (ISO 8601).
pub async fn csv(svc: &Services, ctx: &TenantCtx, id: Uuid) -> Result<String, AppError> {
    ctx.require(Permission::LeadsExport)?;
    let model = find(&svc.db, ctx.workspace_id, id).await?;
    let form = form_of(&model);
    let ws = ctx.workspace_id.0;
    let mut out = String::from(HEADER);
    let mut after: Option<i64> = None;
    loop {
        let mut query = campaign_recipient::Entity::find()
            .filter(campaign_recipient::Column::CampaignId.eq(id))
            .filter(campaign_recipient::Column::WorkspaceId.eq(ws));
        if let Some(after) = after {
            query = query.filter(campaign_recipient::Column::Position.gt(after));
        }
        let rows = query
            .order_by_asc(campaign_recipient::Column::Position)
            .limit(PAGE)
            .all(&svc.db)
            .await?;
        let Some(last) = rows.last() else { break };
        after = Some(last.position);
        let (leads, messages) = leads_and_messages(&svc.db, ctx.workspace_id, &rows).await?;
        for row in &rows {
            let lead = leads.get(&row.lead_id);
            let sent = row.message_id.and_then(|m| messages.get(&m));
            let sent_at = sent.and_then(|m| m.sent_at);
            let index = usize::try_from(row.variant).unwrap_or(0);
            let variant = form.label_of(index);
            let state = RecipientState::parse(&row.state).unwrap_or(RecipientState::Unknown);
            let cells = [
                lead.map(|l| l.name.clone()).unwrap_or_default(),
                lead.and_then(|l| l.phone_e164.clone().or_else(|| l.phone_raw.clone()))
                    .unwrap_or_default(),
                variant,
                state.as_str().to_owned(),
                sent.map(|m| m.status.clone()).unwrap_or_default(),
                time(sent_at),
                time(sent.and_then(|m| m.delivered_at.or(m.read_at))),
                time(sent.and_then(|m| m.read_at)),
                // Attributed as the reply arrived (`whatsapp::messages::mark_replied`).
                time(sent.and_then(|m| m.replied_at)),
                failure_reason(row, sent).unwrap_or_default(),
            ];
            let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
            out.push_str(&line.join(","));
            out.push('\n');
        }
        if (rows.len() as u64) < PAGE {
            break;
        }
    }
    Ok(out)
}
