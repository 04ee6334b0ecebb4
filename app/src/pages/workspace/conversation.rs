//! The lead page's WhatsApp card: the conversation with status ticks, and a reply box (template
//! picker, sender picker, live character counter, an attachment checked on upload) that sends
//! one-to-one.
//! Ticks move on their own while a sent message waits for its delivery and read receipts.

use super::use_shell;
use crate::api::ApiResult;
use crate::api::templates::render_template;
use crate::api::whatsapp::{load_conversation, send_message};
use crate::components::attachment::{AttachButton, AttachmentChip, AttachmentState};
use crate::components::effect::effect;
use crate::components::toast::use_toaster;
use leptos::prelude::*;
use shared::templates::RenderedTemplate;
use shared::whatsapp::{MAX_MESSAGE_CHARS, MessageDto, MessageStatus, ReplyChoices};
use uuid::Uuid;

/// How often, and how many times, the card re-reads the conversation after a send.
const RECEIPT_POLL_MS: u32 = 1500;
const RECEIPT_POLLS: u32 = 40;

fn awaiting_receipts(messages: &[MessageDto]) -> bool {
    messages.iter().any(|m| {
        !m.inbound
            && matches!(
                m.status,
                MessageStatus::Sending | MessageStatus::Sent | MessageStatus::Delivered
            )
    })
}

// The reply box's server calls happen on a click, never while the page hydrates, so their
// clients (the arguments' encoding, the request, the reply's decoding) are lazy splits fetched
// with the first (docs/benchmarks.md, "What runs only on a click").

#[lazy]
async fn render_later(workspace: Uuid, template: Uuid, lead: Uuid) -> ApiResult<RenderedTemplate> {
    render_template(workspace, template, lead).await
}

#[lazy]
async fn send_later(
    workspace: Uuid,
    lead: Uuid,
    sender: Option<Uuid>,
    text: String,
    attachment: Option<Uuid>,
    template: Option<Uuid>,
) -> ApiResult<MessageDto> {
    send_message(workspace, lead, sender, text, attachment, template).await
}

