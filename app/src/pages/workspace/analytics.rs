//! The analytics page: pick a range of the workspace's days (and a campaign or a sender), then
//! see messages sent, delivered, read and answered per day, where the messages ended up, and
//! the busiest campaigns side by side — each chart with its numbers as a table, and a plain
//! empty state when the range holds nothing.

use super::campaigns::{now, workspace_zone};
use super::imports::grouped;
use super::use_shell;
use crate::api::analytics::load_analytics;
use crate::api::{ApiError, AppError};
use crate::components::chart::{Chart, ChartSpec};
use crate::pages::errors::ErrorPage;
use chrono::{Days, NaiveDate};
use leptos::prelude::*;
use leptos_meta::Title;
use shared::analytics::{Choice, Funnel, Report, ReportQuery, percent};
use uuid::Uuid;

/// The range the page opens on: the last 30 days, today included.
const DEFAULT_DAYS: u64 = 30;

#[component]
pub fn AnalyticsPage() -> impl IntoView {
    let workspace = use_shell().shell.workspace.id;
    let today = workspace_zone().local(now()).date();
    let start = today
        .checked_sub_days(Days::new(DEFAULT_DAYS - 1))
        .unwrap_or(today);
    let query = RwSignal::new(ReportQuery {
        from: start,
        to: today,
        campaign: None,
        sender: None,
    });
    let report = Resource::new(move || query.get(), move |q| load_analytics(workspace, q));
    let set_date = move |from: bool, value: String| {
        if let Ok(day) = value.parse::<NaiveDate>() {
            query.update(|q| if from { q.from = day } else { q.to = day });
        }
    };
    let last = move |days: u64| {
        query.update(|q| {
            q.to = today;
            q.from = today.checked_sub_days(Days::new(days - 1)).unwrap_or(today);
        });
    };
    view! {
        <Title text="Analytics" />
        <div class="page-header">
            <div>
                <h1>"Analytics"</h1>
                <p class="muted">"What was sent, what arrived, what was read and who answered — on your workspace's days."</p>
            </div>
        </div>
        <section class="card filters" aria-label="Range and filters">
            <div class="filter-row">
                <div class="field">
                    <label for="range-from">"From"</label>
                    <input id="range-from" type="date" prop:value=move || query.with(|q| q.from.to_string())
                        on:change=move |ev| set_date(true, event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="range-to">"To"</label>
                    <input id="range-to" type="date" prop:value=move || query.with(|q| q.to.to_string())
                        on:change=move |ev| set_date(false, event_target_value(&ev)) />
                </div>
                <div class="field filter-actions range-presets" role="group" aria-label="Quick ranges">
                    <button type="button" class="btn btn-small" on:click=move |_| last(7)>"7 days"</button>
                    <button type="button" class="btn btn-small" on:click=move |_| last(30)>"30 days"</button>
                    <button type="button" class="btn btn-small" on:click=move |_| last(90)>"90 days"</button>
                </div>
            </div>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    report.await.ok().map(|r| view! {
                        <Scope campaigns=r.campaign_choices senders=r.sender_choices query />
                    })
                })}
            </Transition>
        </section>
        <Transition fallback=|| view! { <div class="card skeleton" aria-busy="true"></div> }>
            {move || Suspend::new(async move {
                match report.await {
                    Ok(r) => view! { <ReportView report=r /> }.into_any(),
                    // A range the wrong way round or too long: say so where the charts go.
                    Err(ApiError(AppError::Validation(errors))) => view! {
                        <p class="alert alert-error range-error" role="alert">
                            {errors.into_iter().map(|e| e.message).collect::<Vec<_>>().join(" ")}
                        </p>
                    }.into_any(),
                    Err(e) => view! { <ErrorPage error=e /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The campaign and sender pickers.
#[component]
fn Scope(
    campaigns: Vec<Choice>,
    senders: Vec<Choice>,
    query: RwSignal<ReportQuery>,
) -> impl IntoView {
    let options = |choices: Vec<Choice>, selected: Option<Uuid>| {
        choices
            .into_iter()
            .map(|c| view! { <option value=c.id.to_string() selected=selected == Some(c.id)>{c.name}</option> })
            .collect_view()
    };
    let (campaign, sender) = query.with_untracked(|q| (q.campaign, q.sender));
    view! {
        <div class="filter-row analytics-scope">
            <div class="field">
                <label for="scope-campaign">"Campaign"</label>
                <select id="scope-campaign" on:change=move |ev| {
                    let id = event_target_value(&ev).parse::<Uuid>().ok();
                    query.update(|q| q.campaign = id);
                }>
                    <option value="" selected=campaign.is_none()>"All campaigns and one-to-one messages"</option>
                    {options(campaigns, campaign)}
                </select>
            </div>
            <div class="field">
                <label for="scope-sender">"Sender"</label>
                <select id="scope-sender" on:change=move |ev| {
                    let id = event_target_value(&ev).parse::<Uuid>().ok();
                    query.update(|q| q.sender = id);
                }>
                    <option value="" selected=sender.is_none()>"All senders"</option>
                    {options(senders, sender)}
                </select>
            </div>
        </div>
    }
}

/// "12 (40 %)".
fn with_share(part: u64, whole: u64) -> String {
    match percent(part, whole) {
        Some(p) => format!("{} ({p} %)", grouped(part)),
        None => grouped(part),
    }
}

#[component]
fn ReportView(report: Report) -> impl IntoView {
    let days = report.days;
    let sent_total: u64 = days.iter().map(|d| d.sent).sum();
    let any_day = days
        .iter()
        .any(|d| d.sent + d.delivered + d.read + d.replied > 0);
    let labels: Vec<String> = days
        .iter()
        .map(|d| d.day.format("%d %b").to_string())
        .collect();
    let series = vec![
        ("Sent".to_owned(), days.iter().map(|d| d.sent).collect()),
        (
            "Delivered".to_owned(),
            days.iter().map(|d| d.delivered).collect(),
        ),
        ("Read".to_owned(), days.iter().map(|d| d.read).collect()),
        (
            "Replies".to_owned(),
            days.iter().map(|d| d.replied).collect(),
        ),
    ];
    let outcomes = report.outcomes;
    let total = outcomes.total();
    let parts = outcomes.parts();
    let campaigns = report.campaigns;
    let campaign_labels: Vec<String> = campaigns.iter().map(|c| c.name.clone()).collect();
    let campaign_series: Vec<(String, Vec<u64>)> = (0..parts.len())
        .map(|i| {
            (
                parts[i].0.to_owned(),
                campaigns.iter().map(|c| c.outcomes.parts()[i].1).collect(),
            )
        })
        .collect();
    // Each render gets fresh canvas ids, so a new range never draws over an old chart.
    let key = format!("{}-{}", report.query.from, report.query.to);
    view! {
        <section class="card chart-card" aria-labelledby="per-day-title">
            <h2 id="per-day-title">"Messages per day"</h2>
            {if any_day {
                view! {
                    <p class="muted small">{format!("{} sent in {} days", grouped(sent_total), days.len())}</p>
                    <Chart id=format!("chart-days-{key}") label="Line chart of messages sent, delivered, read and replies per day".to_owned()
                        spec=ChartSpec::Lines { labels: labels.clone(), series } />
                    <details class="chart-table">
                        <summary>"Show as a table"</summary>
                        <div class="table-wrap">
                            <table class="table">
                                <caption class="muted small">"Days without any message are left out."</caption>
                                <thead><tr>
                                    <th scope="col">"Day"</th><th scope="col" class="num">"Sent"</th>
                                    <th scope="col" class="num">"Delivered"</th><th scope="col" class="num">"Read"</th>
                                    <th scope="col" class="num">"Replies"</th>
                                </tr></thead>
                                <tbody>
                                    {days.iter().filter(|d| d.sent + d.delivered + d.read + d.replied > 0).map(|d| view! {
                                        <tr>
                                            <th scope="row">{d.day.format("%a %d %b").to_string()}</th>
                                            <td class="num">{grouped(d.sent)}</td><td class="num">{grouped(d.delivered)}</td>
                                            <td class="num">{grouped(d.read)}</td><td class="num">{grouped(d.replied)}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    </details>
                }.into_any()
            } else {
                view! { <p class="muted empty chart-empty">"No messages in this range. Pick other days, or launch a campaign."</p> }.into_any()
            }}
        </section>
        <FunnelView funnel=report.funnel key=key.clone() />
        <div class="chart-pair">
            <section class="card chart-card" aria-labelledby="outcomes-title">
                <h2 id="outcomes-title">"Where the messages ended up"</h2>
                {if total > 0 {
                    view! {
                        <p class="muted small">{format!("{} messages, each at its furthest step", grouped(total))}</p>
                        <Chart id=format!("chart-outcomes-{key}") label="Doughnut chart of message outcomes".to_owned()
                            spec=ChartSpec::Doughnut {
                                labels: parts.iter().map(|(l, _)| (*l).to_owned()).collect(),
                                values: parts.iter().map(|(_, n)| *n).collect(),
                            } />
                        <details class="chart-table">
                            <summary>"Show as a table"</summary>
                            <table class="table">
                                <tbody>
                                    {parts.iter().map(|(label, n)| view! {
                                        <tr><th scope="row">{*label}</th><td class="num">{with_share(*n, total)}</td></tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </details>
                    }.into_any()
                } else {
                    view! { <p class="muted empty chart-empty">"No messages in this range."</p> }.into_any()
                }}
            </section>
            <section class="card chart-card" aria-labelledby="campaigns-title">
                <h2 id="campaigns-title">"Campaigns side by side"</h2>
                {if campaigns.is_empty() {
                    view! { <p class="muted empty chart-empty">"No campaign sent anything in this range."</p> }.into_any()
                } else {
                    view! {
                        <Chart id=format!("chart-campaigns-{key}") label="Stacked bar chart of each campaign's message outcomes".to_owned()
                            spec=ChartSpec::StackedBars { labels: campaign_labels, series: campaign_series } />
                        <details class="chart-table">
                            <summary>"Show as a table"</summary>
                            <div class="table-wrap">
                                <table class="table">
                                    <thead><tr>
                                        <th scope="col">"Campaign"</th>
                                        {parts.iter().map(|(label, _)| view! { <th scope="col" class="num">{*label}</th> }).collect_view()}
                                    </tr></thead>
                                    <tbody>
                                        {campaigns.iter().map(|c| {
                                            let whole = c.outcomes.total();
                                            view! {
                                                <tr>
                                                    <th scope="row">{c.name.clone()}</th>
                                                    {c.outcomes.parts().iter().map(|(_, n)| view! { <td class="num">{with_share(*n, whole)}</td> }).collect_view()}
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        </details>
                    }.into_any()
                }}
            </section>
        </div>
    }
}

/// The range's new leads from import to customer.
#[component]
fn FunnelView(funnel: Funnel, key: String) -> impl IntoView {
    let steps = funnel.steps();
    let imported = funnel.imported;
    view! {
        <section class="card chart-card" aria-labelledby="funnel-title">
            <h2 id="funnel-title">"From import to customer"</h2>
            {if imported == 0 {
                view! { <p class="muted empty chart-empty">"No leads were added in this range."</p> }.into_any()
            } else {
                view! {
                    <p class="muted small">{format!("The {} leads added in this range, step by step", grouped(imported))}</p>
                    <Chart id=format!("chart-funnel-{key}") label="Bar chart of leads at each step from import to customer".to_owned()
                        spec=ChartSpec::Funnel {
                            labels: steps.iter().map(|(l, _)| (*l).to_owned()).collect(),
                            values: steps.iter().map(|(_, n)| *n).collect(),
                        } />
                    <details class="chart-table">
                        <summary>"Show as a table"</summary>
                        <table class="table">
                            <tbody>
                                {steps.iter().map(|(label, n)| view! {
                                    <tr><th scope="row">{*label}</th><td class="num">{with_share(*n, imported)}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </details>
                }.into_any()
            }}
        </section>
    }
}
