//! The lead page: every field editable (custom fields and tags too), the stage pipeline with
//! the appointment booked and the conversion, team notes, the timeline, the website check with its evidence (and "check now"), the WhatsApp
//! conversation with a reply box, conversion to a customer (linked both ways) and deletion.

use super::conversation::ConversationCard;
use super::use_shell;
use crate::api::lead::{
    add_lead_note, convert_lead, delete_lead, delete_lead_note, load_lead, set_lead_appointment,
    set_lead_stage, update_lead,
};
use crate::api::resource::resource;
use crate::api::whatsapp::{load_conversation, load_reply_choices};
use crate::api::{ApiError, ApiResult};
use crate::components::effect::effect;
use crate::components::form::{FormAlert, field_error, form_error};
use crate::components::lazy::wanted_once;
use crate::components::show::{show, show_or};
use crate::components::toast::use_toaster;
use crate::pages::errors::ErrorPage;
use crate::pages::workspace::campaigns::zone::Zone;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};
use shared::AppError;
use shared::customers::CustomerDto;
use shared::leads::{CustomField, LeadDetail, LeadEdit, Stage, TimelineKind};
use shared::whatsapp::{MessageDto, ReplyChoices};
use shared::workspaces::Permission;
use uuid::Uuid;

/// The pipeline's forward path; Lost sits beside it.
const PIPELINE: [Stage; 5] = [
    Stage::New,
    Stage::Contacted,
    Stage::Replied,
    Stage::Qualified,
    Stage::Converted,
];

