//! The lead list: search and filters (kept in the URL so a view can be shared or reloaded),
//! sort, keyset "Load more" paging, row selection with bulk actions, segments (saved filters
//! with live counts) and exports of exactly what is shown or selected.

mod bulk;
mod filters;
mod numbers;
mod segments;

use super::imports::grouped;
use super::use_shell;
use super::websites::progress::{CheckProgress, CheckProgressModal};
use crate::api::leads::{BulkLeads, leads};
use crate::api::resource::resource;
use crate::api::segments::segments as load_segments;
use crate::api::websites::active_website_check;
use crate::api::whatsapp::active_number_check;
use crate::api::{ApiError, ApiResult, AppError};
use crate::components::effect::effect;
use crate::components::lazy::wanted_once;
use crate::components::show::show;
use crate::components::toast::use_toaster;
use crate::pages::errors::ErrorPage;
use bulk::{BulkBarParts, SelectAllBanner, Selection, bulk_bar, bulk_later};
use filters::FilterForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use numbers::{NumberCheckBanner, NumberCheckProgress};
use segments::{SegmentActions, SegmentsPanel};
use shared::leads::{LeadQuery, LeadRow};
use shared::segments::SegmentEntry;
use shared::websites::VerifyJobDto;
use shared::whatsapp::NumberCheckJobDto;
use shared::workspaces::Permission;
use uuid::Uuid;

/// The website check and the WhatsApp number check running in `workspace`, each looked up on its
/// own (one that cannot be read does not hide the other). Asked after hydrating, so their
/// replies' decoding is a lazy split fetched then, not part of the page's first download
/// (docs/benchmarks.md, "What runs only on a click").
#[lazy]
async fn running_checks(workspace: Uuid) -> (Option<VerifyJobDto>, Option<NumberCheckJobDto>) {
    (
        active_website_check(workspace).await.ok().flatten(),
        active_number_check(workspace).await.ok().flatten(),
    )
}

