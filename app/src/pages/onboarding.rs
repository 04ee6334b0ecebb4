//! Onboarding: three steps (name and slug, time zone, use case) that create a workspace. The
//! answers live in signals, so going back keeps them; the slug is checked before step 2.

use crate::api::account::whoami;
use crate::api::resource::resource;
use crate::api::workspace::{CheckSlug, CreateWorkspace, form_options};
use crate::components::effect::effect;
use crate::components::form::FormAlert;
use crate::components::show::show;
use crate::pages::auth::AuthCard;
use crate::pages::errors::ErrorPage;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_navigate;
use shared::workspaces::UseCase;

#[component]
pub fn OnboardingPage() -> impl IntoView {
    let user = resource(|| (), |_| whoami());
    view! {
        <Title text="Set up your workspace" />
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(user)) => view! { <Wizard first=user.workspaces.is_empty() /> }.into_any(),
                    Ok(None) => view! { <Redirect path="/login?next=/onboarding" /> }.into_any(),
                    Err(e) => view! { <ErrorPage error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[cfg(feature = "hydrate")]
fn browser_timezone() -> Option<String> {
    let format = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new());
    js_sys::Reflect::get(&format.resolved_options(), &"timeZone".into())
        .ok()?
        .as_string()
}

#[component]
fn Wizard(first: bool) -> impl IntoView {
    let step = RwSignal::new(1u8);
    let name = RwSignal::new(String::new());
    let slug = RwSignal::new(String::new());
    let slug_touched = RwSignal::new(false);
    let timezone = RwSignal::new("UTC".to_owned());
    let use_case = RwSignal::new(String::new());
    let name_error = RwSignal::new(None::<String>);
    let slug_error = RwSignal::new(None::<String>);
    let tz_error = RwSignal::new(None::<String>);
    let use_case_error = RwSignal::new(None::<String>);
    let form_message = RwSignal::new(None::<String>);

    #[cfg(feature = "hydrate")]
    effect(move || {
        if let Some(tz) = browser_timezone() {
            timezone.set(tz);
        }
    });

    let check = ServerAction::<CheckSlug>::new();
    let create = ServerAction::<CreateWorkspace>::new();
    let navigate = use_navigate();

    effect(move || match check.value().get() {
        Some(Ok(normalised)) => {
            slug.set(normalised);
            slug_error.set(None);
            step.set(2);
        }
        Some(Err(e)) => {
            slug_error.set(e.field_message("slug"));
            form_message.set(e.field_message("slug").is_none().then(|| e.to_string()));
        }
        None => {}
    });
    effect(move || match create.value().get() {
        Some(Ok(ws)) => navigate(&format!("/w/{}", ws.slug), Default::default()),
        Some(Err(e)) => {
            name_error.set(e.field_message("name"));
            slug_error.set(e.field_message("slug"));
            tz_error.set(e.field_message("timezone"));
            use_case_error.set(e.field_message("use_case"));
            if name_error.get_untracked().is_some() || slug_error.get_untracked().is_some() {
                step.set(1);
            } else if tz_error.get_untracked().is_some() {
                step.set(2);
            } else if use_case_error.get_untracked().is_none() {
                form_message.set(Some(e.to_string()));
            }
        }
        None => {}
    });

    let on_name = move |ev| {
        let value = event_target_value(&ev);
        if !slug_touched.get_untracked() {
            slug.set(shared::validate::slugify(&value));
        }
        name.set(value);
    };
    let step_one = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form_message.set(None);
        match shared::validate::required_text(
            &name.get(),
            "Workspace name",
            shared::validate::MAX_SHORT_TEXT,
        ) {
            Err(m) => name_error.set(Some(m)),
            Ok(_) => {
                name_error.set(None);
                check.dispatch(CheckSlug { slug: slug.get() });
            }
        }
    };
    let step_two = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        tz_error.set(None);
        step.set(3);
    };
    let finish = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if use_case.get().is_empty() {
            use_case_error.set(Some("Choose what you will use LeadLoom for.".into()));
            return;
        }
        use_case_error.set(None);
        create.dispatch(CreateWorkspace {
            name: name.get(),
            slug: slug.get(),
            timezone: timezone.get(),
            use_case: use_case.get(),
        });
    };

    let title = if first {
        "Set up your workspace"
    } else {
        "Create another workspace"
    };
    view! {
        <AuthCard title=title>
                <ol class="steps" aria-label="Progress">
                    {["Name", "Time zone", "Use case"]
                        .into_iter()
                        .enumerate()
                        .map(|(i, label)| {
                            let n = i as u8 + 1;
                            view! {
                                <li
                                    class=move || match step.get() {
                                        s if s > n => "step-done",
                                        s if s == n => "step-current",
                                        _ => "",
                                    }
                                    aria-current=move || (step.get() == n).then_some("step")
                                >
                                    <span class="step-number">{n}</span>
                                    {label}
                                </li>
                            }
                        })
                        .collect_view()}
                </ol>
                <FormAlert message=form_message />

                {show(move || step.get() == 1, move || view! {
                    <form class="form" on:submit=step_one novalidate>
                        <div class="field" class:field-invalid=move || name_error.get().is_some()>
                            <label for="ws-name">"Workspace name"</label>
                            <input id="ws-name" name="name" maxlength="120" autocomplete="organization"
                                prop:value=move || name.get() on:input=on_name
                                aria-invalid=move || name_error.get().is_some().to_string()
                                aria-describedby="ws-name-error" />
                            <p class="field-hint">"Usually your agency's or company's name."</p>
                            <p class="field-error" id="ws-name-error">{move || name_error.get()}</p>
                        </div>
                        <div class="field" class:field-invalid=move || slug_error.get().is_some()>
                            <label for="ws-slug">"Slug"</label>
                            <div class="input-prefix">
                                <span>"/w/"</span>
                                <input id="ws-slug" name="slug" maxlength="40"
                                    prop:value=move || slug.get()
                                    on:input=move |ev| {
                                        slug_touched.set(true);
                                        slug.set(event_target_value(&ev));
                                    }
                                    aria-invalid=move || slug_error.get().is_some().to_string()
                                    aria-describedby="ws-slug-error" />
                            </div>
                            <p class="field-hint">"Lower-case letters, digits and hyphens; part of your workspace's address."</p>
                            <p class="field-error" id="ws-slug-error">{move || slug_error.get()}</p>
                        </div>
                        <div class="form-actions">
                            <button type="submit" class="btn btn-primary" disabled=move || check.pending().get()>
                                {move || if check.pending().get() { "Checking…" } else { "Continue" }}
                            </button>
                        </div>
                    </form>
                }.into_any())}

                {show(move || step.get() == 2, move || view! {
                    <form class="form" on:submit=step_two novalidate>
                        <div class="field" class:field-invalid=move || tz_error.get().is_some()>
                            <label for="ws-timezone">"Time zone"</label>
                            <TimezoneSelect timezone />
                            <p class="field-hint">"Working hours and daily limits follow this zone."</p>
                            <p class="field-error" id="ws-timezone-error">{move || tz_error.get()}</p>
                        </div>
                        <div class="form-actions">
                            <button type="button" class="btn" on:click=move |_| step.set(1)>"Back"</button>
                            <button type="submit" class="btn btn-primary">"Continue"</button>
                        </div>
                    </form>
                }.into_any())}

                {show(move || step.get() == 3, move || view! {
                    <form class="form" on:submit=finish novalidate>
                        <fieldset class="field choice-group" class:field-invalid=move || use_case_error.get().is_some()>
                            <legend>"What will you use LeadLoom for?"</legend>
                            {UseCase::ALL.into_iter().map(|u| view! {
                                <label class="choice">
                                    // The name is the label alone; the hint describes it.
                                    <input type="radio" name="use_case" value=u.as_str()
                                        aria-label=u.label()
                                        aria-describedby=format!("hint-{}", u.as_str())
                                        prop:checked=move || use_case.get() == u.as_str()
                                        on:change=move |_| use_case.set(u.as_str().to_owned()) />
                                    <span class="choice-label">{u.label()}</span>
                                    <span class="choice-hint" id=format!("hint-{}", u.as_str())>{u.hint()}</span>
                                </label>
                            }).collect_view()}
                            <p class="field-error">{move || use_case_error.get()}</p>
                        </fieldset>
                        <div class="form-actions">
                            <button type="button" class="btn" on:click=move |_| step.set(2)>"Back"</button>
                            <button type="submit" class="btn btn-primary" disabled=move || create.pending().get()>
                                {move || if create.pending().get() { "Creating…" } else { "Finish" }}
                            </button>
                        </div>
                    </form>
                }.into_any())}
        </AuthCard>
    }
}

/// The time-zone list. Created only when step 2 shows (always in the browser), so its data is
/// fetched then rather than expected from the server-rendered page.
#[component]
fn TimezoneSelect(timezone: RwSignal<String>) -> impl IntoView {
    let options = resource(|| (), |_| form_options());
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading time zones…"</p> }>
            {move || Suspend::new(async move {
                let zones = options.await.map(|o| o.timezones).unwrap_or_default();
                view! {
                    <select id="ws-timezone" name="timezone"
                        on:change=move |ev| timezone.set(event_target_value(&ev))
                        aria-describedby="ws-timezone-error">
                        {zones.into_iter().map(|zone| {
                            let selected = { let zone = zone.clone(); move || timezone.get() == zone };
                            view! { <option value=zone.clone() selected=selected>{zone.replace('_', " ")}</option> }
                        }).collect_view()}
                    </select>
                }
            })}
        </Suspense>
    }
}
