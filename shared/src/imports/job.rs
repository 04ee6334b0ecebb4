//! The import job: turns the rows of an uploaded file into leads — normalise, dedupe (within the
//! file and against the workspace), store in batches — with progress, cancellation and a report.
//!
//! Each batch commits its leads, its row errors and the job's counters in one transaction, so
//! `processed_rows` always says exactly which rows are stored: a job interrupted by a crash is
//! picked up again from there. Batches are drafted (phones parsed) on the blocking pool one
//! ahead of the batch being stored, and stored with plain multi-row `INSERT`s written by hand.

use super::store;
use super::{ColumnMapping, ColumnTarget, ImportOptions, ImportStatus, LeadField, OnDuplicate};
use crate::db::entities::{import, import_row_error, lead, lead_event, lead_tag};
use crate::leads::{self, SourceRow};
use crate::{AppError, WorkspaceId};
use chrono::Utc;
use sea_orm::sea_query::{Expr, IntoIden, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    IdenStatic, QueryFilter, QuerySelect, Set, Statement, Value,
};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Rows stored per transaction. Each commit has a fixed cost, and on SQLite every index page a
/// batch touches is written to the WAL once per commit: the phone and name indexes take keys
/// all over their range, so a batch rewrites most of their pages whatever its size, and fewer,
/// larger batches write them fewer times (100,000 rows: storing took about 10 % longer in 20
/// batches of 5,000 than in 5 of 20,000 on an idle machine, 20 % on a loaded one). 20,000 rows
/// still move the progress bar every one to two seconds and bound what a cancel waits for.
/// The duplicate lookup binds one parameter per row in chunks; the inserts are split by
/// [`insert_rows`] whatever the size.
const BATCH_ROWS: usize = 20_000;

/// Rows in the first batch. Storing waits for the first batch's drafts (drafting then runs one
/// batch ahead), so a short first batch starts the database's work sooner; the index pages it
/// rewrites are few while the workspace's indexes are still small.
const FIRST_BATCH_ROWS: usize = 2_000;

/// Longest text kept per field (longer cells are cut, never rejected).
const MAX_FIELD_CHARS: usize = 300;
const MAX_NOTES_CHARS: usize = 5000;

/// A lead built from one row, ready to store.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LeadDraft {
    pub name: String,
    pub phone_raw: Option<String>,
    pub phone_e164: Option<String>,
    pub phone_country: Option<String>,
    pub phone_kind: Option<String>,
    pub phone_error: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub category: Option<String>,
    pub tags: Vec<String>,
    pub notes: Option<String>,
    pub custom: BTreeMap<String, String>,
}

/// What one row turned into.
#[derive(Debug, PartialEq, Eq)]
pub enum RowDraft {
    /// Every cell empty: skipped and counted as blank.
    Blank,
    /// Nothing to make a lead from; the reason goes into the report.
    Rejected(String),
    /// A lead, with notes for the report about what was flagged (an invalid phone, say).
    Lead(Box<LeadDraft>, Vec<String>),
}

fn cut(value: &str, max: usize) -> String {
    value.chars().take(max).collect()
}

fn non_empty(value: &str) -> Option<&str> {
    let value = value.trim();
    (!value.is_empty()).then_some(value)
}

/// Splits a tags cell on commas, semicolons and pipes; trims, drops empties and repeats.
pub fn split_tags(cell: &str) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for tag in cell.split([',', ';', '|']) {
        let tag = cut(tag.trim(), 60);
        if !tag.is_empty() && !tags.iter().any(|t| t.eq_ignore_ascii_case(&tag)) {
            tags.push(tag);
        }
    }
    tags
}

/// The ISO 3166 alpha-2 code a cell names: a code ("ke") or an English name ("Kenya").
pub fn country_code_of(value: &str) -> Option<String> {
    let value = value.trim();
    if value.len() == 2 {
        let code = value.to_ascii_uppercase();
        return rust_iso3166::from_alpha2(&code).map(|c| c.alpha2.to_owned());
    }
    if value.len() == 3
        && let Some(c) = rust_iso3166::from_alpha3(&value.to_ascii_uppercase())
    {
        return Some(c.alpha2.to_owned());
    }
    rust_iso3166::ALL
        .iter()
        .find(|c| c.name.eq_ignore_ascii_case(value))
        .map(|c| c.alpha2.to_owned())
}