#[component]
pub fn LeadsPage() -> impl IntoView {
    let ctx = use_shell();
    let workspace = ctx.shell.workspace.id;
    let slug = ctx.shell.workspace.slug.clone();
    let can_export = ctx.shell.can(Permission::LeadsExport);
    let can_manage = ctx.shell.can(Permission::LeadsManage);
    let can_send = ctx.shell.can(Permission::Send);
    // "Message in a campaign" opens the wizard on the selection (or the whole filter).
    let new_campaign = StoredValue::new(
        ctx.shell
            .can(Permission::CampaignsCreate)
            .then(|| format!("/w/{slug}/campaigns/new")),
    );
    let toaster = use_toaster();
    let query = use_query_map();
    let current = Memo::new(move |_| LeadQuery::read(|key| query.read().get(key)));
    // A URL with a bad parameter still shows the list (unfiltered by it) under the message.
    let parsed = Memo::new(move |_| current.with(LeadQuery::to_filter));
    let filter_and_sort = Signal::derive(move || parsed.get().unwrap_or_default());
    let filter = Signal::derive(move || filter_and_sort.get().0);

    let bulk = Action::new(|input: &BulkLeads| bulk_later(input.clone()));
    let segment_actions = SegmentActions::new();

    // Bumped when a followed website check ends, so the list shows the new statuses.
    let checks_done = RwSignal::new(0u32);
    // Moved by whatever changes the segments' names or counts: their own actions and bulk ones.
    let segments_version = Memo::new(move |_| {
        bulk.version().get()
            + segment_actions.create.version().get()
            + segment_actions.rename.version().get()
            + segment_actions.delete.version().get()
    });
    // The segments as last shown, with the version they were loaded at.
    let kept_segments = StoredValue::new(None::<(usize, ApiResult<Vec<SegmentEntry>>)>);
    // One resource for the page (docs/benchmarks.md, "One resource per page"): the leads for
    // the filter in the URL, and the segments, asked for again only when their version moved
    // (a new filter or sort asks for its leads alone).
    let data = resource(
        move || {
            (
                parsed.get(),
                bulk.version().get(),
                checks_done.get(),
                segments_version.get(),
            )
        },
        move |(parsed, _, _, version)| async move {
            let page = async {
                let (filter, sort) = parsed.map_err(ApiError)?;
                leads(workspace, filter, sort, None).await
            };
            let segments = async {
                match kept_segments.get_value() {
                    Some((kept, list)) if kept == version => list,
                    _ => load_segments(workspace).await,
                }
            };
            let (page, segments) = futures::join!(page, segments);
            (page, segments, version)
        },
    );

    let progress = CheckProgress::new();
    let website_check_started = Callback::new(move |job| progress.follow(job));

    // The WhatsApp number check is followed the same way.
    let number_progress = NumberCheckProgress::new();
    let numbers_done = Callback::new(move |job: shared::whatsapp::NumberCheckJobDto| {
        if job.status == shared::websites::VerifyJobStatus::Done {
            toaster.success(format!(
                "WhatsApp check finished: {} on WhatsApp, {} not.",
                job.on_whatsapp, job.not_on_whatsapp
            ));
        }
        checks_done.update(|n| *n += 1);
    });
    let number_check_started =
        Callback::new(move |job| number_progress.follow(workspace, job, numbers_done));
    // A website check or a WhatsApp number check running in this workspace (started elsewhere,
    // or before a reload) is looked up once the page is interactive: effects run in the browser
    // only, after hydrating.
    effect(move || {
        leptos::task::spawn_local(async move {
            let (website_job, number_job) = running_checks(workspace).await;
            // `try_`: the page may have been left while the lookup ran.
            if let Some(job) = website_job
                && progress.job.try_with_untracked(Option::is_none) == Some(true)
            {
                progress.follow(job);
            }
            if let Some(job) = number_job
                && number_progress.job.try_with_untracked(Option::is_none) == Some(true)
            {
                number_progress.follow(workspace, job, numbers_done);
            }
        });
    });

    let selection = Selection::new();
    // The bulk bar's split is fetched with the first tick (`bulk.rs`).
    let bar_wanted = wanted_once(move || selection.count() > 0);
    // A new filter is a new list: what was ticked in the old one is no longer on screen.
    effect(move || {
        current.track();
        selection.clear();
    });
    effect(move || match bulk.value().get() {
        Some(Ok(outcome)) => {
            toaster.success(outcome.message);
            selection.clear();
        }
        Some(Err(e)) if e.field_message("tag").is_none() => toaster.error(e.to_string()),
        _ => {}
    });
    for (done, value) in [
        ("Segment saved.", segment_actions.create.value()),
        ("Segment renamed.", segment_actions.rename.value()),
    ] {
        effect(move || match value.get() {
            Some(Ok(_)) => toaster.success(done),
            Some(Err(e)) if e.field_message("name").is_none() => toaster.error(e.to_string()),
            _ => {}
        });
    }
    effect(move || match segment_actions.delete.value().get() {
        Some(Ok(())) => toaster.success("Segment deleted."),
        Some(Err(e)) => toaster.error(e.to_string()),
        None => {}
    });

    let more = RwSignal::new(Vec::<LeadRow>::new());
    let next = RwSignal::new(None::<String>);
    let loading = RwSignal::new(false);
    let load_more = move |_| {
        let Some(after) = next.get_untracked() else {
            return;
        };
        loading.set(true);
        let (filter, sort) = filter_and_sort.get_untracked();
        leptos::task::spawn_local(async move {
            match leads(workspace, filter, sort, Some(after)).await {
                Ok(page) => {
                    selection
                        .visible
                        .update(|v| v.extend(page.rows.iter().map(|r| r.id)));
                    more.update(|m| m.extend(page.rows));
                    next.set(page.next);
                }
                Err(e) => toaster.error(e.to_string()),
            }
            loading.set(false);
        });
    };

    let base = format!("/w/{slug}/leads");
    let export_base = format!("/w/{slug}/leads/export");
    let export_links = StoredValue::new(export_base.clone());
    let query_string = Signal::derive(move || current.with(LeadQuery::query_string));
    let imports_link = format!("/w/{slug}/imports");
    let results_href = format!("/w/{slug}/websites");
    let lead_base = StoredValue::new(base.clone());
    let row = move |r: LeadRow| {
        lead_row(
            r,
            lead_base.get_value(),
            selection,
            can_manage || can_export,
        )
    };
    view! {
        <Title text="Leads" />
        <div class="page-header">
            <h1>"Leads"</h1>
            {can_manage.then(|| view! { <a class="btn btn-primary" href=imports_link.clone()>"Import leads"</a> })}
        </div>
        <CheckProgressModal workspace=workspace progress=progress results_href=results_href can_manage=can_manage
            on_end=Callback::new(move |_| checks_done.update(|n| *n += 1)) />
        <NumberCheckBanner workspace=workspace progress=number_progress />
        <FilterForm base=base.clone() current=current />
        {move || parsed.get().err().map(|e| view! { <div class="alert alert-error" role="alert">{e.to_string()}</div> })}
        {can_export.then(|| view! {
            <div class="export-bar">
                <span class="muted">"Export:"</span>
                <a class="btn btn-small" download="" href=move || format!("{}/leads.csv?{}", export_links.get_value(), query_string.get())>"This list (CSV)"</a>
                <a class="btn btn-small" download="" href=move || format!("{}/leads.xlsx?{}", export_links.get_value(), query_string.get())>"This list (Excel)"</a>
                <a class="btn btn-small" download="" href=move || format!("{}/with_website.csv", export_links.get_value())>"with_website.csv"</a>
                <a class="btn btn-small" download="" href=move || format!("{}/without_website.csv", export_links.get_value())>"without_website.csv"</a>
            </div>
        })}
        <Transition fallback=|| view! { <p class="loading">"Loading leads…"</p> }>
            {move || {
                let imports_link = imports_link.clone();
                let base = base.clone();
                let export_base = export_base.clone();
                Suspend::new(async move {
                    let (page, segment_list, version) = data.await;
                    kept_segments.set_value(Some((version, segment_list.clone())));
                    let panel = match segment_list {
                        Ok(list) => view! {
                            <SegmentsPanel workspace=workspace segments=list base=base
                                current=filter_and_sort actions=segment_actions can_manage=can_manage />
                        }.into_any(),
                        Err(e) => view! { <aside class="card segments"><p class="alert alert-error">{e.to_string()}</p></aside> }.into_any(),
                    };
                    let list = match page {
                        Ok(page) => {
                            more.set(Vec::new());
                            next.set(page.next.clone());
                            let total = page.total.unwrap_or_default();
                            selection.total.set(total);
                            selection.visible.set(page.rows.iter().map(|r| r.id).collect());
                            if page.rows.is_empty() {
                                view! {
                                    <div class="card empty">
                                        <p>"No leads match."</p>
                                        <p class="muted">"Import a spreadsheet to add leads, or clear the filters."</p>
                                        <a class="btn btn-primary" href=imports_link>"Import leads"</a>
                                    </div>
                                }.into_any()
                            } else {
                                let selectable = can_manage || can_export || can_send || new_campaign.with_value(Option::is_some);
                                let export_base = StoredValue::new(export_base);
                                let bar = move || {
                                    let parts = BulkBarParts {
                                        workspace,
                                        selection,
                                        filter,
                                        export_base: export_base.get_value(),
                                        query_string,
                                        action: bulk,
                                        can_manage,
                                        can_export,
                                        can_send,
                                        on_website_check: website_check_started,
                                        on_number_check: number_check_started,
                                        new_campaign: new_campaign.get_value(),
                                    };
                                    view! { <Suspense>{Suspend::new(bulk_bar(parts))}</Suspense> }.into_any()
                                };
                                view! {
                                    {show(move || bar_wanted.get(), bar)}
                                    <section class="card">
                                        <p class="muted list-count">{format!("{} leads", grouped(total))}</p>
                                        <SelectAllBanner selection=selection />
                                        <div class="table-wrap">
                                            <table class="table leads">
                                                <thead>
                                                    <tr>
                                                        {selectable.then(|| view! {
                                                            <th scope="col" class="select-col">
                                                                <input type="checkbox" aria-label="Select all leads on screen"
                                                                    prop:checked=move || selection.page_ticked()
                                                                    on:change=move |ev| selection.tick_page(event_target_checked(&ev)) />
                                                            </th>
                                                        })}
                                                        <th scope="col">"Business"</th>
                                                        <th scope="col">"Phone"</th>
                                                        <th scope="col">"Website"</th>
                                                        <th scope="col">"City"</th>
                                                        <th scope="col">"Category"</th>
                                                        <th scope="col">"Stage"</th>
                                                        <th scope="col">"Messages"</th>
                                                        <th scope="col">"Tags"</th>
                                                    </tr>
                                                </thead>
                                                <tbody>
                                                    {page.rows.into_iter().map(row).collect_view()}
                                                    {move || more.get().into_iter().map(row).collect_view()}
                                                </tbody>
                                            </table>
                                        </div>
                                        {show(move || next.with(Option::is_some), move || view! {
                                            <button class="btn load-more" on:click=load_more disabled=move || loading.get()>
                                                {move || if loading.get() { "Loading…" } else { "Load more" }}
                                            </button>
                                        }.into_any())}
                                    </section>
                                }.into_any()
                            }
                        }
                        Err(ApiError(AppError::Validation(_))) => view! { <div class="card empty"><p>"Fix the filter above to see leads."</p></div> }.into_any(),
                        Err(e) => view! { <ErrorPage error=e /> }.into_any(),
                    };
                    view! {
                        <div class="leads-layout">
                            <div class="leads-main">{list}</div>
                            {panel}
                        </div>
                    }
                    .into_any()
                })
            }}
        </Transition>
    }
}

