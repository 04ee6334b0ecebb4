//! Senders: the workspace's WhatsApp numbers with their connection (🟢/🔴), today's count
//! against the warm-up cap, recent failures and pause state; owners and admins add, edit,
//! pause and remove them, anyone who may send checks status and sends a test message.

use super::use_shell;
use crate::api::resource::resource;
use crate::api::whatsapp::{
    add_sender, delete_sender, load_senders, pause_sender, refresh_sender, test_sender,
    update_sender,
};
use crate::components::confirm::ConfirmDialog;
use crate::components::show::show;
use crate::components::toast::use_toaster;
use crate::pages::errors::ErrorPage;
use leptos::prelude::*;
use leptos_meta::Title;
use shared::whatsapp::{ProviderKind, SenderCreated, SenderDto, SenderInput, Warmup};
use shared::workspaces::Permission;
use uuid::Uuid;

/// The fields of the add/edit form that may carry an error.
const FIELDS: [&str; 8] = [
    "name",
    "provider",
    "display_number",
    "base_url",
    "account_ref",
    "secret",
    "app_secret",
    "daily_cap",
];

#[component]
pub fn SendersPage() -> impl IntoView {
    let ctx = use_shell();
    let workspace = ctx.shell.workspace.id;
    let can_manage = ctx.shell.can(Permission::SettingsManage);
    let can_send = ctx.shell.can(Permission::Send);
    let refresh = RwSignal::new(0u32);
    let senders = resource(move || refresh.get(), move |_| load_senders(workspace));
    let editing = RwSignal::new(None::<Option<SenderDto>>);
    let created = RwSignal::new(None::<SenderCreated>);
    let reload = Callback::new(move |()| refresh.update(|n| *n += 1));

    view! {
        <Title text="Senders" />
        <div class="page-header">
            <h1>"Senders"</h1>
            {can_manage.then(|| view! {
                <div class="header-actions">
                    <button type="button" class="btn btn-primary" on:click=move |_| {
                        created.set(None);
                        editing.set(Some(None));
                    }>"Add sender"</button>
                </div>
            })}
        </div>
        <p class="muted">"The WhatsApp numbers this workspace sends from. New numbers start with a low daily cap and warm up; LeadLoom pauses a number the moment its provider refuses the credentials or signals a restriction."</p>
        {move || created.get().map(|c| view! { <CreatedNotice created=c on_close=Callback::new(move |()| created.set(None)) /> })}
        {move || editing.get().map(|existing| {
            let parts = SenderFormParts {
                workspace,
                existing,
                on_done: Callback::new(move |result: Option<SenderCreated>| {
                    if let Some(c) = result {
                        created.set(Some(c));
                    }
                    reload.run(());
                    // Last: closing the form disposes the form, and this callback with it.
                    editing.set(None);
                }),
                on_cancel: Callback::new(move |()| editing.set(None)),
            };
            view! {
                <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {Suspend::new(sender_form(parts))}
                </Suspense>
            }
        })}
        <Transition fallback=|| view! { <p class="loading">"Loading senders…"</p> }>
            {move || Suspend::new(async move {
                match senders.await {
                    Ok(list) if list.is_empty() => view! {
                        <div class="card empty">
                            <p>"No sender yet."</p>
                            <p class="muted">{if can_manage {
                                "Add the number you will send from: a session gateway (such as the built-in simulator at http://127.0.0.1:3100, key simulator-key) or the WhatsApp Cloud API."
                            } else {
                                "An owner or admin adds the workspace's numbers."
                            }}</p>
                        </div>
                    }.into_any(),
                    Ok(list) => view! {
                        <ul class="sender-list">
                            {list.into_iter().map(|s| view! {
                                <SenderCard workspace=workspace sender=s can_manage=can_manage can_send=can_send
                                    on_edit=Callback::new(move |s: SenderDto| { created.set(None); editing.set(Some(Some(s))); })
                                    on_change=reload />
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <ErrorPage error=e /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Shown once after adding a sender: where the provider must post its webhooks.
#[component]
fn CreatedNotice(created: SenderCreated, on_close: Callback<()>) -> impl IntoView {
    let s = created.sender;
    let secret_label = match s.provider {
        ProviderKind::SessionGateway => "Webhook secret (signs X-Webhook-Signature)",
        ProviderKind::CloudApi => "Verify token",
    };
    let note = match (s.provider, s.webhook_registered) {
        (ProviderKind::SessionGateway, true) => {
            "The gateway accepted the webhook: delivery and read receipts and replies will arrive on their own. Keep these for your records; the secret is not shown again."
        }
        (ProviderKind::SessionGateway, false) => {
            "This gateway does not register webhooks itself: set this URL and secret in its settings so receipts and replies arrive. The secret is not shown again."
        }
        (ProviderKind::CloudApi, _) => {
            "In your Meta app's WhatsApp configuration, set this callback URL and verify token and subscribe to “messages”. The token is not shown again."
        }
    };
    view! {
        <section class="card notice" role="status">
            <h2>{format!("{} added", s.name)}</h2>
            <p>{note}</p>
            <dl class="facts">
                <dt>"Webhook URL"</dt><dd><code class="copyable">{s.webhook_url}</code></dd>
                <dt>{secret_label}</dt><dd><code class="copyable">{created.webhook_secret}</code></dd>
            </dl>
            <button type="button" class="btn" on:click=move |_| on_close.run(())>"Done"</button>
        </section>
    }
}

/// What the add/edit form is made from, handed as one value through its lazy split.
struct SenderFormParts {
    workspace: Uuid,
    existing: Option<SenderDto>,
    on_done: Callback<Option<SenderCreated>>,
    on_cancel: Callback<()>,
}

/// The add/edit form, a lazy split fetched when "Add sender" or "Edit" is first clicked: it is
/// never on the page the server renders, so hydrating never needs it (docs/benchmarks.md,
/// "Forms that open on a click").
#[lazy]
fn sender_form(parts: SenderFormParts) -> AnyView {
    let SenderFormParts {
        workspace,
        existing,
        on_done,
        on_cancel,
    } = parts;
    view! { <SenderForm workspace existing on_done on_cancel /> }.into_any()
}

#[component]
fn SenderForm(
    workspace: Uuid,
    existing: Option<SenderDto>,
    on_done: Callback<Option<SenderCreated>>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let toaster = use_toaster();
    let editing_id = existing.as_ref().map(|s| s.id);
    let initial = existing.as_ref();
    let text = |f: fn(&SenderDto) -> String, default: &str| {
        RwSignal::new(initial.map(f).unwrap_or_else(|| default.to_owned()))
    };
    let name = text(|s| s.name.clone(), "");
    let provider = text(
        |s| s.provider.as_str().to_owned(),
        ProviderKind::SessionGateway.as_str(),
    );
    let number = text(|s| s.display_number.clone(), "");
    let base_url = text(|s| s.base_url.clone(), "");
    let account_ref = text(|s| s.account_ref.clone(), "");
    let warmup = text(|s| s.warmup.as_str().to_owned(), Warmup::New.as_str());
    let daily_cap = text(
        |s| {
            s.daily_cap_override
                .map(|c| c.to_string())
                .unwrap_or_default()
        },
        "",
    );
    let secret = RwSignal::new(String::new());
    let app_secret = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<(String, String)>::new());
    let saving = RwSignal::new(false);
    let is_cloud = move || provider.get() == ProviderKind::CloudApi.as_str();
    let error_of = move |field: &'static str| {
        move || {
            errors
                .get()
                .into_iter()
                .find(|(f, _)| f == field)
                .map(|(_, m)| view! { <p class="field-error" role="alert">{m}</p> })
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = SenderInput {
            name: name.get_untracked(),
            provider: provider.get_untracked(),
            display_number: number.get_untracked(),
            base_url: base_url.get_untracked(),
            account_ref: account_ref.get_untracked(),
            secret: secret.get_untracked(),
            app_secret: app_secret.get_untracked(),
            warmup: warmup.get_untracked(),
            daily_cap: daily_cap.get_untracked(),
        };
        saving.set(true);
        leptos::task::spawn_local(async move {
            let outcome = match editing_id {
                Some(id) => update_sender(workspace, id, input).await.map(|s| {
                    toaster.success(format!("{} saved.", s.name));
                    None
                }),
                None => add_sender(workspace, input).await.map(|c| {
                    toaster.success(format!("{} added.", c.sender.name));
                    Some(c)
                }),
            };
            saving.set(false);
            match outcome {
                Ok(created) => on_done.run(created),
                Err(e) => {
                    let found: Vec<(String, String)> = FIELDS
                        .iter()
                        .filter_map(|f| e.field_message(f).map(|m| ((*f).to_owned(), m)))
                        .collect();
                    if found.is_empty() {
                        toaster.error(e.to_string());
                    }
                    errors.set(found);
                }
            }
        });
    };
    let title = if editing_id.is_some() {
        "Edit sender"
    } else {
        "Add a sender"
    };
    let keep_hint = editing_id
        .is_some()
        .then_some("Leave blank to keep the saved one.");
    view! {
        <section class="card sender-form">
            <h2>{title}</h2>
            <form on:submit=submit novalidate>
                <div class="form-grid">
                    <div class="field">
                        <label for="sender-provider">"Provider"</label>
                        <select id="sender-provider" name="provider" disabled=editing_id.is_some()
                            on:change=move |ev| provider.set(event_target_value(&ev))
                            prop:value=move || provider.get()>
                            {ProviderKind::ALL.into_iter().map(|k| view! {
                                <option value=k.as_str()>{k.label()}</option>
                            }).collect_view()}
                        </select>
                        {error_of("provider")}
                    </div>
                    <div class="field">
                        <label for="sender-name">"Name"</label>
                        <input id="sender-name" name="name" maxlength="80" placeholder="Sales line" prop:value=move || name.get()
                            on:input=move |ev| name.set(event_target_value(&ev)) />
                        {error_of("name")}
                    </div>
                    <div class="field">
                        <label for="sender-display_number">"WhatsApp number"</label>
                        <input id="sender-display_number" name="display_number" type="tel" inputmode="tel" placeholder="+254 712 345 678"
                            prop:value=move || number.get() on:input=move |ev| number.set(event_target_value(&ev)) />
                        {error_of("display_number")}
                    </div>
                    <div class="field">
                        <label for="sender-base_url">{move || if is_cloud() { "API base URL (optional)" } else { "Gateway URL" }}</label>
                        <input id="sender-base_url" name="base_url" type="url" inputmode="url"
                            placeholder=move || if is_cloud() { "https://graph.facebook.com" } else { "https://gateway.example.com" }
                            prop:value=move || base_url.get() on:input=move |ev| base_url.set(event_target_value(&ev)) />
                        {error_of("base_url")}
                    </div>
                    <div class="field">
                        <label for="sender-account_ref">{move || if is_cloud() { "Phone-number id" } else { "Session id" }}</label>
                        <input id="sender-account_ref" name="account_ref" maxlength="120" prop:value=move || account_ref.get()
                            on:input=move |ev| account_ref.set(event_target_value(&ev)) />
                        {error_of("account_ref")}
                    </div>
                    <div class="field">
                        <label for="sender-secret">{move || if is_cloud() { "Access token" } else { "API key" }}</label>
                        <input id="sender-secret" name="secret" type="password" autocomplete="off" placeholder=keep_hint.unwrap_or("")
                            prop:value=move || secret.get() on:input=move |ev| secret.set(event_target_value(&ev)) />
                        {error_of("secret")}
                    </div>
                    {show(is_cloud, move || view! {
                        <div class="field">
                            <label for="sender-app_secret">"App secret (checks webhook signatures)"</label>
                            <input id="sender-app_secret" name="app_secret" type="password" autocomplete="off" placeholder=keep_hint.unwrap_or("")
                                prop:value=move || app_secret.get() on:input=move |ev| app_secret.set(event_target_value(&ev)) />
                            {error_of("app_secret")}
                        </div>
                    }.into_any())}
                    <div class="field">
                        <label for="sender-warmup">"Warm-up"</label>
                        <select id="sender-warmup" name="warmup" on:change=move |ev| warmup.set(event_target_value(&ev))
                            prop:value=move || warmup.get()>
                            {[Warmup::New, Warmup::Warmed].into_iter().map(|w| view! {
                                <option value=w.as_str()>{w.label()}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="sender-daily_cap">"Daily cap (blank: the workspace default)"</label>
                        <input id="sender-daily_cap" name="daily_cap" type="number" min="1" max="5000" inputmode="numeric"
                            prop:value=move || daily_cap.get() on:input=move |ev| daily_cap.set(event_target_value(&ev)) />
                        {error_of("daily_cap")}
                    </div>
                </div>
                <div class="form-actions">
                    <button type="button" class="btn" on:click=move |_| on_cancel.run(())>"Cancel"</button>
                    <button type="submit" class="btn btn-primary" disabled=move || saving.get()>
                        {move || if saving.get() { "Connecting…" } else if editing_id.is_some() { "Save" } else { "Add sender" }}
                    </button>
                </div>
            </form>
        </section>
    }
}

#[component]
fn SenderCard(
    workspace: Uuid,
    sender: SenderDto,
    can_manage: bool,
    can_send: bool,
    on_edit: Callback<SenderDto>,
    on_change: Callback<()>,
) -> impl IntoView {
    let toaster = use_toaster();
    let id = sender.id;
    let state = RwSignal::new(sender);
    let busy = RwSignal::new(false);
    let test_to = RwSignal::new(String::new());
    let confirm = RwSignal::new(false);
    let run = move |label: &'static str,
                    call: std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<SenderDto, crate::api::ApiError>>>,
    >| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            match call.await {
                Ok(updated) => {
                    toaster.success(format!("{}: {}.", updated.name, label));
                    state.set(updated);
                }
                Err(e) => toaster.error(e.to_string()),
            }
            busy.set(false);
        });
    };
    let send_test = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let to = test_to.get_untracked();
        busy.set(true);
        leptos::task::spawn_local(async move {
            match test_sender(workspace, id, to).await {
                Ok(message) => toaster.success(message),
                Err(e) => toaster.error(e.field_message("to").unwrap_or_else(|| e.to_string())),
            }
            busy.set(false);
            on_change.run(());
        });
    };
    let remove = Callback::new(move |()| {
        leptos::task::spawn_local(async move {
            match delete_sender(workspace, id).await {
                Ok(()) => {
                    toaster.success("Sender removed.");
                    on_change.run(());
                }
                Err(e) => toaster.error(e.to_string()),
            }
        });
    });
    view! {
        <li class="card sender" class:paused=move || state.with(|s| s.paused_reason.is_some())>
            {move || {
                let s = state.get();
                let dot = match (s.paused_reason.is_some(), s.connected) {
                    (true, _) => "status-dot paused",
                    (false, Some(true)) => "status-dot up",
                    (false, Some(false)) => "status-dot down",
                    (false, None) => "status-dot unknown",
                };
                let used = (s.sent_today * 100).checked_div(s.daily_cap).unwrap_or(100).min(100);
                view! {
                    <div class="sender-head">
                        <span class=dot aria-hidden="true"></span>
                        <div>
                            <h2>{s.name.clone()}</h2>
                            <p class="muted small">{format!("{} · {} · {}", s.display_number, s.provider.label(), s.warmup.label())}</p>
                        </div>
                        <span class="badge">{s.health_label()}</span>
                    </div>
                    {s.paused_reason.clone().map(|r| view! { <p class="alert alert-warning">{r}</p> })}
                    <div class="sender-today">
                        <span>{format!("Today: {} of {} messages", s.sent_today, s.daily_cap)}</span>
                        <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax=s.daily_cap aria-valuenow=s.sent_today
                            aria-label="Messages sent today">
                            <div class="progress-bar" style=format!("width: {used}%")></div>
                        </div>
                    </div>
                    <p class="muted small">
                        {if s.recent_sends == 0 {
                            "No sends yet.".to_owned()
                        } else {
                            format!("{} of the last {} sends failed.", s.recent_failures, s.recent_sends)
                        }}
                        " "
                        {s.status_checked_at.map(|at| format!(
                            // An absolute time: the clock is not read in the browser's wasm.
                            "Status {} at {}.",
                            s.status_detail.clone().unwrap_or_default(),
                            super::campaigns::workspace_zone().long(at)
                        ))}
                    </p>
                }
            }}
            <div class="sender-actions">
                <button type="button" class="btn btn-small" disabled=move || busy.get()
                    on:click=move |_| run("status checked", Box::pin(refresh_sender(workspace, id)))>"Check status"</button>
                {can_manage.then(|| view! {
                    <button type="button" class="btn btn-small" on:click=move |_| on_edit.run(state.get_untracked())>"Edit"</button>
                    <button type="button" class="btn btn-small" disabled=move || busy.get()
                        on:click=move |_| {
                            let paused = state.with_untracked(|s| s.paused_reason.is_none());
                            run(if paused { "paused" } else { "resumed" }, Box::pin(pause_sender(workspace, id, paused)));
                        }>
                        {move || if state.with(|s| s.paused_reason.is_some()) { "Resume" } else { "Pause" }}
                    </button>
                    <button type="button" class="btn btn-small btn-danger" on:click=move |_| confirm.set(true)>"Remove"</button>
                })}
            </div>
            {can_send.then(|| view! {
                <form class="inline-form test-form" on:submit=send_test>
                    <label for=format!("test-{id}")>"Send a test message to"</label>
                    <input id=format!("test-{id}") name="to" type="tel" inputmode="tel" placeholder="+254 712 345 678"
                        prop:value=move || test_to.get() on:input=move |ev| test_to.set(event_target_value(&ev)) />
                    <button type="submit" class="btn btn-small" disabled=move || busy.get()>"Send test"</button>
                </form>
            })}
            <ConfirmDialog open=confirm
                title=Signal::derive(move || format!("Remove {}?", state.with(|s| s.name.clone())))
                message=Signal::derive(|| "Its messages stay in the conversations; nothing is sent from this number again.".to_owned())
                confirm_label="Remove" on_confirm=remove />
        </li>
    }
}