/// Builds the lead a row describes, following the mapping.
pub fn draft_from_row(
    row: &SourceRow,
    columns: &[ColumnMapping],
    default_country: Option<&str>,
) -> RowDraft {
    if row.cells.iter().all(|c| c.trim().is_empty()) {
        return RowDraft::Blank;
    }
    let mut draft = LeadDraft::default();
    let mut flags = Vec::new();
    // A row that names its country parses its phone with that country, not the file's default:
    // lists often mix countries, each written the local way.
    let row_country = columns
        .iter()
        .find(|c| c.target == ColumnTarget::Field(LeadField::Country))
        .and_then(|c| row.cells.get(c.index as usize))
        .and_then(|value| country_code_of(value));
    let default_country = row_country.as_deref().or(default_country);
    for column in columns {
        let Some(value) = row
            .cells
            .get(column.index as usize)
            .and_then(|c| non_empty(c))
        else {
            continue;
        };
        match &column.target {
            ColumnTarget::Ignore => {}
            ColumnTarget::Custom => {
                let key = cut(column.header.trim(), 60);
                if !key.is_empty() {
                    draft.custom.insert(key, cut(value, MAX_FIELD_CHARS));
                }
            }
            ColumnTarget::Field(field) => match field {
                LeadField::Name => draft.name = cut(value, MAX_FIELD_CHARS),
                LeadField::Phone => {
                    draft.phone_raw = Some(cut(value, 64));
                    match leads::normalize_phone(value, default_country) {
                        Ok(phone) => {
                            draft.phone_e164 = Some(phone.e164);
                            draft.phone_country = Some(phone.country);
                            draft.phone_kind = Some(phone.kind.as_str().to_owned());
                        }
                        Err(e) => {
                            let reason = e.to_string();
                            flags.push(format!(
                                "phone \"{}\": {reason} (the lead is kept, flagged)",
                                cut(value, 40)
                            ));
                            draft.phone_error = Some(cut(&reason, 200));
                        }
                    }
                }
                LeadField::Website => match leads::website_cell(value) {
                    Some(site) if site.chars().count() <= 2048 => draft.website = Some(site),
                    Some(_) => {
                        flags.push("website is longer than 2,048 characters: left empty".into())
                    }
                    None => {}
                },
                LeadField::Email => match leads::clean_email(value) {
                    Some(email) if email.len() <= 254 => draft.email = Some(email),
                    _ => flags.push(format!(
                        "email \"{}\" is not an email address: left empty",
                        cut(value, 60)
                    )),
                },
                LeadField::City => draft.city = Some(cut(value, 120)),
                LeadField::Country => draft.country = Some(cut(value, 120)),
                LeadField::Category => draft.category = Some(cut(value, 120)),
                LeadField::Tags => draft.tags = split_tags(value),
                LeadField::Notes => draft.notes = Some(cut(value, MAX_NOTES_CHARS)),
            },
        }
    }
    let has_contact = draft.phone_raw.is_some() || draft.email.is_some() || draft.website.is_some();
    if draft.name.is_empty() && !has_contact {
        return RowDraft::Rejected(
            "no business name, phone, email or website in this row".to_owned(),
        );
    }
    if draft.name.is_empty() {
        // A lead needs something to call it by in lists; the best contact detail stands in.
        draft.name = draft
            .phone_e164
            .clone()
            .or_else(|| draft.phone_raw.clone())
            .or_else(|| draft.email.clone())
            .or_else(|| draft.website.clone())
            .unwrap_or_default();
    }
    RowDraft::Lead(Box::new(draft), flags)
}

/// The rows after the header, with the blank rows the reader skipped put back (as empty rows)
/// so they are counted and the row numbers in the report stay those of the file.
pub fn data_rows(rows: Vec<SourceRow>, header_row: Option<u32>) -> Vec<SourceRow> {
    let mut out = Vec::with_capacity(rows.len());
    let mut expected = header_row.map_or(1, |h| h + 1);
    for row in rows {
        if header_row.is_some_and(|h| row.number <= h) {
            continue;
        }
        while expected < row.number {
            out.push(SourceRow {
                number: expected,
                cells: Vec::new(),
            });
            expected += 1;
        }
        expected = row.number + 1;
        out.push(row);
    }
    out
}

/// Counters of one run, added to the job's row batch by batch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub imported: u32,
    pub updated: u32,
    pub duplicates: u32,
    pub invalid: u32,
    pub blank: u32,
}

/// Fills (policy `Update`) or replaces (policy `Overwrite`) an existing lead's fields from a
/// draft. Returns whether anything changed.
fn merge_into(existing: &mut lead::Model, draft: &LeadDraft, policy: OnDuplicate) -> bool {
    fn apply(slot: &mut Option<String>, value: &Option<String>, overwrite: bool) -> bool {
        match value {
            Some(v)
                if (overwrite || slot.as_deref().is_none_or(str::is_empty))
                    && slot.as_deref() != Some(v.as_str()) =>
            {
                *slot = Some(v.clone());
                true
            }
            _ => false,
        }
    }
    let overwrite = policy == OnDuplicate::Overwrite;
    let mut changed = false;
    if !draft.name.is_empty()
        && (overwrite || existing.name.is_empty())
        && existing.name != draft.name
    {
        existing.name = draft.name.clone();
        changed = true;
    }
    changed |= apply(&mut existing.email, &draft.email, overwrite);
    changed |= apply(&mut existing.website, &draft.website, overwrite);
    changed |= apply(&mut existing.city, &draft.city, overwrite);
    changed |= apply(&mut existing.country, &draft.country, overwrite);
    changed |= apply(&mut existing.category, &draft.category, overwrite);
    changed |= apply(&mut existing.notes, &draft.notes, overwrite);
    if !draft.custom.is_empty() {
        let mut custom: BTreeMap<String, String> = existing
            .custom_fields
            .as_deref()
            .and_then(|json| serde_json::from_str(json).ok())
            .unwrap_or_default();
        let before = custom.clone();
        for (key, value) in &draft.custom {
            if overwrite || !custom.contains_key(key) {
                custom.insert(key.clone(), value.clone());
            }
        }
        if custom != before {
            existing.custom_fields = serde_json::to_string(&custom).ok();
            changed = true;
        }
    }
    changed
}

