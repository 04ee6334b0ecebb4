//! A campaign's live page (`/w/:slug/campaigns/:id`): status and why it paused, the progress
//! bar and every counter, each sender's day against its cap and when it may send next (and
//! why it waits), the controls (pause, resume, cancel; edit for drafts), its delivery, read
//! and reply rates with their counts, where its messages ended up (a doughnut) and when they
//! went (a timeline), the failed messages with their reasons and "retry failed", and the
//! recipients table. It follows the campaign through Server-Sent Events
//! (`/w/{slug}/campaigns/{id}/events`), falling back to asking every 2 s if the stream fails.

use super::zone::Zone;
use super::{CountsRow, Progress, StatusBadge, now, workspace_zone};
use crate::api::campaigns::{
    cancel_campaign, load_campaign_activity, load_campaign_live, load_campaign_recipients,
    pause_campaign, resume_campaign, retry_failed_campaign,
};
use crate::api::resource::resource;
use crate::api::{ApiError, ApiResult};
use crate::components::chart::{Chart, ChartSpec};
use crate::components::confirm::ConfirmDialog;
use crate::components::show::show;
use crate::components::time::sleep_ms;
use crate::components::toast::{Toaster, use_toaster};
use crate::pages::errors::ErrorPage;
use crate::pages::workspace::analytics::OutcomeDoughnut;
use crate::pages::workspace::imports::grouped;
use crate::pages::workspace::use_shell;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use shared::AppError;
use shared::campaigns::{
    CampaignActivity, CampaignLive, CampaignRates, CampaignRun, CampaignStatus, RecipientCounts,
    RecipientPage, RecipientState, SenderPanel, Wait,
};
use shared::workspaces::Permission;
use uuid::Uuid;

/// How often the page asks for the campaign when the event stream is not available.
#[cfg(feature = "hydrate")]
const POLL_MS: u64 = 2_000;
/// How long the charts and lists wait after the counters move before reloading.
const ROWS_REFRESH_MS: u32 = 2_000;

/// Calls `reload` (when `wanted` says so) 2 s after the page opens, and again at most every
/// 2 s while the counters move, so the charts and lists under the counters follow them.
///
/// The reload after opening is there because the counters and each chart or list come from
/// requests of their own, made together: a receipt that lands between them would leave the
/// chart or list behind counters that then never move again (seen on a finished campaign
/// opened as its last read receipt arrived).
fn follow_counters(
    counts: Memo<RecipientCounts>,
    wanted: impl Fn() -> bool + 'static,
    reload: impl Fn() + Copy + 'static,
) {
    let pending = StoredValue::new(false);
    Effect::new(move |previous: Option<RecipientCounts>| {
        let now = counts.get();
        if previous.is_none_or(|p| p != now) && wanted() && !pending.get_value() {
            pending.set_value(true);
            leptos::task::spawn_local(async move {
                sleep_ms(ROWS_REFRESH_MS).await;
                // Gone with the page: nothing to reload.
                if pending.try_update_value(|p| *p = false).is_some() {
                    reload();
                }
            });
        }
        now
    });
}

