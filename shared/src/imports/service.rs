//! Import entry points: upload and preview, confirm (queue), progress, cancel and the report —
//! each checking the member's permission — and `import_now` for the CLI, which runs the job
//! in-process and returns the report.

use super::{
    ColumnMapping, ColumnTarget, ImportDto, ImportOptions, ImportPreview, ImportReport,
    ImportStatus, LeadField, OnDuplicate, PreviewRow, StartImport, job, store,
};
use crate::db::entities::import;
use crate::leads::{self, SourceTable};
use crate::services::Services;
use crate::workspaces::{Permission, service::TenantCtx};
use crate::{AppError, FieldError, WorkspaceId};
use chrono::Utc;
use sea_orm::{DatabaseConnection, Set};
use std::collections::BTreeMap;
use uuid::Uuid;

/// File types the importer reads, by extension.
pub const ACCEPTED_EXTENSIONS: [&str; 6] = ["csv", "tsv", "xlsx", "xls", "xlsb", "ods"];
/// Rows shown in the preview.
const PREVIEW_ROWS: usize = 20;

/// The lower-cased extension of an accepted file name, or a message naming what is accepted.
pub fn file_format(file_name: &str) -> Result<String, AppError> {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    if ACCEPTED_EXTENSIONS.contains(&ext.as_str()) {
        Ok(ext)
    } else {
        Err(AppError::field(
            "file",
            format!(
                "\"{}\" is not a spreadsheet LeadLoom reads: upload a .csv, .tsv, .xlsx, .xls, .xlsb or .ods file.",
                file_name.chars().take(80).collect::<String>()
            ),
        ))
    }
}

fn check_size(len: usize, max: usize) -> Result<(), AppError> {
    if len == 0 {
        return Err(AppError::field("file", "The file is empty."));
    }
    if len > max {
        return Err(AppError::field(
            "file",
            format!(
                "The file is {:.1} MB; the largest file LeadLoom imports is {:.0} MB. Split it and import the parts.",
                len as f64 / 1_048_576.0,
                max as f64 / 1_048_576.0
            ),
        ));
    }
    Ok(())
}

/// Reads the file off the async workers; a file that cannot be read is a message on `file`.
async fn read(
    bytes: Vec<u8>,
    file_name: String,
    sheet: Option<String>,
) -> Result<SourceTable, AppError> {
    Ok(job::read_blocking(bytes, file_name, sheet).await??)
}

/// Detection's result as the wire and the job see it.
struct Detected {
    header_row: Option<u32>,
    columns: Vec<ColumnMapping>,
    signature: String,
}

impl From<leads::Mapping> for Detected {
    fn from(mapping: leads::Mapping) -> Self {
        Detected {
            header_row: mapping.header_row,
            signature: mapping.headers_signature(),
            columns: mapping
                .columns
                .into_iter()
                .map(leads::to_wire_column)
                .collect(),
        }
    }
}

fn detect(table: &SourceTable) -> leads::Mapping {
    leads::detect_mapping(&table.rows, &leads::DetectOptions::default())
}

fn preview_rows(
    table: &SourceTable,
    header_row: Option<u32>,
    width: usize,
) -> (Vec<PreviewRow>, u32) {
    let after = header_row.unwrap_or(0);
    // Data rows run from just after the header to the last row read (blank rows, which the
    // reader skips, included), as the job counts them.
    let total = table
        .rows
        .last()
        .map_or(0, |last| last.number.saturating_sub(after));
    let rows = table
        .rows
        .iter()
        .filter(|r| r.number > after)
        .take(PREVIEW_ROWS)
        .map(|r| PreviewRow {
            number: r.number,
            cells: (0..width)
                .map(|i| r.cells.get(i).cloned().unwrap_or_default())
                .collect(),
        })
        .collect();
    (rows, total)
}