/// The `leads` columns a new lead is inserted with, in the order [`new_lead_values`] gives.
pub const LEAD_COLUMNS: [lead::Column; 22] = [
    lead::Column::Id,
    lead::Column::WorkspaceId,
    lead::Column::Name,
    lead::Column::PhoneRaw,
    lead::Column::PhoneE164,
    lead::Column::PhoneCountry,
    lead::Column::PhoneKind,
    lead::Column::PhoneError,
    lead::Column::Email,
    lead::Column::Website,
    lead::Column::WebsiteStatus,
    lead::Column::WhatsappStatus,
    lead::Column::City,
    lead::Column::Country,
    lead::Column::Category,
    lead::Column::Notes,
    lead::Column::CustomFields,
    lead::Column::Stage,
    lead::Column::OptedOut,
    lead::Column::ImportId,
    lead::Column::CreatedAt,
    lead::Column::UpdatedAt,
];

/// Appends one new lead's values for [`LEAD_COLUMNS`] to a statement's values. Plain values
/// rather than an `ActiveModel` or a query builder: at 100,000 rows the per-field bookkeeping of
/// either is measurable.
fn push_new_lead_values(
    values: &mut Vec<Value>,
    id: Uuid,
    workspace: WorkspaceId,
    import_id: Uuid,
    draft: &LeadDraft,
    now: chrono::DateTime<Utc>,
) {
    let custom = (!draft.custom.is_empty())
        .then(|| serde_json::to_string(&draft.custom).ok())
        .flatten();
    values.extend([
        id.into(),
        workspace.0.into(),
        draft.name.clone().into(),
        draft.phone_raw.clone().into(),
        draft.phone_e164.clone().into(),
        draft.phone_country.clone().into(),
        draft.phone_kind.clone().into(),
        draft.phone_error.clone().into(),
        draft.email.clone().into(),
        draft.website.clone().into(),
        crate::leads::WebsiteStatus::Unchecked.as_str().into(),
        crate::leads::WhatsappStatus::Unchecked.as_str().into(),
        draft.city.clone().into(),
        draft.country.clone().into(),
        draft.category.clone().into(),
        draft.notes.clone().into(),
        custom.into(),
        crate::leads::Stage::New.as_str().into(),
        false.into(),
        Some(import_id).into(),
        now.into(),
        now.into(),
    ]);
}

/// `INSERT INTO leads (…) VALUES (…), … ON CONFLICT (workspace_id, phone_e164) DO NOTHING` for
/// `rows` leads, with the backend's placeholders.
fn insert_leads_sql(backend: DbBackend, rows: usize) -> String {
    use std::fmt::Write;
    let width = LEAD_COLUMNS.len();
    let columns = LEAD_COLUMNS
        .iter()
        .map(|c| format!("\"{}\"", c.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let mut sql = String::with_capacity(96 + columns.len() + rows * width * 7);
    let _ = write!(sql, "INSERT INTO \"leads\" ({columns}) VALUES ");
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..width {
            if column > 0 {
                sql.push_str(", ");
            }
            match backend {
                DbBackend::Postgres => {
                    let _ = write!(sql, "${}", row * width + column + 1);
                }
                _ => sql.push('?'),
            }
        }
        sql.push(')');
    }
    sql.push_str(" ON CONFLICT (\"workspace_id\", \"phone_e164\") DO NOTHING");
    sql
}

/// Most bind parameters one statement may carry: SQLite's limit (32,766 since 3.32) and
/// PostgreSQL's (65,535, the protocol's 16-bit count).
fn max_parameters(backend: DbBackend) -> usize {
    match backend {
        DbBackend::Sqlite => 32_766,
        _ => 65_535,
    }
}

/// Inserts `rows` (each one value per column) with as few multi-row `INSERT`s as the backend's
/// parameter limit allows; `conflict` (if any) is added to each.
async fn insert_rows<C>(
    db: &impl ConnectionTrait,
    table: impl IntoIden + Copy,
    columns: &[C],
    rows: Vec<Vec<Expr>>,
    conflict: Option<&OnConflict>,
) -> Result<(), AppError>
where
    C: IntoIden + Copy,
{
    let per_statement = (max_parameters(db.get_database_backend()) / columns.len().max(1)).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut insert = Query::insert();
        insert.into_table(table).columns(columns.iter().copied());
        for values in rows.by_ref().take(per_statement) {
            insert
                .values(values)
                .map_err(|e| AppError::internal("building an import insert", e))?;
        }
        if let Some(conflict) = conflict {
            insert.on_conflict(conflict.clone());
        }
        db.execute(&insert).await?;
    }
    Ok(())
}