#[component]
pub fn CampaignPage() -> impl IntoView {
    let workspace = use_shell().shell.workspace.id;
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").and_then(|s| s.parse::<Uuid>().ok()));
    // One resource for the page's server functions (docs/benchmarks.md, "One resource per
    // page"); the failed messages are asked for only when there are some.
    let data = resource(
        move || id.get(),
        move |id| async move {
            let id = id.ok_or(ApiError(AppError::NotFound))?;
            let dto = load_campaign_live(workspace, id).await?;
            let failed = if has_failures(dto.state.status, dto.state.counts) {
                let failed = Some(RecipientState::Failed);
                Some(load_campaign_recipients(workspace, id, failed, None).await?)
            } else {
                None
            };
            Ok::<_, ApiError>((
                dto,
                load_campaign_recipients(workspace, id, None, None).await?,
                load_campaign_activity(workspace, id).await?,
                failed,
            ))
        },
    );
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading the campaign…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((dto, first, activity, failed)) => {
                        view! { <CampaignView dto first activity failed /> }.into_any()
                    }
                    Err(e) => view! { <ErrorPage error=e /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// What the page's buttons ask of the campaign.
#[derive(Clone, Copy)]
enum Control {
    Pause,
    Resume,
    Cancel,
    /// Queues the failed messages again, and those whose outcome is unknown if asked.
    RetryFailed {
        include_unknown: bool,
    },
}

impl Control {
    fn done(self) -> &'static str {
        match self {
            Control::Pause => "Campaign paused. Messages already handed to WhatsApp still go.",
            Control::Resume => "Campaign resumed.",
            Control::Cancel => "Campaign cancelled. Recipients still waiting are skipped.",
            Control::RetryFailed { .. } => "Failed messages are queued again.",
        }
    }
}

/// The controls run on a click, never while the page hydrates, so their server calls are a lazy
/// split fetched with the first (docs/benchmarks.md, "What runs only on a click"). Each answers
/// with the campaign as it now is.
#[lazy]
async fn control_campaign(
    workspace: Uuid,
    campaign: Uuid,
    control: Control,
) -> ApiResult<CampaignLive> {
    let dto = match control {
        Control::Pause => pause_campaign(workspace, campaign).await,
        Control::Resume => resume_campaign(workspace, campaign).await,
        Control::Cancel => cancel_campaign(workspace, campaign).await,
        Control::RetryFailed { include_unknown } => {
            retry_failed_campaign(workspace, campaign, include_unknown).await
        }
    }?;
    Ok(dto.into())
}

/// Runs `control` on the page's campaign: `busy` meanwhile, then a toast, and the campaign as
/// the server answered.
fn run_control(
    (workspace, campaign): (Uuid, Uuid),
    control: Control,
    busy: RwSignal<bool>,
    current: RwSignal<CampaignLive>,
    toaster: Toaster,
) {
    busy.set(true);
    leptos::task::spawn_local(async move {
        let result = control_campaign(workspace, campaign, control).await;
        busy.set(false);
        match result {
            Ok(dto) => {
                toaster.success(control.done());
                current.set(dto);
            }
            Err(e) => toaster.error(e.to_string()),
        }
    });
}

/// "Waiting: random delay" and friends.
fn wait_words(wait: Wait) -> &'static str {
    match wait {
        Wait::Ready => "ready",
        Wait::Delay => "random delay",
        Wait::Cooldown => "cooldown",
        Wait::OutsideHours => "outside working hours",
        Wait::DailyCap => "daily cap reached",
    }
}