#[component]
pub fn LeadPage() -> impl IntoView {
    let ctx = use_shell();
    let workspace = ctx.shell.workspace.id;
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").and_then(|s| s.parse::<Uuid>().ok()));
    // One resource for the page's three server functions (docs/benchmarks.md, "One resource
    // per page"); a missing or malformed id is a 404 before anything is asked.
    let data = resource(
        move || id.get(),
        move |id| async move {
            let id = id.ok_or(ApiError(AppError::NotFound))?;
            Ok::<_, ApiError>((
                load_lead(workspace, id).await?,
                load_conversation(workspace, id).await?,
                load_reply_choices(workspace).await?,
            ))
        },
    );
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading the lead…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((detail, messages, choices)) => {
                        view! { <LeadView detail messages choices /> }.into_any()
                    }
                    Err(e) => view! { <ErrorPage error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A change made on the lead page.
#[derive(Clone)]
enum LeadChange {
    Edit(LeadEdit),
    Stage(Stage),
    /// Books or moves the appointment; `None` cancels it.
    Appointment(Option<chrono::DateTime<chrono::Utc>>),
    AddNote(String),
    DeleteNote(Uuid),
    Convert,
    Delete,
}

/// What a change left: the lead as it now is, the customer it became, or nothing.
#[derive(Clone)]
enum LeadChanged {
    Lead(LeadDetail),
    Customer(CustomerDto),
    Deleted,
}

/// One change to one lead.
#[derive(Clone)]
struct LeadWrite {
    workspace: Uuid,
    lead: Uuid,
    change: LeadChange,
}

/// The page's changes happen on a click, never while it hydrates, so their server calls (the
/// arguments' encoding, the requests, the replies' decoding) are one lazy split fetched with the
/// first change (docs/benchmarks.md, "The lead page's changes in one split").
#[lazy]
async fn write_lead(write: LeadWrite) -> ApiResult<LeadChanged> {
    let LeadWrite {
        workspace,
        lead,
        change,
    } = write;
    Ok(match change {
        LeadChange::Edit(form) => LeadChanged::Lead(update_lead(workspace, lead, form).await?),
        LeadChange::Stage(stage) => {
            LeadChanged::Lead(set_lead_stage(workspace, lead, stage).await?)
        }
        LeadChange::Appointment(at) => {
            LeadChanged::Lead(set_lead_appointment(workspace, lead, at).await?)
        }
        LeadChange::AddNote(body) => LeadChanged::Lead(add_lead_note(workspace, lead, body).await?),
        LeadChange::DeleteNote(note) => {
            LeadChanged::Lead(delete_lead_note(workspace, lead, note).await?)
        }
        LeadChange::Convert => LeadChanged::Customer(convert_lead(workspace, lead).await?),
        LeadChange::Delete => {
            delete_lead(workspace, lead).await?;
            LeadChanged::Deleted
        }
    })
}

/// An action over [`write_lead`] for one lead: each part of the page keeps its own `value` and
/// `pending`.
type LeadAction = Action<LeadChange, ApiResult<LeadChanged>>;

fn lead_action(workspace: Uuid, lead: Uuid) -> LeadAction {
    Action::new(move |change: &LeadChange| {
        write_lead(LeadWrite {
            workspace,
            lead,
            change: change.clone(),
        })
    })
}

/// "2026-11-21 17:05" on the workspace's clock (its zone named in the tooltip), as every other
/// page shows times.
fn when(at: chrono::DateTime<chrono::Utc>) -> impl IntoView {
    let zone = super::campaigns::workspace_zone();
    view! { <time datetime=at.to_rfc3339() title=zone.name().to_owned()>{zone.date_time(at)}</time> }
}

#[component]
fn LeadView(detail: LeadDetail, messages: Vec<MessageDto>, choices: ReplyChoices) -> impl IntoView {
    let ctx = use_shell();
    let workspace = ctx.shell.workspace.id;
    let slug = ctx.shell.workspace.slug.clone();
    let can_manage = ctx.shell.can(Permission::LeadsManage);
    let can_send = ctx.shell.can(Permission::Send);
    let toaster = use_toaster();
    let lead_id = detail.id;
    let current = RwSignal::new(detail);

    let set_stage = lead_action(workspace, lead_id);
    let convert = lead_action(workspace, lead_id);
    let delete = lead_action(workspace, lead_id);
    effect(move || match set_stage.value().get() {
        Some(Ok(LeadChanged::Lead(updated))) => {
            toaster.success(format!("Moved to {}.", updated.stage.label()));
            current.set(updated);
        }
        Some(Err(e)) => toaster.error(e.to_string()),
        _ => {}
    });
    let navigate = use_navigate();
    let customer_base = StoredValue::new(format!("/w/{slug}/customers"));
    effect(move || match convert.value().get() {
        Some(Ok(LeadChanged::Customer(customer))) => {
            toaster.success(format!("\"{}\" is now a customer.", customer.name));
            navigate(
                &format!("{}/{}", customer_base.get_value(), customer.id),
                Default::default(),
            );
        }
        Some(Err(e)) => toaster.error(e.to_string()),
        _ => {}
    });
    let navigate = use_navigate();
    let leads_link = format!("/w/{slug}/leads");
    let after_delete = leads_link.clone();
    effect(move || match delete.value().get() {
        Some(Ok(_)) => {
            toaster.success("Lead deleted.");
            navigate(&after_delete, Default::default());
        }
        Some(Err(e)) => toaster.error(e.to_string()),
        None => {}
    });
    let confirming_delete = RwSignal::new(false);

    let stage_button = move |stage: Stage| {
        let is_current = move || current.with(|c| c.stage == stage);
        view! {
            <li class:current=is_current>
                <button type="button" class=format!("stage-step stage-{}", stage.as_str())
                    aria-pressed=move || is_current().to_string()
                    disabled=move || !can_manage || set_stage.pending().get()
                    on:click=move |_| { set_stage.dispatch(LeadChange::Stage(stage)); }>
                    {stage.label()}
                </button>
            </li>
        }
    };

    view! {
        <Title text=move || current.with(|c| c.name.clone()) />
        <nav class="breadcrumb"><a href=leads_link.clone()>"← Leads"</a></nav>
        <div class="page-header lead-header">
            <div>
                <h1>{move || current.with(|c| c.name.clone())}</h1>
                <p class="badges">
                    {move || current.with(|c| view! {
                        <span class=format!("badge website-{}", c.website_status.as_str().to_ascii_lowercase())>{format!("Website: {}", c.website_status.label())}</span>
                        <span class=format!("badge whatsapp-{}", c.whatsapp_status.as_str().to_ascii_lowercase())>{format!("WhatsApp: {}", c.whatsapp_status.label())}</span>
                        {c.opted_out.then(|| view! { <span class="badge badge-warn">"Opted out"</span> })}
                    })}
                </p>
            </div>
            <div class="header-actions">
                {move || current.with(|c| c.customer.clone()).map(|(id, name)| view! {
                    <a class="btn" href=format!("{}/{id}", customer_base.get_value())>{format!("Customer: {name}")}</a>
                })}
                {show(move || can_manage && current.with(|c| c.customer.is_none()), move || view! {
                    <button type="button" class="btn btn-primary" disabled=move || convert.pending().get()
                        on:click=move |_| { convert.dispatch(LeadChange::Convert); }>
                        {move || if convert.pending().get() { "Converting…" } else { "Convert to customer" }}
                    </button>
                }.into_any())}
                {can_manage.then(|| view! {
                    <button type="button" class="btn btn-danger" on:click=move |_| confirming_delete.set(true)>"Delete"</button>
                })}
            </div>
        </div>
        {show(move || confirming_delete.get(), move || view! {
            <div class="alert alert-error confirm" role="alertdialog" aria-labelledby="confirm-delete-text">
                <p id="confirm-delete-text">"Delete this lead with its tags, notes and timeline? This cannot be undone. A customer made from it stays."</p>
                <div class="confirm-actions">
                    <button type="button" class="btn btn-danger" disabled=move || delete.pending().get()
                        on:click=move |_| { delete.dispatch(LeadChange::Delete); }>"Delete the lead"</button>
                    <button type="button" class="btn" on:click=move |_| confirming_delete.set(false)>"Cancel"</button>
                </div>
            </div>
        }.into_any())}
        <section class="card pipeline-card" aria-label="Stage">
            <h2 class="sr-only">"Stage"</h2>
            <ol class="pipeline">
                {PIPELINE.into_iter().map(stage_button).collect_view()}
            </ol>
            <ol class="pipeline pipeline-lost">{stage_button(Stage::Lost)}</ol>
            {move || {
                let e = current.with(|c| c.engagement.clone());
                view! {
                    <p class="engagement muted small" data-testid="lead-engagement">
                        {match e.messages_sent {
                            0 => "Not messaged yet".to_owned(),
                            1 => "1 message sent".to_owned(),
                            n => format!("{n} messages sent"),
                        }}
                        {e.last_contacted_at.map(|at| view! { " · last contacted " {when(at)} })}
                        {match e.last_reply_at {
                            Some(at) => view! { " · answered " {when(at)} }.into_any(),
                            None if e.messages_sent > 0 => view! { " · no answer yet" }.into_any(),
                            None => ().into_any(),
                        }}
                        {e.converted_at.map(|at| view! { " · converted " {when(at)} })}
                    </p>
                }
            }}
            <Appointment current can_manage />
        </section>
        <div class="lead-grid">
            <LeadDetails current can_manage />
            <div class="lead-side">
                {
                    let blocked = current.with_untracked(|c| {
                        if c.opted_out {
                            Some("This lead opted out: LeadLoom does not message them again.".to_owned())
                        } else if c.phone_e164.is_none() {
                            Some("This lead has no valid phone number to message.".to_owned())
                        } else {
                            None
                        }
                    });
                    let reread = Callback::new(move |()| {
                        leptos::task::spawn_local(async move {
                            if let Ok(fresh) = load_lead(workspace, lead_id).await {
                                current.set(fresh);
                            }
                        });
                    });
                    view! {
                        <ConversationCard workspace lead=lead_id messages choices blocked
                            can_send on_sent=reread />
                    }
                }
                <WebsiteCard current can_manage />
                <Notes current can_manage />
                <Timeline current />
            </div>
        </div>
    }
}

/// The appointment booked with the lead: shown on the workspace's clock, booked, moved or
/// cancelled in place.
#[component]
fn Appointment(current: RwSignal<LeadDetail>, can_manage: bool) -> impl IntoView {
    let workspace = use_shell().shell.workspace.id;
    let toaster = use_toaster();
    let lead_id = current.with_untracked(|c| c.id);
    let zone = StoredValue::new(super::campaigns::workspace_zone());
    let booked = move || current.with(|c| c.engagement.appointment_at);
    let editing = RwSignal::new(false);
    let input = RwSignal::new(String::new());
    let save = lead_action(workspace, lead_id);
    let saved = save.value();
    effect(move || match saved.get() {
        Some(Ok(LeadChanged::Lead(updated))) => {
            toaster.success(match updated.engagement.appointment_at {
                Some(at) => format!("Appointment set for {}.", zone.with_value(|z| z.long(at))),
                None => "Appointment cancelled.".to_owned(),
            });
            editing.set(false);
            current.set(updated);
        }
        Some(Err(e)) => toaster.error(e.to_string()),
        _ => {}
    });
    let server_error = field_error(saved, "appointment");
    let local_error = RwSignal::new(None::<String>);
    let open = move |_| {
        input.set(
            booked()
                .map(|at| zone.with_value(|z| z.to_input(at)))
                .unwrap_or_default(),
        );
        local_error.set(None);
        editing.set(true);
    };
    let cancel_appointment = move |_| {
        save.dispatch(LeadChange::Appointment(None));
    };
    view! {
        <div class="appointment" data-testid="lead-appointment">
            {show_or(move || !editing.get(), move || view! {
                <p class="small">
                    {move || match booked() {
                        Some(at) => view! {
                            <span class="badge badge-appointment">"Appointment"</span>" "
                            <time datetime=at.to_rfc3339() title=zone.with_value(|z| z.name().to_owned())>
                                {zone.with_value(|z| z.long(at))}
                            </time>
                        }.into_any(),
                        None => view! { <span class="muted">"No appointment booked"</span> }.into_any(),
                    }}
                    {can_manage.then(|| view! {
                        " "
                        <button type="button" class="btn btn-link btn-small" on:click=open>
                            {move || if booked().is_some() { "Change" } else { "Book an appointment" }}
                        </button>
                        {show(move || booked().is_some(), move || view! {
                            <button type="button" class="btn btn-link btn-small" disabled=move || save.pending().get()
                                on:click=cancel_appointment>"Cancel appointment"</button>
                        }.into_any())}
                    })}
                </p>
            }.into_any(), move || {
                let parts = AppointmentFormParts { zone, input, local_error, server_error, editing, save };
                view! { <Suspense>{Suspend::new(appointment_form(parts))}</Suspense> }.into_any()
            })}
        </div>
    }
}

/// What the appointment form works with, all owned by [`Appointment`].
#[derive(Clone, Copy)]
struct AppointmentFormParts {
    zone: StoredValue<Zone>,
    input: RwSignal<String>,
    local_error: RwSignal<Option<String>>,
    server_error: Signal<Option<String>>,
    editing: RwSignal<bool>,
    save: LeadAction,
}

/// The form that books or moves the appointment. It shows only after "Book an appointment" or
/// "Change", never while the page hydrates, so it is a lazy split fetched then, with the
/// reading of the time typed (docs/benchmarks.md, "What runs only on a click").
#[lazy]
fn appointment_form(parts: AppointmentFormParts) -> AnyView {
    let AppointmentFormParts {
        zone,
        input,
        local_error,
        server_error,
        editing,
        save,
    } = parts;
    let error = move || local_error.get().or_else(|| server_error.get());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match zone.with_value(|z| z.from_input(&input.get())) {
            Some(at) => {
                local_error.set(None);
                save.dispatch(LeadChange::Appointment(Some(at)));
            }
            None => local_error.set(Some("Pick a date and a time.".to_owned())),
        }
    };
    view! {
        <form class="form appointment-form" on:submit=submit novalidate>
            <div class="field" class:field-invalid=move || error().is_some()>
                <label for="appointment-at">
                    {move || format!("Appointment ({})", zone.with_value(|z| z.name().to_owned()))}
                </label>
                <input id="appointment-at" name="appointment" type="datetime-local" required
                    prop:value=move || input.get() on:input=move |ev| input.set(event_target_value(&ev))
                    aria-describedby="appointment-at-error" />
                <p class="field-error" id="appointment-at-error">{error}</p>
            </div>
            <div class="appointment-actions">
                <button type="submit" class="btn btn-small btn-primary" disabled=move || save.pending().get()>"Save appointment"</button>
                <button type="button" class="btn btn-small" on:click=move |_| editing.set(false)>"Back"</button>
            </div>
        </form>
    }
    .into_any()
}

/// One editable custom field row; `id` keys the row in the list.
#[derive(Clone, Copy)]
struct CustomRow {
    id: usize,
    key: RwSignal<String>,
    value: RwSignal<String>,
}

fn custom_rows(fields: &[CustomField]) -> Vec<CustomRow> {
    fields
        .iter()
        .enumerate()
        .map(|(id, f)| CustomRow {
            id,
            key: RwSignal::new(f.key.clone()),
            value: RwSignal::new(f.value.clone()),
        })
        .collect()
}

/// The form's signals, loaded from a lead.
#[derive(Clone, Copy)]
struct FormState {
    name: RwSignal<String>,
    phone: RwSignal<String>,
    email: RwSignal<String>,
    website: RwSignal<String>,
    city: RwSignal<String>,
    country: RwSignal<String>,
    category: RwSignal<String>,
    tags: RwSignal<String>,
    notes: RwSignal<String>,
    custom: RwSignal<Vec<CustomRow>>,
    next_row: RwSignal<usize>,
}

impl FormState {
    fn new(detail: &LeadDetail) -> Self {
        let state = FormState {
            name: RwSignal::new(String::new()),
            phone: RwSignal::new(String::new()),
            email: RwSignal::new(String::new()),
            website: RwSignal::new(String::new()),
            city: RwSignal::new(String::new()),
            country: RwSignal::new(String::new()),
            category: RwSignal::new(String::new()),
            tags: RwSignal::new(String::new()),
            notes: RwSignal::new(String::new()),
            custom: RwSignal::new(Vec::new()),
            next_row: RwSignal::new(0),
        };
        state.load(detail);
        state
    }

    fn load(&self, d: &LeadDetail) {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        self.name.set(d.name.clone());
        self.phone.set(
            d.phone_raw
                .clone()
                .or_else(|| d.phone_e164.clone())
                .unwrap_or_default(),
        );
        self.email.set(text(&d.email));
        self.website.set(text(&d.website));
        self.city.set(text(&d.city));
        self.country.set(text(&d.country));
        self.category.set(text(&d.category));
        self.tags.set(d.tags.join(", "));
        self.notes.set(text(&d.notes));
        self.custom.set(custom_rows(&d.custom));
        self.next_row.set(d.custom.len());
    }

    fn to_edit(self) -> LeadEdit {
        LeadEdit {
            name: self.name.get(),
            phone: self.phone.get(),
            email: self.email.get(),
            website: self.website.get(),
            city: self.city.get(),
            country: self.country.get(),
            category: self.category.get(),
            tags: self.tags.get(),
            notes: self.notes.get(),
            custom: self
                .custom
                .get()
                .into_iter()
                .map(|r| CustomField {
                    key: r.key.get(),
                    value: r.value.get(),
                })
                .collect(),
        }
    }
}

/// The lead's details as they are saved, and "Edit details" for those who may change them. The
/// form is a lazy split, fetched the first time it opens: the server never renders it (most
/// visits only read), and it then stays mounted, hidden while closed (`components/lazy.rs`).
#[component]
fn LeadDetails(current: RwSignal<LeadDetail>, can_manage: bool) -> impl IntoView {
    let editing = RwSignal::new(false);
    let wanted = wanted_once(move || editing.get());
    view! {
        {show(move || !editing.get(), move || view! {
            <section class="card lead-details" aria-labelledby="details-title">
                <div class="card-header">
                    <h2 id="details-title">"Details"</h2>
                    {can_manage.then(|| view! {
                        <button type="button" class="btn btn-small" on:click=move |_| editing.set(true)>"Edit details"</button>
                    })}
                </div>
                {move || current.with(details_list)}
            </section>
        }.into_any())}
        {show(move || wanted.get(), move || view! {
            <Suspense>{Suspend::new(lead_form(LeadFormParts { current, editing }))}</Suspense>
        }.into_any())}
    }
}

/// One line of the details: its label and its value, or "—".
fn detail(label: String, value: Option<String>) -> AnyView {
    let value = value
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "—".to_owned());
    view! { <div class="detail"><dt>{label}</dt><dd>{value}</dd></div> }.into_any()
}

