//! The import job: turns the rows of an uploaded file into leads — normalise, dedupe (within the
//! file and against the workspace), store in batches — with progress, cancellation and a report.
//!
//! Each batch commits its leads, its row errors and the job's counters in one transaction, so
//! `processed_rows` always says exactly which rows are stored: a job interrupted by a crash is
//! picked up again from there.

use super::store;
use super::{ColumnMapping, ColumnTarget, ImportOptions, ImportStatus, LeadField, OnDuplicate};
use crate::db::entities::{import, import_row_error, lead, lead_event, lead_tag};
use crate::leads::{self, SourceRow};
use crate::{AppError, WorkspaceId};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    Set, TransactionTrait,
};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// Rows stored per transaction: large enough to amortise the commit, small enough to keep the
/// progress bar moving and every statement under SQLite's 32,766 bound parameters.
const BATCH_ROWS: usize = 1000;

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
                LeadField::Website => match leads::clean_website(value) {
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

fn new_lead(workspace: WorkspaceId, import_id: Uuid, draft: &LeadDraft) -> lead::ActiveModel {
    let now = Utc::now();
    lead::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(workspace.0),
        name: Set(draft.name.clone()),
        phone_raw: Set(draft.phone_raw.clone()),
        phone_e164: Set(draft.phone_e164.clone()),
        phone_country: Set(draft.phone_country.clone()),
        phone_kind: Set(draft.phone_kind.clone()),
        phone_error: Set(draft.phone_error.clone()),
        email: Set(draft.email.clone()),
        website: Set(draft.website.clone()),
        website_status: Set(crate::leads::WebsiteStatus::Unchecked.as_str().to_owned()),
        whatsapp_status: Set(crate::leads::WhatsappStatus::Unchecked.as_str().to_owned()),
        city: Set(draft.city.clone()),
        country: Set(draft.country.clone()),
        category: Set(draft.category.clone()),
        notes: Set(draft.notes.clone()),
        custom_fields: Set((!draft.custom.is_empty())
            .then(|| serde_json::to_string(&draft.custom).ok())
            .flatten()),
        stage: Set(crate::leads::Stage::New.as_str().to_owned()),
        opted_out: Set(false),
        import_id: Set(Some(import_id)),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

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

/// [`run`] for a caller that has already read the file (`leadloom import`), so it is not
/// parsed twice.
pub async fn run_with(
    db: &DatabaseConnection,
    import_id: Uuid,
    table: Option<leads::SourceTable>,
) -> Result<ImportStatus, AppError> {
    let mut job = import::Entity::find_by_id(import_id)
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
    let table = match table {
        Some(table) => table,
        None => {
            let Some(bytes) = job.file_data.take() else {
                store::finish(
                    db,
                    import_id,
                    ImportStatus::Failed,
                    Some("The uploaded file is no longer stored; upload it again."),
                )
                .await?;
                return Ok(ImportStatus::Failed);
            };
            match read_blocking(bytes, spec.file_name.clone(), spec.options.sheet.clone()).await? {
                Ok(table) => table,
                Err(e) => {
                    store::finish(db, import_id, ImportStatus::Failed, Some(&e.to_string()))
                        .await?;
                    return Ok(ImportStatus::Failed);
                }
            }
        }
    };
    let read_time = clock.elapsed();
    let rows = data_rows(table.rows, spec.header_row);
    store::set_total(db, import_id, rows.len() as u32).await?;

    let default_country = spec.options.default_country.clone();
    let start = usize::try_from(job.processed_rows)
        .unwrap_or(0)
        .min(rows.len());
    // Phones seen earlier in the file, for in-file duplicates (rebuilt on resume).
    let mut seen: HashMap<String, u32> = HashMap::new();
    for row in &rows[..start] {
        if let RowDraft::Lead(draft, _) =
            draft_from_row(row, &spec.columns, default_country.as_deref())
            && let Some(phone) = &draft.phone_e164
        {
            seen.entry(phone.clone()).or_insert(row.number);
        }
    }
    let mut capacity = store::lead_capacity(db, spec.workspace).await?;
    let (mut draft_time, mut store_time) = (std::time::Duration::ZERO, std::time::Duration::ZERO);

    for batch in rows[start..].chunks(BATCH_ROWS) {
        // Between batches: a cancel asked for on the page stops the job here; the batches
        // already committed stay (the report says how many rows that was).
        if store::cancel_requested(db, import_id).await? {
            store::finish(db, import_id, ImportStatus::Cancelled, None).await?;
            return Ok(ImportStatus::Cancelled);
        }
        let columns = spec.columns.clone();
        let country = default_country.clone();
        let owned: Vec<SourceRow> = batch.to_vec();
        // Phone parsing is the CPU-heavy part; keep it off the async workers.
        let started = std::time::Instant::now();
        let drafts = tokio::task::spawn_blocking(move || {
            owned
                .iter()
                .map(|row| {
                    (
                        row.number,
                        draft_from_row(row, &columns, country.as_deref()),
                    )
                })
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "drafting import rows panicked");
            AppError::Internal
        })?;
        let drafted = std::time::Instant::now();
        draft_time += drafted - started;
        store_batch(db, &spec, drafts, &mut seen, &mut capacity).await?;
        store_time += drafted.elapsed();
    }
    store::finish(db, import_id, ImportStatus::Completed, None).await?;
    tracing::info!(
        import = %import_id,
        rows = rows.len(),
        read_ms = read_time.as_millis() as u64,
        draft_ms = draft_time.as_millis() as u64,
        store_ms = store_time.as_millis() as u64,
        "import completed"
    );
    Ok(ImportStatus::Completed)
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

    let txn = db.begin().await?;
    // Phones already in the workspace are duplicates, handled by the policy.
    let phones: Vec<String> = fresh
        .iter()
        .filter_map(|(_, d)| d.phone_e164.clone())
        .collect();
    let existing: HashMap<String, lead::Model> = if phones.is_empty() {
        HashMap::new()
    } else {
        lead::Entity::find()
            .filter(lead::Column::WorkspaceId.eq(spec.workspace.0))
            .filter(lead::Column::PhoneE164.is_in(phones))
            .all(&txn)
            .await?
            .into_iter()
            .filter_map(|l| l.phone_e164.clone().map(|p| (p, l)))
            .collect()
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

    let mut inserts = Vec::with_capacity(fresh.len());
    let mut tags = Vec::new();
    for (row, draft) in &fresh {
        if let Some(cap) = capacity.as_mut() {
            if cap.remaining == 0 {
                tally.invalid += 1;
                errors.push((*row, cap.message.clone()));
                continue;
            }
            cap.remaining -= 1;
        }
        let model = new_lead(spec.workspace, spec.id, draft);
        for tag in &draft.tags {
            tags.push(lead_tag::ActiveModel {
                lead_id: model.id.clone(),
                tag: Set(tag.clone()),
                workspace_id: Set(spec.workspace.0),
            });
        }
        inserts.push(model);
    }
    tally.imported = inserts.len() as u32;
    if !inserts.is_empty() {
        lead::Entity::insert_many(inserts)
            .exec_without_returning(&txn)
            .await?;
    }

    let mut existing = existing;
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
            let mut active = updated.clone().into_active_model().reset_all();
            active.id = sea_orm::ActiveValue::Unchanged(lead_id);
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
            tags.push(lead_tag::ActiveModel {
                lead_id: Set(current.id),
                tag: Set(tag.clone()),
                workspace_id: Set(spec.workspace.0),
            });
        }
    }
    if !tags.is_empty() {
        lead_tag::Entity::insert_many(tags)
            .on_conflict_do_nothing()
            .exec_without_returning(&txn)
            .await?;
    }
    if !errors.is_empty() {
        let rows = errors
            .into_iter()
            .map(|(row, reason)| import_row_error::ActiveModel {
                import_id: Set(spec.id),
                row_number: Set(row as i32),
                workspace_id: Set(spec.workspace.0),
                reason: Set(cut(&reason, 500)),
            });
        import_row_error::Entity::insert_many(rows)
            .on_conflict_do_nothing()
            .exec_without_returning(&txn)
            .await?;
    }
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
            whatsapp_status: "UNCHECKED".into(),
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
    fn tags_split_on_separators() {
        assert_eq!(split_tags(" a, b ;c|A ,, "), vec!["a", "b", "c"]);
        assert!(split_tags(" ").is_empty());
    }
}