#[component]
fn CampaignView(
    dto: CampaignLive,
    first: RecipientPage,
    activity: CampaignActivity,
    /// The failed messages' first page (`None` when there were none to ask for).
    failed: Option<RecipientPage>,
) -> impl IntoView {
    let ctx = use_shell();
    let workspace = ctx.shell.workspace.id;
    let slug = ctx.shell.workspace.slug.clone();
    let zone = StoredValue::new(workspace_zone());
    let can_pause = ctx.shell.can(Permission::CampaignsPause);
    let can_cancel = ctx.shell.can(Permission::CampaignsCancel);
    let can_launch = ctx.shell.can(Permission::CampaignsLaunch);
    let can_edit = ctx.shell.can(Permission::CampaignsEdit);
    let toaster = use_toaster();
    let id = dto.id;
    let current = RwSignal::new(dto);
    let status = Memo::new(move |_| current.with(|c| c.state.status));
    let recurring = current.with_untracked(|c| c.kind.is_recurring());
    let counts = Memo::new(move |_| current.with(|c| c.state.counts));
    let runs = Memo::new(move |_| current.with(|c| c.state.runs.clone()));
    let name = Memo::new(move |_| current.with(|c| c.name.clone()));

    #[cfg(feature = "hydrate")]
    {
        let url = format!("/w/{slug}/campaigns/{id}/events");
        let live = StoredValue::new_local(live::Live::default());
        if status.get_untracked() != CampaignStatus::Draft {
            // Effects run once the page has hydrated, in the browser only.
            crate::components::effect::effect(move || {
                live::start(live, &url, workspace, id, current)
            });
        }
        on_cleanup(move || {
            let _ = live.try_update_value(live::Live::stop);
        });
    }

    let busy = RwSignal::new(false);
    let act = move |control: Control| run_control((workspace, id), control, busy, current, toaster);
    let confirm_cancel = RwSignal::new(false);

    let base = format!("/w/{slug}/campaigns");
    let edit_href = format!("{base}/{id}/edit");
    view! {
        <Title text=move || name.get() />
        <p class="breadcrumb"><a href=base.clone()>"Campaigns"</a></p>
        <div class="page-header campaign-header">
            <div>
                <h1>{move || name.get()}</h1>
                <p class="badges">
                    {move || view! { <StatusBadge status=status.get() /> }}
                    <span class="badge">{move || current.with(|c| c.kind.label())}</span>
                    {move || current.with(|c| c.tags.clone()).into_iter().map(|t| view! { <span class="tag">{t}</span> }).collect_view()}
                </p>
            </div>
            <div class="header-actions campaign-actions">
                // The buttons the status allows, drawn again when it changes.
                {move || {
                    let status = status.get();
                    let live = matches!(status, CampaignStatus::Running | CampaignStatus::Scheduled);
                    view! {
                        {(status == CampaignStatus::Draft && can_edit).then(|| view! {
                            <a class="btn btn-primary" href=edit_href.clone()>"Edit"</a>
                        })}
                        {(can_pause && live).then(|| view! {
                            <button type="button" class="btn" on:click=move |_| act(Control::Pause) disabled=move || busy.get()>"Pause"</button>
                        })}
                        {(can_pause && status == CampaignStatus::Paused).then(|| view! {
                            <button type="button" class="btn btn-primary" on:click=move |_| act(Control::Resume) disabled=move || busy.get()>"Resume"</button>
                        })}
                        {(can_cancel && !status.is_final() && status != CampaignStatus::Draft).then(|| view! {
                            <button type="button" class="btn btn-danger" on:click=move |_| confirm_cancel.set(true) disabled=move || busy.get()>"Cancel"</button>
                        })}
                    }
                }}
            </div>
        </div>
        <ConfirmDialog open=confirm_cancel title=Signal::derive(move || format!("Cancel “{}”?", name.get()))
            message=Signal::derive(move || format!(
                "{} recipients still waiting will not be messaged. Messages already sent stay sent. This cannot be undone.",
                grouped(counts.get().pending)
            ))
            confirm_label="Cancel campaign" on_confirm=Callback::new(move |()| act(Control::Cancel)) />
        {move || current.with(|c| c.state.paused_reason.clone()).filter(|_| status.get() == CampaignStatus::Paused).map(|why| view! {
            <div class="alert alert-warning campaign-paused" role="status">
                <strong>"Paused: "</strong>{why}
            </div>
        })}
        {move || current.with(|c| c.state.plan_notice.clone()).map(|why| view! {
            <div class="alert alert-warning campaign-plan-limit" role="status">{why}</div>
        })}
        <section class="card campaign-progress-card" aria-labelledby="progress-title">
            <h2 id="progress-title">"Progress"</h2>
            {move || view! { <Progress counts=counts.get() label="Recipients done" /> }}
            {move || view! { <CountsRow counts=counts.get() /> }}
            <p class="muted small campaign-times">{move || zone.with_value(|z| current.with(|c| schedule_words(c, z)))}</p>
        </section>
        <section class="card" aria-labelledby="senders-title">
            <h2 id="senders-title">"Senders"</h2>
            <p class="muted small">"Anti-ban pacing: each sender's day against its cap, and when it may send next."</p>
            {move || {
                let panels = current.with(|c| c.state.senders.clone());
                if panels.is_empty() {
                    view! { <p class="muted">"No sender is assigned yet."</p> }.into_any()
                } else {
                    view! {
                        <ul class="sender-panels">
                            {panels.into_iter().map(|p| view! { <SenderPanelView panel=p /> }).collect_view()}
                        </ul>
                    }.into_any()
                }
            }}
        </section>
        {move || current.with(|c| c.state.webhook_key.clone().zip(c.webhook_url.clone())).map(|(key, url)| view! {
            <section class="card" aria-labelledby="webhook-title">
                <h2 id="webhook-title">"Notification webhook"</h2>
                <dl class="facts">
                    <dt>"URL"</dt><dd><code class="copyable">{url}</code></dd>
                    <dt>"Signing key"</dt><dd><code class="copyable">{key}</code></dd>
                </dl>
                <p class="muted small">"Each POST carries X-LeadLoom-Signature: sha256=HMAC-SHA256(key, body)."</p>
            </section>
        })}
        <ActivityCharts workspace campaign=id first=activity counts runs recurring />
        <FailedMessages workspace campaign=id current counts status first=failed busy can_retry=can_launch />
        <RecipientsTable workspace campaign=id first counts />
    }
}