fn details_list(c: &LeadDetail) -> AnyView {
    let phone = c.phone_raw.clone().or_else(|| c.phone_e164.clone());
    let tags = (!c.tags.is_empty()).then(|| c.tags.join(", "));
    view! {
        <dl class="details">
            {detail("Business name".to_owned(), Some(c.name.clone()))}
            <div class="detail">
                <dt>"Phone"</dt>
                <dd>{phone.unwrap_or_else(|| "—".to_owned())}<span class="field-hint">{phone_hint(c)}</span></dd>
            </div>
            {detail("Email".to_owned(), c.email.clone())}
            {detail("Website".to_owned(), c.website.clone())}
            {detail("City".to_owned(), c.city.clone())}
            {detail("Country".to_owned(), c.country.clone())}
            {detail("Category".to_owned(), c.category.clone())}
            {detail("Tags".to_owned(), tags)}
            {c.custom.iter().map(|f| detail(f.key.clone(), Some(f.value.clone()))).collect_view()}
        </dl>
        {c.notes.clone().filter(|n| !n.trim().is_empty()).map(|notes| view! {
            <p class="lead-notes"><span class="muted small">"Notes from the spreadsheet: "</span>{notes}</p>
        })}
    }
    .into_any()
}

/// What the phone became: its international form, country and kind, or why it is flagged.
fn phone_hint(c: &LeadDetail) -> String {
    match (&c.phone_error, &c.phone_e164) {
        (Some(reason), _) => format!("Flagged: {reason}. Fix it to message this lead."),
        (None, Some(e164)) => {
            let kind = c
                .phone_kind
                .as_deref()
                .map(|k| format!(", {}", k.replace('_', " ")))
                .unwrap_or_default();
            let country = c.phone_country.clone().unwrap_or_default();
            format!("{e164} ({country}{kind})")
        }
        (None, None) => "Local numbers are read with the lead's country.".to_owned(),
    }
}

