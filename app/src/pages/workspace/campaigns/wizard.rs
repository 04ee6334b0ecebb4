//! The campaign wizard (`/campaigns/new`, `/campaigns/:id/edit`): five steps on one page —
//! Basics · Recipients · Message · Strategy · Schedule & launch — over one `CampaignForm` held
//! in a signal, so going back and forth keeps everything. "Save draft" on every step creates
//! the draft, then saves it; the server's field errors show beside their fields, and the
//! form's own checks (`CampaignForm::check`, `Strategy::validate`) run as you type.

use super::audience::RecipientsStep;
use super::message::MessageStep;
use super::strategy::StrategyStep;
use super::{duration_words, now, workspace_zone};
use crate::api::ApiError;
use crate::api::campaigns::{
    create_campaign, launch_campaign, load_campaign, new_campaign_form, review_campaign,
    save_campaign,
};
use crate::api::resource::resource;
use crate::api::segments::segments as load_segments;
use crate::api::templates::{load_template_variables, load_templates};
use crate::api::whatsapp::load_senders;
use crate::components::effect::effect;
use crate::components::show::show;
use crate::components::toast::{Toaster, use_toaster};
use crate::pages::errors::ErrorPage;
use crate::pages::workspace::imports::grouped;
use crate::pages::workspace::use_shell;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use shared::campaigns::{
    AudienceSource, CampaignDto, CampaignForm, CampaignKind, CampaignStatus, Estimate,
    LaunchReview, WorkingHours,
};
use shared::leads::LeadQuery;
use shared::segments::SegmentEntry;
use shared::templates::{TemplateDto, TemplateVariables};
use shared::whatsapp::{AttachmentDto, SenderDto};
use shared::workspaces::Permission;
use shared::{AppError, FieldError};
use std::collections::HashMap;
use uuid::Uuid;

/// The steps, in order.
pub const STEPS: [&str; 5] = [
    "Basics",
    "Recipients",
    "Message",
    "Strategy",
    "Schedule & launch",
];
const SCHEDULE: usize = 4;

/// How long the review waits after a change before asking the server again.
const REVIEW_DELAY_MS: u32 = 500;

/// The step a field is edited on (`None`: the form as a whole).
fn step_of(field: &str) -> Option<usize> {
    match field {
        "name" | "description" | "kind" | "tags" => Some(0),
        "audience" | "skip_contacted_within_days" => Some(1),
        f if f == "variants" || f.starts_with("variants.") || f == "variant_choice" => Some(2),
        "sender_ids" | "order" | "respect_daily_cap" | "working_hours" => Some(3),
        f if STRATEGY_FIELDS.contains(&f) => Some(3),
        "start_at" | "webhook_url" | "notify" => Some(SCHEDULE),
        // "form", "status" and anything else that is about the campaign as a whole.
        _ => None,
    }
}

/// The fields `Strategy::validate` names.
const STRATEGY_FIELDS: [&str; 14] = [
    "messages_per_minute",
    "delay_min_s",
    "delay_max_s",
    "cooldown_every",
    "cooldown_min_s",
    "cooldown_max_s",
    "working_hours_start",
    "working_hours_end",
    "working_days",
    "failure_window",
    "failure_threshold_percent",
    "max_retries",
    "retry_base_s",
    "skip_sender_after_failures",
];

/// The strategy's fields are checked as you type: their defaults pass, so any error is the
/// number just typed. Other fields show their error once their step has been left.
fn checked_as_you_type(field: &str) -> bool {
    STRATEGY_FIELDS.contains(&field)
}

/// The wizard's state, shared by its steps.
#[derive(Clone, Copy)]
pub struct Wizard {
    pub workspace: Uuid,
    pub form: RwSignal<CampaignForm>,
    pub step: RwSignal<usize>,
    /// The variant being edited on the Message step.
    pub variant: RwSignal<usize>,
    /// Files uploaded or taken from templates in this visit, so a variant's chip can name its
    /// attachment (the form keeps only the id).
    pub files: RwSignal<HashMap<Uuid, AttachmentDto>>,
    /// The last save's or launch's field errors; a field's goes when the field is edited.
    server_errors: RwSignal<Vec<FieldError>>,
    /// `CampaignForm::check`, as you type.
    client_errors: Memo<Vec<FieldError>>,
    /// Steps whose errors show (left once, or everything after a save or launch).
    revealed: RwSignal<[bool; 5]>,
}

