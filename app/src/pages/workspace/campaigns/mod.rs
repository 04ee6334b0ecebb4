//! Campaigns: the list (a card per campaign with its status, progress bar and counts; drafts
//! open in the wizard), plus what the wizard and the campaign page share — the status badge,
//! the progress bar, times in words and the clock.

pub mod audience;
pub mod message;
pub mod page;
pub mod strategy;
pub mod wizard;
pub mod zone;

use super::imports::grouped;
use super::use_shell;
use crate::api::campaigns::{delete_campaign, load_campaigns};
use crate::api::resource::resource;
use crate::components::confirm::ConfirmDialog;
use crate::components::effect::effect;
use crate::components::toast::use_toaster;
use crate::pages::errors::ErrorPage;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_meta::Title;
use shared::campaigns::{CampaignStatus, CampaignSummary, RecipientCounts};
use shared::workspaces::Permission;
use uuid::Uuid;

/// How often the list refreshes while a campaign on it is sending.
const LIST_REFRESH_MS: u64 = 5_000;

#[component]
pub fn CampaignsPage() -> impl IntoView {
    let ctx = use_shell();
    let workspace = ctx.shell.workspace.id;
    let slug = ctx.shell.workspace.slug.clone();
    let can_create = ctx.shell.can(Permission::CampaignsCreate);
    let can_edit = ctx.shell.can(Permission::CampaignsEdit);
    let refresh = RwSignal::new(0u32);
    let list = resource(move || refresh.get(), move |_| load_campaigns(workspace));
    let reload = Callback::new(move |()| refresh.update(|n| *n += 1));

    // While something is sending, follow it; the Transition keeps the cards on screen meanwhile.
    let sending = Memo::new(move |_| {
        list.get().and_then(Result::ok).is_some_and(|l| {
            l.iter().any(|c| {
                matches!(
                    c.status,
                    CampaignStatus::Running | CampaignStatus::Scheduled
                )
            })
        })
    });
    effect(move || {
        if !sending.get() {
            return;
        }
        if let Ok(handle) = set_interval_with_handle(
            move || refresh.update(|n| *n += 1),
            std::time::Duration::from_millis(LIST_REFRESH_MS),
        ) {
            on_cleanup(move || handle.clear());
        }
    });

    let new_href = format!("/w/{slug}/campaigns/new");
    view! {
        <Title text="Campaigns" />
        <div class="page-header">
            <h1>"Campaigns"</h1>
            {can_create.then(|| view! {
                <div class="header-actions">
                    <a class="btn btn-primary" href=new_href.clone()>"New campaign"</a>
                </div>
            })}
        </div>
        <p class="muted">"Send one message (or a few variants of it) to many leads, paced so your numbers stay healthy: random delays, cooldowns, daily caps and working hours."</p>
        <Transition fallback=|| view! { <p class="loading">"Loading campaigns…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(list) if list.is_empty() => view! {
                        <div class="card empty">
                            <p>"No campaign yet."</p>
                            <p class="muted">{if can_create {
                                "Start one with “New campaign”: choose who, write the message, pick how fast it goes, and launch."
                            } else {
                                "Members who may create campaigns start them here."
                            }}</p>
                        </div>
                    }.into_any(),
                    Ok(list) => view! {
                        <ul class="campaign-list">
                            {list.into_iter().map(|c| view! {
                                <CampaignCard workspace=workspace campaign=c can_edit=can_edit on_change=reload />
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <ErrorPage error=e /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn CampaignCard(
    workspace: Uuid,
    campaign: CampaignSummary,
    can_edit: bool,
    on_change: Callback<()>,
) -> impl IntoView {
    let toaster = use_toaster();
    let slug = use_shell().shell.workspace.slug.clone();
    let id = campaign.id;
    let is_draft = campaign.status == CampaignStatus::Draft;
    let href = if is_draft {
        format!("/w/{slug}/campaigns/{id}/edit")
    } else {
        format!("/w/{slug}/campaigns/{id}")
    };
    let confirm = RwSignal::new(false);
    let remove = Callback::new(move |()| {
        leptos::task::spawn_local(async move {
            match delete_campaign(workspace, id).await {
                Ok(()) => {
                    toaster.success("Draft deleted.");
                    on_change.run(());
                }
                Err(e) => toaster.error(e.to_string()),
            }
        });
    });
    let title = format!("Delete the draft “{}”?", campaign.name);
    let zone = workspace_zone();
    let when = match (campaign.completed_at, campaign.launched_at) {
        (Some(at), _) => format!("Ended {}", zone.long(at)),
        (None, Some(at)) => format!("Launched {}", zone.long(at)),
        (None, None) => format!("Created {}", zone.long(campaign.created_at)),
    };
    let counts = campaign.counts;
    view! {
        <li class="card campaign-card">
            <div class="campaign-card-head">
                <h2><a href=href>{campaign.name.clone()}</a></h2>
                <StatusBadge status=campaign.status />
            </div>
            <p class="muted small">
                {campaign.kind.label()}" · "{when}
            </p>
            {(!campaign.tags.is_empty()).then(|| view! {
                <p class="campaign-tags">
                    {campaign.tags.iter().map(|t| view! { <span class="tag">{t.clone()}</span> }).collect_view()}
                </p>
            })}
            {(!is_draft).then(|| view! {
                <Progress counts=counts label="Recipients done" />
                <CountsRow counts=counts compact=true />
            })}
            {(is_draft && can_edit).then(|| view! {
                <div class="campaign-card-actions">
                    <button type="button" class="btn btn-small btn-danger"
                        aria-label=format!("Delete {}", campaign.name)
                        on:click=move |_| confirm.set(true)>"Delete"</button>
                </div>
                <ConfirmDialog open=confirm title=Signal::derive(move || title.clone())
                    message=Signal::derive(|| "The draft and everything written in it are removed. Nothing was sent from it.".to_owned())
                    confirm_label="Delete" on_confirm=remove />
            })}
        </li>
    }
}

/// The campaign's status as a coloured badge.
#[component]
pub fn StatusBadge(status: CampaignStatus) -> impl IntoView {
    view! { <span class=format!("badge status-{}", status.as_str())>{status.label()}</span> }
}

/// The bar of recipients done, with "12 of 40 (30 %)" beside it.
#[component]
pub fn Progress(counts: RecipientCounts, label: &'static str) -> impl IntoView {
    let percent = counts.percent();
    view! {
        <div class="campaign-progress">
            <div class="progress" role="progressbar" aria-label=label
                aria-valuemin="0" aria-valuemax="100" aria-valuenow=percent.to_string()>
                <div class="progress-bar" style=format!("width: {percent}%")></div>
            </div>
            <span class="campaign-percent">
                {format!("{} of {} · {percent} %", grouped(counts.finished().min(counts.total)), grouped(counts.total))}
            </span>
        </div>
    }
}

/// Sent / delivered / read / failed (the list), or every counter (the campaign page).
#[component]
pub fn CountsRow(counts: RecipientCounts, #[prop(optional)] compact: bool) -> impl IntoView {
    let mut items = vec![
        ("Sent", counts.sent, "sent"),
        ("Delivered", counts.delivered, "delivered"),
        ("Read", counts.read, "read"),
    ];
    if !compact {
        items.push(("Replied", counts.replied, "replied"));
    }
    items.push(("Failed", counts.failed, "failed"));
    if !compact {
        items.extend([
            ("Pending", counts.pending + counts.sending, "pending"),
            ("Skipped", counts.skipped, "skipped"),
            ("Unknown", counts.unknown, "unknown"),
        ]);
    }
    view! {
        <ul class="campaign-counts" class:compact=compact>
            {items.into_iter().map(|(label, value, key)| view! {
                <li class=format!("campaign-count count-{key}")>
                    <span class="count-value">{grouped(value)}</span>
                    <span class="count-label">{label}</span>
                </li>
            }).collect_view()}
        </ul>
    }
}

/// The workspace's time zone, in which campaign pages show times (call in a component).
pub fn workspace_zone() -> zone::Zone {
    zone::Zone::new(use_shell().shell.workspace.timezone.clone())
}

/// "2 days 3 h", "5 h 20 min", "12 min", "under a minute".
pub fn duration_words(seconds: i64) -> String {
    let seconds = seconds.max(0);
    let (days, hours, minutes) = (
        seconds / 86_400,
        (seconds % 86_400) / 3_600,
        (seconds % 3_600) / 60,
    );
    let plural = |n: i64, one: &str, many: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {many}")
        }
    };
    match (days, hours, minutes) {
        (0, 0, 0) => "under a minute".to_owned(),
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, 0, _) => plural(d, "day", "days"),
        (d, h, _) => format!("{} {h} h", plural(d, "day", "days")),
    }
}

/// The current time: the browser's clock in the browser (chrono's own clock needs a feature
/// wasm builds may not have), the system's on the server.
pub fn now() -> DateTime<Utc> {
    #[cfg(feature = "hydrate")]
    {
        DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        Utc::now()
    }
}

#[cfg(test)]
mod tests {
    use super::duration_words;

    #[test]
    fn durations_read_as_words() {
        assert_eq!(duration_words(20), "under a minute");
        assert_eq!(duration_words(12 * 60), "12 min");
        assert_eq!(duration_words(5 * 3600 + 20 * 60), "5 h 20 min");
        assert_eq!(duration_words(3 * 3600), "3 h");
        assert_eq!(duration_words(86_400 + 60), "1 day");
        assert_eq!(duration_words(2 * 86_400 + 3 * 3600 + 59), "2 days 3 h");
    }
}