/// What the details form is made from, handed as one value through its lazy split.
struct LeadFormParts {
    current: RwSignal<LeadDetail>,
    /// Open while true; saving or "Cancel" closes it.
    editing: RwSignal<bool>,
}

#[lazy]
fn lead_form(parts: LeadFormParts) -> AnyView {
    let LeadFormParts { current, editing } = parts;
    let ctx = use_shell();
    let workspace = ctx.shell.workspace.id;
    let toaster = use_toaster();
    let lead_id = current.with_untracked(|c| c.id);
    let state = FormState::new(&current.get_untracked());
    // Each opening starts from the lead as saved (what "Cancel" left behind is dropped).
    effect(move || {
        if editing.get() {
            state.load(&current.get_untracked());
        }
    });
    let save = lead_action(workspace, lead_id);
    let result = save.value();
    effect(move || match result.get() {
        Some(Ok(LeadChanged::Lead(updated))) => {
            toaster.success("Lead saved.");
            current.set(updated);
            editing.set(false);
        }
        Some(Err(e)) => toaster.error(e.to_string()),
        _ => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(LeadChange::Edit(state.to_edit()));
    };
    let input = move |name: &'static str,
                      label: &'static str,
                      kind: &'static str,
                      value: RwSignal<String>,
                      hint: Option<Signal<String>>| {
        let error = field_error(result, name);
        view! {
            <div class="field" class:field-invalid=move || error.get().is_some()>
                <label for=format!("lead-{name}")>{label}</label>
                <input id=format!("lead-{name}") name=name type=kind prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                    aria-invalid=move || error.get().is_some().to_string()
                    aria-describedby=format!("lead-{name}-error") />
                {hint.map(|h| view! { <p class="field-hint">{move || h.get()}</p> })}
                <p class="field-error" id=format!("lead-{name}-error")>{move || error.get()}</p>
            </div>
        }
    };
    let phone_hint = Signal::derive(move || current.with(phone_hint));
    let custom_error = field_error(result, "custom");
    let notes_error = field_error(result, "notes");
    let add_row = move |_| {
        let id = state.next_row.get_untracked();
        state.next_row.set(id + 1);
        state.custom.update(|rows| {
            rows.push(CustomRow {
                id,
                key: RwSignal::new(String::new()),
                value: RwSignal::new(String::new()),
            })
        });
    };
    view! {
        <form class="card form lead-form" on:submit=submit novalidate hidden=move || !editing.get()>
            <h2>"Edit details"</h2>
            <FormAlert message=form_error(result) />
            <fieldset>
                {input("name", "Business name", "text", state.name, None)}
                <div class="grid-2">
                    {input("phone", "Phone", "tel", state.phone, Some(phone_hint))}
                    {input("email", "Email", "email", state.email, None)}
                </div>
                {input("website", "Website", "text", state.website, None)}
                <div class="grid-2">
                    {input("city", "City", "text", state.city, None)}
                    {input("country", "Country", "text", state.country, None)}
                </div>
                <div class="grid-2">
                    {input("category", "Category", "text", state.category, None)}
                    {input("tags", "Tags", "text", state.tags, Some(Signal::derive(|| "Separate tags with commas.".to_owned())))}
                </div>
                <div class="field" class:field-invalid=move || notes_error.get().is_some()>
                    <label for="lead-notes">"Notes"</label>
                    <textarea id="lead-notes" name="notes" rows="3" prop:value=move || state.notes.get()
                        on:input=move |ev| state.notes.set(event_target_value(&ev))
                        aria-describedby="lead-notes-error"></textarea>
                    <p class="field-error" id="lead-notes-error">{move || notes_error.get()}</p>
                </div>
                <fieldset class="custom-fields" aria-describedby="lead-custom-error">
                    <legend>"Custom fields"</legend>
                    {show(move || state.custom.with(Vec::is_empty), || view! {
                        <p class="muted">"No custom fields. Columns of your spreadsheet that are not built-in fields appear here."</p>
                    }.into_any())}
                    // Drawn again when a row is added or removed (each row's text lives in its
                    // own signals): a keyed `<For>` would compile its own diffing for one list.
                    {move || state.custom.get().into_iter().map(|row| view! {
                        <div class="custom-row">
                            <input type="text" aria-label="Field name" placeholder="Name" prop:value=move || row.key.get()
                                on:input=move |ev| row.key.set(event_target_value(&ev)) />
                            <input type="text" aria-label=move || format!("Value of {}", row.key.get()) placeholder="Value" prop:value=move || row.value.get()
                                on:input=move |ev| row.value.set(event_target_value(&ev)) />
                            <button type="button" class="btn btn-small" aria-label=move || format!("Remove {}", row.key.get())
                                on:click=move |_| state.custom.update(|rows| rows.retain(|r| r.id != row.id))>"Remove"</button>
                        </div>
                    }).collect_view()}
                    <p class="field-error" id="lead-custom-error">{move || custom_error.get()}</p>
                    <button type="button" class="btn btn-small" on:click=add_row>"Add a custom field"</button>
                </fieldset>
                <div class="form-actions">
                    <button type="submit" class="btn btn-primary" disabled=move || save.pending().get()>
                        {move || if save.pending().get() { "Saving…" } else { "Save changes" }}
                    </button>
                    <button type="button" class="btn" on:click=move |_| editing.set(false)>"Cancel"</button>
                </div>
            </fieldset>
        </form>
    }
    .into_any()
}

#[component]
fn Notes(current: RwSignal<LeadDetail>, can_manage: bool) -> impl IntoView {
    let ctx = use_shell();
    let workspace = ctx.shell.workspace.id;
    let toaster = use_toaster();
    let lead_id = current.with_untracked(|c| c.id);
    let body = RwSignal::new(String::new());
    let add = lead_action(workspace, lead_id);
    let remove = lead_action(workspace, lead_id);
    let added = add.value();
    effect(move || match added.get() {
        Some(Ok(LeadChanged::Lead(updated))) => {
            toaster.success("Note added.");
            body.set(String::new());
            current.set(updated);
        }
        Some(Err(e)) => toaster.error(e.to_string()),
        _ => {}
    });
    effect(move || match remove.value().get() {
        Some(Ok(LeadChanged::Lead(updated))) => {
            toaster.success("Note deleted.");
            current.set(updated);
        }
        Some(Err(e)) => toaster.error(e.to_string()),
        _ => {}
    });
    let error = field_error(added, "body");
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        add.dispatch(LeadChange::AddNote(body.get()));
    };
    view! {
        <section class="card notes" aria-labelledby="notes-title">
            <h2 id="notes-title">"Team notes"</h2>
            {can_manage.then(|| view! {
                <form class="form note-form" on:submit=submit novalidate>
                    <div class="field" class:field-invalid=move || error.get().is_some()>
                        <label for="note-body" class="sr-only">"New note"</label>
                        <textarea id="note-body" name="body" rows="2" placeholder="Write a note for the team…"
                            prop:value=move || body.get() on:input=move |ev| body.set(event_target_value(&ev))
                            aria-describedby="note-body-error"></textarea>
                        <p class="field-error" id="note-body-error">{move || error.get()}</p>
                    </div>
                    <button type="submit" class="btn btn-small btn-primary" disabled=move || add.pending().get()>"Add note"</button>
                </form>
            })}
            <ul class="note-list">
                {move || current.with(|c| {
                    if c.notes_log.is_empty() {
                        return view! { <li class="muted">"No notes yet."</li> }.into_any();
                    }
                    c.notes_log.iter().cloned().map(|note| {
                        let note_id = note.id;
                        view! {
                            <li class="note">
                                <p class="note-body">{note.body}</p>
                                <p class="muted note-meta">
                                    {note.author.unwrap_or_else(|| "A former member".to_owned())}" · "{when(note.created_at)}
                                    {can_manage.then(|| view! {
                                        <button type="button" class="btn btn-link btn-small"
                                            on:click=move |_| { remove.dispatch(LeadChange::DeleteNote(note_id)); }>"Delete"</button>
                                    })}
                                </p>
                            </li>
                        }
                    }).collect_view().into_any()
                })}
            </ul>
        </section>
    }
}

