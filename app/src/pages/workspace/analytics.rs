//! The analytics page: pick a range of the workspace's days (and a campaign or a sender), then
//! see messages sent, delivered, read and answered per day, where the messages ended up, the
//! busiest campaigns side by side, the funnel, the hours that get answers and templates and
//! variants compared — each chart with its numbers as a table, and a plain empty state when
//! the range holds nothing.

use super::campaigns::{now, workspace_zone};
use super::imports::grouped;
use super::use_shell;
use crate::api::analytics::load_analytics;
use crate::api::resource::resource;
use crate::api::{ApiError, AppError};
use crate::components::chart::{Band, Chart, ChartSpec};
use crate::pages::errors::ErrorPage;
use chrono::Days;
use leptos::prelude::*;
use leptos_meta::Title;
use shared::analytics::{
    Choice, Funnel, OutcomeShare, Reach, Report, ReportQuery, SendSlot, VariantGroup, Verdict,
    best_slot, percent,
};
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
    let report = resource(move || query.get(), move |q| load_analytics(workspace, q));
    let set_date = move |from: bool, value: String| {
        if let Some(day) = shared::dates::parse_date(&value) {
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

/// A chart's numbers as a folded table: each part with its share of `whole`.
fn share_table(parts: &[(&'static str, u64)], whole: u64) -> impl IntoView + use<> {
    let rows = parts
        .iter()
        .map(|(label, n)| {
            view! {
                <tr><th scope="row">{*label}</th><td class="num">{with_share(*n, whole)}</td></tr>
            }
        })
        .collect_view();
    view! {
        <details class="chart-table">
            <summary>"Show as a table"</summary>
            <table class="table"><tbody>{rows}</tbody></table>
        </details>
    }
}

/// Messages at their furthest step as a doughnut with its table, or `empty` when there are
/// none (the analytics page's range, a campaign's page).
#[component]
pub(crate) fn OutcomeDoughnut(
    outcomes: OutcomeShare,
    id: String,
    label: &'static str,
    empty: &'static str,
) -> impl IntoView {
    let total = outcomes.total();
    let parts = outcomes.parts();
    if total == 0 {
        return view! { <p class="muted empty chart-empty">{empty}</p> }.into_any();
    }
    view! {
        <p class="muted small">{format!("{} messages, each at its furthest step", grouped(total))}</p>
        <Chart id label=label.to_owned()
            spec=ChartSpec::Doughnut {
                labels: parts.iter().map(|(l, _)| (*l).to_owned()).collect(),
                values: parts.iter().map(|(_, n)| *n).collect(),
            } />
        {share_table(&parts, total)}
    }
    .into_any()
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
        .map(|d| shared::dates::day_month(&d.day))
        .collect();
    let series = vec![
        ("Sent".to_owned(), days.iter().map(|d| d.sent).collect()),
        (
            "Delivered".to_owned(),
            days.iter().map(|d| d.delivered).collect(),
        ),
        ("Read".to_owned(), days.iter().map(|d| d.read).collect()),
        (
            // Messages answered, on the day the lead wrote back.
            "Answered".to_owned(),
            days.iter().map(|d| d.replied).collect(),
        ),
    ];
    let outcomes = report.outcomes;
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
    // A new range's charts replace the old ones on the same canvases (see the chart component).
    view! {
        <section class="card chart-card" aria-labelledby="per-day-title">
            <h2 id="per-day-title">"Messages per day"</h2>
            {if any_day {
                view! {
                    <p class="muted small">{format!("{} sent in {} days", grouped(sent_total), days.len())}</p>
                    <Chart id="chart-days".to_owned() label="Chart of messages sent, delivered, read and answered per day".to_owned()
                        spec=ChartSpec::Lines { labels: labels.clone(), series } />
                    <details class="chart-table">
                        <summary>"Show as a table"</summary>
                        <div class="table-wrap">
                            <table class="table">
                                <caption class="muted small">"Days without any message are left out."</caption>
                                <thead><tr>
                                    <th scope="col">"Day"</th><th scope="col" class="num">"Sent"</th>
                                    <th scope="col" class="num">"Delivered"</th><th scope="col" class="num">"Read"</th>
                                    <th scope="col" class="num">"Answered"</th>
                                </tr></thead>
                                <tbody>
                                    {days.iter().filter(|d| d.sent + d.delivered + d.read + d.replied > 0).map(|d| view! {
                                        <tr>
                                            <th scope="row">{shared::dates::weekday_day_month(&d.day)}</th>
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
        <FunnelView funnel=report.funnel />
        <SendTimes slots=report.send_times />
        <Variants groups=report.variants />
        <div class="chart-pair">
            <section class="card chart-card" aria-labelledby="outcomes-title">
                <h2 id="outcomes-title">"Where the messages ended up"</h2>
                <OutcomeDoughnut outcomes id="chart-outcomes".to_owned()
                    label="Doughnut chart of message outcomes" empty="No messages in this range." />
            </section>
            <section class="card chart-card" aria-labelledby="campaigns-title">
                <h2 id="campaigns-title">"Campaigns side by side"</h2>
                {if campaigns.is_empty() {
                    view! { <p class="muted empty chart-empty">"No campaign sent anything in this range."</p> }.into_any()
                } else {
                    view! {
                        <Chart id="chart-campaigns".to_owned() label="Stacked bar chart of each campaign's message outcomes".to_owned()
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
fn FunnelView(funnel: Funnel) -> impl IntoView {
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
                    <Chart id="chart-funnel".to_owned() label="Bar chart of leads at each step from import to customer".to_owned()
                        spec=ChartSpec::Funnel {
                            labels: steps.iter().map(|(l, _)| (*l).to_owned()).collect(),
                            values: steps.iter().map(|(_, n)| *n).collect(),
                        } />
                    {share_table(&steps, imported)}
                }.into_any()
            }}
        </section>
    }
}

const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// "Tuesday 10:00–11:00".
fn slot_name(slot: &SendSlot) -> String {
    let day = WEEKDAYS
        .get(usize::from(slot.weekday))
        .copied()
        .unwrap_or("");
    format!("{day} {:02}:00–{:02}:00", slot.hour, (slot.hour + 1) % 24)
}

/// The heat map's colours by reply rate, lowest first, each up to its whole percent (an hour
/// with any answer is at least 1 %, so "0 %" means none). Fixed bands rather than shades of
/// the best rate, so the legend says what a colour means.
const HEAT_BANDS: [(&str, &str, u32); 5] = [
    ("No answer", "#e2e8f0", 0),
    ("1–10 % answered", "#bfdbfe", 10),
    ("11–25 % answered", "#60a5fa", 25),
    ("26–50 % answered", "#2563eb", 50),
    ("Over 50 % answered", "#1e3a8a", 100),
];

/// Each sending hour (column) and weekday (row) with messages, in its band.
fn heat_bands(slots: &[SendSlot]) -> Vec<Band> {
    let mut bands: Vec<Band> = HEAT_BANDS
        .iter()
        .map(|&(name, colour, _)| Band {
            name: name.to_owned(),
            colour,
            cells: Vec::new(),
        })
        .collect();
    for slot in slots {
        let Some(rate) = percent(slot.replied, slot.sent) else {
            continue;
        };
        let rate = if slot.replied == 0 { 0 } else { rate.max(1) };
        let index = HEAT_BANDS
            .iter()
            .position(|&(_, _, top)| rate <= top)
            .unwrap_or(HEAT_BANDS.len() - 1);
        if let Some(band) = bands.get_mut(index) {
            band.cells
                .push((usize::from(slot.hour), usize::from(slot.weekday)));
        }
    }
    bands
}

/// The reply rate by weekday and hour sent, as a heat map: a chart of squares coloured by
/// their rate's band, and under "Show as a table" the same as a table whose cells are shaded
/// by their rate (the numbers, for screen readers and whoever wants them).
#[component]
fn SendTimes(slots: Vec<SendSlot>) -> impl IntoView {
    let bands = heat_bands(&slots);
    let best = best_slot(&slots).cloned();
    // Shades are relative to the best rate seen, so a workspace with low rates still sees
    // where its answers come from.
    let top = slots
        .iter()
        .filter_map(|s| percent(s.replied, s.sent))
        .max()
        .unwrap_or(0)
        .max(1);
    let sent: u64 = slots.iter().map(|s| s.sent).sum();
    let cell = |weekday: u8, hour: u8| {
        let slot = slots
            .iter()
            .find(|s| s.weekday == weekday && s.hour == hour);
        match slot.and_then(|s| percent(s.replied, s.sent).map(|rate| (s, rate))) {
            Some((s, rate)) => {
                let heat = f64::from(rate) / f64::from(top);
                let hot = heat > 0.55;
                let detail = format!(
                    "{}: {} sent, {} answered ({rate} %)",
                    slot_name(s),
                    grouped(s.sent),
                    grouped(s.replied)
                );
                let title = detail.clone();
                view! {
                    <td class:hot=hot style=format!("--heat: {heat:.2}") title=title>
                        <span aria-hidden="true">{rate}</span>
                        <span class="sr-only">{detail}</span>
                    </td>
                }
                .into_any()
            }
            None => view! { <td class="cold"><span class="sr-only">"No messages"</span></td> }
                .into_any(),
        }
    };
    view! {
        <section class="card chart-card" aria-labelledby="send-times-title">
            <h2 id="send-times-title">"When leads answer"</h2>
            {if slots.is_empty() {
                view! { <p class="muted empty chart-empty">"No messages were sent in this range."</p> }.into_any()
            } else {
                view! {
                    <p class="muted small">
                        {format!("The share of the {} messages sent in each hour (your workspace's time) that the lead answered. ", grouped(sent))}
                        {match &best {
                            Some(b) => format!(
                                "Best so far: {} — {} % of {}.",
                                slot_name(b),
                                percent(b.replied, b.sent).unwrap_or(0),
                                grouped(b.sent)
                            ),
                            None => format!("No hour has {} messages and an answer yet.", shared::analytics::MIN_SLOT_SENT),
                        }}
                    </p>
                    <Chart id="chart-send-times".to_owned() label="Heat map of the share of messages answered, by weekday and hour sent".to_owned()
                        spec=ChartSpec::Matrix {
                            columns: (0u8..24).map(|h| format!("{h:02}")).collect(),
                            rows: WEEKDAYS.iter().map(|d| d[..3].to_owned()).collect(),
                            bands,
                        } />
                    <details class="chart-table">
                    <summary>"Show as a table"</summary>
                    <div class="table-wrap heatmap-wrap">
                        <table class="heatmap">
                            <caption class="sr-only">"Percentage of messages answered, by weekday and hour sent"</caption>
                            <thead><tr>
                                <th scope="col"><span class="sr-only">"Day"</span></th>
                                {(0u8..24).map(|h| view! { <th scope="col">{format!("{h:02}")}</th> }).collect_view()}
                            </tr></thead>
                            <tbody>
                                {(0u8..7).map(|w| view! {
                                    <tr>
                                        <th scope="row" title=WEEKDAYS[usize::from(w)]>{&WEEKDAYS[usize::from(w)][..3]}</th>
                                        {(0u8..24).map(|h| cell(w, h)).collect_view()}
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                    <p class="heatmap-legend muted small" aria-hidden="true">
                        "Numbers are % answered · darker is better · blank: nothing sent"
                    </p>
                    </details>
                }.into_any()
            }}
        </section>
    }
}

/// "p = 0.013", or "p < 0.001".
fn p_value(p: u32) -> String {
    if p < 10 {
        "p < 0.001".to_owned()
    } else {
        format!("p = {:.3}", f64::from(p) / 10_000.0)
    }
}

fn verdict_cell(verdict: Verdict) -> (&'static str, String) {
    match verdict {
        Verdict::Alone => ("verdict-alone", "—".to_owned()),
        Verdict::TooFew => ("verdict-few", "Too few to tell".to_owned()),
        Verdict::Differs { p } => ("verdict-differs", format!("Significant ({})", p_value(p))),
        Verdict::Same { p } => ("verdict-same", format!("Could be chance ({})", p_value(p))),
    }
}

/// The group's reply-rate finding in one sentence.
fn reply_finding(group: &VariantGroup) -> Option<String> {
    let rate = |r: &Reach| (r.replied, r.sent);
    let leader = group.rows.iter().max_by(|a, b| {
        let ((ah, an), (bh, bn)) = (rate(&a.reach), rate(&b.reach));
        (u128::from(ah) * u128::from(bn)).cmp(&(u128::from(bh) * u128::from(an)))
    })?;
    let leader_rate = percent(leader.reach.replied, leader.reach.sent).unwrap_or(0);
    match group.reply {
        Verdict::Alone => None,
        Verdict::TooFew => Some("Too few messages yet to tell which gets more answers.".to_owned()),
        Verdict::Differs { p } => Some(format!(
            "“{}” gets the most answers ({leader_rate} %), and the difference is significant ({}).",
            leader.label,
            p_value(p)
        )),
        Verdict::Same { p } => Some(format!(
            "“{}” leads on answers ({leader_rate} %), but the gap could be chance ({}): keep testing.",
            leader.label,
            p_value(p)
        )),
    }
}

/// Templates and campaign variants side by side, with whether their differences are real.
#[component]
fn Variants(groups: Vec<VariantGroup>) -> impl IntoView {
    view! {
        <section class="card chart-card" aria-labelledby="variants-title">
            <h2 id="variants-title">"Templates and variants"</h2>
            {if groups.is_empty() {
                view! { <p class="muted empty chart-empty">"No campaign or template message was sent in this range."</p> }.into_any()
            } else {
                view! {
                    <p class="muted small">"Rates are of the messages sent in the range. A difference is significant when chance would explain it less than 1 time in 20 (chi-squared test)."</p>
                    {groups.into_iter().map(|group| {
                        let finding = reply_finding(&group);
                        let verdicts = [group.delivery, group.read, group.reply].map(verdict_cell);
                        let compared = group.rows.len() > 1;
                        view! {
                            <div class="variant-group">
                                <h3>{group.name.clone()}</h3>
                                {finding.map(|f| view! { <p class="variant-finding">{f}</p> })}
                                <div class="table-wrap">
                                    <table class="table variant-table">
                                        <thead><tr>
                                            <th scope="col">{if group.campaign.is_some() { "Variant" } else { "Template" }}</th>
                                            <th scope="col" class="num">"Sent"</th>
                                            <th scope="col" class="num">"Delivered"</th>
                                            <th scope="col" class="num">"Read"</th>
                                            <th scope="col" class="num">"Answered"</th>
                                        </tr></thead>
                                        <tbody>
                                            {group.rows.iter().map(|row| {
                                                let r = &row.reach;
                                                view! {
                                                    <tr>
                                                        <th scope="row">{row.label.clone()}</th>
                                                        <td class="num">{grouped(r.sent)}</td>
                                                        <td class="num">{with_share(r.delivered, r.sent)}</td>
                                                        <td class="num">{with_share(r.read, r.sent)}</td>
                                                        <td class="num">{with_share(r.replied, r.sent)}</td>
                                                    </tr>
                                                }
                                            }).collect_view()}
                                        </tbody>
                                        {compared.then(|| view! {
                                            <tfoot><tr>
                                                <th scope="row" colspan="2">"Difference"</th>
                                                {verdicts.into_iter().map(|(class, text)| view! {
                                                    <td class=format!("num {class}")>{text}</td>
                                                }).collect_view()}
                                            </tr></tfoot>
                                        })}
                                    </table>
                                </div>
                            </div>
                        }
                    }).collect_view()}
                }.into_any()
            }}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_heat_map_puts_each_hour_in_its_band() {
        let slot = |weekday, hour, sent, replied| SendSlot {
            weekday,
            hour,
            sent,
            replied,
        };
        let slots = [
            slot(0, 9, 4, 0),    // Monday 09: no answer
            slot(1, 10, 300, 1), // Tuesday 10: 0.3 % rounds to 0 but is an answer
            slot(2, 11, 10, 1),  // 10 %
            slot(3, 12, 4, 1),   // 25 %
            slot(4, 13, 2, 1),   // 50 %
            slot(6, 23, 3, 2),   // Sunday 23: 67 %
            slot(5, 8, 0, 0),    // nothing sent: blank
        ];
        let bands = heat_bands(&slots);
        let cells: Vec<(&str, Vec<(usize, usize)>)> = bands
            .iter()
            .map(|b| (b.name.as_str(), b.cells.clone()))
            .collect();
        assert_eq!(
            cells,
            [
                ("No answer", vec![(9, 0)]),
                ("1–10 % answered", vec![(10, 1), (11, 2)]),
                ("11–25 % answered", vec![(12, 3)]),
                ("26–50 % answered", vec![(13, 4)]),
                ("Over 50 % answered", vec![(23, 6)]),
            ]
        );
    }
}
