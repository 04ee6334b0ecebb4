//! Spreadsheet uploads (multipart → JSON preview), import reports as CSV, and lead exports as
//! CSV or XLSX downloads. Everything else about imports goes through server functions.

use super::tenant::Tenant;
use crate::AppState;
use axum::{
    Json,
    body::Body,
    extract::{Form, FromRequest, Multipart, Path, Query, Request, State},
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use futures::StreamExt;
use serde::Deserialize;
use shared::AppError;
use shared::imports::ImportPreview;
use shared::imports::service as imports;
use shared::leads::export::{ExportFormat, export};
use shared::leads::{LeadQuery, LeadSelection, WebsiteStatus};
use shared::workspaces::Permission;
use std::collections::HashMap;
use std::time::Duration;
use uuid::Uuid;

/// Room the multipart envelope (boundaries, part headers, the sheet name) takes around the file.
pub const MULTIPART_ENVELOPE_BYTES: usize = 64 * 1024;

/// How long an oversized upload is read and discarded before the refusal is sent.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// `POST /w/{slug}/imports/upload`: the `file` part (and optionally `sheet`) → the preview.
pub async fn upload(
    State(state): State<AppState>,
    Tenant(ctx): Tenant,
    request: Request,
) -> Result<Json<ImportPreview>, AppError> {
    let max_bytes = state.services.settings.max_import_bytes;
    let too_big = || {
        AppError::field(
            "file",
            format!(
                "The upload was cut short or is larger than {} MB.",
                max_bytes / 1_048_576
            ),
        )
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|length| length > max_bytes + MULTIPART_ENVELOPE_BYTES) {
        drain(request.into_body(), 2 * max_bytes).await;
        return Err(too_big());
    }
    let mut multipart = Multipart::from_request(request, &state)
        .await
        .map_err(|_| too_big())?;
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut sheet: Option<String> = None;
    while let Some(field) = multipart.next_field().await.map_err(|_| too_big())? {
        match field.name() {
            Some("file") => {
                let name = field.file_name().unwrap_or_default().to_owned();
                let bytes = field.bytes().await.map_err(|_| too_big())?;
                file = Some((name, bytes.to_vec()));
            }
            Some("sheet") => {
                let value = field.text().await.map_err(|_| too_big())?;
                sheet = Some(value).filter(|s| !s.trim().is_empty());
            }
            _ => {}
        }
    }
    let Some((name, bytes)) = file else {
        return Err(AppError::field("file", "Choose a spreadsheet to upload."));
    };
    Ok(Json(
        imports::upload(&state.services, &ctx, &name, bytes, sheet).await?,
    ))
}

/// Reads and discards an upload that is refused for its declared size, so the client gets the
/// refusal: a server that answers and closes with the request half-read makes the peer's TCP stack
/// reset the connection, and browsers then show a network error instead of the message. Past
/// `cap` bytes or [`DRAIN_TIMEOUT`] the connection is dropped anyway.
pub(crate) async fn drain(body: Body, cap: usize) {
    let mut chunks = body.into_data_stream();
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, async {
        let mut seen = 0usize;
        while let Some(Ok(chunk)) = chunks.next().await {
            seen += chunk.len();
            if seen > cap {
                break;
            }
        }
    })
    .await;
}

pub(super) fn attachment(bytes: Vec<u8>, content_type: &str, file_name: &str) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `GET /w/{slug}/imports/{id}/report.csv`: the rejected and flagged rows.
pub async fn report_csv(
    State(state): State<AppState>,
    Tenant(ctx): Tenant,
    Path((_, id)): Path<(String, Uuid)>,
) -> Result<Response, AppError> {
    let report = imports::report(&state.services.db, ctx.workspace_id, id).await?;
    Ok(attachment(
        imports::report_csv(&report).into_bytes(),
        "text/csv; charset=utf-8",
        &format!("import-report-{id}.csv"),
    ))
}

/// `GET /w/{slug}/leads/export/{file}`: `leads.csv` / `leads.xlsx` for the filter in the query
/// (the lead list's own parameters, `LeadQuery`), `with_website.csv` (WORKING) and
/// `without_website.csv` (NO_WEBSITE and NOT_WORKING).
pub async fn export_leads(
    State(state): State<AppState>,
    Tenant(ctx): Tenant,
    Path((_, file)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    ctx.require(Permission::LeadsExport)?;
    let (format, filter) = match file.as_str() {
        "with_website.csv" => (
            ExportFormat::Csv,
            shared::leads::export::with_statuses(&[WebsiteStatus::Working]),
        ),
        "without_website.csv" => (
            ExportFormat::Csv,
            shared::leads::export::with_statuses(&[
                WebsiteStatus::NoWebsite,
                WebsiteStatus::NotWorking,
            ]),
        ),
        "leads.csv" | "leads.xlsx" => (
            ExportFormat::from_path(file.as_ref())?,
            LeadQuery::read(|key| query.get(key).cloned())
                .to_filter()?
                .0,
        ),
        _ => return Err(AppError::NotFound),
    };
    let selection = LeadSelection::Filter(filter);
    let bytes = export(&state.services.db, ctx.workspace_id, &selection, format).await?;
    Ok(attachment(bytes, format.content_type(), &file))
}

/// The form the lead list posts to export the rows it has ticked.
#[derive(Debug, Deserialize)]
pub struct SelectedLeads {
    /// Comma-separated lead ids (missing reads as none, which `validate_selection` names).
    #[serde(default)]
    pub ids: String,
}

/// `POST /w/{slug}/leads/export/{leads.csv|leads.xlsx}` with `ids=<id>,<id>,…`: exactly those
/// leads (ids of other workspaces match nothing).
pub async fn export_selected_leads(
    State(state): State<AppState>,
    Tenant(ctx): Tenant,
    Path((_, file)): Path<(String, String)>,
    Form(form): Form<SelectedLeads>,
) -> Result<Response, AppError> {
    ctx.require(Permission::LeadsExport)?;
    let format = match file.as_str() {
        "leads.csv" | "leads.xlsx" => ExportFormat::from_path(file.as_ref())?,
        _ => return Err(AppError::NotFound),
    };
    let ids = form
        .ids
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(|id| {
            id.parse::<Uuid>().map_err(|_| {
                AppError::field("ids", "The selection holds an id that is not a lead's.")
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let selection = LeadSelection::Ids(ids);
    shared::leads::bulk::validate_selection(&selection)?;
    let bytes = export(&state.services.db, ctx.workspace_id, &selection, format).await?;
    Ok(attachment(bytes, format.content_type(), &file))
}