#[component]
pub fn ConversationCard(
    workspace: Uuid,
    lead: Uuid,
    messages: Vec<MessageDto>,
    /// The senders and templates the reply box offers.
    choices: ReplyChoices,
    /// Why sending is impossible (opted out, no valid phone), if it is.
    blocked: Option<String>,
    can_send: bool,
    /// Runs after a send, so the page can re-read the lead (its stage and timeline change).
    on_sent: Callback<()>,
) -> impl IntoView {
    let toaster = use_toaster();
    let slug = StoredValue::new(use_shell().shell.workspace.slug.clone());
    let messages = RwSignal::new(messages);
    let body = RwSignal::new(String::new());
    let sending = RwSignal::new(false);
    let file = AttachmentState::new(None);
    let attachment = file.file;
    // The template the text came from, counted as a use when it is sent.
    let template = RwSignal::new(None::<Uuid>);
    let choosing = RwSignal::new(String::new());
    let sender = RwSignal::new(
        choices
            .default_sender()
            .map(|id| id.to_string())
            .unwrap_or_default(),
    );
    let ReplyChoices { senders, templates } = choices;
    let count = Memo::new(move |_| body.with(|b| b.chars().count()));
    let has_senders = !senders.is_empty();

    let follow_receipts = move || {
        leptos::task::spawn_local(async move {
            for _ in 0..RECEIPT_POLLS {
                crate::components::time::sleep_ms(RECEIPT_POLL_MS).await;
                match load_conversation(workspace, lead).await {
                    Ok(fresh) => {
                        let waiting = awaiting_receipts(&fresh);
                        messages.set(fresh);
                        if !waiting {
                            break;
                        }
                    }
                    Err(_) => break,
                }
            }
        });
    };
    if messages.with_untracked(|m| awaiting_receipts(m)) {
        effect(follow_receipts);
    }

    // A template fills the box with its text for this lead (and its attachment), to edit at will.
    let on_template = move |ev: leptos::ev::Event| {
        let chosen = event_target_value(&ev);
        choosing.set(String::new());
        let Ok(id) = chosen.parse::<Uuid>() else {
            return;
        };
        leptos::task::spawn_local(async move {
            match render_later(workspace, id, lead).await {
                Ok(rendered) => {
                    body.set(rendered.text);
                    file.error.set(None);
                    attachment.set(rendered.attachment);
                    template.set(Some(id));
                }
                Err(e) => toaster.error(e.to_string()),
            }
        });
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = body.get_untracked();
        let chosen = sender.get_untracked().parse::<Uuid>().ok();
        let file = attachment.get_untracked().map(|a| a.id);
        let from_template = template.get_untracked();
        sending.set(true);
        leptos::task::spawn_local(async move {
            match send_later(workspace, lead, chosen, text, file, from_template).await {
                Ok(message) => {
                    toaster.success(format!(
                        "Sent from {}.",
                        message.sender_name.clone().unwrap_or_default()
                    ));
                    messages.update(|m| m.push(message));
                    body.set(String::new());
                    attachment.set(None);
                    template.set(None);
                    on_sent.run(());
                    follow_receipts();
                }
                Err(e) => toaster.error(
                    e.field_message("body")
                        .or_else(|| e.field_message("sender"))
                        .or_else(|| e.field_message("attachment"))
                        .unwrap_or_else(|| e.to_string()),
                ),
            }
            sending.set(false);
        });
    };

    view! {
        <section class="card conversation" aria-labelledby="conversation-title">
            <h2 id="conversation-title">"WhatsApp"</h2>
            <ol class="chat" aria-live="polite">
                {move || {
                    let list = messages.get();
                    if list.is_empty() {
                        view! { <li class="muted chat-empty">"No messages yet."</li> }.into_any()
                    } else {
                        let slug = slug.get_value();
                        list.into_iter().map(|m| bubble(&slug, m)).collect_view().into_any()
                    }
                }}
            </ol>
            {match (blocked, can_send, has_senders) {
                (Some(reason), _, _) => view! { <p class="muted">{reason}</p> }.into_any(),
                (None, false, _) => view! { <p class="muted">"Your role does not send messages."</p> }.into_any(),
                (None, true, false) => view! {
                    <p class="muted">"Add a sender (Senders in the menu) to message this lead."</p>
                }.into_any(),
                (None, true, true) => view! {
                    <form class="reply-box" on:submit=submit>
                        <label class="sr-only" for="reply-body">"Message"</label>
                        <textarea id="reply-body" name="body" rows="3" maxlength=MAX_MESSAGE_CHARS.to_string()
                            placeholder=move || if attachment.with(Option::is_some) { "Add a caption (optional)…" } else { "Write a message…" }
                            prop:value=move || body.get() on:input=move |ev| body.set(event_target_value(&ev))></textarea>
                        <AttachmentChip state=file error_id="attachment-error" />
                        <div class="reply-actions">
                            <AttachButton state=file slug=slug.get_value() error_id="attachment-error" />
                            {(!templates.is_empty()).then(|| view! {
                                <label class="sr-only" for="reply-template">"Template"</label>
                                <select id="reply-template" class="template-picker" on:change=on_template
                                    prop:value=move || choosing.get()>
                                    <option value="">"Template…"</option>
                                    {templates.iter().map(|t| view! {
                                        <option value=t.id.to_string()>{t.name.clone()}</option>
                                    }).collect_view()}
                                </select>
                            })}
                            <label class="sr-only" for="reply-sender">"Send from"</label>
                            <select id="reply-sender" name="sender" on:change=move |ev| sender.set(event_target_value(&ev))
                                prop:value=move || sender.get()>
                                {senders.iter().map(|s| {
                                    let label = if s.paused {
                                        format!("{} ({}) — paused", s.name, s.display_number)
                                    } else {
                                        format!("{} ({})", s.name, s.display_number)
                                    };
                                    view! { <option value=s.id.to_string()>{label}</option> }
                                }).collect_view()}
                            </select>
                            <span class="char-count" class:over=move || { count.get() > MAX_MESSAGE_CHARS } aria-live="polite">
                                {move || format!("{} / {MAX_MESSAGE_CHARS}", count.get())}
                            </span>
                            <button type="submit" class="btn btn-primary"
                                disabled=move || {
                                    sending.get() || file.busy()
                                        || (body.with(|b| b.trim().is_empty()) && attachment.with(Option::is_none))
                                        || count.get() > MAX_MESSAGE_CHARS
                                }>
                                {move || if sending.get() { "Sending…" } else { "Send" }}
                            </button>
                        </div>
                    </form>
                }.into_any(),
            }}
        </section>
    }
}

fn bubble(slug: &str, m: MessageDto) -> impl IntoView {
    let side = if m.inbound { "in" } else { "out" };
    let status = m.status;
    let at = m.sent_at.unwrap_or(m.created_at);
    let file = m.attachment_name.clone().map(|name| {
        let href = format!("/w/{slug}/messages/{}/attachment", m.id);
        let picture = m
            .attachment_type
            .as_deref()
            .is_some_and(|t| t.starts_with("image/"));
        if picture {
            let source = href.clone();
            view! {
                <a class="bubble-image" href=href target="_blank" rel="noopener">
                    <img src=source alt=name loading="lazy" />
                </a>
            }
            .into_any()
        } else {
            let label = name.clone();
            view! {
                <a class="bubble-file" href=href download=name>
                    <span aria-hidden="true">"📄"</span>
                    <span>{label}</span>
                </a>
            }
            .into_any()
        }
    });
    view! {
        <li class=format!("bubble bubble-{side} status-{}", status.as_str())>
            {file}
            {(!m.body.is_empty()).then(|| view! { <p class="bubble-body">{m.body}</p> })}
            {m.error.map(|e| view! { <p class="bubble-error">{e}</p> })}
            <p class="bubble-meta">
                {(!m.inbound).then(|| m.sender_name.map(|n| format!("{n} · "))).flatten()}
                <time datetime=at.to_rfc3339()>{shared::dates::day_month_time(&at)}</time>
                {(!m.inbound).then(|| view! {
                    <span class="ticks" title=status.label() aria-label=status.label()>{status.ticks()}</span>
                })}
            </p>
        </li>
    }
}
