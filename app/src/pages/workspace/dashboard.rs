//! The workspace dashboard: real counts from the database (zero is a real count) — leads by
//! the pitch they get, messages sent on the workspace's days, delivery/read/reply/opt-out rates,
//! running campaigns, each sender's standing today, the latest replies — and the next steps
//! for a new workspace. The WhatsApp panel follows its senders while the page is open.

use super::campaigns::zone::Zone;
use super::campaigns::{duration_words, now, workspace_zone};
use super::imports::grouped;
use super::use_shell;
use crate::api::resource::resource;
use crate::api::workspace::dashboard;
use crate::pages::errors::ErrorPage;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_meta::Title;
use shared::analytics::{Overview, RATE_WINDOW_DAYS, RecentReply, SenderStanding, percent};
use shared::plans::format_limit;
use shared::workspaces::Permission;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let ctx = use_shell();
    let workspace = ctx.shell.workspace.clone();
    let can_manage = ctx.shell.can(Permission::MembersManage);
    let counts = resource(move || workspace.id, dashboard);
    let base = format!("/w/{}", workspace.slug);
    view! {
        <Title text="Dashboard" />
        <div class="page-header">
            <div>
                <h1>"Dashboard"</h1>
                <p class="muted">"Welcome, " {ctx.shell.user.name.clone()} "."</p>
            </div>
        </div>
        <Suspense fallback=|| view! { <div class="cards skeleton" aria-busy="true"></div> }>
            {move || {
                let base = base.clone();
                Suspend::new(async move {
                    match counts.await {
                        Ok(c) => view! {
                            <Glance overview=c.analytics.clone() base=base.clone() />
                            <div class="dashboard-panels">
                                <SenderPanel senders=c.analytics.senders.clone() base=base.clone() />
                                <RepliesPanel replies=c.analytics.recent_replies.clone() base=base.clone() />
                            </div>
                            <section class="cards" aria-label="Team and plan">
                                <article class="card stat" aria-labelledby="stat-members">
                                    <h2 id="stat-members">"Members"</h2>
                                    <p class="stat-value" data-testid="members-count">{c.members}</p>
                                    <p class="muted">"of " {format_limit(c.member_limit)} " on the " {c.plan_name.clone()} " plan"</p>
                                </article>
                                <article class="card stat" aria-labelledby="stat-invites">
                                    <h2 id="stat-invites">"Pending invitations"</h2>
                                    <p class="stat-value">{c.pending_invitations}</p>
                                    <p class="muted">"waiting to be accepted"</p>
                                </article>
                                <article class="card stat" aria-labelledby="stat-activity">
                                    <h2 id="stat-activity">"Activity, last 7 days"</h2>
                                    <p class="stat-value">{c.audit_events_7d}</p>
                                    <p class="muted">"sign-ins and changes"</p>
                                </article>
                                <article class="card stat" aria-labelledby="stat-plan">
                                    <h2 id="stat-plan">"Plan"</h2>
                                    <p class="stat-value stat-text">{c.plan_name.clone()}</p>
                                    <p class="muted"><a href=format!("{base}/settings#plan")>"See limits"</a></p>
                                </article>
                            </section>
                            <section class="card next-steps">
                                <h2>"Next steps"</h2>
                                <ol>
                                    <li class:done={c.analytics.leads.total > 0}>
                                        <a href=format!("{base}/imports")>"Import your leads"</a>
                                        " — a spreadsheet from anywhere; columns are recognised for you."
                                    </li>
                                    <li class:done={!c.analytics.senders.is_empty()}>
                                        <a href=format!("{base}/senders")>"Connect a WhatsApp number"</a>
                                        " — campaigns send from it, at a pace that keeps it safe."
                                    </li>
                                    <li class:done={c.members > 1 || c.pending_invitations > 0}>
                                        {if can_manage {
                                            view! { <a href=format!("{base}/members")>"Invite your team"</a> }.into_any()
                                        } else {
                                            view! { <span>"Your team is set up by the workspace's admins"</span> }.into_any()
                                        }}
                                        " — members share leads and campaigns; roles decide who may send."
                                    </li>
                                    <li>
                                        <a href=format!("{base}/settings")>"Check your working hours and daily limits"</a>
                                        " — campaigns only send inside them, to keep your numbers safe."
                                    </li>
                                </ol>
                            </section>
                        }.into_any(),
                        Err(e) => view! { <ErrorPage error=e /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// A rate card: the percentage, and what it is out of.
#[component]
fn RateCard(
    id: &'static str,
    title: &'static str,
    part: u64,
    whole: u64,
    of: &'static str,
) -> impl IntoView {
    let value = percent(part, whole).map_or_else(|| "—".to_owned(), |p| format!("{p} %"));
    view! {
        <article class="card stat" aria-labelledby=id>
            <h2 id=id>{title}</h2>
            <p class="stat-value" data-testid=id>{value}</p>
            <p class="muted">{format!("{} of {} {of}", grouped(part), grouped(whole))}</p>
        </article>
    }
}

/// Leads, messages, rates and running campaigns.
#[component]
fn Glance(overview: Overview, base: String) -> impl IntoView {
    let (leads, sent, rates) = (overview.leads, overview.sent, overview.rates);
    view! {
        <section class="cards cards-compact" aria-label="Leads and messages at a glance">
            <article class="card stat" aria-labelledby="stat-leads">
                <h2 id="stat-leads">"Leads"</h2>
                <p class="stat-value" data-testid="stat-leads">{grouped(leads.total)}</p>
                <p class="muted"><a href=format!("{base}/leads")>"Open the lead list"</a></p>
            </article>
            <article class="card stat" aria-labelledby="stat-sites">
                <h2 id="stat-sites">"Working website"</h2>
                <p class="stat-value" data-testid="stat-sites">{grouped(leads.working_site)}</p>
                <p class="muted">{format!("{} without one that works", grouped(leads.no_working_site))}</p>
            </article>
            <article class="card stat" aria-labelledby="stat-whatsapp">
                <h2 id="stat-whatsapp">"On WhatsApp"</h2>
                <p class="stat-value" data-testid="stat-whatsapp">{grouped(leads.on_whatsapp)}</p>
                <p class="muted">"numbers checked and reachable"</p>
            </article>
            <article class="card stat" aria-labelledby="stat-sent">
                <h2 id="stat-sent">"Messages today"</h2>
                <p class="stat-value" data-testid="stat-sent">{grouped(sent.today)}</p>
                <p class="muted">{format!("{} this week · {} this month", grouped(sent.week), grouped(sent.month))}</p>
            </article>
            <article class="card stat" aria-labelledby="stat-running">
                <h2 id="stat-running">"Running campaigns"</h2>
                <p class="stat-value" data-testid="stat-running">{overview.running_campaigns}</p>
                <p class="muted"><a href=format!("{base}/campaigns")>"See campaigns"</a></p>
            </article>
        </section>
        <section class="cards cards-compact" aria-label=format!("Rates, last {RATE_WINDOW_DAYS} days")>
            <RateCard id="stat-delivery" title="Delivery rate" part=rates.delivered whole=rates.sent of="messages" />
            <RateCard id="stat-read" title="Read rate" part=rates.read whole=rates.sent of="messages" />
            <RateCard id="stat-reply" title="Reply rate" part=rates.leads_replied whole=rates.leads_messaged of="leads" />
            <RateCard id="stat-optout" title="Opt-out rate" part=rates.leads_opted_out whole=rates.leads_messaged of="leads" />
        </section>
        <p class="muted small dashboard-window">{format!("Rates over the last {RATE_WINDOW_DAYS} days; days and weeks in the workspace's time zone.")}</p>
    }
}

/// What a sender's line says about its next message, as of `now`: paused and why, when its
/// pacing lets the next one go and how long that is, its cap reached, sending, or idle.
fn next_words(s: &SenderStanding, zone: &Zone, now: DateTime<Utc>) -> String {
    match (&s.paused_reason, s.next_send_at, &s.campaign) {
        (Some(reason), _, _) => format!("Paused: {reason}"),
        (None, Some(at), _) => format!(
            "{} {} (in {})",
            if s.cooling_down {
                "Cooling down until"
            } else {
                "Next send"
            },
            zone.short(at, now),
            duration_words((at - now).num_seconds()),
        ),
        (None, None, Some(_)) if s.sent_today >= s.daily_cap => "Cap reached for today".to_owned(),
        (None, None, Some(_)) => "Sending now".to_owned(),
        (None, None, None) => "Idle".to_owned(),
    }
}

/// One sender's line on the panel; the words about its next message follow `now`.
fn standing_line(
    s: SenderStanding,
    zone: StoredValue<Zone>,
    now: RwSignal<DateTime<Utc>>,
) -> impl IntoView {
    let used = percent(u64::from(s.sent_today), u64::from(s.daily_cap)).unwrap_or(100);
    let health_class = match s.health.as_str() {
        "Connected" => "badge badge-ok",
        "Paused" | "Disconnected" => "badge badge-warn",
        _ => "badge",
    };
    let today = format!("{} of {} today", s.sent_today, s.daily_cap);
    let campaign = s.campaign.clone().map(|c| format!(" · {c}"));
    let (name, number, health, cap, sent) = (
        s.name.clone(),
        s.display_number.clone(),
        s.health.clone(),
        s.daily_cap,
        s.sent_today,
    );
    let next = move || zone.with_value(|zone| next_words(&s, zone, now.get()));
    view! {
        <li class="sender-standing">
            <div class="sender-standing-head">
                <strong>{name}</strong>
                <span class="muted small">{number}</span>
                <span class=health_class>{health}</span>
            </div>
            <div class="progress progress-thin" role="progressbar"
                aria-label="Sent today against the daily cap"
                aria-valuemin="0" aria-valuemax=cap aria-valuenow=sent>
                <div class="progress-bar" style=format!("width: {used}%")></div>
            </div>
            <p class="muted small">{today} {campaign} " · " {next}</p>
        </li>
    }
}

/// Each sender: health, today's count against its cap, and when its pacing lets the next
/// message go. The server renders it as the dashboard loads; in the browser the countdown
/// ticks every second from the absolute time, and the panel is asked for again every few
/// seconds while the tab is visible (see `live`).
#[component]
fn SenderPanel(senders: Vec<SenderStanding>, base: String) -> impl IntoView {
    let zone = StoredValue::new(workspace_zone());
    let senders = RwSignal::new(senders);
    let now = RwSignal::new(now());
    #[cfg(feature = "hydrate")]
    live::follow(use_shell().shell.workspace.id, senders, now);
    view! {
        <section class="card" aria-labelledby="panel-whatsapp">
            <h2 id="panel-whatsapp">"WhatsApp numbers"</h2>
            {move || {
                let list = senders.get();
                if list.is_empty() {
                    view! {
                        <p class="muted">"No number connected yet. "
                            <a href=format!("{base}/senders")>"Connect one"</a> " to send campaigns."</p>
                    }.into_any()
                } else {
                    let rows = list.into_iter().map(|s| standing_line(s, zone, now)).collect_view();
                    view! { <ul class="sender-standings">{rows}</ul> }.into_any()
                }
            }}
        </section>
    }
}

/// The five latest messages leads sent in.
#[component]
fn RepliesPanel(replies: Vec<RecentReply>, base: String) -> impl IntoView {
    let zone = workspace_zone();
    let now = now();
    let empty = replies.is_empty();
    let rows = replies
        .into_iter()
        .map(|r| {
            let who = r.lead_name.clone().unwrap_or_else(|| r.peer_phone.clone());
            let href = r.lead_id.map_or_else(
                || format!("{base}/inbox"),
                |id| format!("{base}/leads/{id}"),
            );
            view! {
                <li class="recent-reply">
                    <a href=href>
                        <strong>{who}</strong>
                        <span class="muted small">{zone.short(r.received_at, now)}</span>
                    </a>
                    <p class="recent-reply-body">{r.body}</p>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="panel-replies">
            <h2 id="panel-replies">"Latest replies"</h2>
            {if empty {
                view! { <p class="muted">"No replies yet. They appear here as leads write back."</p> }.into_any()
            } else {
                view! {
                    <ul class="recent-replies">{rows}</ul>
                    <p class="small"><a href=format!("{base}/inbox")>"Open the inbox"</a></p>
                }.into_any()
            }}
        </section>
    }
}

/// How often the open dashboard asks for its WhatsApp panel again.
#[cfg(feature = "hydrate")]
const PANEL_POLL_MS: u32 = 5_000;
/// How often the panel's countdowns move.
#[cfg(feature = "hydrate")]
const TICK_MS: u32 = 1_000;

/// Keeping the WhatsApp panel current in the browser: a one-second tick moves `now` (the
/// countdowns are computed from each sender's absolute next-send time, on the browser's
/// clock) and every [`PANEL_POLL_MS`] asks `dashboard_senders` again. Nothing runs while the
/// tab is hidden; coming back asks at once. The dashboard has no event stream (its senders
/// change through several campaigns and the senders page), and the panel is a few rows.
#[cfg(feature = "hydrate")]
mod live {
    use super::{PANEL_POLL_MS, TICK_MS};
    use crate::api::analytics::dashboard_senders;
    use crate::components::effect::effect;
    use chrono::{DateTime, Utc};
    use leptos::prelude::*;
    use shared::analytics::SenderStanding;
    use std::cell::Cell;
    use std::rc::Rc;
    use uuid::Uuid;

    /// Whether the page is in a background tab (or a minimised window).
    fn hidden() -> bool {
        web_sys::window()
            .and_then(|w| w.document())
            .is_some_and(|d| d.hidden())
    }

    pub fn follow(
        workspace: Uuid,
        senders: RwSignal<Vec<SenderStanding>>,
        now: RwSignal<DateTime<Utc>>,
    ) {
        let handle = StoredValue::new_local(None::<IntervalHandle>);
        // Effects run once the page has hydrated, in the browser only.
        effect(move || {
            if handle.with_value(Option::is_some) {
                return;
            }
            // Ticks since the last ask; starts due, so a tab coming back asks at once.
            let since_ask = Rc::new(Cell::new(0u32));
            let asking = Rc::new(Cell::new(false));
            let tick = move || {
                if hidden() {
                    since_ask.set(PANEL_POLL_MS);
                    return;
                }
                let _ = now.try_set(super::now());
                since_ask.set(since_ask.get().saturating_add(TICK_MS));
                if since_ask.get() < PANEL_POLL_MS || asking.get() {
                    return;
                }
                since_ask.set(0);
                asking.set(true);
                let asking = Rc::clone(&asking);
                leptos::task::spawn_local(async move {
                    // A failed ask keeps the last panel; the next one may succeed.
                    if let Ok(fresh) = dashboard_senders(workspace).await
                        && senders.try_with_untracked(|old| *old != fresh) == Some(true)
                    {
                        let _ = senders.try_set(fresh);
                    }
                    asking.set(false);
                });
            };
            let started = set_interval_with_handle(
                tick,
                std::time::Duration::from_millis(u64::from(TICK_MS)),
            );
            if let Ok(started) = started {
                handle.set_value(Some(started));
            }
        });
        on_cleanup(move || {
            if let Some(Some(started)) = handle.try_update_value(Option::take) {
                started.clear();
            }
        });
    }
}