/// Uploads a file: reads it, detects the mapping (reusing the one saved for the same headers)
/// and keeps it as a draft until the user confirms. A file that cannot be read stores nothing.
pub async fn upload(
    svc: &Services,
    tenant: &TenantCtx,
    file_name: &str,
    bytes: Vec<u8>,
    sheet: Option<String>,
) -> Result<ImportPreview, AppError> {
    tenant.require(Permission::LeadsManage)?;
    let format = file_format(file_name)?;
    check_size(bytes.len(), svc.settings.max_import_bytes)?;
    let table = read(bytes.clone(), file_name.to_owned(), sheet).await?;
    let id = Uuid::now_v7();
    let ws = crate::workspaces::store::find(&svc.db, tenant.workspace_id).await?;
    let mut options = ImportOptions {
        default_country: Some(ws.default_country.clone()),
        on_duplicate: OnDuplicate::Skip,
        sheet: table.sheet.clone(),
        headers_signature: None,
    };
    let (preview, detected) =
        build_preview(svc, tenant.workspace_id, id, file_name, &table, &options).await?;
    options.headers_signature = detected.header_row.map(|_| detected.signature.clone());
    let model = import::ActiveModel {
        created_by: Set(Some(tenant.user_id.0)),
        total_rows: Set(preview.total_rows as i32),
        ..new_import(
            id,
            tenant.workspace_id,
            file_name,
            bytes.len(),
            format,
            table.sheet.clone(),
            to_json(&options)?,
            &detected,
        )?
    };
    let txn = crate::db::begin_write(&svc.db).await?;
    store::insert(&txn, model, bytes).await?;
    txn.commit().await?;
    Ok(preview)
}

async fn build_preview(
    svc: &Services,
    workspace: WorkspaceId,
    id: Uuid,
    file_name: &str,
    table: &SourceTable,
    options: &ImportOptions,
) -> Result<(ImportPreview, Detected), AppError> {
    let mut detected = Detected::from(detect(table));
    let mut reused = false;
    if let Some(saved) = store::saved_mapping(&svc.db, workspace, &detected.signature).await?
        && saved.len() == detected.columns.len()
    {
        detected.columns = saved;
        reused = true;
    }
    let (rows, total_rows) = preview_rows(table, detected.header_row, detected.columns.len());
    Ok((
        ImportPreview {
            import_id: id,
            file_name: file_name.to_owned(),
            sheets: table.sheets.clone(),
            sheet: table.sheet.clone(),
            header_row: detected.header_row,
            columns: detected.columns.clone(),
            rows,
            total_rows,
            mapping_reused: reused,
            default_country: options.default_country.clone(),
        },
        detected,
    ))
}