/// Checks one lead's website now and answers with the lead as it then is. A click starts it,
/// never the page's hydration, so the calls are a lazy split fetched then (docs/benchmarks.md,
/// "What runs only on a click").
#[lazy]
async fn check_website_now(workspace: Uuid, lead: Uuid) -> ApiResult<LeadDetail> {
    use super::websites::progress::poll_website_check;
    use crate::api::websites::start_website_check;
    use shared::leads::LeadSelection;
    use shared::websites::CheckScope;
    let scope = CheckScope::Selection(LeadSelection::Ids(vec![lead]));
    let job = start_website_check(workspace, scope).await?;
    // One lead takes seconds at most (the engine's timeouts bound it).
    poll_website_check(workspace, job, 700, |_| true).await?;
    load_lead(workspace, lead).await
}

/// The lead's website check: outcome, evidence, social link, and a button to check it now.
#[component]
fn WebsiteCard(current: RwSignal<LeadDetail>, can_manage: bool) -> impl IntoView {
    let workspace = use_shell().shell.workspace.id;
    let toaster = use_toaster();
    let checking = RwSignal::new(false);
    let check_now = move |_| {
        let lead = current.with_untracked(|c| c.id);
        checking.set(true);
        leptos::task::spawn_local(async move {
            match check_website_now(workspace, lead).await {
                Ok(fresh) => {
                    toaster.info(format!("Website: {}", fresh.website_status.label()));
                    current.set(fresh);
                }
                Err(e) => toaster.error(
                    e.field_message("selection")
                        .unwrap_or_else(|| e.to_string()),
                ),
            }
            checking.set(false);
        });
    };
    view! {
        <section class="card website-card" aria-labelledby="website-title">
            <h2 id="website-title">"Website"</h2>
            {move || current.with(|c| match &c.website_check {
                Some(check) => view! {
                    <p>
                        <span class=format!("badge website-{}", check.status.as_str().to_ascii_lowercase())>{check.status.label()}</span>
                        " "<span class="reason">{check.reason.label()}</span>
                    </p>
                    <p class="evidence muted small">{super::websites::evidence(check)}</p>
                    {check.final_url.clone().map(|url| {
                        let shown = url.clone();
                        view! { <p class="url-cell">"Ended at "<a href=url rel="noopener noreferrer nofollow" target="_blank">{shown}</a></p> }
                    })}
                    <p class="muted small">"Checked "{when(check.checked_at)}</p>
                    <p class="muted small">{format!("Pitch: {}", shared::websites::Offer::for_status(check.status).label())}</p>
                }.into_any(),
                None => view! {
                    <p class="muted">{if c.website.is_some() { "Not checked yet." } else { "No website given." }}</p>
                }.into_any(),
            })}
            {move || current.with(|c| c.social_url.clone()).map(|url| {
                let shown = url.clone();
                view! { <p class="url-cell">"Social profile: "<a href=url rel="noopener noreferrer nofollow" target="_blank">{shown}</a></p> }
            })}
            {can_manage.then(|| view! {
                <button type="button" class="btn btn-small" on:click=check_now disabled=move || checking.get()>
                    {move || if checking.get() { "Checking…" } else { "Check now" }}
                </button>
            })}
        </section>
    }
}

#[component]
fn Timeline(current: RwSignal<LeadDetail>) -> impl IntoView {
    let imports_base = format!("/w/{}/imports", use_shell().shell.workspace.slug);
    view! {
        <section class="card timeline" aria-labelledby="timeline-title">
            <h2 id="timeline-title">"Timeline"</h2>
            <ol class="timeline-list">
                {move || current.with(|c| c.timeline.iter().cloned().map(|entry| {
                    let import_link = (entry.kind == TimelineKind::Imported)
                        .then(|| c.import.clone())
                        .flatten();
                    view! {
                        <li class=format!("timeline-entry timeline-{}", entry.kind.as_str())>
                            <p>
                                <strong>{entry.kind.label()}</strong>
                                {(!entry.detail.is_empty() && import_link.is_none()).then(|| view! { " " {entry.detail.clone()} })}
                                {import_link.map(|(id, file)| view! { " from " <a href=format!("{imports_base}/{id}")>{file}</a> })}
                            </p>
                            <p class="muted">{entry.actor.map(|a| format!("{a} · "))}{when(entry.at)}</p>
                        </li>
                    }
                }).collect_view())}
            </ol>
        </section>
    }
}
