//! Workspace settings: name, slug, time zone, branding (colour and logo), default country,
//! default daily send limits, working hours and days, opt-out keywords and confirmation, and
//! the plan with its limits.

use super::use_shell;
use crate::api::ApiError;
use crate::api::resource::resource;
use crate::api::whatsapp::{load_opt_out_settings, update_opt_out_settings};
use crate::api::workspace::{
    FormChoices, SaveSettings, SetPlan, form_options, load_settings, plans, save_settings,
};
use crate::components::effect::effect;
use crate::components::form::FlatActionForm;
use crate::components::toast::use_toaster;
use crate::pages::errors::ErrorPage;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};
use shared::plans::{PlanDto, format_limit};
use shared::whatsapp::{MAX_OPT_OUT_REPLY_CHARS, OptOutSettings};
use shared::workspaces::{Permission, UpdateSettings, WorkingDays, WorkspaceSettings};

#[component]
pub fn SettingsPage() -> impl IntoView {
    let ctx = use_shell();
    let workspace = ctx.shell.workspace.id;
    // One resource for the page's four server functions: none is loaded again on its own, and
    // each resource is a copy of the async machinery in the page's wasm (docs/benchmarks.md,
    // "One resource per page").
    let data = resource(
        move || workspace,
        |workspace| async move {
            Ok::<_, ApiError>((
                load_settings(workspace).await?,
                form_options().await?,
                plans().await?,
                load_opt_out_settings(workspace).await?,
            ))
        },
    );
    let can_edit = ctx.shell.can(Permission::SettingsManage);
    let is_admin = ctx.shell.user.is_platform_admin;
    view! {
        <Title text="Settings" />
        <div class="page-header">
            <h1>{if can_edit { "Settings" } else { "Workspace" }}</h1>
        </div>
        <Suspense fallback=|| view! { <p class="loading">"Loading settings…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((settings, choices, plans, opt_out)) => view! {
                        <SettingsForm settings=settings.clone() choices can_edit />
                        <LogoForm settings=settings.clone() can_edit />
                        <OptOutForm workspace opt_out can_edit />
                        <PlanSection settings plans is_admin />
                    }.into_any(),
                    Err(e) => view! { <ErrorPage error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The settings form's save. Saving happens on a click, never while the page hydrates, so
/// the server function's client (its arguments' encoding, the request, the reply's decoding)
/// is a lazy split fetched on the first save (docs/benchmarks.md, "Server calls made on a
/// click").
#[lazy]
async fn save_later(input: SaveSettings) -> Result<WorkspaceSettings, ApiError> {
    save_settings(input.workspace, input.form).await
}

/// The opt-out form's save, a lazy split for the same reason as [`save_later`].
#[lazy]
async fn save_opt_out_later(
    workspace: uuid::Uuid,
    form: OptOutSettings,
) -> Result<OptOutSettings, ApiError> {
    update_opt_out_settings(workspace, form).await
}

#[component]
fn SettingsForm(
    settings: WorkspaceSettings,
    choices: FormChoices,
    can_edit: bool,
) -> impl IntoView {
    let ctx = use_shell();
    let toaster = use_toaster();
    let navigate = use_navigate();
    let workspace = settings.id;
    let old_slug = settings.slug.clone();

    let name = RwSignal::new(settings.name.clone());
    let slug = RwSignal::new(settings.slug.clone());
    let timezone = RwSignal::new(settings.timezone.clone());
    let colour = RwSignal::new(settings.brand_colour.clone());
    let country = RwSignal::new(settings.default_country.clone());
    let new_limit = RwSignal::new(settings.daily_limit_new_sender.to_string());
    let warmed_limit = RwSignal::new(settings.daily_limit_warmed_sender.to_string());
    let start = RwSignal::new(settings.working_hours_start.clone());
    let end = RwSignal::new(settings.working_hours_end.clone());
    let days = RwSignal::new(settings.working_days);

    let save = Action::new(|input: &SaveSettings| save_later(input.clone()));
    let result = save.value();
    let error = move |field: &'static str| {
        move || {
            result.with(|r| {
                r.as_ref()
                    .and_then(|r| r.as_ref().err())
                    .and_then(|e| e.field_message(field))
            })
        }
    };
    effect(move || match result.get() {
        Some(Ok(saved)) => {
            toaster.success("Settings saved.");
            if saved.slug != old_slug {
                navigate(&format!("/w/{}/settings", saved.slug), Default::default());
            } else {
                ctx.reload.run(());
            }
        }
        Some(Err(e)) => toaster.error(e.to_string()),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let days = days.get();
        save.dispatch(SaveSettings {
            workspace,
            form: UpdateSettings {
                name: name.get(),
                slug: slug.get(),
                timezone: timezone.get(),
                brand_colour: colour.get(),
                default_country: country.get(),
                daily_limit_new_sender: new_limit.get(),
                daily_limit_warmed_sender: warmed_limit.get(),
                working_hours_start: start.get(),
                working_hours_end: end.get(),
                working_days: (0..7).filter(|d| days.contains(*d)).collect(),
            },
        });
    };

    let text = move |id: &'static str,
                     label: &'static str,
                     kind: &'static str,
                     value: RwSignal<String>,
                     hint: &'static str| {
        let err = error(id);
        view! {
            <div class="field" class:field-invalid=move || err().is_some()>
                <label for=format!("s-{id}")>{label}</label>
                <input id=format!("s-{id}") name=id type=kind prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                    aria-describedby=format!("s-{id}-error") />
                {(!hint.is_empty()).then(|| view! { <p class="field-hint">{hint}</p> })}
                <p class="field-error" id=format!("s-{id}-error")>{err}</p>
            </div>
        }
    };

    view! {
        <form class="card form settings-form" on:submit=submit novalidate>
            <fieldset disabled=!can_edit>
                <h2>"General"</h2>
                <div class="grid-2">
                    {text("name", "Workspace name", "text", name, "")}
                    {text("slug", "Slug", "text", slug, "Changing it changes your workspace's address.")}
                </div>
                <div class="grid-2">
                    <div class="field">
                        <label for="s-timezone">"Time zone"</label>
                        <select id="s-timezone" name="timezone" on:change=move |ev| timezone.set(event_target_value(&ev))>
                            {choices.timezones.into_iter().map(|z| {
                                let selected = z == settings.timezone;
                                view! { <option value=z.clone() selected=selected>{z.replace('_', " ")}</option> }
                            }).collect_view()}
                        </select>
                        <p class="field-error">{error("timezone")}</p>
                    </div>
                    <div class="field">
                        <label for="s-country">"Default country for phone numbers"</label>
                        <select id="s-country" name="default_country" on:change=move |ev| country.set(event_target_value(&ev))>
                            {choices.countries.into_iter().map(|(code, label)| {
                                let selected = code == settings.default_country;
                                view! { <option value=code.clone() selected=selected>{format!("{label} ({code})")}</option> }
                            }).collect_view()}
                        </select>
                        <p class="field-hint">"Used for numbers written without a country code."</p>
                        <p class="field-error">{error("default_country")}</p>
                    </div>
                </div>
                <h2>"Branding"</h2>
                <div class="field field-inline">
                    <label for="s-colour">"Brand colour"</label>
                    <input id="s-colour" type="color" prop:value=move || colour.get()
                        on:input=move |ev| colour.set(event_target_value(&ev)) />
                    <code>{move || colour.get()}</code>
                    <p class="field-error">{error("brand_colour")}</p>
                </div>
                <h2>"Sending"</h2>
                <div class="grid-2">
                    {text("daily_limit_new_sender", "Daily limit, new sender numbers", "number", new_limit, "Messages a day for numbers still warming up.")}
                    {text("daily_limit_warmed_sender", "Daily limit, warmed-up numbers", "number", warmed_limit, "Messages a day once a number is established.")}
                </div>
                <div class="grid-2">
                    {text("working_hours_start", "Working hours start", "time", start, "")}
                    {text("working_hours_end", "Working hours end", "time", end, "")}
                </div>
                <fieldset class="field days">
                    <legend>"Working days"</legend>
                    <div class="day-list">
                        {WorkingDays::NAMES.iter().enumerate().map(|(i, day)| view! {
                            <label class="day">
                                <input type="checkbox" prop:checked=move || days.get().contains(i)
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        days.update(|d| *d = WorkingDays(if on { d.0 | (1 << i) } else { d.0 & !(1 << i) }));
                                    } />
                                {*day}
                            </label>
                        }).collect_view()}
                    </div>
                    <p class="field-error">{error("working_days")}</p>
                </fieldset>
            </fieldset>
            {can_edit.then(|| view! {
                <div class="form-actions">
                    <button type="submit" class="btn btn-primary" disabled=move || save.pending().get()>
                        {move || if save.pending().get() { "Saving…" } else { "Save settings" }}
                    </button>
                </div>
            })}
        </form>
    }
}

#[component]
fn LogoForm(settings: WorkspaceSettings, can_edit: bool) -> impl IntoView {
    let query = use_query_map();
    let toaster = use_toaster();
    // The upload is a plain multipart form; the server redirects back with the outcome.
    effect(move || {
        let q = query.read();
        if let Some(error) = q.get("logo_error") {
            toaster.error(error);
        } else if q.get("logo").as_deref() == Some("saved") {
            toaster.success("Logo updated.");
        }
    });
    let slug = settings.slug.clone();
    view! {
        <section class="card">
            <h2>"Logo"</h2>
            <div class="logo-row">
                {if settings.has_logo {
                    view! { <img class="logo-preview" src=format!("/w/{slug}/logo") alt="Current logo" width="64" height="64" /> }.into_any()
                } else {
                    view! { <span class="logo-preview logo-empty">"No logo"</span> }.into_any()
                }}
                {can_edit.then(|| view! {
                    <form method="post" enctype="multipart/form-data" action=format!("/w/{slug}/settings/logo") class="logo-form">
                        <label for="logo-file">"Upload a logo"</label>
                        <input id="logo-file" type="file" name="logo" accept="image/png,image/jpeg,image/webp" required />
                        <p class="field-hint">"PNG, JPEG or WebP, at most 256 KB."</p>
                        <button type="submit" class="btn">"Upload"</button>
                    </form>
                })}
            </div>
        </section>
    }
}

#[component]
fn PlanSection(settings: WorkspaceSettings, plans: Vec<PlanDto>, is_admin: bool) -> impl IntoView {
    let current = settings.plan.code.clone();
    let slug = settings.slug.clone();
    let set_plan = ServerAction::<SetPlan>::new();
    let toaster = use_toaster();
    let ctx = use_shell();
    effect(move || match set_plan.value().get() {
        Some(Ok(())) => {
            toaster.success("Plan changed.");
            ctx.reload.run(());
        }
        Some(Err(e)) => toaster.error(e.to_string()),
        None => {}
    });
    view! {
        <section class="card" id="plan">
            <h2>"Plan"</h2>
            <p>"This workspace is on the " <strong>{settings.plan.name.clone()}</strong> " plan."</p>
            <div class="table-wrap">
                <table class="table plans">
                    <thead>
                        <tr>
                            <th scope="col">"Plan"</th>
                            <th scope="col">"Price / month"</th>
                            <th scope="col">"Leads"</th>
                            <th scope="col">"Messages / day"</th>
                            <th scope="col">"Sender numbers"</th>
                            <th scope="col">"Members"</th>
                            <th scope="col">"API access"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {plans.into_iter().map(|p| {
                            let is_current = p.code == current;
                            view! {
                                <tr class:current=is_current>
                                    <th scope="row">{p.name.clone()} {is_current.then(|| view! { <span class="badge">"Current"</span> })}</th>
                                    <td>{p.monthly_price_usd.map(|d| format!("${d}")).unwrap_or_else(|| "Custom".into())}</td>
                                    <td>{format_limit(p.max_leads)}</td>
                                    <td>{format_limit(p.max_messages_per_day)}</td>
                                    <td>{format_limit(p.max_senders)}</td>
                                    <td>{format_limit(p.max_members)}</td>
                                    <td>{if p.api_access { "Yes" } else { "No" }}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            {is_admin.then(|| view! {
                <FlatActionForm action=set_plan attr:class="form form-inline">
                    <input type="hidden" name="slug" value=slug.clone() />
                    <label for="plan-select">"Platform admin: move this workspace to"</label>
                    <select id="plan-select" name="plan">
                        <option value="free">"Free"</option>
                        <option value="starter">"Starter"</option>
                        <option value="pro">"Pro"</option>
                        <option value="enterprise">"Enterprise"</option>
                    </select>
                    <button type="submit" class="btn">"Change plan"</button>
                </FlatActionForm>
            })}
        </section>
    }
}

/// Opt-out keywords (one per line) and the optional confirmation sent to a lead who opts out.
#[component]
fn OptOutForm(workspace: uuid::Uuid, opt_out: OptOutSettings, can_edit: bool) -> impl IntoView {
    let toaster = use_toaster();
    let keywords = RwSignal::new(opt_out.keywords);
    let reply = RwSignal::new(opt_out.reply);
    let errors = RwSignal::new((None::<String>, None::<String>));
    let saving = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = OptOutSettings {
            keywords: keywords.get_untracked(),
            reply: reply.get_untracked(),
        };
        saving.set(true);
        leptos::task::spawn_local(async move {
            match save_opt_out_later(workspace, form).await {
                Ok(saved) => {
                    keywords.set(saved.keywords);
                    reply.set(saved.reply);
                    errors.set((None, None));
                    toaster.success("Opt-out settings saved.");
                }
                Err(e) => {
                    let found = (e.field_message("keywords"), e.field_message("reply"));
                    if found == (None, None) {
                        toaster.error(e.to_string());
                    }
                    errors.set(found);
                }
            }
            saving.set(false);
        });
    };
    view! {
        <section class="card" aria-labelledby="opt-out-title">
            <h2 id="opt-out-title">"Opt-outs"</h2>
            <p class="muted">"A reply that is exactly one of these words (in any case, with or without accents and punctuation) opts the lead out: LeadLoom never messages them again."</p>
            <form on:submit=submit>
                <div class="form-grid">
                    <div class="field">
                        <label for="opt-out-keywords">"Keywords, one per line (blank: the defaults)"</label>
                        <textarea id="opt-out-keywords" name="keywords" rows="6" disabled=!can_edit
                            prop:value=move || keywords.get() on:input=move |ev| keywords.set(event_target_value(&ev))></textarea>
                        {move || errors.get().0.map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
                    </div>
                    <div class="field">
                        <label for="opt-out-reply">"Confirmation sent once (blank: none)"</label>
                        <textarea id="opt-out-reply" name="reply" rows="6" maxlength=MAX_OPT_OUT_REPLY_CHARS.to_string() disabled=!can_edit
                            placeholder="You will not receive more messages from us."
                            prop:value=move || reply.get() on:input=move |ev| reply.set(event_target_value(&ev))></textarea>
                        {move || errors.get().1.map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
                    </div>
                </div>
                {can_edit.then(|| view! {
                    <div class="form-actions">
                        <button type="submit" class="btn btn-primary" disabled=move || saving.get()>"Save opt-out settings"</button>
                    </div>
                })}
            </form>
        </section>
    }
}
