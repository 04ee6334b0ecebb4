//! Queries on a workspace's leads: the filter every list, count, bulk action and export shares,
//! always scoped by `WorkspaceId` first.

use super::{
    Engagement, LeadFilter, LeadPage, LeadRow, LeadSort, Stage, WebsiteStatus, WhatsappStatus,
};
use crate::db::entities::{lead, lead_tag};
use crate::{AppError, WorkspaceId};
use chrono::{Duration, NaiveTime, TimeZone, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Select,
};
use std::collections::HashMap;
use uuid::Uuid;

/// Escapes `%`, `_` and `\` so user text matches literally inside a LIKE pattern.
fn like_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars().flat_map(char::to_lowercase) {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

fn contains_ci(column: lead::Column, text: &str) -> sea_orm::sea_query::SimpleExpr {
    Expr::expr(Func::lower(Expr::col(column)))
        .like(sea_orm::sea_query::LikeExpr::new(like_pattern(text)).escape('\\'))
}

fn equals_ci(column: lead::Column, text: &str) -> sea_orm::sea_query::SimpleExpr {
    Expr::expr(Func::lower(Expr::col(column))).eq(Expr::val(text.trim().to_lowercase()))
}

/// The workspace's leads matching the filter.
pub fn filtered(workspace: WorkspaceId, filter: &LeadFilter) -> Select<lead::Entity> {
    let mut query = lead::Entity::find().filter(lead::Column::WorkspaceId.eq(workspace.0));
    if let Some(search) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let digits: String = search.chars().filter(char::is_ascii_digit).collect();
        let mut any = Condition::any()
            .add(contains_ci(lead::Column::Name, search))
            .add(contains_ci(lead::Column::Email, search))
            .add(contains_ci(lead::Column::PhoneRaw, search));
        if digits.len() >= 3 {
            any = any.add(lead::Column::PhoneE164.contains(&digits));
        }
        query = query.filter(any);
    }
    if !filter.website_status.is_empty() {
        query = query.filter(
            lead::Column::WebsiteStatus.is_in(filter.website_status.iter().map(|s| s.as_str())),
        );
    }
    if !filter.whatsapp_status.is_empty() {
        query = query.filter(
            lead::Column::WhatsappStatus.is_in(filter.whatsapp_status.iter().map(|s| s.as_str())),
        );
    }
    if !filter.stage.is_empty() {
        query = query.filter(lead::Column::Stage.is_in(filter.stage.iter().map(|s| s.as_str())));
    }
    for (column, value) in [
        (lead::Column::Country, &filter.country),
        (lead::Column::City, &filter.city),
        (lead::Column::Category, &filter.category),
    ] {
        if let Some(value) = value.as_deref().filter(|v| !v.trim().is_empty()) {
            query = query.filter(equals_ci(column, value));
        }
    }
    if let Some(tag) = filter
        .tag
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let tagged = lead_tag::Entity::find()
            .select_only()
            .column(lead_tag::Column::LeadId)
            .filter(lead_tag::Column::WorkspaceId.eq(workspace.0))
            .filter(lead_tag::Column::Tag.eq(tag))
            .into_query();
        query = query.filter(lead::Column::Id.in_subquery(tagged));
    }
    if let Some(import) = filter.import_id {
        query = query.filter(lead::Column::ImportId.eq(import));
    }
    if let Some(opted_out) = filter.opted_out {
        query = query.filter(lead::Column::OptedOut.eq(opted_out));
    }
    if let Some(from) = filter.created_from {
        query = query.filter(
            lead::Column::CreatedAt.gte(Utc.from_utc_datetime(&from.and_time(NaiveTime::MIN))),
        );
    }
    if let Some(to) = filter.created_to.and_then(|d| d.succ_opt()) {
        query = query.filter(
            lead::Column::CreatedAt.lt(Utc.from_utc_datetime(&to.and_time(NaiveTime::MIN))),
        );
    }
    // Engagement is read from the columns the triggers on `messages` keep on each lead, the
    // same rows the analytics count, without a subquery over the workspace's messages.
    if let Some(messaged) = filter.messaged {
        query = query.filter(if messaged {
            lead::Column::MessagesSent.gt(0)
        } else {
            lead::Column::MessagesSent.eq(0)
        });
    }
    if let Some(replied) = filter.replied {
        query = query.filter(if replied {
            lead::Column::MessagesReceived.gt(0)
        } else {
            lead::Column::MessagesReceived.eq(0)
        });
    }
    for (column, wanted) in [
        (lead::Column::AppointmentAt, filter.appointment),
        (lead::Column::ConvertedAt, filter.converted),
    ] {
        if let Some(wanted) = wanted {
            query = query.filter(if wanted {
                column.is_not_null()
            } else {
                column.is_null()
            });
        }
    }
    if let Some(days) = filter.quiet_days {
        // Bounded so that no stored or hand-made filter can reach before the calendar's start
        // (chrono panics there); the forms already refuse more than this.
        let days = std::cmp::Ord::min(days, super::MAX_QUIET_DAYS);
        let since = Utc::now() - Duration::days(i64::from(days));
        query = query.filter(
            Condition::any()
                .add(lead::Column::LastContactedAt.is_null())
                .add(lead::Column::LastContactedAt.lt(since)),
        );
    }
    query
}