/// The preview of a draft again (after a reload), with the mapping stored at upload.
pub async fn preview(
    svc: &Services,
    tenant: &TenantCtx,
    id: Uuid,
) -> Result<ImportPreview, AppError> {
    let draft = draft(svc, tenant.workspace_id, id).await?;
    let bytes = store::file(&svc.db, tenant.workspace_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let table = read(bytes, draft.file_name.clone(), draft.sheet.clone()).await?;
    let options: ImportOptions = from_json(&draft.options)?;
    let (mut preview, _) = build_preview(
        svc,
        tenant.workspace_id,
        id,
        &draft.file_name,
        &table,
        &options,
    )
    .await?;
    if let Some(stored) = draft
        .mapping
        .as_deref()
        .map(from_json::<Vec<ColumnMapping>>)
        .transpose()?
        && stored.len() == preview.columns.len()
    {
        preview.columns = stored;
    }
    Ok(preview)
}

/// A new import row: a draft with its detected mapping, counters at zero (the upload itself is
/// stored beside it by [`store::insert`]).
#[allow(clippy::too_many_arguments)]
fn new_import(
    id: Uuid,
    workspace: WorkspaceId,
    file_name: &str,
    file_size: usize,
    format: String,
    sheet: Option<String>,
    options: String,
    detected: &Detected,
) -> Result<import::ActiveModel, AppError> {
    Ok(import::ActiveModel {
        id: Set(id),
        workspace_id: Set(workspace.0),
        created_by: Set(None),
        file_name: Set(file_name.chars().take(255).collect()),
        file_size: Set(file_size as i64),
        file_format: Set(format),
        sheet: Set(sheet),
        options: Set(options),
        mapping: Set(Some(to_json(&detected.columns)?)),
        header_row: Set(detected.header_row.map(|r| r as i32)),
        status: Set(ImportStatus::Draft.as_str().to_owned()),
        total_rows: Set(0),
        processed_rows: Set(0),
        imported: Set(0),
        updated: Set(0),
        duplicates: Set(0),
        invalid: Set(0),
        blank: Set(0),
        failure: Set(None),
        cancel_requested: Set(false),
        worker: Set(None),
        heartbeat_at: Set(None),
        started_at: Set(None),
        finished_at: Set(None),
        created_at: Set(Utc::now()),
    })
}

/// Re-reads a draft with another sheet of its workbook.
pub async fn choose_sheet(
    svc: &Services,
    tenant: &TenantCtx,
    id: Uuid,
    sheet: String,
) -> Result<ImportPreview, AppError> {
    tenant.require(Permission::LeadsManage)?;
    let draft = draft(svc, tenant.workspace_id, id).await?;
    let bytes = store::file(&svc.db, tenant.workspace_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let table = read(bytes, draft.file_name.clone(), Some(sheet)).await?;
    let mut options: ImportOptions = from_json(&draft.options)?;
    options.sheet = table.sheet.clone();
    let (preview, detected) = build_preview(
        svc,
        tenant.workspace_id,
        id,
        &draft.file_name,
        &table,
        &options,
    )
    .await?;
    options.headers_signature = detected.header_row.map(|_| detected.signature.clone());
    store::update(
        &svc.db,
        tenant.workspace_id,
        id,
        import::ActiveModel {
            sheet: Set(table.sheet.clone()),
            options: Set(to_json(&options)?),
            mapping: Set(Some(to_json(&detected.columns)?)),
            header_row: Set(detected.header_row.map(|r| r as i32)),
            total_rows: Set(preview.total_rows as i32),
            ..Default::default()
        },
    )
    .await?;
    Ok(preview)
}

async fn draft(
    svc: &Services,
    workspace: WorkspaceId,
    id: Uuid,
) -> Result<import::Model, AppError> {
    let row = store::find(&svc.db, workspace, id).await?;
    if row.status != ImportStatus::Draft.as_str() {
        return Err(AppError::field(
            "import",
            "This import has already started.",
        ));
    }
    Ok(row)
}

/// Checks a confirmed mapping: known columns, each field at most once, something to import.
pub fn validate_mapping(columns: &[ColumnMapping], width: usize) -> Result<(), AppError> {
    let mut errors = Vec::new();
    let mut used: BTreeMap<LeadField, &str> = BTreeMap::new();
    for column in columns {
        if column.index as usize >= width {
            errors.push(FieldError::new(
                "mapping",
                format!("The file has no column {}.", column.index + 1),
            ));
        }
        if let ColumnTarget::Field(field) = column.target
            && let Some(first) = used.insert(field, &column.header)
        {
            errors.push(FieldError::new(
                "mapping",
                format!(
                    "{} is mapped to both \"{first}\" and \"{}\": choose one.",
                    field.label(),
                    column.header
                ),
            ));
        }
    }
    let contact = [
        LeadField::Name,
        LeadField::Phone,
        LeadField::Email,
        LeadField::Website,
    ];
    if !contact.iter().any(|f| used.contains_key(f)) {
        errors.push(FieldError::new(
            "mapping",
            "Map at least one column to the business name, phone, email or website.",
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

/// An ISO 3166-1 alpha-2 code, upper-cased, or a message on `field`.
pub fn country_code(value: Option<&str>, field: &str) -> Result<Option<String>, AppError> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let code = value.to_ascii_uppercase();
    if rust_iso3166::from_alpha2(&code).is_some() {
        Ok(Some(code))
    } else {
        Err(AppError::field(
            field,
            format!("\"{value}\" is not a two-letter country code such as KE, BR or US."),
        ))
    }
}

/// Confirms a draft's mapping and options and queues the job.
pub async fn start(
    svc: &Services,
    tenant: &TenantCtx,
    id: Uuid,
    form: StartImport,
) -> Result<ImportDto, AppError> {
    tenant.require(Permission::LeadsManage)?;
    let draft = draft(svc, tenant.workspace_id, id).await?;
    let detected: Vec<ColumnMapping> = draft
        .mapping
        .as_deref()
        .map(from_json)
        .transpose()?
        .unwrap_or_default();
    validate_mapping(&form.columns, detected.len())?;
    let default_country = country_code(form.default_country.as_deref(), "default_country")?;
    let mut options: ImportOptions = from_json(&draft.options)?;
    options.default_country = default_country;
    options.on_duplicate = form.on_duplicate;
    // The headers are the file's; only the targets are the user's.
    let columns: Vec<ColumnMapping> = detected
        .iter()
        .map(|d| {
            let chosen = form.columns.iter().find(|c| c.index == d.index);
            ColumnMapping {
                index: d.index,
                header: d.header.clone(),
                target: chosen.map_or(d.target.clone(), |c| c.target.clone()),
                confidence: if chosen.is_some_and(|c| c.target != d.target) {
                    100
                } else {
                    d.confidence
                },
            }
        })
        .collect();
    if let Some(signature) = &options.headers_signature {
        store::save_mapping(&svc.db, tenant.workspace_id, signature, &columns).await?;
    }
    store::update(
        &svc.db,
        tenant.workspace_id,
        id,
        import::ActiveModel {
            options: Set(to_json(&options)?),
            mapping: Set(Some(to_json(&columns)?)),
            status: Set(ImportStatus::Queued.as_str().to_owned()),
            ..Default::default()
        },
    )
    .await?;
    svc.import_wakeup.notify_one();
    status(svc, tenant, id).await
}

pub async fn status(svc: &Services, tenant: &TenantCtx, id: Uuid) -> Result<ImportDto, AppError> {
    let row = store::find(&svc.db, tenant.workspace_id, id).await?;
    let errors = store::error_count(&svc.db, tenant.workspace_id, id).await?;
    Ok(store::to_dto(row, errors))
}

pub async fn list(svc: &Services, tenant: &TenantCtx) -> Result<Vec<ImportDto>, AppError> {
    store::list(&svc.db, tenant.workspace_id, 50).await
}

pub async fn cancel(svc: &Services, tenant: &TenantCtx, id: Uuid) -> Result<(), AppError> {
    tenant.require(Permission::LeadsManage)?;
    store::request_cancel(&svc.db, tenant.workspace_id, id).await
}

/// The report of an import of the workspace.
pub async fn report(
    db: &DatabaseConnection,
    workspace: WorkspaceId,
    id: Uuid,
) -> Result<ImportReport, AppError> {
    let row = store::find(db, workspace, id).await?;
    let columns: Vec<ColumnMapping> = row
        .mapping
        .as_deref()
        .map(from_json)
        .transpose()?
        .unwrap_or_default();
    let mapping = columns
        .iter()
        .filter_map(|c| match c.target {
            ColumnTarget::Field(f) => Some((f.as_str().to_owned(), c.header.clone())),
            _ => None,
        })
        .collect();
    Ok(ImportReport {
        imported: store::non_negative(row.imported),
        updated: store::non_negative(row.updated),
        duplicates: store::non_negative(row.duplicates),
        invalid: store::non_negative(row.invalid),
        blank: store::non_negative(row.blank),
        mapping,
        header_row: row.header_row.and_then(|r| u32::try_from(r).ok()),
        errors: store::errors(db, workspace, id).await?,
    })
}

/// The report's rejected and flagged rows as CSV (`row,reason`).
pub fn report_csv(report: &ImportReport) -> String {
    let mut out = String::from("row,reason\r\n");
    for e in &report.errors {
        out.push_str(&e.row.to_string());
        out.push(',');
        out.push_str(&crate::export::csv_cell(&e.reason));
        out.push_str("\r\n");
    }
    out
}

/// `leadloom import`: reads, maps (with overrides), stores and runs the import in this process.
pub async fn import_now(
    svc: &Services,
    workspace: WorkspaceId,
    file_name: &str,
    bytes: Vec<u8>,
    options: ImportOptions,
    overrides: &[(String, String)],
) -> Result<(Uuid, ImportReport), AppError> {
    let format = file_format(file_name)?;
    check_size(bytes.len(), svc.settings.max_import_bytes)?;
    let default_country = country_code(options.default_country.as_deref(), "default-country")?;
    let started = std::time::Instant::now();
    let table = read(bytes.clone(), file_name.to_owned(), options.sheet.clone()).await?;
    let read_took = started.elapsed();
    let mut mapping = detect(&table);
    let signature = mapping.headers_signature();
    let saved = store::saved_mapping(&svc.db, workspace, &signature).await?;
    if overrides.is_empty()
        && let Some(saved) = saved.filter(|s| s.len() == mapping.columns.len())
    {
        // The mapping confirmed last time for these headers, unless the command line says
        // otherwise.
        mapping
            .columns
            .iter_mut()
            .zip(saved)
            .for_each(|(column, saved)| {
                column.target = match saved.target {
                    ColumnTarget::Field(f) => leads::ColumnTarget::Field(f),
                    ColumnTarget::Custom => leads::ColumnTarget::Custom(saved.header),
                    ColumnTarget::Ignore => leads::ColumnTarget::Ignore,
                };
            });
    }
    mapping.apply_overrides(overrides.iter().map(|(f, h)| (f.as_str(), h.as_str())))?;
    let detected = Detected::from(mapping);
    validate_mapping(&detected.columns, detected.columns.len())?;
    let options = ImportOptions {
        default_country,
        sheet: table.sheet.clone(),
        headers_signature: detected.header_row.map(|_| detected.signature.clone()),
        ..options
    };
    let id = Uuid::now_v7();
    let now = Utc::now();
    let model = import::ActiveModel {
        status: Set(ImportStatus::Running.as_str().to_owned()),
        worker: Set(Some("cli".to_owned())),
        heartbeat_at: Set(Some(now)),
        started_at: Set(Some(now)),
        created_at: Set(now),
        ..new_import(
            id,
            workspace,
            file_name,
            bytes.len(),
            format,
            table.sheet.clone(),
            to_json(&options)?,
            &detected,
        )?
    };
    // The file is kept like an upload's: if this process dies, a worker resumes the job.
    let txn = crate::db::begin_write(&svc.db).await?;
    store::insert(&txn, model, bytes).await?;
    txn.commit().await?;
    let status = job::run_with(
        &svc.db,
        id,
        Some(job::ReadFile {
            table,
            took: read_took,
        }),
    )
    .await?;
    let row = store::find(&svc.db, workspace, id).await?;
    if status == ImportStatus::Failed {
        return Err(AppError::field(
            "file",
            row.failure
                .unwrap_or_else(|| "The import failed.".to_owned()),
        ));
    }
    Ok((id, report(&svc.db, workspace, id).await?))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, AppError> {
    serde_json::to_string(value).map_err(|e| {
        tracing::error!(error = %e, "serialising import state");
        AppError::Internal
    })
}

fn from_json<T: serde::de::DeserializeOwned>(json: &str) -> Result<T, AppError> {
    serde_json::from_str(json).map_err(|e| {
        tracing::error!(error = %e, "reading stored import state");
        AppError::Internal
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(index: u32, header: &str, target: ColumnTarget) -> ColumnMapping {
        ColumnMapping {
            index,
            header: header.into(),
            target,
            confidence: 50,
        }
    }

    #[test]
    fn extensions_are_checked() {
        assert_eq!(file_format("Leads.XLSX").unwrap(), "xlsx");
        let err = file_format("leads.pdf").unwrap_err();
        assert!(
            err.field_message("file").unwrap().contains(".csv, .tsv"),
            "{err:?}"
        );
        assert!(file_format("noextension").is_err());
    }

    #[test]
    fn sizes_are_checked() {
        assert!(check_size(0, 10).unwrap_err().to_string().contains("empty"));
        assert!(check_size(11, 10).is_err());
        assert!(check_size(10, 10).is_ok());
    }

    #[test]
    fn a_field_mapped_twice_is_refused() {
        let columns = vec![
            col(0, "Tel", ColumnTarget::Field(LeadField::Phone)),
            col(1, "Mobile", ColumnTarget::Field(LeadField::Phone)),
        ];
        let err = validate_mapping(&columns, 2).unwrap_err();
        assert!(err.to_string().contains("\"Tel\" and \"Mobile\""), "{err}");
        let nothing = vec![col(0, "City", ColumnTarget::Field(LeadField::City))];
        assert!(
            validate_mapping(&nothing, 1)
                .unwrap_err()
                .to_string()
                .contains("at least one")
        );
        assert!(validate_mapping(&[col(3, "X", ColumnTarget::Field(LeadField::Name))], 2).is_err());
    }

    #[test]
    fn country_codes_are_checked() {
        assert_eq!(
            country_code(Some(" ke "), "c").unwrap().as_deref(),
            Some("KE")
        );
        assert_eq!(country_code(Some(""), "c").unwrap(), None);
        assert!(
            country_code(Some("XX"), "c")
                .unwrap_err()
                .field_message("c")
                .is_some()
        );
    }
}