/// Inserts the planned leads, skipping those whose phone is already a lead of the workspace
/// (the unique `(workspace_id, phone_e164)` index); returns the ids of the leads inserted.
///
/// The statements are written here rather than by the query builder, which copies every value
/// once more, and without `RETURNING`: a statement that inserted all its rows (the usual case)
/// says so in its count, and only one that skipped some asks which of its new ids went in.
async fn insert_leads(
    db: &impl ConnectionTrait,
    spec: &JobSpec,
    planned: &[(Uuid, u32, LeadDraft)],
    now: chrono::DateTime<Utc>,
) -> Result<HashSet<Uuid>, AppError> {
    let backend = db.get_database_backend();
    let per_statement = max_parameters(backend) / LEAD_COLUMNS.len();
    let full_sql = insert_leads_sql(backend, per_statement);
    let statement = |chunk: &[(Uuid, u32, LeadDraft)]| {
        let mut values = Vec::with_capacity(chunk.len() * LEAD_COLUMNS.len());
        for (id, _, draft) in chunk {
            push_new_lead_values(&mut values, *id, spec.workspace, spec.id, draft, now);
        }
        let sql = if chunk.len() == per_statement {
            full_sql.clone()
        } else {
            insert_leads_sql(backend, chunk.len())
        };
        Statement::from_sql_and_values(backend, sql, values)
    };
    let mut inserted = HashSet::with_capacity(planned.len());
    let mut chunks = planned.chunks(per_statement);
    let mut next = chunks.next().map(|chunk| (chunk, statement(chunk)));
    while let Some((chunk, insert)) = next.take() {
        // The next statement's values are copied out of the drafts while this one runs (on
        // SQLite, on the driver's own thread): `join!` polls the insert first, which hands it
        // to the database, then builds the next statement.
        let (done, built) = futures::join!(db.execute_raw(insert), async {
            chunks.next().map(|chunk| (chunk, statement(chunk)))
        });
        next = built;
        let done = done?;
        let ids = chunk.iter().map(|(id, ..)| *id);
        if done.rows_affected() == chunk.len() as u64 {
            inserted.extend(ids);
        } else {
            inserted.extend(
                lead::Entity::find()
                    .select_only()
                    .column(lead::Column::Id)
                    .filter(lead::Column::WorkspaceId.eq(spec.workspace.0))
                    .filter(lead::Column::Id.is_in(ids))
                    .into_tuple::<Uuid>()
                    .all(db)
                    .await?,
            );
        }
    }
    Ok(inserted)
}

fn phones_of<'a>(drafts: impl Iterator<Item = &'a LeadDraft>) -> Vec<String> {
    drafts.filter_map(|d| d.phone_e164.clone()).collect()
}

/// The workspace's leads that have one of these phones, by phone.
async fn existing_leads(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    phones: Vec<String>,
) -> Result<HashMap<String, lead::Model>, AppError> {
    let mut existing = HashMap::new();
    // Chunked only to bound the statement; a batch is far smaller than any parameter limit.
    for chunk in phones.chunks(5000) {
        existing.extend(
            lead::Entity::find()
                .filter(lead::Column::WorkspaceId.eq(workspace.0))
                .filter(lead::Column::PhoneE164.is_in(chunk.iter().cloned()))
                .all(db)
                .await?
                .into_iter()
                .filter_map(|l| l.phone_e164.clone().map(|p| (p, l))),
        );
    }
    Ok(existing)
}

const TAG_COLUMNS: [lead_tag::Column; 3] = [
    lead_tag::Column::LeadId,
    lead_tag::Column::Tag,
    lead_tag::Column::WorkspaceId,
];

fn tag_values(lead: Uuid, workspace: WorkspaceId, tag: &str) -> Vec<Expr> {
    vec![lead.into(), tag.into(), workspace.0.into()]
}

const ERROR_COLUMNS: [import_row_error::Column; 4] = [
    import_row_error::Column::ImportId,
    import_row_error::Column::RowNumber,
    import_row_error::Column::WorkspaceId,
    import_row_error::Column::Reason,
];

/// Reads an upload on the blocking pool (parsing a large workbook takes CPU seconds). The outer
/// error is ours (the reader panicked); the inner one is the file's, for the uploader.
pub(crate) async fn read_blocking(
    bytes: Vec<u8>,
    file_name: String,
    sheet: Option<String>,
) -> Result<Result<leads::SourceTable, leads::ImportError>, AppError> {
    tokio::task::spawn_blocking(move || {
        leads::read_table(
            &bytes,
            &file_name,
            &leads::ReadOptions {
                sheet,
                ..Default::default()
            },
        )
    })
    .await
    .map_err(|e| AppError::internal("the import reader panicked", e))
}

/// Everything a run needs to know about its job.
struct JobSpec {
    id: Uuid,
    workspace: WorkspaceId,
    file_name: String,
    options: ImportOptions,
    columns: Vec<ColumnMapping>,
    header_row: Option<u32>,
}

/// Runs a claimed (`running`) import to its end: completed, cancelled or failed. Errors
/// returned are the database's; problems with the file end the job as `failed` with a message.
pub async fn run(db: &DatabaseConnection, import_id: Uuid) -> Result<ImportStatus, AppError> {
    run_with(db, import_id, None).await
}

/// A file a caller has already read (`leadloom import`), with how long reading it took: the
/// job's log line then reports the whole run, reading included.
#[derive(Debug)]
pub struct ReadFile {
    pub table: leads::SourceTable,
    pub took: Duration,
}