impl Wizard {
    fn new(workspace: Uuid, form: CampaignForm) -> Self {
        let form = RwSignal::new(form);
        Self {
            workspace,
            form,
            step: RwSignal::new(0),
            variant: RwSignal::new(0),
            files: RwSignal::new(HashMap::new()),
            server_errors: RwSignal::new(Vec::new()),
            client_errors: Memo::new(move |_| {
                form.with(|f| match f.check(now()) {
                    Err(AppError::Validation(list)) => list,
                    _ => Vec::new(),
                })
            }),
            revealed: RwSignal::new([false; 5]),
        }
    }

    /// Changes the form through `change`, forgetting the server's error on `field` (and, for
    /// `variants`, on every variant).
    pub fn update(&self, field: &str, change: impl FnOnce(&mut CampaignForm)) {
        let had = self.server_errors.with_untracked(|list| {
            list.iter()
                .any(|e| e.field == field || e.field.starts_with(&format!("{field}.")))
        });
        if had {
            self.server_errors.update(|list| {
                list.retain(|e| e.field != field && !e.field.starts_with(&format!("{field}.")));
            });
        }
        self.form.update(change);
    }

    /// The message to show beside `field`, if any (reactive).
    pub fn error(&self, field: &str) -> Option<String> {
        let shown = checked_as_you_type(field)
            || step_of(field).is_some_and(|s| self.revealed.with(|r| r[s]));
        if shown
            && let Some(message) = self.client_errors.with(|list| {
                list.iter()
                    .find(|e| e.field == field)
                    .map(|e| e.message.clone())
            })
        {
            return Some(message);
        }
        self.server_errors.with(|list| {
            list.iter()
                .find(|e| e.field == field)
                .map(|e| e.message.clone())
        })
    }

    /// Whether a step has an error showing (the stepper marks it).
    fn step_has_errors(&self, step: usize) -> bool {
        let revealed = self.revealed.with(|r| r[step]);
        let client = self.client_errors.with(|list| {
            list.iter().any(|e| {
                step_of(&e.field) == Some(step) && (revealed || checked_as_you_type(&e.field))
            })
        });
        client
            || self
                .server_errors
                .with(|list| list.iter().any(|e| step_of(&e.field) == Some(step)))
    }

    /// The first step with an error the form's own checks find, if any.
    fn first_invalid_step(&self) -> Option<usize> {
        self.client_errors
            .with_untracked(|list| list.iter().filter_map(|e| step_of(&e.field)).min())
    }

    fn go(&self, step: usize) {
        let from = self.step.get_untracked();
        self.revealed.update(|r| r[from] = true);
        self.step.set(step.min(SCHEDULE));
        scroll_to_top();
    }

    fn reveal_all(&self) {
        self.revealed.set([true; 5]);
    }

