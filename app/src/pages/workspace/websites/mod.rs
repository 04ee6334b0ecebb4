//! Website verification results: leads per outcome, the offer each group calls for (with
//! one-click segments and exports), the checked leads with their evidence, and starting a
//! check of the stale or unchecked leads; a running check shows its live progress.

pub mod progress;

use super::imports::grouped;
use super::use_shell;
use crate::api::resource::resource;
use crate::api::segments::create_segment;
use crate::api::websites::{load_website_results, start_website_check};
use crate::components::show::show;
use crate::components::toast::use_toaster;
use crate::pages::errors::ErrorPage;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use progress::{CheckProgress, CheckProgressModal};
use shared::leads::{LeadFilter, LeadSelection, WebsiteStatus};
use shared::segments::SegmentForm;
use shared::websites::{CheckScope, Offer, ResultRow, ResultsQuery, WebsiteCheck};
use shared::workspaces::Permission;

/// The statuses each offer covers (what its segment and export select).
fn offer_statuses(offer: Offer) -> Vec<WebsiteStatus> {
    WebsiteStatus::ALL
        .into_iter()
        .filter(|s| Offer::for_status(*s) == offer)
        .collect()
}

#[component]
pub fn WebsitesPage() -> impl IntoView {
    let ctx = use_shell();
    let workspace = ctx.shell.workspace.id;
    let slug = ctx.shell.workspace.slug.clone();
    let can_manage = ctx.shell.can(Permission::LeadsManage);
    let can_export = ctx.shell.can(Permission::LeadsExport);
    let toaster = use_toaster();
    let query = use_query_map();
    let status_filter = Memo::new(move |_| {
        query
            .read()
            .get("status")
            .and_then(|s| WebsiteStatus::parse(&s))
    });
    let progress = CheckProgress::new();
    let refresh = RwSignal::new(0u32);
    let results = resource(
        move || (status_filter.get(), refresh.get()),
        move |(status, _)| {
            load_website_results(
                workspace,
                ResultsQuery {
                    status: status.into_iter().collect(),
                    ..ResultsQuery::default()
                },
            )
        },
    );
    let more = RwSignal::new(Vec::<ResultRow>::new());
    let next = RwSignal::new(None::<(chrono::DateTime<chrono::Utc>, uuid::Uuid)>);
    let loading = RwSignal::new(false);
    let load_more = move |_| {
        let Some(after) = next.get_untracked() else {
            return;
        };
        loading.set(true);
        let status = status_filter.get_untracked();
        leptos::task::spawn_local(async move {
            let query = ResultsQuery {
                status: status.into_iter().collect(),
                after: Some(after),
                ..ResultsQuery::default()
            };
            match load_website_results(workspace, query).await {
                Ok(page) => {
                    more.update(|m| m.extend(page.rows));
                    next.set(page.next);
                }
                Err(e) => toaster.error(e.to_string()),
            }
            loading.set(false);
        });
    };

    let starting = RwSignal::new(false);
    let start = move |scope: CheckScope| {
        starting.set(true);
        leptos::task::spawn_local(async move {
            match start_website_check(workspace, scope).await {
                Ok(job) => progress.follow(job),
                Err(e) => toaster.error(
                    e.field_message("selection")
                        .or_else(|| e.field_message("days"))
                        .unwrap_or_else(|| e.to_string()),
                ),
            }
            starting.set(false);
        });
    };
    let stale_days = RwSignal::new(String::from("30"));
    let save_segment = move |offer: Offer| {
        let name = match offer {
            Offer::SeoMaintenance => "Live website (SEO & maintenance offer)",
            Offer::WebDesign => "No working website (web design offer)",
            Offer::Review => "Website to review",
        };
        let form = SegmentForm {
            name: name.to_owned(),
            filter: LeadFilter {
                website_status: offer_statuses(offer),
                ..LeadFilter::default()
            },
        };
        leptos::task::spawn_local(async move {
            match create_segment(workspace, form).await {
                Ok(segment) => toaster.success(format!(
                    "Segment “{}” saved with {} leads.",
                    segment.name,
                    grouped(segment.count)
                )),
                Err(e) => toaster.error(e.field_message("name").unwrap_or_else(|| e.to_string())),
            }
        });
    };

    let base = StoredValue::new(format!("/w/{slug}"));
    let results_href = format!("/w/{slug}/websites");
    let row = move |r: ResultRow| result_row(r, &base.get_value());
    view! {
        <Title text="Websites" />
        <div class="page-header">
            <h1>"Websites"</h1>
            {can_manage.then(|| view! {
                <div class="header-actions">
                    <button type="button" class="btn" disabled=move || starting.get()
                        on:click=move |_| start(CheckScope::Selection(LeadSelection::Filter(LeadFilter {
                            website_status: vec![WebsiteStatus::Unchecked],
                            ..LeadFilter::default()
                        })))>
                        "Check unchecked leads"
                    </button>
                    <form class="stale-form" on:submit=move |ev| {
                        ev.prevent_default();
                        match stale_days.get_untracked().trim().parse::<u32>() {
                            Ok(days) => start(CheckScope::Stale { days }),
                            Err(_) => toaster.error("Days: enter a whole number of days, e.g. 30."),
                        }
                    }>
                        <label for="stale-days">"Re-check sites checked over"</label>
                        <input id="stale-days" name="days" type="number" min="0" max="3650" inputmode="numeric"
                            prop:value=move || stale_days.get() on:input=move |ev| stale_days.set(event_target_value(&ev)) />
                        <span>"days ago"</span>
                        <button type="submit" class="btn btn-primary" disabled=move || starting.get()>"Check"</button>
                    </form>
                </div>
            })}
        </div>
        <CheckProgressModal workspace=workspace progress=progress results_href=results_href can_manage=can_manage
            on_end=Callback::new(move |_| refresh.update(|n| *n += 1)) />
        <Transition fallback=|| view! { <p class="loading">"Loading results…"</p> }>
            {move || Suspend::new(async move {
                match results.await {
                    Ok(page) => {
                        if let Some(job) = page.job.clone()
                            && job.status.is_active()
                            && progress.job.with_untracked(Option::is_none)
                        {
                            // Reattach to a check started elsewhere (or before a reload).
                            progress.follow(job);
                        }
                        more.set(Vec::new());
                        next.set(page.next);
                        let selected = status_filter.get_untracked();
                        let base = base.get_value();
                        let cards = WebsiteStatus::ALL.into_iter().map(|s| {
                            let href = format!("{base}/websites?status={}", s.as_str());
                            view! {
                                <a class=format!("status-card website-{}", s.as_str().to_ascii_lowercase())
                                    class:active=selected == Some(s) href=href>
                                    <span class="status-count">{grouped(page.count(s))}</span>
                                    <span class="status-label">{s.label()}</span>
                                </a>
                            }
                        }).collect_view();
                        let offers = [Offer::SeoMaintenance, Offer::WebDesign, Offer::Review].into_iter().map(|offer| {
                            let export = match offer {
                                Offer::SeoMaintenance => Some(("with_website.csv", "Export with_website.csv")),
                                Offer::WebDesign => Some(("without_website.csv", "Export without_website.csv")),
                                Offer::Review => None,
                            };
                            let explain = match offer {
                                Offer::SeoMaintenance => "Their site is live: pitch SEO and maintenance.",
                                Offer::WebDesign => "No site, or a broken one: pitch a new website.",
                                Offer::Review => "Not checked yet, or the address could not be checked.",
                            };
                            view! {
                                <li class=format!("offer offer-{}", offer.as_str())>
                                    <div>
                                        <strong>{offer.label()}</strong>
                                        <span class="offer-count">{format!("{} leads", grouped(page.offer_count(offer)))}</span>
                                        <p class="muted small">{explain}</p>
                                    </div>
                                    <div class="offer-actions">
                                        {(can_manage && offer != Offer::Review).then(|| view! {
                                            <button type="button" class="btn btn-small" on:click=move |_| save_segment(offer)>"Save as segment"</button>
                                        })}
                                        {can_export.then(|| export.map(|(file, label)| view! {
                                            <a class="btn btn-small" download="" href=format!("{base}/leads/export/{file}")>{label}</a>
                                        }))}
                                    </div>
                                </li>
                            }
                        }).collect_view();
                        let empty = page.rows.is_empty();
                        let filter_note = selected.map(|s| view! {
                            <p class="muted">{format!("Showing: {}. ", s.label())}
                                <a href=format!("{base}/websites")>"Show all"</a></p>
                        });
                        view! {
                            <div class="status-cards">{cards}</div>
                            <section class="card">
                                <h2>"What to pitch"</h2>
                                <ul class="offers">{offers}</ul>
                            </section>
                            <section class="card">
                                <h2>"Checked websites"</h2>
                                {filter_note}
                                {if empty {
                                    view! {
                                        <div class="empty">
                                            <p>"No website checked yet."</p>
                                            <p class="muted">"Select leads on the Leads page and choose “Verify websites”, or check every unchecked lead with the button above."</p>
                                        </div>
                                    }.into_any()
                                } else {
                                    view! {
                                        <div class="table-wrap">
                                            <table class="table results">
                                                <thead><tr>
                                                    <th scope="col">"Business"</th>
                                                    <th scope="col">"Website"</th>
                                                    <th scope="col">"Outcome"</th>
                                                    <th scope="col">"Evidence"</th>
                                                    <th scope="col">"Checked"</th>
                                                    <th scope="col">"Pitch"</th>
                                                </tr></thead>
                                                <tbody>
                                                    {page.rows.into_iter().map(row).collect_view()}
                                                    {move || more.get().into_iter().map(row).collect_view()}
                                                </tbody>
                                            </table>
                                        </div>
                                        {show(move || next.get().is_some(), move || view! {
                                            <button class="btn load-more" on:click=load_more disabled=move || loading.get()>
                                                {move || if loading.get() { "Loading…" } else { "Load more" }}
                                            </button>
                                        }.into_any())}
                                    }.into_any()
                                }}
                            </section>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorPage error=e /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The evidence in a few words: "HTTP 200 · 2 redirects · 340 ms · HTTPS ✓ · “Title”".
pub fn evidence(check: &WebsiteCheck) -> String {
    let mut parts = Vec::new();
    if let Some(status) = check.http_status {
        parts.push(format!("HTTP {status}"));
    }
    match check.redirects {
        0 => {}
        1 => parts.push("1 redirect".to_owned()),
        n => parts.push(format!("{n} redirects")),
    }
    if check.ms > 0 {
        parts.push(format!("{} ms", check.ms));
    }
    match check.https_valid {
        Some(true) => parts.push("valid HTTPS".to_owned()),
        Some(false) => parts.push("no valid HTTPS".to_owned()),
        None => {}
    }
    if let Some(title) = &check.title {
        parts.push(format!("“{title}”"));
    }
    parts.join(" · ")
}

fn result_row(r: ResultRow, base: &str) -> impl IntoView + use<> {
    let check = r.check;
    let status = check.status;
    let link = check.final_url.clone().or_else(|| check.social_url.clone());
    view! {
        <tr>
            <td><a class="lead-name" href=format!("{base}/leads/{}", r.lead_id)>{r.name}</a></td>
            <td class="url-cell">
                {r.website.unwrap_or_default()}
                {link.map(|url| {
                    let shown = url.clone();
                    view! { <a class="final-url" href=url rel="noopener noreferrer nofollow" target="_blank">{shown}</a> }
                })}
            </td>
            <td>
                <span class=format!("badge website-{}", status.as_str().to_ascii_lowercase())>{status.label()}</span>
                <span class="reason">{check.reason.label()}</span>
            </td>
            <td class="evidence">{evidence(&check)}</td>
            <td><time datetime=check.checked_at.to_rfc3339()>{shared::dates::date_time(&check.checked_at)}</time></td>
            <td><span class=format!("offer-tag offer-{}", r.offer.as_str())>{r.offer.label()}</span></td>
        </tr>
    }
}