/// Where the campaign's messages ended up and when things happened; redrawn (at most every
/// 2 s) while the counters move.
#[component]
fn ActivityCharts(
    workspace: Uuid,
    campaign: Uuid,
    first: CampaignActivity,
    counts: Memo<RecipientCounts>,
    /// Live with the counters.
    runs: Memo<Vec<CampaignRun>>,
    /// Shows the runs table even before a second run.
    recurring: bool,
) -> impl IntoView {
    // Reloaded charts draw over the previous ones (the chart component replaces them).
    let activity = RwSignal::new(first);
    follow_counters(
        counts,
        || true,
        move || {
            leptos::task::spawn_local(async move {
                // A failed refresh keeps the charts as they were; the counters above stay live.
                if let Ok(fresh) = load_campaign_activity(workspace, campaign).await {
                    activity.set(fresh);
                }
            });
        },
    );
    view! {
        {move || view! { <RatesRow rates=CampaignRates::of_counts(&counts.get()) /> }}
        <div class="chart-pair campaign-charts">
            {move || {
                let outcomes = activity.with(|a| a.outcomes.clone());
                view! {
                    <section class="card chart-card" aria-labelledby="delivery-title">
                        <h2 id="delivery-title">"Delivery"</h2>
                        <OutcomeDoughnut outcomes id=format!("chart-delivery-{campaign}")
                            label="Doughnut chart of where the campaign's messages ended up"
                            empty="No message has gone out yet." />
                    </section>
                }
            }}
            {move || {
                let timeline = activity.with(|a| a.timeline.clone());
                let unit = if timeline.hourly { "hour" } else { "day" };
                let labels: Vec<String> = timeline.points.iter().map(|p| p.label.clone()).collect();
                let series = vec![
                    ("Sent".to_owned(), timeline.points.iter().map(|p| p.sent).collect()),
                    ("Delivered".to_owned(), timeline.points.iter().map(|p| p.delivered).collect()),
                    ("Read".to_owned(), timeline.points.iter().map(|p| p.read).collect()),
                ];
                view! {
                    <section class="card chart-card" aria-labelledby="timeline-title">
                        <h2 id="timeline-title">"Timeline"</h2>
                        {if timeline.points.is_empty() {
                            view! { <p class="muted empty chart-empty">"Sends appear here as they happen."</p> }.into_any()
                        } else {
                            view! {
                                <p class="muted small">{format!("Messages sent, delivered and read per {unit}, in the workspace's time zone")}</p>
                                <Chart id=format!("chart-timeline-{campaign}") label=format!("Chart of the campaign's messages sent, delivered and read per {unit}")
                                    spec=ChartSpec::Lines { labels, series } />
                                <details class="chart-table">
                                    <summary>"Show as a table"</summary>
                                    <div class="table-wrap">
                                        <table class="table">
                                            <thead><tr>
                                                <th scope="col">{if timeline.hourly { "Hour" } else { "Day" }}</th>
                                                <th scope="col" class="num">"Sent"</th><th scope="col" class="num">"Delivered"</th>
                                                <th scope="col" class="num">"Read"</th>
                                            </tr></thead>
                                            <tbody>
                                                {timeline.points.into_iter().map(|p| view! {
                                                    <tr>
                                                        <th scope="row">{p.label}</th>
                                                        <td class="num">{grouped(p.sent)}</td><td class="num">{grouped(p.delivered)}</td>
                                                        <td class="num">{grouped(p.read)}</td>
                                                    </tr>
                                                }).collect_view()}
                                            </tbody>
                                        </table>
                                    </div>
                                </details>
                            }.into_any()
                        }}
                    </section>
                }
            }}
        </div>
        {move || {
            let runs = runs.get();
            (recurring || runs.len() > 1).then(|| view! { <RunsTable runs /> })
        }}
    }
}

/// The campaign's delivery, read and reply rates, each with the counts it comes from (all
/// computed by the server from its recipients and their messages, every run together).
#[component]
fn RatesRow(rates: CampaignRates) -> impl IntoView {
    let items = [
        (
            "rate-delivery",
            "Delivery rate",
            rates.delivery_rate,
            rates.delivered,
        ),
        ("rate-read", "Read rate", rates.read_rate, rates.read),
        ("rate-reply", "Reply rate", rates.reply_rate, rates.replied),
    ];
    view! {
        <section class="cards cards-compact campaign-rates" aria-label="Rates over the messages sent">
            {items.into_iter().map(|(id, title, rate, part)| view! {
                <article class="card stat" aria-labelledby=id>
                    <h2 id=id>{title}</h2>
                    // "—" while nothing was sent: 0 % would claim a failure.
                    <p class="stat-value" data-testid=id>{rate.map_or_else(|| "—".to_owned(), |p| format!("{p} %"))}</p>
                    <p class="muted">{format!("{} of {} sent", grouped(part), grouped(rates.sent))}</p>
                </article>
            }).collect_view()}
        </section>
    }
}