    /// Shows a failed save's or launch's errors: beside their fields, and in a toast that
    /// names the steps to look at.
    fn failed(&self, toaster: Toaster, error: ApiError) {
        match error.0 {
            AppError::Validation(list) => {
                let mut steps: Vec<usize> = list.iter().filter_map(|e| step_of(&e.field)).collect();
                steps.sort_unstable();
                steps.dedup();
                // Errors about the campaign as a whole have no field to sit beside.
                let general: Vec<String> = list
                    .iter()
                    .filter(|e| step_of(&e.field).is_none())
                    .map(|e| e.message.clone())
                    .collect();
                self.server_errors.set(list);
                self.reveal_all();
                if !general.is_empty() {
                    toaster.error(general.join(" "));
                }
                if !steps.is_empty() {
                    toaster.error(format!(
                        "Some fields need attention: {}.",
                        steps
                            .iter()
                            .map(|s| STEPS[*s])
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            }
            other => toaster.error(other.to_string()),
        }
    }
}

/// Brings the next step's top into view (long steps on a phone).
fn scroll_to_top() {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        window.scroll_to_with_x_and_y(0.0, 0.0);
    }
}

/// Points the address bar at the draft's edit page without leaving the wizard, so a reload
/// opens the draft instead of starting another.
fn remember_draft_url(url: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(url));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = url;
}

/// What every step's pickers offer: senders, segments, templates and their variables, and
/// the workspace's working hours (what "only send during working hours" starts from).
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct Choices {
    pub senders: Vec<SenderDto>,
    pub segments: Vec<SegmentEntry>,
    pub templates: Vec<TemplateDto>,
    pub variables: TemplateVariables,
    pub working_hours: WorkingHours,
}

/// The workspace's working hours, as the server's new-campaign form carries them.
fn hours_of(fresh: &CampaignForm) -> WorkingHours {
    fresh.strategy.working_hours.unwrap_or_default()
}

/// What both wizard pages choose from, with the server's new-campaign form (the workspace's
/// working hours), loaded as one resource: a resource per server function would put one more
/// copy of the async machinery into the page's wasm for each (docs/benchmarks.md, "One
/// resource per page").
async fn load_choices(workspace: Uuid) -> Result<(Choices, CampaignForm), ApiError> {
    let senders = load_senders(workspace).await?;
    let segments = load_segments(workspace).await?;
    let templates = load_templates(workspace).await?;
    let variables = load_template_variables(workspace).await?;
    let fresh = new_campaign_form(workspace).await?;
    let working_hours = hours_of(&fresh);
    let choices = Choices {
        senders,
        segments,
        templates,
        variables,
        working_hours,
    };
    Ok((choices, fresh))
}

/// `/w/:slug/campaigns/new`: `?leads=id,id` starts from leads ticked on the lead list,
/// `?audience=filter&…` from the list's filter (its URL parameters).
#[component]
pub fn NewCampaignPage() -> impl IntoView {
    let workspace = use_shell().shell.workspace.id;
    let query = use_query_map();
    // The server's form in it: the workspace's working hours are the new campaign's.
    let loaded = resource(|| (), move |()| load_choices(workspace));
    view! {
        <Title text="New campaign" />
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match loaded.await {
                    Ok((choices, mut form)) => {
                        let leads: Vec<Uuid> = query.with_untracked(|q| {
                            q.get("leads")
                                .map(|list| list.split(',').filter_map(|id| id.trim().parse().ok()).collect())
                                .unwrap_or_default()
                        });
                        if !leads.is_empty() {
                            form.audience.source = AudienceSource::Leads(leads);
                        } else if query.with_untracked(|q| q.get("audience").as_deref() == Some("filter")) {
                            // "All matching" on the lead list: its filter, in its own URL form.
                            let read = query.with_untracked(|q| LeadQuery::read(|key| q.get(key)));
                            if let Ok((filter, _)) = read.to_filter() {
                                form.audience.source = AudienceSource::Filter(filter);
                            }
                        }
                        view! { <WizardView workspace initial=form existing=None choices /> }.into_any()
                    }
                    Err(e) => view! { <ErrorPage error=e /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// `/w/:slug/campaigns/:id/edit`: the wizard over a saved draft.
#[component]
pub fn EditCampaignPage() -> impl IntoView {
    let ctx = use_shell();
    let workspace = ctx.shell.workspace.id;
    let slug = ctx.shell.workspace.slug.clone();
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").and_then(|s| s.parse::<Uuid>().ok()));
    let campaign = resource(
        move || id.get(),
        move |id| async move {
            match id {
                Some(id) => load_campaign(workspace, id).await,
                None => Err(ApiError(AppError::NotFound)),
            }
        },
    );
    // The fresh form in it for its working hours: what ticking "working hours" again starts from.
    let loaded = resource(|| (), move |()| load_choices(workspace));
    view! {
        <Title text="Edit campaign" />
        <Transition fallback=|| view! { <p class="loading">"Loading the campaign…"</p> }>
            {move || {
                let slug = slug.clone();
                Suspend::new(async move {
                    match (campaign.await, loaded.await) {
                        (Ok(dto), ..) if dto.state.status != CampaignStatus::Draft => view! {
                            <div class="card">
                                <h1>{dto.form.name.clone()}</h1>
                                <p>"This campaign has been launched; only drafts can be edited."</p>
                                <a class="btn" href=format!("/w/{slug}/campaigns/{}", dto.id)>"Open the campaign"</a>
                            </div>
                        }.into_any(),
                        (Ok(dto), Ok((choices, _))) => {
                            let initial = dto.form.clone();
                            view! { <WizardView workspace initial existing=Some(dto) choices /> }.into_any()
                        }
                        (Err(e), _) | (_, Err(e)) => view! { <ErrorPage error=e /> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}

/// "Save draft" from Basics: saving happens on a click, never while the wizard hydrates, so the
/// form's encoding and the two server functions' clients are a lazy split fetched with the first
/// save (docs/benchmarks.md, "Server calls made on a click"). The later steps call the server
/// functions themselves: they are in a split of their own already.
#[lazy]
async fn save_draft(
    workspace: Uuid,
    draft: Option<Uuid>,
    form: CampaignForm,
) -> Result<CampaignDto, ApiError> {
    match draft {
        Some(id) => save_campaign(workspace, id, form).await,
        None => create_campaign(workspace, form).await,
    }
}

#[component]
fn WizardView(
    workspace: Uuid,
    initial: CampaignForm,
    existing: Option<CampaignDto>,
    choices: Choices,
) -> impl IntoView {
    let ctx = use_shell();
    let slug = ctx.shell.workspace.slug.clone();
    let can_save =
        ctx.shell.can(Permission::CampaignsCreate) || ctx.shell.can(Permission::CampaignsEdit);
    let toaster = use_toaster();
    let wiz = Wizard::new(workspace, initial);
    let draft_id = RwSignal::new(existing.as_ref().map(|c| c.id));
    let saving = RwSignal::new(false);
    let choices = StoredValue::new(choices);
    let base = StoredValue::new(format!("/w/{slug}/campaigns"));

    let save = move || {
        if saving.get_untracked() {
            return;
        }
        let form = wiz.form.get_untracked();
        saving.set(true);
        leptos::task::spawn_local(async move {
            let result = save_draft(workspace, draft_id.get_untracked(), form).await;
            saving.set(false);
            match result {
                Ok(saved) => {
                    if draft_id.try_get_untracked() == Some(None) {
                        draft_id.set(Some(saved.id));
                        remember_draft_url(&format!("{}/{}/edit", base.get_value(), saved.id));
                    }
                    wiz.server_errors.set(Vec::new());
                    match saved.form.name.trim() {
                        "" => toaster.success("Draft saved."),
                        name => toaster.success(format!("Draft “{name}” saved.")),
                    }
                }
                Err(e) => wiz.failed(toaster, e),
            }
        });
    };

    let heading = if existing.is_some() {
        "Edit campaign"
    } else {
        "New campaign"
    };
    view! {
        <div class="page-header">
            <div>
                <p class="breadcrumb"><a href=base.get_value()>"Campaigns"</a></p>
                <h1>{heading}</h1>
            </div>
            {can_save.then(|| view! {
                <div class="header-actions">
                    <button type="button" class="btn" on:click=move |_| save() disabled=move || saving.get()>
                        {move || if saving.get() { "Saving…" } else { "Save draft" }}
                    </button>
                </div>
            })}
        </div>
        <nav aria-label="Campaign steps">
            <ol class="steps wizard-steps">
                {STEPS.into_iter().enumerate().map(|(i, label)| view! {
                    <li class:step-current=move || wiz.step.get() == i
                        class:step-done=move || { wiz.step.get() > i }
                        class:step-invalid=move || wiz.step_has_errors(i)>
                        <button type="button" class="step-button" on:click=move |_| wiz.go(i)
                            aria-current=move || (wiz.step.get() == i).then_some("step")>
                            <span class="step-number">{i + 1}</span>
                            <span class="step-label">{label}</span>
                        </button>
                    </li>
                }).collect_view()}
            </ol>
        </nav>
        <section class="card wizard-step" aria-labelledby="wizard-step-title">
            <h2 id="wizard-step-title">{move || STEPS[wiz.step.get()]}</h2>
            {move || match wiz.step.get() {
                0 => view! { <BasicsStep wiz /> }.into_any(),
                step => later_step(step, StepParts { wiz, choices, draft_id, saving }),
            }}
            <div class="form-actions wizard-nav">
                <button type="button" class="btn" on:click=move |_| wiz.go(wiz.step.get_untracked().saturating_sub(1))
                    disabled=move || wiz.step.get() == 0>"Back"</button>
                {can_save.then(|| view! {
                    <button type="button" class="btn" on:click=move |_| save() disabled=move || saving.get()>
                        {move || if saving.get() { "Saving…" } else { "Save draft" }}
                    </button>
                })}
                {show(move || wiz.step.get() < SCHEDULE, move || view! {
                    <button type="button" class="btn btn-primary" on:click=move |_| wiz.go(wiz.step.get_untracked() + 1)>
                        {move || format!("Next: {}", STEPS[(wiz.step.get() + 1).min(SCHEDULE)])}
                    </button>
                }.into_any())}
            </div>
        </section>
    }
}

/// Every visit starts on Basics, and that is the step the server renders; the other four only
/// show after a click. Their code is therefore one lazily loaded function (`--split` makes it a
/// wasm chunk of its own, fetched when the wizard first leaves Basics) instead of part of the
/// wizard's route, which a visit downloads before the page can hydrate. One function for the
/// four rather than one each: every split point multiplies the small chunks that code shared
/// between split points is cut into, and a wizard that leaves Basics goes on to the rest.
fn later_step(step: usize, parts: StepParts) -> AnyView {
    // Its own `Suspense`: the page's `Transition` would keep the previous step on screen while
    // the chunk arrives (the first time only; usually a few milliseconds).
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {Suspend::new(later_step_view(step, parts))}
        </Suspense>
    }
    .into_any()
}

/// What the steps after Basics are made from, handed as one value through the lazy split.
#[derive(Clone, Copy)]
struct StepParts {
    wiz: Wizard,
    choices: StoredValue<Choices>,
    draft_id: RwSignal<Option<Uuid>>,
    saving: RwSignal<bool>,
}

#[lazy]
fn later_step_view(step: usize, parts: StepParts) -> AnyView {
    let StepParts {
        wiz,
        choices,
        draft_id,
        saving,
    } = parts;
    match step {
        1 => {
            let segments = choices.with_value(|c| c.segments.clone());
            view! { <RecipientsStep wiz segments /> }.into_any()
        }
        2 => {
            let (templates, variables) =
                choices.with_value(|c| (c.templates.clone(), c.variables.clone()));
            view! { <MessageStep wiz templates variables /> }.into_any()
        }
        3 => {
            let (senders, working_hours) =
                choices.with_value(|c| (c.senders.clone(), c.working_hours));
            view! { <StrategyStep wiz senders working_hours /> }.into_any()
        }
        _ => view! { <ScheduleStep wiz draft_id saving /> }.into_any(),
    }
}

/// The error line under a field, linked by `id` for screen readers.
#[component]
pub fn FieldErr(wiz: Wizard, #[prop(into)] field: String, id: String) -> impl IntoView {
    view! { <p class="field-error" id=id role="alert">{move || wiz.error(&field)}</p> }
}

/// A number input over a part of the form. Empty means `None`; the value is read once when
/// the input is made (steps are made afresh each time they show), so typing is never undone.
#[component]
pub fn NumberField(
    wiz: Wizard,
    /// The form field (the strategy's names), also the input's id and name.
    field: &'static str,
    label: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] placeholder: Option<&'static str>,
    #[prop(default = 0)] min: u32,
    #[prop(optional)] max: Option<u32>,
    get: fn(&CampaignForm) -> Option<u32>,
    set: fn(&mut CampaignForm, Option<u32>),
) -> impl IntoView {
    let initial = wiz
        .form
        .with_untracked(get)
        .map(|v| v.to_string())
        .unwrap_or_default();
    let id = format!("campaign-{field}");
    let error_id = format!("{id}-error");
    view! {
        <div class="field" class:field-invalid=move || wiz.error(field).is_some()>
            <label for=id.clone()>{label}</label>
            <input id=id name=field type="number" inputmode="numeric" min=min max=max
                placeholder=placeholder value=initial aria-describedby=error_id.clone()
                on:input=move |ev| {
                    let text = event_target_value(&ev);
                    let value = text.trim().parse::<u32>().ok();
                    wiz.update(field, |f| set(f, value));
                } />
            {hint.map(|h| view! { <p class="field-hint">{h}</p> })}
            <FieldErr wiz field=field id=error_id />
        </div>
    }
}

#[component]
fn BasicsStep(wiz: Wizard) -> impl IntoView {
    let (name, description, tags) = wiz
        .form
        .with_untracked(|f| (f.name.clone(), f.description.clone(), f.tags.join(", ")));
    let kind = Memo::new(move |_| wiz.form.with(|f| f.kind));
    view! {
        <div class="form wizard-form">
            <div class="field" class:field-invalid=move || wiz.error("name").is_some()>
                <label for="campaign-name">"Name"</label>
                <input id="campaign-name" name="name" maxlength="120" value=name autocomplete="off"
                    aria-describedby="campaign-name-error"
                    on:input=move |ev| { let v = event_target_value(&ev); wiz.update("name", |f| f.name = v); } />
                <FieldErr wiz field="name" id="campaign-name-error".to_owned() />
            </div>
            <div class="field" class:field-invalid=move || wiz.error("description").is_some()>
                <label for="campaign-description">"Description"</label>
                <textarea id="campaign-description" name="description" rows="3" maxlength="1000"
                    aria-describedby="campaign-description-error"
                    on:input=move |ev| { let v = event_target_value(&ev); wiz.update("description", |f| f.description = v); }>{description}</textarea>
                <p class="field-hint">"For your team; recipients never see it."</p>
                <FieldErr wiz field="description" id="campaign-description-error".to_owned() />
            </div>
            <div class="field">
                <label for="campaign-kind">"Type"</label>
                <select id="campaign-kind" name="kind" prop:value=move || kind.get().as_str()
                    on:change=move |ev| {
                        if let Some(k) = CampaignKind::parse(&event_target_value(&ev)) {
                            wiz.update("kind", |f| f.kind = k);
                        }
                    }>
                    {CampaignKind::ALL.into_iter().map(|k| view! {
                        <option value=k.as_str() selected=move || kind.get() == k>{k.label()}</option>
                    }).collect_view()}
                </select>
                <p class="field-hint">{move || match kind.get() {
                    CampaignKind::OneTime => "Sends once, as soon as it is launched.",
                    CampaignKind::Scheduled => "Sends once, from the date and time you choose in the last step.",
                    CampaignKind::RecurringDaily => "Runs every day at the chosen time, each run to leads it has not messaged yet.",
                    CampaignKind::RecurringWeekly => "Runs every week on the chosen day and time, each run to leads it has not messaged yet.",
                }}</p>
            </div>
            <div class="field" class:field-invalid=move || wiz.error("tags").is_some()>
                <label for="campaign-tags">"Tags"</label>
                <input id="campaign-tags" name="tags" value=tags placeholder="spring, nairobi" autocomplete="off"
                    aria-describedby="campaign-tags-error"
                    on:input=move |ev| {
                        let tags: Vec<String> = event_target_value(&ev)
                            .split(',')
                            .map(|t| t.trim().to_owned())
                            .filter(|t| !t.is_empty())
                            .collect();
                        wiz.update("tags", |f| f.tags = tags);
                    } />
                <p class="field-hint">"Separated by commas; they help find campaigns later."</p>
                <FieldErr wiz field="tags" id="campaign-tags-error".to_owned() />
            </div>
        </div>
    }
}

#[component]
fn ScheduleStep(
    wiz: Wizard,
    draft_id: RwSignal<Option<Uuid>>,
    saving: RwSignal<bool>,
) -> impl IntoView {
    let ctx = use_shell();
    let workspace = wiz.workspace;
    let can_launch = ctx.shell.can(Permission::CampaignsLaunch);
    // Without SMTP no e-mail would go out: the box is offered only when one would.
    let email_enabled = ctx.shell.email_enabled;
    let base = StoredValue::new(format!("/w/{}/campaigns", ctx.shell.workspace.slug));
    let toaster = use_toaster();
    let navigate = use_navigate();
    let kind = Memo::new(move |_| wiz.form.with(|f| f.kind));
    // Start times are typed and shown in the workspace's zone, like its working hours.
    let zone = StoredValue::new(workspace_zone());
    let (start, email, webhook) = wiz.form.with_untracked(|f| {
        (
            f.start_at
                .map(|at| zone.with_value(|z| z.to_input(at)))
                .unwrap_or_default(),
            f.notify.email,
            f.notify.webhook_url.clone().unwrap_or_default(),
        )
    });
    let when = move |k: CampaignKind| match k {
        CampaignKind::OneTime => "now",
        CampaignKind::Scheduled => "at",
        _ => "recurring",
    };

    // The review follows the form (debounced): who, how long, and the checklist.
    let review = RwSignal::new(None::<Result<LaunchReview, ApiError>>);
    let reviewing = RwSignal::new(false);
    let generation = StoredValue::new(0u32);
    effect(move || {
        let form = wiz.form.get();
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        reviewing.set(true);
        leptos::task::spawn_local(async move {
            crate::components::time::sleep_ms(REVIEW_DELAY_MS).await;
            if generation.try_get_value() != Some(mine) {
                return;
            }
            let result = review_campaign(workspace, form).await;
            if generation.try_get_value() == Some(mine) {
                review.set(Some(result));
                reviewing.set(false);
            }
        });
    });

    let launching = RwSignal::new(false);
    let client_ok = Memo::new(move |_| wiz.client_errors.with(Vec::is_empty));
    let review_ok = Memo::new(move |_| {
        review.with(|r| match r {
            Some(Ok(r)) => r.checklist.iter().all(|c| c.ok || !c.required),
            _ => false,
        })
    });
    let launch = move |_| {
        if !client_ok.get_untracked() {
            wiz.reveal_all();
            if let Some(step) = wiz.first_invalid_step() {
                toaster.error(format!("Finish the {} step first.", STEPS[step]));
            }
            return;
        }
        let form = wiz.form.get_untracked();
        let navigate = navigate.clone();
        launching.set(true);
        leptos::task::spawn_local(async move {
            let id = match draft_id.get_untracked() {
                Some(id) => Ok(id),
                None => create_campaign(workspace, form.clone()).await.map(|d| {
                    draft_id.set(Some(d.id));
                    d.id
                }),
            };
            let result = match id {
                Ok(id) => launch_campaign(workspace, id, form).await,
                Err(e) => Err(e),
            };
            launching.set(false);
            match result {
                Ok(dto) => {
                    let name = dto.form.name.trim().to_owned();
                    match (
                        dto.state.status,
                        dto.state.next_run_at.or(dto.form.start_at),
                    ) {
                        (CampaignStatus::Scheduled, Some(at)) => toaster.success(format!(
                            "“{name}” is scheduled for {}.",
                            zone.with_value(|z| z.long(at))
                        )),
                        _ => toaster.success(format!("“{name}” launched.")),
                    }
                    navigate(
                        &format!("{}/{}", base.get_value(), dto.id),
                        Default::default(),
                    );
                }
                Err(e) => {
                    if let AppError::Validation(list) = &e.0
                        && let Some(step) = list.iter().filter_map(|e| step_of(&e.field)).min()
                        && step != SCHEDULE
                    {
                        wiz.step.set(step);
                    }
                    wiz.failed(toaster, e);
                }
            }
        });
    };

    view! {
        <div class="form wizard-form">
            <fieldset class="field">
                <legend>"When"</legend>
                <div class="choice-group">
                    <label class="choice">
                        <input type="radio" name="when" value="now" prop:checked=move || when(kind.get()) == "now"
                            on:change=move |_| wiz.update("kind", |f| f.kind = CampaignKind::OneTime) />
                        <span class="choice-label">"Start now"</span>
                        <span class="choice-hint">"Sending starts as soon as you launch (within the working hours)."</span>
                    </label>
                    <label class="choice">
                        <input type="radio" name="when" value="at" prop:checked=move || when(kind.get()) == "at"
                            on:change=move |_| wiz.update("kind", |f| f.kind = CampaignKind::Scheduled) />
                        <span class="choice-label">"At a date and time"</span>
                    </label>
                    <label class="choice">
                        <input type="radio" name="when" value="recurring" prop:checked=move || when(kind.get()) == "recurring"
                            on:change=move |_| wiz.update("kind", |f| {
                                if !f.kind.is_recurring() {
                                    f.kind = CampaignKind::RecurringDaily;
                                }
                            }) />
                        <span class="choice-label">"Recurring"</span>
                        <span class="choice-hint">"Each run goes to the audience's leads it has not messaged yet."</span>
                    </label>
                </div>
            </fieldset>
            {show(move || kind.get().is_recurring(), move || view! {
                <div class="field">
                    <label for="campaign-repeat">"Repeats"</label>
                    <select id="campaign-repeat" name="repeat" prop:value=move || kind.get().as_str()
                        on:change=move |ev| {
                            if let Some(k) = CampaignKind::parse(&event_target_value(&ev)) {
                                wiz.update("kind", |f| f.kind = k);
                            }
                        }>
                        {[CampaignKind::RecurringDaily, CampaignKind::RecurringWeekly].into_iter().map(|k| view! {
                            <option value=k.as_str() selected=move || kind.get() == k>{k.label()}</option>
                        }).collect_view()}
                    </select>
                </div>
            }.into_any())}
            {show(move || kind.get().needs_start(), move || view! {
                <div class="field" class:field-invalid=move || wiz.error("start_at").is_some()>
                    <label for="campaign-start_at">{move || if kind.get().is_recurring() { "First run" } else { "Starts at" }}</label>
                    <input id="campaign-start_at" name="start_at" type="datetime-local" value=start.clone()
                        aria-describedby="campaign-start_at-error"
                        on:input=move |ev| {
                            let at = zone.with_value(|z| z.from_input(&event_target_value(&ev)));
                            wiz.update("start_at", |f| f.start_at = at);
                        } />
                    <p class="field-hint">{move || match kind.get() {
                        CampaignKind::RecurringWeekly => format!("Every week on this weekday at this time, {}.", zone.with_value(|z| z.name().to_owned())),
                        CampaignKind::RecurringDaily => format!("Every day at this time, {}.", zone.with_value(|z| z.name().to_owned())),
                        _ => format!("Time in {}; working hours still apply.", zone.with_value(|z| z.name().to_owned())),
                    }}</p>
                    <FieldErr wiz field="start_at" id="campaign-start_at-error".to_owned() />
                </div>
            }.into_any())}
            <fieldset class="field">
                <legend>"Notify me"</legend>
                <label class="radio">
                    <input type="checkbox" name="notify_email" checked={email && email_enabled}
                        disabled={!email_enabled}
                        aria-describedby={(!email_enabled).then_some("campaign-notify_email-hint")}
                        on:change=move |ev| { let on = event_target_checked(&ev); wiz.update("notify", |f| f.notify.email = on); } />
                    "By e-mail when it finishes or pauses itself"
                </label>
                {(!email_enabled).then(|| view! {
                    <p class="field-hint" id="campaign-notify_email-hint">
                        "E-mail is not set up on this server (no SMTP), so none would be sent; the bell and the webhook still tell you."
                    </p>
                })}
                <div class="field" class:field-invalid=move || wiz.error("webhook_url").is_some()>
                    <label for="campaign-webhook_url">"Webhook URL (optional)"</label>
                    <input id="campaign-webhook_url" name="webhook_url" type="url" inputmode="url" placeholder="https://example.com/hooks/leadloom"
                        value=webhook aria-describedby="campaign-webhook_url-error"
                        on:input=move |ev| {
                            let url = event_target_value(&ev);
                            let url = (!url.trim().is_empty()).then(|| url.trim().to_owned());
                            wiz.update("webhook_url", |f| f.notify.webhook_url = url);
                        } />
                    <p class="field-hint">"Receives a signed JSON POST; the signing key is shown on the campaign page."</p>
                    <FieldErr wiz field="webhook_url" id="campaign-webhook_url-error".to_owned() />
                </div>
            </fieldset>
            <section class="review" aria-labelledby="review-title" aria-busy=move || reviewing.get().to_string()>
                <h3 id="review-title">"Review"</h3>
                {move || match review.get() {
                    None => view! { <p class="muted">"Checking the campaign…"</p> }.into_any(),
                    Some(Err(e)) => {
                        let messages: Vec<String> = match &e.0 {
                            AppError::Validation(list) => list.iter().map(|e| e.message.clone()).collect(),
                            other => vec![other.to_string()],
                        };
                        view! {
                            <div class="alert alert-error" role="alert">
                                <p>"The review found problems:"</p>
                                <ul>{messages.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
                            </div>
                        }.into_any()
                    }
                    Some(Ok(r)) => view! { <ReviewView review=r wiz /> }.into_any(),
                }}
            </section>
            {(!can_launch).then(|| view! {
                <p class="muted">"Your role cannot launch campaigns: save the draft and ask an owner, an admin or a member to launch it."</p>
            })}
            {can_launch.then(|| view! {
                <div class="form-actions">
                    <button type="button" class="btn btn-primary btn-launch" on:click=launch
                        disabled=move || { launching.get() || saving.get() || reviewing.get() || !review_ok.get() }>
                        {move || if launching.get() { "Launching…" } else if kind.get().needs_start() { "Launch (schedule)" } else { "Launch" }}
                    </button>
                </div>
            })}
        </div>
    }
}

#[component]
fn ReviewView(review: LaunchReview, wiz: Wizard) -> impl IntoView {
    let a = review.audience;
    // From where the server's estimate starts: the start time when it is ahead, else now.
    let start = wiz
        .form
        .with_untracked(|f| f.start_at)
        .filter(|at| *at > now())
        .unwrap_or_else(now);
    let estimate = match review.estimate {
        Estimate::Finishes { at, sending_days } => {
            let days = if sending_days > 1 {
                format!(" over {sending_days} sending days")
            } else {
                String::new()
            };
            format!(
                "≈ {}, finishing {}{days}",
                duration_words((at - start).num_seconds()),
                workspace_zone().long(at)
            )
        }
        Estimate::CannotFinish(why) => why.message().to_owned(),
    };
    let cannot = matches!(review.estimate, Estimate::CannotFinish(_));
    let left_out = [
        ("opted out", a.opted_out),
        ("invalid phone", a.invalid_phone),
        ("not on WhatsApp", a.not_on_whatsapp),
        ("already messaged", a.already_messaged),
        ("duplicates", a.duplicates),
        ("not a lead's number", a.unmatched_numbers),
    ]
    .into_iter()
    .filter(|(_, n)| *n > 0)
    .map(|(label, n)| format!("{} {label}", grouped(n)))
    .collect::<Vec<_>>();
    view! {
        <dl class="facts review-facts">
            <dt>"Recipients"</dt>
            <dd class="review-recipients">
                <strong>{grouped(a.eligible)}</strong>
                {if left_out.is_empty() {
                    String::new()
                } else {
                    format!(" (left out: {})", left_out.join(", "))
                }}
            </dd>
            <dt>"Duration"</dt>
            <dd class="review-estimate" class:field-error=cannot>{estimate}</dd>
        </dl>
        <ul class="checklist">
            {review.checklist.into_iter().map(|item| view! {
                <li class:check-ok=item.ok class:check-fail=!item.ok class:check-advice=!item.required>
                    <span class="check-mark" aria-hidden="true">{if item.ok { "✓" } else { "✗" }}</span>
                    <span class="sr-only">{if item.ok { "Done: " } else if item.required { "Missing: " } else { "Advice: " }}</span>
                    {item.label}
                </li>
            }).collect_view()}
        </ul>
    }
}
