//! Lead exports as CSV or XLSX — the same file from the web app and `leadloom leads export`:
//! every field, phones in E.164, custom fields as extra columns, cells neutralised against
//! formula injection. Leads are read in keyset pages so a million-lead export stays flat in
//! memory on the database side.

use super::bulk::scopes;
use super::store::tags_of;
use super::{LeadFilter, LeadSelection};
use crate::db::entities::lead;
use crate::export::{csv_cell, safe_cell};
use crate::{AppError, WorkspaceId};
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::{BTreeMap, BTreeSet};

/// Leads read per query.
const PAGE: u64 = 5_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    /// From a file name's extension (`.csv` or `.xlsx`).
    pub fn from_path(path: &std::path::Path) -> Result<Self, AppError> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("csv") => Ok(Self::Csv),
            Some("xlsx") => Ok(Self::Xlsx),
            _ => Err(AppError::field(
                "out",
                "Export to a file ending in .csv or .xlsx.",
            )),
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }
}

const COLUMNS: [&str; 23] = [
    "name",
    "phone",
    "phone_as_typed",
    "phone_country",
    "phone_type",
    "phone_problem",
    "email",
    "website",
    "website_status",
    "whatsapp_status",
    "city",
    "country",
    "category",
    "tags",
    "stage",
    "opted_out",
    "notes",
    "created_at",
    "messages_sent",
    "last_contacted_at",
    "last_reply_at",
    "appointment_at",
    "converted_at",
];

fn cells(model: &lead::Model, tags: &[String]) -> [String; 23] {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let time =
        |v: Option<chrono::DateTime<chrono::Utc>>| v.map(|at| at.to_rfc3339()).unwrap_or_default();
    [
        model.name.clone(),
        text(&model.phone_e164),
        text(&model.phone_raw),
        text(&model.phone_country),
        text(&model.phone_kind),
        text(&model.phone_error),
        text(&model.email),
        text(&model.website),
        model.website_status.clone(),
        model.whatsapp_status.clone(),
        text(&model.city),
        text(&model.country),
        text(&model.category),
        tags.join(", "),
        model.stage.clone(),
        if model.opted_out { "yes" } else { "no" }.to_owned(),
        text(&model.notes),
        model.created_at.to_rfc3339(),
        model.messages_sent.to_string(),
        time(model.last_contacted_at),
        time(model.last_reply_at),
        time(model.appointment_at),
        time(model.converted_at),
    ]
}

fn custom_fields(model: &lead::Model) -> BTreeMap<String, String> {
    model
        .custom_fields
        .as_deref()
        .and_then(|json| serde_json::from_str(json).ok())
        .unwrap_or_default()
}

/// Reads every selected lead (in pages, in id order) with its tags and custom fields.
async fn collect(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    selection: &LeadSelection,
) -> Result<Vec<(lead::Model, Vec<String>, BTreeMap<String, String>)>, AppError> {
    let mut out = Vec::new();
    for scope in scopes(workspace, selection) {
        collect_scope(db, workspace, scope, &mut out).await?;
    }
    Ok(out)
}

async fn collect_scope(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    scope: sea_orm::Select<lead::Entity>,
    out: &mut Vec<(lead::Model, Vec<String>, BTreeMap<String, String>)>,
) -> Result<(), AppError> {
    let mut after: Option<uuid::Uuid> = None;
    loop {
        let mut query = scope.clone();
        if let Some(after) = after {
            query = query.filter(lead::Column::Id.gt(after));
        }
        let page = query
            .order_by_asc(lead::Column::Id)
            .limit(PAGE)
            .all(db)
            .await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        let ids: Vec<uuid::Uuid> = page.iter().map(|l| l.id).collect();
        let mut tags = tags_of(db, workspace, &ids).await?;
        let full = page.len() as u64 == PAGE;
        for model in page {
            let custom = custom_fields(&model);
            let tags = tags.remove(&model.id).unwrap_or_default();
            out.push((model, tags, custom));
        }
        if !full {
            break;
        }
    }
    Ok(())
}

/// The export file's bytes: exactly the selected leads of the workspace.
pub async fn export(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    selection: &LeadSelection,
    format: ExportFormat,
) -> Result<Vec<u8>, AppError> {
    let leads = collect(db, workspace, selection).await?;
    let custom: Vec<String> = leads
        .iter()
        .flat_map(|(_, _, c)| c.keys().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let header: Vec<&str> = COLUMNS
        .iter()
        .copied()
        .chain(custom.iter().map(String::as_str))
        .collect();
    let rows = leads.iter().map(|(model, tags, fields)| {
        cells(model, tags)
            .into_iter()
            .chain(
                custom
                    .iter()
                    .map(|k| fields.get(k).cloned().unwrap_or_default()),
            )
            .collect::<Vec<String>>()
    });
    match format {
        ExportFormat::Csv => {
            // A BOM so Excel opens UTF-8 (accents, Swahili, emoji) correctly.
            let mut out = String::from("\u{feff}");
            out.push_str(
                &header
                    .iter()
                    .map(|h| csv_cell(h))
                    .collect::<Vec<_>>()
                    .join(","),
            );
            out.push_str("\r\n");
            for row in rows {
                out.push_str(
                    &row.iter()
                        .map(|c| csv_cell(c))
                        .collect::<Vec<_>>()
                        .join(","),
                );
                out.push_str("\r\n");
            }
            Ok(out.into_bytes())
        }
        ExportFormat::Xlsx => {
            let mut book = rust_xlsxwriter::Workbook::new();
            let sheet = book.add_worksheet();
            let fail =
                |e: rust_xlsxwriter::XlsxError| AppError::internal("writing an xlsx export", e);
            sheet.set_name("Leads").map_err(fail)?;
            let bold = rust_xlsxwriter::Format::new().set_bold();
            for (col, title) in header.iter().enumerate() {
                sheet
                    .write_string_with_format(0, col as u16, *title, &bold)
                    .map_err(fail)?;
            }
            for (index, row) in rows.enumerate() {
                for (col, value) in row.iter().enumerate() {
                    if !value.is_empty() {
                        sheet
                            .write_string(index as u32 + 1, col as u16, safe_cell(value))
                            .map_err(fail)?;
                    }
                }
            }
            sheet.set_freeze_panes(1, 0).map_err(fail)?;
            book.save_to_buffer().map_err(fail)
        }
    }
}

/// Only leads of these website statuses (for the one-click exports).
pub fn with_statuses(statuses: &[super::WebsiteStatus]) -> LeadFilter {
    LeadFilter {
        website_status: statuses.to_vec(),
        ..LeadFilter::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_come_from_the_extension() {
        assert_eq!(
            ExportFormat::from_path("a/b.CSV".as_ref()).unwrap(),
            ExportFormat::Csv
        );
        assert_eq!(
            ExportFormat::from_path("b.xlsx".as_ref()).unwrap(),
            ExportFormat::Xlsx
        );
        assert!(ExportFormat::from_path("b.pdf".as_ref()).is_err());
    }
}