/// "3 sent · 04 Dec", whether the lead answered, and the appointment booked with it; empty
/// when none of these happened.
fn engagement(e: &shared::leads::Engagement) -> impl IntoView + use<> {
    let zone = super::campaigns::workspace_zone();
    let day = |at| shared::dates::day_month(&zone.local(at));
    let last = e.last_contacted_at.map(day);
    let sent = (e.messages_sent > 0).then(|| {
        let title = last
            .as_ref()
            .map(|d| format!("Last contacted {d}"))
            .unwrap_or_default();
        view! {
            <span class="engagement-sent" title=title>
                {format!("{} sent", e.messages_sent)}
                {last.map(|d| format!(" · {d}"))}
            </span>
        }
    });
    let appointment = e.appointment_at.map(|at| {
        view! {
            <span class="badge badge-appointment" title=format!("Appointment {}", zone.long(at))>
                {format!("Appt {}", day(at))}
            </span>
        }
    });
    view! {
        {sent}
        {e.last_reply_at.is_some().then(|| view! { <span class="badge badge-answered">"Answered"</span> })}
        {appointment}
    }
}

fn lead_row(r: LeadRow, base: String, selection: Selection, selectable: bool) -> impl IntoView {
    let flagged = r.phone_error.clone();
    let id = r.id;
    let href = format!("{base}/{id}");
    let label = format!("Select {}", r.name);
    view! {
        <tr class:opted-out=r.opted_out class:selected=move || selection.is_ticked(id)>
            {selectable.then(|| view! {
                <td class="select-col">
                    <input type="checkbox" aria-label=label
                        prop:checked=move || selection.is_ticked(id)
                        disabled=move || selection.all_matching.get()
                        on:change=move |ev| selection.set_ticked(id, event_target_checked(&ev)) />
                </td>
            })}
            <td>
                <a class="lead-name" href=href>{r.name}</a>
                {r.email.map(|e| view! { <span class="muted lead-email">{e}</span> })}
            </td>
            <td>
                <span class:flagged=flagged.is_some() title=flagged.clone().unwrap_or_default()>{r.phone.unwrap_or_default()}</span>
                {flagged.map(|reason| view! { <span class="badge badge-warn" title=reason>"check"</span> })}
                {(r.whatsapp_status != shared::leads::WhatsappStatus::Unchecked).then(|| view! {
                    <span class=format!("badge whatsapp-{}", r.whatsapp_status.as_str().to_ascii_lowercase())>{r.whatsapp_status.label()}</span>
                })}
            </td>
            <td>
                {r.website.map(|w| view! { <span class="lead-site">{w}</span> })}
                <span class=format!("badge website-{}", r.website_status.as_str().to_ascii_lowercase())>{r.website_status.label()}</span>
            </td>
            <td>{r.city.unwrap_or_default()}</td>
            <td>{r.category.unwrap_or_default()}</td>
            <td><span class=format!("badge stage-{}", r.stage.as_str())>{r.stage.label()}</span></td>
            <td class="engagement-col">{engagement(&r.engagement)}</td>
            <td>{r.tags.into_iter().map(|t| view! { <span class="tag">{t}</span> }).collect_view()}</td>
        </tr>
    }
}