/// [`run`] for a caller that has already read the file, so it is not parsed twice.
pub async fn run_with(
    db: &DatabaseConnection,
    import_id: Uuid,
    read: Option<ReadFile>,
) -> Result<ImportStatus, AppError> {
    let job = import::Entity::find_by_id(import_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let spec = JobSpec {
        id: job.id,
        workspace: WorkspaceId(job.workspace_id),
        file_name: job.file_name.clone(),
        options: serde_json::from_str(&job.options).map_err(|e| {
            tracing::error!(error = %e, import = %job.id, "unreadable import options");
            AppError::Internal
        })?,
        columns: job
            .mapping
            .as_deref()
            .and_then(|m| serde_json::from_str(m).ok())
            .unwrap_or_default(),
        header_row: job.header_row.and_then(|r| u32::try_from(r).ok()),
    };
    let clock = std::time::Instant::now();
    let (table, read_before) = match read {
        Some(ReadFile { table, took }) => (table, took),
        None => match read_stored(db, &spec).await? {
            Some(table) => (table, Duration::ZERO),
            None => return Ok(ImportStatus::Failed),
        },
    };
    let read_time = read_before + clock.elapsed();
    let mut rows = data_rows(table.rows, spec.header_row);
    let total = rows.len();
    store::set_total(db, import_id, total as u32).await?;

    let columns = Arc::new(spec.columns.clone());
    let country = spec.options.default_country.clone();
    let start = usize::try_from(job.processed_rows)
        .unwrap_or(0)
        .min(rows.len());
    let rest = rows.split_off(start);
    // Phones seen earlier in the file, for in-file duplicates (rebuilt on resume from the rows
    // already committed, which `rows` now holds).
    let mut seen = {
        let (columns, country) = (columns.clone(), country.clone());
        tokio::task::spawn_blocking(move || {
            let mut seen: HashMap<String, u32> = HashMap::new();
            for row in &rows {
                if let RowDraft::Lead(draft, _) = draft_from_row(row, &columns, country.as_deref())
                    && let Some(phone) = draft.phone_e164
                {
                    seen.entry(phone).or_insert(row.number);
                }
            }
            seen
        })
        .await
        .map_err(|e| AppError::internal("drafting import rows panicked", e))?
    };
    let mut capacity = store::lead_capacity(db, spec.workspace).await?;
    let (mut draft_time, mut store_time) = (Duration::ZERO, Duration::ZERO);

    // The batches' transactions run on a connection of their own (SQLite: see `BulkWriter`).
    let writer = crate::db::BulkWriter::open(db).await?;
    let mut batches = batches_of(rest, FIRST_BATCH_ROWS, BATCH_ROWS).into_iter();
    // Drafting (phone parsing, CPU) runs on the blocking pool one batch ahead of storing
    // (database work), so on two cores the two overlap instead of taking turns.
    let mut next = batches
        .next()
        .map(|batch| draft_batch(batch, columns.clone(), country.clone()));
    while let Some(drafting) = next.take() {
        // Between batches: a cancel asked for on the page stops the job here; the batches
        // already committed stay (the report says how many rows that was). A batch being
        // drafted is simply dropped.
        if store::cancel_requested(db, import_id).await? {
            store::finish(writer.db(), import_id, ImportStatus::Cancelled, None).await?;
            writer.finish();
            return Ok(ImportStatus::Cancelled);
        }
        let (drafts, took) = drafting
            .await
            .map_err(|e| AppError::internal("drafting import rows panicked", e))?;
        draft_time += took;
        next = batches
            .next()
            .map(|batch| draft_batch(batch, columns.clone(), country.clone()));
        let started = Instant::now();
        store_batch(writer.db(), &spec, drafts, &mut seen, &mut capacity).await?;
        store_time += started.elapsed();
    }
    // Marked completed on the writer's connection: a pool connection's commit would run
    // SQLite's automatic checkpoint of the whole run's WAL inline (see `BulkWriter::finish`).
    store::finish(writer.db(), import_id, ImportStatus::Completed, None).await?;
    writer.finish();
    tracing::info!(
        import = %import_id,
        rows = total,
        read_ms = read_time.as_millis() as u64,
        draft_ms = draft_time.as_millis() as u64,
        store_ms = store_time.as_millis() as u64,
        total_ms = (read_before + clock.elapsed()).as_millis() as u64,
        "import completed"
    );
    Ok(ImportStatus::Completed)
}

/// Reads the job's stored file. `None` when it cannot be read; the job is then marked failed
/// with a message saying why.
async fn read_stored(
    db: &DatabaseConnection,
    spec: &JobSpec,
) -> Result<Option<leads::SourceTable>, AppError> {
    let Some(bytes) = store::file(db, spec.workspace, spec.id).await? else {
        store::finish(
            db,
            spec.id,
            ImportStatus::Failed,
            Some("The uploaded file is no longer stored; upload it again."),
        )
        .await?;
        return Ok(None);
    };
    match read_blocking(bytes, spec.file_name.clone(), spec.options.sheet.clone()).await? {
        Ok(table) => Ok(Some(table)),
        Err(e) => {
            store::finish(db, spec.id, ImportStatus::Failed, Some(&e.to_string())).await?;
            Ok(None)
        }
    }
}

/// Splits rows into owned batches (moved, not copied): `first` rows, then `size` at a time.
fn batches_of(rows: Vec<SourceRow>, first: usize, size: usize) -> Vec<Vec<SourceRow>> {
    let mut batches = Vec::with_capacity(rows.len().div_ceil(size.max(1)) + 1);
    let mut rows = rows.into_iter();
    loop {
        let take = if batches.is_empty() { first } else { size };
        let batch: Vec<SourceRow> = rows.by_ref().take(take.max(1)).collect();
        if batch.is_empty() {
            return batches;
        }
        batches.push(batch);
    }
}

/// Drafts a batch on the blocking pool; the handle yields the drafts and the CPU time taken.
fn draft_batch(
    batch: Vec<SourceRow>,
    columns: Arc<Vec<ColumnMapping>>,
    country: Option<String>,
) -> tokio::task::JoinHandle<(Vec<(u32, RowDraft)>, Duration)> {
    tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let drafts = batch
            .iter()
            .map(|row| {
                (
                    row.number,
                    draft_from_row(row, &columns, country.as_deref()),
                )
            })
            .collect();
        (drafts, started.elapsed())
    })
}

