//! The inbox: conversations in which someone wrote to the workspace, newest reply first, with
//! the latest message and the replies nobody has opened yet. A conversation opens on its
//! lead's page, where the reply box answers one-to-one.

use super::use_shell;
use crate::api::resource::resource;
use crate::api::whatsapp::load_inbox;
use crate::pages::errors::ErrorPage;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use shared::whatsapp::InboxEntry;

#[component]
pub fn InboxPage() -> impl IntoView {
    let ctx = use_shell();
    let workspace = ctx.shell.workspace.id;
    let base = format!("/w/{}", ctx.shell.workspace.slug);
    let query = use_query_map();
    let unread_only = Memo::new(move |_| query.read().get("all").is_none());
    let inbox = resource(
        move || unread_only.get(),
        move |unread| load_inbox(workspace, unread),
    );
    let base = StoredValue::new(base);
    view! {
        <Title text="Inbox" />
        <div class="page-header">
            <h1>"Inbox"</h1>
            <nav class="tabs" aria-label="Which conversations">
                <a href=move || format!("{}/inbox", base.get_value()) class:active=move || unread_only.get()
                    aria-current=move || unread_only.get().then_some("page")>"Unread"</a>
                <a href=move || format!("{}/inbox?all=1", base.get_value()) class:active=move || !unread_only.get()
                    aria-current=move || (!unread_only.get()).then_some("page")>"All conversations"</a>
            </nav>
        </div>
        <Transition fallback=|| view! { <p class="loading">"Loading conversations…"</p> }>
            {move || Suspend::new(async move {
                match inbox.await {
                    Ok(entries) if entries.is_empty() => view! {
                        <div class="card empty">
                            <p>{if unread_only.get_untracked() { "No unread replies." } else { "No one has written yet." }}</p>
                            <p class="muted">"Replies to your messages arrive here and on each lead's page."</p>
                        </div>
                    }.into_any(),
                    Ok(entries) => view! {
                        <ul class="inbox card">
                            {entries.into_iter().map(|e| entry(e, &base.get_value())).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <ErrorPage error=e /> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn entry(e: InboxEntry, base: &str) -> impl IntoView + use<> {
    let who = e.lead_name.clone().unwrap_or_else(|| e.peer_phone.clone());
    let unread = e.unread;
    let has_unread = unread > 0;
    let preview = if e.last_inbound {
        e.last_body.clone()
    } else {
        format!("You: {}", e.last_body)
    };
    let body = view! {
        <div class="inbox-who">
            <strong>{who}</strong>
            <span class="muted small">{e.peer_phone.clone()}</span>
        </div>
        <p class="inbox-preview">{preview}</p>
        <div class="inbox-meta">
            <time datetime=e.last_at.to_rfc3339()>{shared::dates::day_month_time(&e.last_at)}</time>
            {(unread > 0).then(|| view! {
                <span class="unread-count" aria-label=format!("{unread} unread")>{unread}</span>
            })}
        </div>
    };
    match e.lead_id {
        Some(id) => view! {
            <li class="inbox-entry" class:unread=has_unread>
                <a class="inbox-link" href=format!("{base}/leads/{id}")>{body}</a>
            </li>
        }
        .into_any(),
        None => view! {
            <li class="inbox-entry" class:unread=has_unread>
                <div class="inbox-link" title="This number is not one of your leads.">{body}</div>
            </li>
        }
        .into_any(),
    }
}