/// Messages sent to, and the latest reply from, a lead: the engagement columns the triggers on
/// `messages` keep on its row.
pub fn engagement(model: &lead::Model) -> Engagement {
    Engagement {
        messages_sent: u64::try_from(model.messages_sent).unwrap_or(0),
        last_contacted_at: model.last_contacted_at,
        last_reply_at: model.last_reply_at,
        appointment_at: model.appointment_at,
        converted_at: model.converted_at,
    }
}

pub async fn count(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    filter: &LeadFilter,
) -> Result<u64, AppError> {
    Ok(filtered(workspace, filter).count(db).await?)
}

/// Tags of the given leads of the workspace, by lead.
pub async fn tags_of(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    leads: &[Uuid],
) -> Result<HashMap<Uuid, Vec<String>>, AppError> {
    let mut out: HashMap<Uuid, Vec<String>> = HashMap::new();
    for chunk in leads.chunks(500) {
        for tag in lead_tag::Entity::find()
            .filter(lead_tag::Column::WorkspaceId.eq(workspace.0))
            .filter(lead_tag::Column::LeadId.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            out.entry(tag.lead_id).or_default().push(tag.tag);
        }
    }
    for tags in out.values_mut() {
        tags.sort();
    }
    Ok(out)
}

/// A stored lead as the list shows it (unknown stored states read as their defaults).
pub fn to_row(model: lead::Model, tags: Vec<String>, engagement: Engagement) -> LeadRow {
    LeadRow {
        id: model.id,
        name: model.name,
        phone: model.phone_e164.or(model.phone_raw),
        phone_error: model.phone_error,
        email: model.email,
        website: model.website,
        website_status: WebsiteStatus::parse(&model.website_status)
            .unwrap_or(WebsiteStatus::Unchecked),
        whatsapp_status: WhatsappStatus::parse(&model.whatsapp_status)
            .unwrap_or(WhatsappStatus::Unchecked),
        city: model.city,
        category: model.category,
        stage: Stage::parse(&model.stage).unwrap_or(Stage::New),
        tags,
        opted_out: model.opted_out,
        engagement,
    }
}

/// A keyset cursor: the last row's sort key and id.
fn cursor(sort: LeadSort, last: &lead::Model) -> String {
    match sort {
        LeadSort::Newest | LeadSort::Oldest => last.id.to_string(),
        LeadSort::Name => format!("{}|{}", last.id, last.name),
    }
}

/// One page of the workspace's leads matching the filter, continuing after `after`.
pub async fn page(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    filter: &LeadFilter,
    sort: LeadSort,
    after: Option<&str>,
    limit: u64,
) -> Result<LeadPage, AppError> {
    let mut query = filtered(workspace, filter);
    let bad_cursor = || {
        AppError::field(
            "after",
            "This page link is out of date; start again from the first page.",
        )
    };
    if let Some(after) = after.filter(|a| !a.is_empty()) {
        let (id, name) = match after.split_once('|') {
            Some((id, name)) => (id, Some(name)),
            None => (after, None),
        };
        let id: Uuid = id.parse().map_err(|_| bad_cursor())?;
        query = match (sort, name) {
            (LeadSort::Newest, _) => query.filter(lead::Column::Id.lt(id)),
            (LeadSort::Oldest, _) => query.filter(lead::Column::Id.gt(id)),
            // A row-value comparison, not `name > ? OR (name = ? AND id > ?)`: both databases
            // turn it into a range on the (workspace, name, id) index, so a page deep in the
            // list costs what the first one does; the OR form made them walk the index from
            // the start.
            (LeadSort::Name, Some(name)) => query.filter(
                Expr::tuple([
                    Expr::col((lead::Entity, lead::Column::Name)),
                    Expr::col((lead::Entity, lead::Column::Id)),
                ])
                .gt(Expr::tuple([Expr::val(name), Expr::val(id)])),
            ),
            (LeadSort::Name, None) => return Err(bad_cursor()),
        };
    }
    query = match sort {
        LeadSort::Newest => query.order_by_desc(lead::Column::Id),
        LeadSort::Oldest => query.order_by_asc(lead::Column::Id),
        LeadSort::Name => query
            .order_by_asc(lead::Column::Name)
            .order_by_asc(lead::Column::Id),
    };
    let mut rows = query.limit(limit + 1).all(db).await?;
    let next = (rows.len() as u64 > limit).then(|| {
        rows.truncate(limit as usize);
        rows.last().map(|last| cursor(sort, last))
    });
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut tags = tags_of(db, workspace, &ids).await?;
    let first_page = after.is_none_or(str::is_empty);
    Ok(LeadPage {
        total: if first_page {
            Some(count(db, workspace, filter).await?)
        } else {
            None
        },
        rows: rows
            .into_iter()
            .map(|r| {
                let t = tags.remove(&r.id).unwrap_or_default();
                let e = engagement(&r);
                to_row(r, t, e)
            })
            .collect(),
        next: next.flatten(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("Ab"), "%ab%");
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