/// Stores one batch of drafted rows and the job's counters in one transaction.
async fn store_batch(
    db: &DatabaseConnection,
    spec: &JobSpec,
    drafts: Vec<(u32, RowDraft)>,
    seen: &mut HashMap<String, u32>,
    capacity: &mut Option<store::Capacity>,
) -> Result<(), AppError> {
    let processed = drafts.len() as u32;
    let mut tally = Tally::default();
    let mut errors: Vec<(u32, String)> = Vec::new();
    let mut fresh: Vec<(u32, LeadDraft)> = Vec::new();
    let mut repeats: Vec<(u32, LeadDraft)> = Vec::new();

    for (row, draft) in drafts {
        match draft {
            RowDraft::Blank => tally.blank += 1,
            RowDraft::Rejected(reason) => {
                tally.invalid += 1;
                errors.push((row, reason));
            }
            RowDraft::Lead(draft, flags) => {
                if draft.phone_error.is_some() {
                    tally.invalid += 1;
                }
                if let Some(phone) = &draft.phone_e164 {
                    if let Some(first) = seen.get(phone) {
                        tally.duplicates += 1;
                        errors.push((
                            row,
                            format!("duplicate of row {first} (same phone {phone})"),
                        ));
                        continue;
                    }
                    seen.insert(phone.clone(), row);
                }
                if !flags.is_empty() {
                    errors.push((row, flags.join("; ")));
                }
                fresh.push((row, *draft));
            }
        }
    }

    let txn = crate::db::begin_write(db).await?;
    // Phones already in the workspace are duplicates, handled by the policy. Normally the insert
    // finds them itself (`ON CONFLICT DO NOTHING` on the phone's unique index, which it checks
    // anyway) and only the rows it skipped are looked up: a separate lookup per batch cost
    // more than the insert on PostgreSQL, whose planner (before the table has statistics)
    // scanned the workspace's leads for it. A plan limit that this batch could reach needs the
    // duplicates known first, so they are not counted against it: then they are looked up.
    let look_up_first = capacity
        .as_ref()
        .is_some_and(|cap| cap.remaining < fresh.len() as u64);
    let mut existing: HashMap<String, lead::Model> = if look_up_first {
        existing_leads(
            &txn,
            spec.workspace,
            phones_of(fresh.iter().map(|(_, d)| d)),
        )
        .await?
    } else {
        HashMap::new()
    };
    fresh.retain(|(row, draft)| {
        let duplicate = draft
            .phone_e164
            .as_ref()
            .is_some_and(|p| existing.contains_key(p));
        if duplicate {
            repeats.push((*row, draft.clone()));
        }
        !duplicate
    });

    let now = Utc::now();
    let mut planned: Vec<(Uuid, u32, LeadDraft)> = Vec::with_capacity(fresh.len());
    for (row, draft) in fresh {
        if let Some(cap) = capacity.as_mut() {
            if cap.remaining == 0 {
                tally.invalid += 1;
                errors.push((row, cap.message.clone()));
                continue;
            }
            cap.remaining -= 1;
        }
        planned.push((Uuid::now_v7(), row, draft));
    }
    let inserted = insert_leads(&txn, spec, &planned, now).await?;
    let mut tags: Vec<Vec<Expr>> = Vec::new();
    let mut skipped = Vec::new();
    for (id, row, draft) in planned {
        if inserted.contains(&id) {
            tally.imported += 1;
            for tag in &draft.tags {
                tags.push(tag_values(id, spec.workspace, tag));
            }
        } else {
            // Its phone is already a lead: not a new lead after all, so it takes no capacity.
            if let Some(cap) = capacity.as_mut() {
                cap.remaining += 1;
            }
            skipped.push((row, draft));
        }
    }
    if !skipped.is_empty() {
        let phones = phones_of(skipped.iter().map(|(_, d)| d));
        existing.extend(existing_leads(&txn, spec.workspace, phones).await?);
        repeats.extend(skipped);
    }

    for (row, draft) in repeats {
        let Some(phone) = draft.phone_e164.clone() else {
            continue;
        };
        let policy = spec.options.on_duplicate;
        let Some(current) = existing.get_mut(&phone) else {
            continue;
        };
        if policy == OnDuplicate::Skip {
            tally.duplicates += 1;
            errors.push((row, format!("{phone} is already a lead: skipped")));
            continue;
        }
        let mut updated = current.clone();
        let changed = merge_into(&mut updated, &draft, policy);
        let new_tags: Vec<&String> = draft.tags.iter().collect();
        if changed {
            updated.updated_at = Utc::now();
            let lead_id = updated.id;
            // Only the columns the merge writes: the rest (stage, opt-out, appointment, the
            // engagement columns the triggers on `messages` keep, …) may have changed since
            // the lead was read, and writing it back would undo that.
            let active = lead::ActiveModel {
                id: sea_orm::ActiveValue::Unchanged(lead_id),
                name: Set(updated.name.clone()),
                email: Set(updated.email.clone()),
                website: Set(updated.website.clone()),
                city: Set(updated.city.clone()),
                country: Set(updated.country.clone()),
                category: Set(updated.category.clone()),
                notes: Set(updated.notes.clone()),
                custom_fields: Set(updated.custom_fields.clone()),
                updated_at: Set(updated.updated_at),
                ..Default::default()
            };
            active.update(&txn).await?;
            lead_event::ActiveModel {
                id: Set(Uuid::now_v7()),
                workspace_id: Set(spec.workspace.0),
                lead_id: Set(lead_id),
                kind: Set("import_update".to_owned()),
                detail: Set(format!("Updated from {} (row {row})", spec.file_name)),
                actor_id: Set(None),
                created_at: Set(Utc::now()),
            }
            .insert(&txn)
            .await?;
            *current = updated;
            tally.updated += 1;
        } else {
            tally.duplicates += 1;
            errors.push((
                row,
                format!("{phone} is already a lead with the same details"),
            ));
        }
        for tag in new_tags {
            tags.push(tag_values(current.id, spec.workspace, tag));
        }
    }
    // Tags and row errors are keyed (lead and tag; import and row): a row stored twice (it
    // cannot be, the batch commits with its progress) would be ignored rather than fail.
    insert_rows(
        &txn,
        lead_tag::Entity,
        &TAG_COLUMNS,
        tags,
        Some(
            &OnConflict::columns([lead_tag::Column::LeadId, lead_tag::Column::Tag])
                .do_nothing()
                .to_owned(),
        ),
    )
    .await?;
    let errors = errors
        .into_iter()
        .map(|(row, reason)| {
            vec![
                spec.id.into(),
                (row as i32).into(),
                spec.workspace.0.into(),
                cut(&reason, 500).into(),
            ]
        })
        .collect();
    insert_rows(
        &txn,
        import_row_error::Entity,
        &ERROR_COLUMNS,
        errors,
        Some(
            &OnConflict::columns([
                import_row_error::Column::ImportId,
                import_row_error::Column::RowNumber,
            ])
            .do_nothing()
            .to_owned(),
        ),
    )
    .await?;
    store::add_progress(&txn, spec.id, processed, tally).await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns(targets: &[(&str, ColumnTarget)]) -> Vec<ColumnMapping> {
        targets
            .iter()
            .enumerate()
            .map(|(i, (header, target))| ColumnMapping {
                index: i as u32,
                header: (*header).to_owned(),
                target: target.clone(),
                confidence: 100,
            })
            .collect()
    }

    fn row(cells: &[&str]) -> SourceRow {
        SourceRow {
            number: 7,
            cells: cells.iter().map(|c| (*c).to_owned()).collect(),
        }
    }

    fn mapping() -> Vec<ColumnMapping> {
        columns(&[
            ("Name", ColumnTarget::Field(LeadField::Name)),
            ("Phone", ColumnTarget::Field(LeadField::Phone)),
            ("Web", ColumnTarget::Field(LeadField::Website)),
            ("Email", ColumnTarget::Field(LeadField::Email)),
            ("Tags", ColumnTarget::Field(LeadField::Tags)),
            ("Owner", ColumnTarget::Custom),
            ("Junk", ColumnTarget::Ignore),
        ])
    }

    #[test]
    fn a_full_row_becomes_a_lead() {
        let draft = draft_from_row(
            &row(&[
                "Mama Mboga Ltd",
                "0722 000 111",
                "WWW.Mboga.co.ke",
                "Info@Mboga.co.ke",
                "vip, retail;vip",
                "Wanjiku",
                "x",
            ]),
            &mapping(),
            Some("KE"),
        );
        let RowDraft::Lead(draft, flags) = draft else {
            panic!("expected a lead, got {draft:?}")
        };
        assert!(flags.is_empty(), "{flags:?}");
        assert_eq!(draft.name, "Mama Mboga Ltd");
        assert_eq!(draft.phone_e164.as_deref(), Some("+254722000111"));
        assert_eq!(draft.phone_country.as_deref(), Some("KE"));
        assert_eq!(draft.email.as_deref(), Some("info@mboga.co.ke"));
        assert_eq!(draft.website.as_deref(), Some("www.mboga.co.ke"));
        assert_eq!(draft.tags, vec!["vip".to_owned(), "retail".to_owned()]);
        assert_eq!(
            draft.custom.get("Owner").map(String::as_str),
            Some("Wanjiku")
        );
        assert_eq!(draft.custom.len(), 1);
    }

    #[test]
    fn an_invalid_phone_is_kept_and_flagged() {
        let RowDraft::Lead(draft, flags) = draft_from_row(
            &row(&["Shop", "12", "", "not-an-email", "", "", ""]),
            &mapping(),
            Some("KE"),
        ) else {
            panic!("expected a lead");
        };
        assert_eq!(draft.phone_raw.as_deref(), Some("12"));
        assert_eq!(draft.phone_e164, None);
        assert!(draft.phone_error.is_some());
        assert_eq!(draft.email, None);
        assert_eq!(flags.len(), 2, "{flags:?}");
        assert!(flags[0].starts_with("phone \"12\""), "{flags:?}");
        assert!(flags[1].contains("not-an-email"), "{flags:?}");
    }

    #[test]
    fn blank_and_empty_rows() {
        assert_eq!(
            draft_from_row(&row(&["", " ", ""]), &mapping(), None),
            RowDraft::Blank
        );
        assert!(matches!(
            draft_from_row(
                &row(&["", "", "", "", "", "", "only junk"]),
                &mapping(),
                None
            ),
            RowDraft::Rejected(_)
        ));
    }

    #[test]
    fn a_lead_without_a_name_is_named_by_its_phone() {
        let RowDraft::Lead(draft, _) =
            draft_from_row(&row(&["", "+255 754 123 456"]), &mapping(), None)
        else {
            panic!("expected a lead");
        };
        assert_eq!(draft.name, "+255754123456");
    }

    #[test]
    fn merge_fills_or_overwrites() {
        let now = Utc::now();
        let base = lead::Model {
            id: Uuid::nil(),
            workspace_id: Uuid::nil(),
            name: "Old".into(),
            phone_raw: None,
            phone_e164: Some("+254722000111".into()),
            phone_country: None,
            phone_kind: None,
            phone_error: None,
            email: None,
            website: Some("old.example".into()),
            website_status: "UNCHECKED".into(),
            social_url: None,
            whatsapp_status: "UNCHECKED".into(),
            whatsapp_checked_at: None,
            city: None,
            country: None,
            category: None,
            notes: None,
            custom_fields: None,
            stage: "new".into(),
            opted_out: false,
            import_id: None,
            created_at: now,
            updated_at: now,
            messages_sent: 0,
            messages_delivered: 0,
            messages_read: 0,
            messages_received: 0,
            last_contacted_at: None,
            last_answered_sent_at: None,
            last_reply_at: None,
            appointment_at: None,
            converted_at: None,
        };
        let draft = LeadDraft {
            name: "New".into(),
            email: Some("a@b.co".into()),
            website: Some("new.example".into()),
            ..LeadDraft::default()
        };
        let mut filled = base.clone();
        assert!(merge_into(&mut filled, &draft, OnDuplicate::Update));
        assert_eq!(filled.name, "Old");
        assert_eq!(filled.email.as_deref(), Some("a@b.co"));
        assert_eq!(filled.website.as_deref(), Some("old.example"));
        let mut replaced = base.clone();
        assert!(merge_into(&mut replaced, &draft, OnDuplicate::Overwrite));
        assert_eq!(replaced.name, "New");
        assert_eq!(replaced.website.as_deref(), Some("new.example"));
        let mut same = replaced.clone();
        assert!(!merge_into(&mut same, &draft, OnDuplicate::Overwrite));
    }

    #[test]
    fn a_row_country_decides_how_its_phone_is_read() {
        let columns = columns(&[
            ("Name", ColumnTarget::Field(LeadField::Name)),
            ("Phone", ColumnTarget::Field(LeadField::Phone)),
            ("Country", ColumnTarget::Field(LeadField::Country)),
        ]);
        let RowDraft::Lead(draft, flags) = draft_from_row(
            &row(&["Padaria", "(11) 98765-4321", "Brazil"]),
            &columns,
            Some("KE"),
        ) else {
            panic!("expected a lead");
        };
        assert!(flags.is_empty(), "{flags:?}");
        assert_eq!(draft.phone_e164.as_deref(), Some("+5511987654321"));
        assert_eq!(country_code_of("ng").as_deref(), Some("NG"));
        assert_eq!(country_code_of("KEN").as_deref(), Some("KE"));
        assert_eq!(country_code_of("Atlantis"), None);
    }

    #[test]
    fn skipped_blank_rows_are_put_back() {
        let rows = vec![
            SourceRow {
                number: 2,
                cells: vec!["title".into()],
            },
            SourceRow {
                number: 3,
                cells: vec!["Name".into()],
            },
            SourceRow {
                number: 4,
                cells: vec!["A".into()],
            },
            SourceRow {
                number: 7,
                cells: vec!["B".into()],
            },
        ];
        let data = data_rows(rows, Some(3));
        let numbers: Vec<u32> = data.iter().map(|r| r.number).collect();
        assert_eq!(numbers, vec![4, 5, 6, 7]);
        assert!(data[1].cells.is_empty() && data[2].cells.is_empty());
        assert_eq!(
            data_rows(
                vec![SourceRow {
                    number: 2,
                    cells: vec!["x".into()]
                }],
                None
            )
            .len(),
            2
        );
    }

    #[test]
    fn batches_start_short_then_take_the_full_size_and_keep_every_row_in_order() {
        let rows: Vec<SourceRow> = (1..=8)
            .map(|n| SourceRow {
                number: n,
                ..row(&["x"])
            })
            .collect();
        let batches = batches_of(rows, 2, 3);
        let numbers: Vec<Vec<u32>> = batches
            .iter()
            .map(|b| b.iter().map(|r| r.number).collect())
            .collect();
        assert_eq!(numbers, vec![vec![1, 2], vec![3, 4, 5], vec![6, 7, 8]]);
        assert!(batches_of(Vec::new(), 2, 3).is_empty());
    }

    #[test]
    fn tags_split_on_separators() {
        assert_eq!(split_tags(" a, b ;c|A ,, "), vec!["a", "b", "c"]);
        assert!(split_tags(" ").is_empty());
    }
}
