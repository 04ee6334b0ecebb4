//! The lead page's operations: one lead with its notes and timeline, editing, stage changes,
//! notes, conversion to a customer and deletion. Reads need membership only (the tenant
//! context proves it); every change needs `LeadsManage`. All queries are scoped by workspace.

use super::detail::{
    MAX_CUSTOM_FIELDS, MAX_CUSTOM_KEY_CHARS, MAX_CUSTOM_VALUE_CHARS, MAX_NAME_CHARS,
    MAX_NOTE_CHARS, MAX_PLACE_CHARS, MAX_TAG_CHARS, MAX_TAGS,
};
use super::{
    CustomField, LeadDetail, LeadEdit, LeadNote, Stage, TimelineEntry, TimelineKind, WebsiteStatus,
    WhatsappStatus, clean_email, normalize_phone, store, website_cell,
};
use crate::customers::{CustomerDto, service as customers};
use crate::db::entities::{
    customer, import, lead, lead_event, lead_note, lead_tag, user, workspace,
};
use crate::error::OnConstraint;
use crate::imports::job::country_code_of;
use crate::services::Services;
use crate::workspaces::{Permission, service::TenantCtx};
use crate::{AppError, FieldError, WorkspaceId};
use chrono::{DateTime, Timelike, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// Timeline entries and notes shown on the page (newest first).
const SHOWN_HISTORY: u64 = 200;

/// The workspace's lead `id`; another workspace's lead is `NotFound`, like a missing one.
pub(crate) async fn find(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: Uuid,
) -> Result<lead::Model, AppError> {
    lead::Entity::find_by_id(id)
        .filter(lead::Column::WorkspaceId.eq(workspace.0))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Names of the given users, by id (ids come from the workspace's own rows).
pub(crate) async fn user_names(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, String>, AppError> {
    let mut ids: Vec<Uuid> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect())
}

/// Custom fields as stored (a JSON object of text), in key order; unreadable JSON reads as none.
fn custom_fields(json: Option<&str>) -> Vec<CustomField> {
    json.and_then(|j| serde_json::from_str::<BTreeMap<String, String>>(j).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|(key, value)| CustomField { key, value })
        .collect()
}

fn event(
    workspace: WorkspaceId,
    lead: Uuid,
    kind: TimelineKind,
    detail: String,
    actor: Uuid,
) -> lead_event::ActiveModel {
    lead_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(workspace.0),
        lead_id: Set(lead),
        kind: Set(kind.as_str().to_owned()),
        detail: Set(detail),
        actor_id: Set(Some(actor)),
        created_at: Set(Utc::now()),
    }
}

/// Everything the lead page shows about the workspace's lead `id`.
pub async fn detail(
    db: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: Uuid,
) -> Result<LeadDetail, AppError> {
    let model = find(db, workspace, id).await?;
    let tags = store::tags_of(db, workspace, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    let engagement = store::engagement(&model);
    let import = match model.import_id {
        Some(import_id) => import::Entity::find_by_id(import_id)
            .filter(import::Column::WorkspaceId.eq(workspace.0))
            .one(db)
            .await?
            .map(|i| (i.id, i.file_name)),
        None => None,
    };
    let customer = customer::Entity::find()
        .filter(customer::Column::WorkspaceId.eq(workspace.0))
        .filter(customer::Column::LeadId.eq(id))
        .one(db)
        .await?
        .map(|c| (c.id, c.name));
    let notes = lead_note::Entity::find()
        .filter(lead_note::Column::WorkspaceId.eq(workspace.0))
        .filter(lead_note::Column::LeadId.eq(id))
        .order_by_desc(lead_note::Column::Id)
        .limit(SHOWN_HISTORY)
        .all(db)
        .await?;
    let events = lead_event::Entity::find()
        .filter(lead_event::Column::WorkspaceId.eq(workspace.0))
        .filter(lead_event::Column::LeadId.eq(id))
        .order_by_desc(lead_event::Column::Id)
        .limit(SHOWN_HISTORY)
        .all(db)
        .await?;
    let names = user_names(
        db,
        notes
            .iter()
            .filter_map(|n| n.author_id)
            .chain(events.iter().filter_map(|e| e.actor_id)),
    )
    .await?;

    let mut timeline: Vec<TimelineEntry> = events
        .into_iter()
        .map(|e| TimelineEntry {
            kind: TimelineKind::parse(&e.kind),
            detail: e.detail,
            actor: e.actor_id.and_then(|a| names.get(&a).cloned()),
            at: e.created_at,
        })
        .collect();
    // The lead's arrival is its row's creation, not an event row: a 100,000-row import then
    // writes 100,000 leads, not twice as many rows.
    timeline.push(TimelineEntry {
        kind: if model.import_id.is_some() {
            TimelineKind::Imported
        } else {
            TimelineKind::Created
        },
        detail: import
            .as_ref()
            .map(|(_, file)| format!("from {file}"))
            .unwrap_or_default(),
        actor: None,
        at: model.created_at,
    });
    let website_check = crate::websites::store::lead_check(db, workspace, &model).await?;
    Ok(LeadDetail {
        id: model.id,
        name: model.name,
        phone_raw: model.phone_raw,
        phone_e164: model.phone_e164,
        phone_country: model.phone_country,
        phone_kind: model.phone_kind,
        phone_error: model.phone_error,
        email: model.email,
        website: model.website,
        website_status: WebsiteStatus::parse(&model.website_status)
            .unwrap_or(WebsiteStatus::Unchecked),
        website_check,
        social_url: model.social_url,
        whatsapp_status: WhatsappStatus::parse(&model.whatsapp_status)
            .unwrap_or(WhatsappStatus::Unchecked),
        city: model.city,
        country: model.country,
        category: model.category,
        notes: model.notes,
        tags,
        custom: custom_fields(model.custom_fields.as_deref()),
        stage: Stage::parse(&model.stage).unwrap_or(Stage::New),
        opted_out: model.opted_out,
        import,
        customer,
        notes_log: notes
            .into_iter()
            .map(|n| LeadNote {
                id: n.id,
                author: n.author_id.and_then(|a| names.get(&a).cloned()),
                body: n.body,
                created_at: n.created_at,
            })
            .collect(),
        timeline,
        engagement,
    })
}

/// Optional text: trimmed, `None` when empty, an error naming `field` when too long.
fn optional_text(
    value: &str,
    field: &str,
    label: &str,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let value = value.trim();
    if value.chars().count() > max {
        errors.push(FieldError::new(
            field,
            format!("{label} is longer than {max} characters."),
        ));
    }
    (!value.is_empty()).then(|| value.to_owned())
}

/// Tags typed as a comma-, semicolon- or pipe-separated list; repeats (any case) dropped.
pub fn parse_tags(text: &str) -> Result<Vec<String>, FieldError> {
    let mut tags: Vec<String> = Vec::new();
    for tag in text.split([',', ';', '|']).map(str::trim) {
        if tag.is_empty() || tags.iter().any(|t| t.eq_ignore_ascii_case(tag)) {
            continue;
        }
        if tag.chars().count() > MAX_TAG_CHARS {
            return Err(FieldError::new(
                "tags",
                format!("The tag \"{tag}\" is longer than {MAX_TAG_CHARS} characters."),
            ));
        }
        tags.push(tag.to_owned());
    }
    if tags.len() > MAX_TAGS {
        return Err(FieldError::new(
            "tags",
            format!("A lead can have at most {MAX_TAGS} tags."),
        ));
    }
    Ok(tags)
}

/// Custom fields as typed: rows with neither name nor value are dropped; names are unique
/// (any case) and required when there is a value.
pub fn parse_custom(fields: &[CustomField]) -> Result<BTreeMap<String, String>, FieldError> {
    let error = |message: String| FieldError::new("custom", message);
    let mut out = BTreeMap::new();
    for field in fields {
        let (key, value) = (field.key.trim(), field.value.trim());
        if key.is_empty() && value.is_empty() {
            continue;
        }
        if key.is_empty() {
            return Err(error(format!("The custom value \"{value}\" needs a name.")));
        }
        if key.chars().count() > MAX_CUSTOM_KEY_CHARS {
            return Err(error(format!(
                "The custom field name \"{key}\" is longer than {MAX_CUSTOM_KEY_CHARS} characters."
            )));
        }
        if value.chars().count() > MAX_CUSTOM_VALUE_CHARS {
            return Err(error(format!(
                "The value of \"{key}\" is longer than {MAX_CUSTOM_VALUE_CHARS} characters."
            )));
        }
        if out.keys().any(|k: &String| k.eq_ignore_ascii_case(key)) {
            return Err(error(format!(
                "There are two custom fields named \"{key}\"."
            )));
        }
        out.insert(key.to_owned(), value.to_owned());
    }
    if out.len() > MAX_CUSTOM_FIELDS {
        return Err(error(format!(
            "A lead can have at most {MAX_CUSTOM_FIELDS} custom fields."
        )));
    }
    Ok(out)
}

/// The phone columns of a lead.
#[derive(Clone, Debug, PartialEq, Eq)]
struct PhoneColumns {
    raw: Option<String>,
    e164: Option<String>,
    country: Option<String>,
    kind: Option<String>,
    error: Option<String>,
}

impl PhoneColumns {
    /// What the lead has stored.
    fn of(lead: &lead::Model) -> Self {
        PhoneColumns {
            raw: lead.phone_raw.clone(),
            e164: lead.phone_e164.clone(),
            country: lead.phone_country.clone(),
            kind: lead.phone_kind.clone(),
            error: lead.phone_error.clone(),
        }
    }
}

/// The phone as typed, normalised; an unchanged phone keeps what is stored (an imported number
/// flagged as invalid must not block saving the lead's other fields).
fn edited_phone(
    typed: &str,
    current: &lead::Model,
    default_country: Option<&str>,
) -> Result<PhoneColumns, FieldError> {
    let typed = typed.trim();
    let unchanged = [current.phone_raw.as_deref(), current.phone_e164.as_deref()]
        .into_iter()
        .flatten()
        .any(|stored| stored == typed);
    if unchanged {
        return Ok(PhoneColumns::of(current));
    }
    if typed.is_empty() {
        return Ok(PhoneColumns {
            raw: None,
            e164: None,
            country: None,
            kind: None,
            error: None,
        });
    }
    if typed.chars().count() > 64 {
        return Err(FieldError::new(
            "phone",
            "The phone number is longer than 64 characters.",
        ));
    }
    let phone = normalize_phone(typed, default_country).map_err(|e| {
        FieldError::new(
            "phone",
            format!(
                "\"{typed}\": {e}. Write it with its country code, for example +254 712 345 678."
            ),
        )
    })?;
    Ok(PhoneColumns {
        raw: Some(typed.to_owned()),
        e164: Some(phone.e164),
        country: Some(phone.country),
        kind: Some(phone.kind.as_str().to_owned()),
        error: None,
    })
}

/// Saves the lead page's form: every field checked (all errors at once, each naming its field),
/// a changed phone re-normalised and its WhatsApp status reset, a changed website's status
/// reset, tags replaced, and one `edited` timeline entry naming what changed.
pub async fn update(
    svc: &Services,
    ctx: &TenantCtx,
    id: Uuid,
    form: LeadEdit,
) -> Result<LeadDetail, AppError> {
    ctx.require(Permission::LeadsManage)?;
    let workspace = ctx.workspace_id;
    let txn = crate::db::begin_write(&svc.db).await?;
    let current = find(&txn, workspace, id).await?;
    let workspace_country = workspace::Entity::find_by_id(workspace.0)
        .one(&txn)
        .await?
        .map(|w| w.default_country)
        .filter(|c| !c.is_empty());

    let mut errors = Vec::new();
    let name = form.name.trim().to_owned();
    if name.is_empty() {
        errors.push(FieldError::new("name", "Enter the business name."));
    } else if name.chars().count() > MAX_NAME_CHARS {
        errors.push(FieldError::new(
            "name",
            format!("The name is longer than {MAX_NAME_CHARS} characters."),
        ));
    }
    let country = optional_text(
        &form.country,
        "country",
        "The country",
        MAX_PLACE_CHARS,
        &mut errors,
    );
    let phone_country = country
        .as_deref()
        .and_then(country_code_of)
        .or(workspace_country);
    let phone = edited_phone(&form.phone, &current, phone_country.as_deref())
        .map_err(|e| errors.push(e))
        .ok();
    let email = match form.email.trim() {
        "" => None,
        typed => match clean_email(typed).filter(|e| e.len() <= 254) {
            Some(email) => Some(email),
            None => {
                errors.push(FieldError::new(
                    "email",
                    format!("\"{typed}\" is not an email address."),
                ));
                None
            }
        },
    };
    let website = match form.website.trim() {
        "" => None,
        typed => {
            // A placeholder ("-", "n/a") cleans to nothing, as on import; anything else is kept
            // (verification tells the user when it is not a web address).
            let cleaned = website_cell(typed);
            if cleaned.as_ref().is_some_and(|w| w.chars().count() > 2048) {
                errors.push(FieldError::new(
                    "website",
                    "The website address is longer than 2,048 characters.",
                ));
            }
            cleaned
        }
    };
    let city = optional_text(&form.city, "city", "The city", MAX_PLACE_CHARS, &mut errors);
    let category = optional_text(
        &form.category,
        "category",
        "The category",
        MAX_PLACE_CHARS,
        &mut errors,
    );
    let notes = optional_text(
        &form.notes,
        "notes",
        "The notes",
        MAX_NOTE_CHARS,
        &mut errors,
    );
    let tags = parse_tags(&form.tags).map_err(|e| errors.push(e)).ok();
    let custom = parse_custom(&form.custom).map_err(|e| errors.push(e)).ok();
    let (Some(phone), Some(tags), Some(custom)) = (phone, tags, custom) else {
        return Err(AppError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }

    let current_tags = store::tags_of(&txn, workspace, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    let custom_json = (!custom.is_empty())
        .then(|| serde_json::to_string(&custom).ok())
        .flatten();
    let mut changed: Vec<&str> = Vec::new();
    let mut active: lead::ActiveModel = current.clone().into();
    if name != current.name {
        changed.push("name");
        active.name = Set(name);
    }
    if phone != PhoneColumns::of(&current) {
        changed.push("phone");
        if phone.e164 != current.phone_e164 {
            // A different number: what was learnt about the old one no longer applies.
            active.whatsapp_status = Set(WhatsappStatus::Unchecked.as_str().to_owned());
        }
        active.phone_raw = Set(phone.raw);
        active.phone_e164 = Set(phone.e164);
        active.phone_country = Set(phone.country);
        active.phone_kind = Set(phone.kind);
        active.phone_error = Set(phone.error);
    }
    if email != current.email {
        changed.push("email");
        active.email = Set(email);
    }
    let website_changed = website != current.website;
    if website_changed {
        changed.push("website");
        active.website_status = Set(WebsiteStatus::Unchecked.as_str().to_owned());
        active.website = Set(website);
    }
    for (label, new, old, slot) in [
        ("city", city, &current.city, &mut active.city),
        ("country", country, &current.country, &mut active.country),
        (
            "category",
            category,
            &current.category,
            &mut active.category,
        ),
        ("notes", notes, &current.notes, &mut active.notes),
    ] {
        if &new != old {
            changed.push(label);
            *slot = Set(new);
        }
    }
    if custom_json != current.custom_fields
        && custom_fields(custom_json.as_deref()) != custom_fields(current.custom_fields.as_deref())
    {
        changed.push("custom fields");
        active.custom_fields = Set(custom_json);
    }
    let mut sorted_tags = tags.clone();
    sorted_tags.sort();
    let tags_changed = sorted_tags != current_tags;
    if tags_changed {
        changed.push("tags");
    }
    if changed.is_empty() {
        txn.commit().await?;
        return detail(&svc.db, workspace, id).await;
    }

    active.updated_at = Set(Utc::now());
    active.update(&txn).await.on_unique(
        "phone",
        "Another lead of this workspace already has this phone number.",
    )?;
    if website_changed {
        // The evidence was about the old address.
        crate::websites::store::forget_check(&txn, workspace, id).await?;
    }
    if tags_changed {
        lead_tag::Entity::delete_many()
            .filter(lead_tag::Column::WorkspaceId.eq(workspace.0))
            .filter(lead_tag::Column::LeadId.eq(id))
            .exec(&txn)
            .await?;
        if !tags.is_empty() {
            lead_tag::Entity::insert_many(tags.into_iter().map(|tag| lead_tag::ActiveModel {
                lead_id: Set(id),
                tag: Set(tag),
                workspace_id: Set(workspace.0),
            }))
            .exec(&txn)
            .await?;
        }
    }
    event(
        workspace,
        id,
        TimelineKind::Edited,
        format!("Changed {}", changed.join(", ")),
        ctx.user_id.0,
    )
    .insert(&txn)
    .await?;
    txn.commit().await?;
    detail(&svc.db, workspace, id).await
}

/// Moves the lead to `stage` (any stage from any stage: pipelines go back too), with a timeline
/// entry saying from where to where.
pub async fn set_stage(
    svc: &Services,
    ctx: &TenantCtx,
    id: Uuid,
    stage: Stage,
) -> Result<LeadDetail, AppError> {
    ctx.require(Permission::LeadsManage)?;
    let txn = crate::db::begin_write(&svc.db).await?;
    let current = find(&txn, ctx.workspace_id, id).await?;
    change_stage(&txn, ctx, &current, stage).await?;
    txn.commit().await?;
    detail(&svc.db, ctx.workspace_id, id).await
}

async fn change_stage(
    db: &impl ConnectionTrait,
    ctx: &TenantCtx,
    current: &lead::Model,
    stage: Stage,
) -> Result<(), AppError> {
    let before = Stage::parse(&current.stage).unwrap_or(Stage::New);
    if before == stage {
        return Ok(());
    }
    let now = Utc::now();
    let mut active: lead::ActiveModel = current.clone().into();
    active.stage = Set(stage.as_str().to_owned());
    active.converted_at = Set(converted_at(stage, current.converted_at, now));
    active.updated_at = Set(now);
    active.update(db).await?;
    event(
        ctx.workspace_id,
        current.id,
        TimelineKind::StageChanged,
        format!("{} → {}", before.label(), stage.label()),
        ctx.user_id.0,
    )
    .insert(db)
    .await?;
    Ok(())
}

/// `converted_at` of a lead moving to `stage`: the time it entered Converted while it stays
/// there, empty in any other stage.
pub(crate) fn converted_at(
    stage: Stage,
    before: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    (stage == Stage::Converted).then(|| before.unwrap_or(now))
}

/// How far ahead or back an appointment may be booked: a typo in the year, not a plan.
const APPOINTMENT_YEARS: i64 = 5;

/// Books the appointment with the lead at `at`, moves it, or (with `None`) cancels it, with a
/// timeline entry naming the time on the workspace's clock. A past time is accepted: a
/// meeting that happened is recorded after the fact.
pub async fn set_appointment(
    svc: &Services,
    ctx: &TenantCtx,
    id: Uuid,
    at: Option<DateTime<Utc>>,
) -> Result<LeadDetail, AppError> {
    ctx.require(Permission::LeadsManage)?;
    let now = Utc::now();
    let at = at.map(|at| {
        at.with_second(0)
            .and_then(|at| at.with_nanosecond(0))
            .unwrap_or(at)
    });
    if let Some(at) = at
        && (at - now).num_days().abs() > 365 * APPOINTMENT_YEARS
    {
        return Err(AppError::field(
            "appointment",
            format!("Pick a time within {APPOINTMENT_YEARS} years of today."),
        ));
    }
    let zone: chrono_tz::Tz = workspace::Entity::find_by_id(ctx.workspace_id.0)
        .one(&svc.db)
        .await?
        .map_or(chrono_tz::UTC, |ws| ws.zone());
    let local = |at: DateTime<Utc>| at.with_timezone(&zone).format("%a %d %b %Y %H:%M");
    let txn = crate::db::begin_write(&svc.db).await?;
    let current = find(&txn, ctx.workspace_id, id).await?;
    let summary = match (current.appointment_at, at) {
        (None, Some(at)) => format!("Booked for {}", local(at)),
        (Some(before), Some(at)) if before != at => {
            format!("Moved from {} to {}", local(before), local(at))
        }
        (Some(before), None) => format!("Cancelled (was {})", local(before)),
        // Unchanged: nothing to write or to tell.
        _ => return detail(&svc.db, ctx.workspace_id, id).await,
    };
    lead::ActiveModel {
        id: sea_orm::ActiveValue::Unchanged(id),
        appointment_at: Set(at),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    event(
        ctx.workspace_id,
        id,
        TimelineKind::Appointment,
        summary,
        ctx.user_id.0,
    )
    .insert(&txn)
    .await?;
    txn.commit().await?;
    detail(&svc.db, ctx.workspace_id, id).await
}

/// Adds a note by the signed-in member.
pub async fn add_note(
    svc: &Services,
    ctx: &TenantCtx,
    id: Uuid,
    body: &str,
) -> Result<LeadDetail, AppError> {
    ctx.require(Permission::LeadsManage)?;
    let body = body.trim();
    if body.is_empty() {
        return Err(AppError::field("body", "Write the note first."));
    }
    if body.chars().count() > MAX_NOTE_CHARS {
        return Err(AppError::field(
            "body",
            format!("A note can be at most {MAX_NOTE_CHARS} characters."),
        ));
    }
    find(&svc.db, ctx.workspace_id, id).await?;
    lead_note::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(ctx.workspace_id.0),
        lead_id: Set(id),
        author_id: Set(Some(ctx.user_id.0)),
        body: Set(body.to_owned()),
        created_at: Set(Utc::now()),
    }
    .insert(&svc.db)
    .await?;
    detail(&svc.db, ctx.workspace_id, id).await
}

/// Deletes one of the lead's notes.
pub async fn delete_note(
    svc: &Services,
    ctx: &TenantCtx,
    id: Uuid,
    note: Uuid,
) -> Result<LeadDetail, AppError> {
    ctx.require(Permission::LeadsManage)?;
    let deleted = lead_note::Entity::delete_many()
        .filter(lead_note::Column::WorkspaceId.eq(ctx.workspace_id.0))
        .filter(lead_note::Column::LeadId.eq(id))
        .filter(lead_note::Column::Id.eq(note))
        .exec(&svc.db)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(AppError::NotFound);
    }
    detail(&svc.db, ctx.workspace_id, id).await
}

/// Converts the lead to a customer (or returns the customer it already became): the customer
/// copies the lead's details and links back to it; the lead moves to the Converted stage.
pub async fn convert(svc: &Services, ctx: &TenantCtx, id: Uuid) -> Result<CustomerDto, AppError> {
    ctx.require(Permission::LeadsManage)?;
    let workspace = ctx.workspace_id;
    let txn = crate::db::begin_write(&svc.db).await?;
    let current = find(&txn, workspace, id).await?;
    let existing = customer::Entity::find()
        .filter(customer::Column::WorkspaceId.eq(workspace.0))
        .filter(customer::Column::LeadId.eq(id))
        .one(&txn)
        .await?;
    let customer_id = match existing {
        Some(existing) => existing.id,
        None => {
            let created = customer::ActiveModel {
                id: Set(Uuid::now_v7()),
                workspace_id: Set(workspace.0),
                lead_id: Set(Some(id)),
                name: Set(current.name.clone()),
                phone_e164: Set(current.phone_e164.clone()),
                email: Set(current.email.clone()),
                website: Set(current.website.clone()),
                city: Set(current.city.clone()),
                country: Set(current.country.clone()),
                category: Set(current.category.clone()),
                created_by: Set(Some(ctx.user_id.0)),
                created_at: Set(Utc::now()),
            }
            .insert(&txn)
            .await
            .on_unique(
                "lead",
                "This lead has just been converted; reload the page.",
            )?;
            change_stage(&txn, ctx, &current, Stage::Converted).await?;
            event(
                workspace,
                id,
                TimelineKind::Converted,
                format!("Became the customer \"{}\"", created.name),
                ctx.user_id.0,
            )
            .insert(&txn)
            .await?;
            created.id
        }
    };
    txn.commit().await?;
    customers::get(&svc.db, workspace, customer_id).await
}

/// Deletes the lead with its tags, notes and timeline; a customer made from it stays (its link
/// back becomes empty).
pub async fn delete(svc: &Services, ctx: &TenantCtx, id: Uuid) -> Result<(), AppError> {
    ctx.require(Permission::LeadsManage)?;
    let deleted = lead::Entity::delete_many()
        .filter(lead::Column::WorkspaceId.eq(ctx.workspace_id.0))
        .filter(lead::Column::Id.eq(id))
        .exec(&svc.db)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(key: &str, value: &str) -> CustomField {
        CustomField {
            key: key.into(),
            value: value.into(),
        }
    }

    #[test]
    fn tags_are_split_trimmed_and_deduplicated() {
        assert_eq!(
            parse_tags(" vip, Nairobi ;VIP| ,hot").unwrap(),
            vec!["vip", "Nairobi", "hot"]
        );
        assert_eq!(parse_tags("").unwrap(), Vec::<String>::new());
        let long = "x".repeat(61);
        let err = parse_tags(&format!("ok, {long}")).unwrap_err();
        assert_eq!(err.field, "tags");
        assert!(err.message.contains("longer than 60"), "{}", err.message);
    }

    #[test]
    fn custom_fields_need_unique_names() {
        let parsed = parse_custom(&[
            field(" Manager ", " Wanjiku "),
            field("", ""),
            field("Floor", ""),
        ])
        .unwrap();
        assert_eq!(parsed.get("Manager").map(String::as_str), Some("Wanjiku"));
        assert_eq!(parsed.get("Floor").map(String::as_str), Some(""));
        let err = parse_custom(&[field("", "orphan")]).unwrap_err();
        assert_eq!(err.field, "custom");
        assert!(err.message.contains("needs a name"), "{}", err.message);
        let err = parse_custom(&[field("Owner", "a"), field("owner", "b")]).unwrap_err();
        assert!(err.message.contains("two custom fields"), "{}", err.message);
    }

    #[test]
    fn stored_custom_fields_read_in_key_order_and_bad_json_reads_as_none() {
        assert_eq!(
            custom_fields(Some(r#"{"b":"2","a":"1"}"#)),
            vec![field("a", "1"), field("b", "2")]
        );
        assert_eq!(custom_fields(Some("not json")), vec![]);
        assert_eq!(custom_fields(None), vec![]);
    }
}