/// Each run of the campaign, the latest first: when it sent, to how many, and how far its
/// messages got.
#[component]
fn RunsTable(runs: Vec<CampaignRun>) -> impl IntoView {
    let zone = workspace_zone();
    let of = |part: u64, whole: u64| match (part * 100).checked_div(whole) {
        Some(percent) => format!("{} ({percent} %)", grouped(part)),
        None => grouped(part),
    };
    view! {
        <section class="card" aria-labelledby="runs-title">
            <h2 id="runs-title">"Runs"</h2>
            {if runs.is_empty() {
                view! { <p class="muted empty">"The first run has not started yet."</p> }.into_any()
            } else {
                view! {
                    <p class="muted small">"Each run messages the audience's leads this campaign has not messaged yet."</p>
                    <div class="table-wrap">
                        <table class="table runs">
                            <thead><tr>
                                <th scope="col">"Run"</th><th scope="col">"When"</th>
                                <th scope="col" class="num">"Recipients"</th><th scope="col" class="num">"Sent"</th>
                                <th scope="col" class="num">"Delivered"</th><th scope="col" class="num">"Read"</th>
                                <th scope="col" class="num">"Answered"</th><th scope="col" class="num">"Failed"</th>
                                <th scope="col" class="num">"Skipped"</th><th scope="col" class="num">"Waiting"</th>
                            </tr></thead>
                            <tbody>
                                {runs.into_iter().map(|r| {
                                    let when = match (r.first_sent_at, r.last_sent_at) {
                                        (Some(first), Some(last)) if zone.long(first) != zone.long(last) => {
                                            format!("{} – {}", zone.long(first), zone.long(last))
                                        }
                                        (Some(first), _) => zone.long(first),
                                        _ => "Nothing sent yet".to_owned(),
                                    };
                                    view! {
                                        <tr>
                                            <th scope="row">{format!("Run {}", r.run)}</th>
                                            <td>{when}</td>
                                            <td class="num">{grouped(r.recipients)}</td>
                                            <td class="num">{grouped(r.sent)}</td>
                                            <td class="num">{of(r.delivered, r.sent)}</td>
                                            <td class="num">{of(r.read, r.sent)}</td>
                                            <td class="num">{of(r.replied, r.sent)}</td>
                                            <td class="num">{grouped(r.failed)}</td>
                                            <td class="num">{grouped(r.skipped)}</td>
                                            <td class="num">{grouped(r.open)}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

/// "Launched Tue 14 Jan 09:00 · run 2 · next run …", in the workspace's zone.
fn schedule_words(c: &CampaignLive, zone: &Zone) -> String {
    let mut parts = Vec::new();
    match c.state.launched_at {
        Some(at) => parts.push(format!("Launched {}", zone.long(at))),
        None if c.state.status == CampaignStatus::Draft => {
            parts.push(format!("Draft created {}", zone.long(c.state.created_at)));
        }
        None => {}
    }
    if c.kind.is_recurring() && c.state.run > 0 {
        parts.push(format!("run {}", c.state.run));
    }
    if let Some(at) = c.state.next_run_at {
        let label = if c.state.launched_at.is_some() && c.kind.is_recurring() {
            "next run"
        } else {
            "starts"
        };
        parts.push(format!("{label} {}", zone.long(at)));
    }
    if let Some(at) = c.state.completed_at {
        parts.push(format!("ended {}", zone.long(at)));
    }
    parts.join(" · ")
}

#[component]
fn SenderPanelView(panel: SenderPanel) -> impl IntoView {
    let zone = workspace_zone();
    let dot = match (&panel.paused_reason, panel.connected) {
        (Some(_), _) => "paused",
        (None, Some(true)) => "up",
        (None, Some(false)) => "down",
        (None, None) => "",
    };
    let next = match (panel.next_at, panel.wait) {
        (_, Some(Wait::Ready)) => " • ready to send".to_owned(),
        (Some(at), Some(wait)) => format!(
            " • next allowed {} ({})",
            zone.short(at, now()),
            wait_words(wait)
        ),
        (Some(at), None) => format!(" • next allowed {}", zone.short(at, now())),
        (None, _) => String::new(),
    };
    let cap_percent = if panel.cap == 0 {
        100
    } else {
        (u64::from(panel.sent_today) * 100 / u64::from(panel.cap)).min(100)
    };
    let paused = panel.paused_reason.is_some();
    view! {
        <li class="sender-panel" class:paused=paused>
            <div class="sender-head">
                <span class=format!("status-dot {dot}") aria-hidden="true"></span>
                <div>
                    <strong>{panel.name.clone()}</strong>
                    <span class="muted small">" "{panel.display_number.clone()}</span>
                </div>
            </div>
            <p class="sender-today">
                {format!("Today: {}/{} sent{next}", grouped(panel.sent_today.into()), grouped(panel.cap.into()))}
            </p>
            <div class="progress progress-thin" role="progressbar" aria-label=format!("{} daily cap used", panel.name)
                aria-valuemin="0" aria-valuemax="100" aria-valuenow=cap_percent.to_string()>
                <div class="progress-bar" style=format!("width: {cap_percent}%")></div>
            </div>
            {panel.paused_reason.map(|why| view! { <p class="small sender-note">"Sender paused: "{why}</p> })}
            {panel.skipped_reason.map(|why| view! { <p class="small sender-note">"Taken out of this campaign: "{why}</p> })}
        </li>
    }
}

/// "2 refused when sent · 1 failed after it went · 1 outcome unknown": the kinds of failure
/// there are, so the reader knows what "retry failed" covers.
fn failure_words(c: RecipientCounts) -> String {
    let mut parts = Vec::new();
    if c.failed > 0 {
        parts.push(format!("{} refused when sent", grouped(c.failed)));
    }
    if c.undelivered > 0 {
        parts.push(format!(
            "{} failed after {} went",
            grouped(c.undelivered),
            if c.undelivered == 1 { "it" } else { "they" }
        ));
    }
    if c.unknown > 0 {
        parts.push(format!("{} outcome unknown", grouped(c.unknown)));
    }
    parts.join(" · ")
}

/// Whether a campaign in `status` with `counts` has messages that did not get through (or whose
/// outcome is unknown).
fn has_failures(status: CampaignStatus, counts: RecipientCounts) -> bool {
    status != CampaignStatus::Draft && counts.failed + counts.undelivered + counts.unknown > 0
}

/// The messages that did not get through — refused when sent, or reported failed after they
/// went — each with the same reason as the report, and "retry failed" for those who may
/// launch. Shown once there is one; reloaded (at most every 2 s) while the counters move.
#[component]
fn FailedMessages(
    workspace: Uuid,
    campaign: Uuid,
    current: RwSignal<CampaignLive>,
    /// The campaign's counters and status, as the page above follows them.
    counts: Memo<RecipientCounts>,
    status: Memo<CampaignStatus>,
    /// The server's "failed" list as the page loaded it: failed recipients and those whose
    /// message failed after it went, the ones "retry failed" sends again. `None` when there
    /// were no failures then: the first one to arrive shows "Loading…" until its reload.
    first: Option<RecipientPage>,
    busy: RwSignal<bool>,
    /// May put them back in the queue.
    can_retry: bool,
) -> impl IntoView {
    let toaster = use_toaster();
    let slug = use_shell().shell.workspace.slug.clone();
    let leads_base = StoredValue::new(format!("/w/{slug}/leads"));
    let rows = RwSignal::new(first);
    let shown = move || has_failures(status.get(), counts.get());
    follow_counters(
        counts,
        move || has_failures(status.get_untracked(), counts.get_untracked()),
        move || {
            leptos::task::spawn_local(async move {
                // A failed refresh keeps the list as it was; the counters above stay live.
                if let Ok(page) = load_campaign_recipients(
                    workspace,
                    campaign,
                    Some(RecipientState::Failed),
                    None,
                )
                .await
                {
                    rows.set(Some(page));
                }
            });
        },
    );
    let include_unknown = RwSignal::new(false);
    let retry = move |_| {
        let include_unknown = include_unknown.get_untracked();
        run_control(
            (workspace, campaign),
            Control::RetryFailed { include_unknown },
            busy,
            current,
            toaster,
        );
    };
    let retrying = move || {
        let c = counts.get();
        c.failed + c.undelivered + if include_unknown.get() { c.unknown } else { 0 }
    };
    view! {
        {show(shown, move || view! {
            <section class="card failed-messages" aria-labelledby="failed-title">
                <h2 id="failed-title">"Failed messages"</h2>
                <p class="muted small">{move || failure_words(counts.get())}</p>
                {move || view! { <FailedRows page=rows.get() leads_base=leads_base.get_value() /> }}
                {show(move || can_retry && status.get() != CampaignStatus::Cancelled, move || view! {
                    <div class="retry-box">
                        {show(move || counts.get().unknown > 0, move || view! {
                            <label class="radio">
                                <input type="checkbox" name="include_unknown" prop:checked=move || include_unknown.get()
                                    on:change=move |ev| include_unknown.set(event_target_checked(&ev)) />
                                {move || format!("Also retry the {} whose outcome is unknown (they may have been delivered)", grouped(counts.get().unknown))}
                            </label>
                        }.into_any())}
                        <button type="button" class="btn" on:click=retry disabled=move || busy.get() || retrying() == 0>
                            {move || format!("Retry {} failed", grouped(retrying()))}
                        </button>
                    </div>
                }.into_any())}
            </section>
        }.into_any())}
    }
}

/// The failed messages' first page: who, from which sender, after how many attempts, and why;
/// "Loading…" while it has not been asked for yet.
#[component]
fn FailedRows(page: Option<RecipientPage>, leads_base: String) -> impl IntoView {
    let Some(page) = page else {
        return view! { <p class="muted loading">"Loading the failed messages…"</p> }.into_any();
    };
    if page.rows.is_empty() {
        return view! { <p class="muted empty">"No message failed; only outcomes are unknown."</p> }
            .into_any();
    }
    let more = page.next.is_some();
    view! {
        <div class="table-wrap">
            <table class="table recipients failed">
                <thead>
                    <tr>
                        <th scope="col">"Lead"</th>
                        <th scope="col">"Phone"</th>
                        <th scope="col">"When"</th>
                        <th scope="col" class="num">"Attempts"</th>
                        <th scope="col">"Sender"</th>
                        <th scope="col">"Reason"</th>
                    </tr>
                </thead>
                <tbody>
                    {page.rows.into_iter().map(|r| {
                        // A recipient still "sent" is one whose message failed after it went.
                        let when = if r.state == RecipientState::Sent { "After it was sent" } else { "When sending" };
                        view! {
                            <tr>
                                <td><a href=format!("{leads_base}/{}", r.lead_id)>{r.lead_name}</a></td>
                                <td class="nowrap">{r.phone}</td>
                                <td>{when}</td>
                                <td class="num">{r.attempts}</td>
                                <td>{r.sender_name}</td>
                                <td class="recipient-error">{r.error.unwrap_or_else(|| "No reason given by WhatsApp".to_owned())}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        {more.then(|| view! {
            <p class="muted small">"Only the first ones are listed: choose “Failed” in the recipients table below to see them all."</p>
        })}
    }
    .into_any()
}

#[component]
fn RecipientsTable(
    workspace: Uuid,
    campaign: Uuid,
    first: RecipientPage,
    counts: Memo<RecipientCounts>,
) -> impl IntoView {
    let toaster = use_toaster();
    let slug = use_shell().shell.workspace.slug.clone();
    let leads_base = StoredValue::new(format!("/w/{slug}/leads"));
    // The per-recipient CSV, for whoever may export leads.
    let report = use_shell()
        .shell
        .can(Permission::LeadsExport)
        .then(|| format!("/w/{slug}/campaigns/{campaign}/report.csv"));
    let filter = RwSignal::new(None::<RecipientState>);
    let rows = RwSignal::new(first.rows);
    let next = RwSignal::new(first.next);
    let pages = RwSignal::new(1u32);
    let loading = RwSignal::new(false);

    let load = move |after: Option<i64>| {
        let state = filter.get_untracked();
        loading.set(true);
        leptos::task::spawn_local(async move {
            let result = load_campaign_recipients(workspace, campaign, state, after).await;
            loading.set(false);
            // A filter changed while this page was on its way: the newer request wins.
            if filter.try_get_untracked() != Some(state) {
                return;
            }
            match result {
                Ok(page) => {
                    if after.is_some() {
                        rows.update(|r| r.extend(page.rows));
                        pages.update(|p| *p += 1);
                    } else {
                        rows.set(page.rows);
                        pages.set(1);
                    }
                    next.set(page.next);
                }
                Err(e) => toaster.error(e.to_string()),
            }
        });
    };

    // While sending, the first page follows the counters (at most every 2 s); once more pages
    // are open the table is left alone so it does not jump under the reader.
    follow_counters(
        counts,
        move || pages.get_untracked() == 1,
        move || load(None),
    );

    view! {
        <section class="card" aria-labelledby="recipients-title">
            <div class="recipients-head">
                <h2 id="recipients-title">"Recipients"</h2>
                <div class="field field-inline">
                    <label for="recipient-state">"Show"</label>
                    <select id="recipient-state" name="state"
                        on:change=move |ev| {
                            filter.set(RecipientState::parse(&event_target_value(&ev)));
                            load(None);
                        }>
                        <option value="">"Everyone"</option>
                        {RecipientState::ALL.into_iter().map(|s| view! {
                            <option value=s.as_str()>{s.label()}</option>
                        }).collect_view()}
                    </select>
                </div>
                {report.map(|href| view! {
                    <a class="btn btn-small" href=href download="campaign_report.csv">"Download report (CSV)"</a>
                })}
            </div>
            {move || if rows.with(Vec::is_empty) {
                view! { <p class="muted empty">{if filter.get().is_some() { "No recipient in this state." } else { "No recipient yet: the list is drawn up when the campaign starts." }}</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table recipients">
                            <thead>
                                <tr>
                                    <th scope="col">"Lead"</th>
                                    <th scope="col">"Phone"</th>
                                    <th scope="col">"Variant"</th>
                                    <th scope="col">"State"</th>
                                    <th scope="col">"Delivery"</th>
                                    <th scope="col" class="num">"Attempts"</th>
                                    <th scope="col">"Sender"</th>
                                    <th scope="col">"Error"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {rows.get().into_iter().map(|r| view! {
                                    <tr>
                                        <td><a href=format!("{}/{}", leads_base.get_value(), r.lead_id)>{r.lead_name}</a></td>
                                        <td class="nowrap">{r.phone}</td>
                                        <td>{r.variant}</td>
                                        <td><span class=format!("badge recipient-{}", r.state.as_str())>{r.state.label()}</span></td>
                                        <td>{r.delivery.map(|d| d.label())}</td>
                                        <td class="num">{r.attempts}</td>
                                        <td>{r.sender_name}</td>
                                        <td class="recipient-error">{r.error}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
            {show(move || next.with(Option::is_some), move || view! {
                <button type="button" class="btn load-more" disabled=move || loading.get()
                    on:click=move |_| load(next.get_untracked())>
                    {move || if loading.get() { "Loading…" } else { "Load more" }}
                </button>
            }.into_any())}
        </section>
    }
}

/// The browser's side of the live updates: an `EventSource` whose messages replace the page's
/// campaign, or, when the stream fails, a poll every 2 s.
#[cfg(feature = "hydrate")]
mod live {
    use super::POLL_MS;
    use crate::api::campaigns::load_campaign_live;
    use leptos::prelude::*;
    use shared::campaigns::CampaignLive;
    use uuid::Uuid;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{EventSource, MessageEvent};

    #[derive(Default)]
    pub struct Live {
        source: Option<EventSource>,
        on_message: Option<Closure<dyn FnMut(MessageEvent)>>,
        on_error: Option<Closure<dyn FnMut(web_sys::Event)>>,
        poll: Option<IntervalHandle>,
    }

    impl Live {
        pub fn stop(&mut self) {
            if let Some(source) = self.source.take() {
                source.close();
            }
            if let Some(poll) = self.poll.take() {
                poll.clear();
            }
        }
    }

    type Store = StoredValue<Live, LocalStorage>;

    pub fn start(
        live: Store,
        url: &str,
        workspace: Uuid,
        id: Uuid,
        current: RwSignal<CampaignLive>,
    ) {
        let Ok(source) = EventSource::new(url) else {
            poll(live, workspace, id, current);
            return;
        };
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            // From bytes, as the page's resource decodes it: one copy of the decoder in the wasm
            // (`api::resource`).
            if let Some(text) = ev.data().as_string()
                && let Ok(dto) = serde_json::from_slice::<CampaignLive>(text.as_bytes())
            {
                current.set(dto);
            }
        });
        source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_: web_sys::Event| {
            // The stream broke (or is not served): close it and ask every 2 s instead.
            let _ = live.try_update_value(|l| {
                if let Some(source) = l.source.take() {
                    source.close();
                }
            });
            poll(live, workspace, id, current);
        });
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let _ = live.try_update_value(|l| {
            l.stop();
            l.source = Some(source);
            l.on_message = Some(on_message);
            l.on_error = Some(on_error);
        });
    }

    fn poll(live: Store, workspace: Uuid, id: Uuid, current: RwSignal<CampaignLive>) {
        if live.try_with_value(|l| l.poll.is_some()).unwrap_or(true) {
            return;
        }
        let handle = set_interval_with_handle(
            move || {
                // A finished campaign changes only through this page's own buttons.
                if current
                    .try_with_untracked(|c| c.state.status.is_final())
                    .unwrap_or(true)
                {
                    return;
                }
                leptos::task::spawn_local(async move {
                    if let Ok(dto) = load_campaign_live(workspace, id).await {
                        current.set(dto);
                    }
                });
            },
            std::time::Duration::from_millis(POLL_MS),
        );
        if let Ok(handle) = handle {
            let _ = live.try_update_value(|l| l.poll = Some(handle));
        }
    }
}
