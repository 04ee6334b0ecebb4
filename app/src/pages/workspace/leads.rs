//! The lead list: search and filters (kept in the URL so a view can be shared or reloaded),
//! sort, keyset "Load more" paging, and exports of exactly what is shown.

use super::imports::grouped;
use super::use_shell;
use crate::api::leads::leads;
use crate::pages::errors::ErrorPage;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;
use shared::leads::{LeadFilter, LeadRow, LeadSort, Stage, WebsiteStatus};
use shared::url::encode_query_value;
use shared::workspaces::Permission;

/// The filter and sort as the URL's query string carries them.
#[derive(Clone, Debug, Default, PartialEq)]
struct ListQuery {
    q: String,
    website_status: String,
    stage: String,
    tag: String,
    import: String,
    sort: String,
}

impl ListQuery {
    fn to_filter(&self) -> (LeadFilter, LeadSort) {
        let filter = LeadFilter {
            search: Some(self.q.clone()).filter(|q| !q.trim().is_empty()),
            website_status: WebsiteStatus::parse(&self.website_status)
                .into_iter()
                .collect(),
            stage: Stage::parse(&self.stage).into_iter().collect(),
            tag: Some(self.tag.clone()).filter(|t| !t.trim().is_empty()),
            import_id: self.import.parse().ok(),
            ..LeadFilter::default()
        };
        (filter, LeadSort::parse(&self.sort).unwrap_or_default())
    }

    /// `q=…&website_status=…` with the non-empty parts.
    fn query_string(&self) -> String {
        [
            ("q", &self.q),
            ("website_status", &self.website_status),
            ("stage", &self.stage),
            ("tag", &self.tag),
            ("import", &self.import),
            ("sort", &self.sort),
        ]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", encode_query_value(v.trim())))
        .collect::<Vec<_>>()
        .join("&")
    }
}

#[component]
pub fn LeadsPage() -> impl IntoView {
    let ctx = use_shell();
    let workspace = ctx.shell.workspace.id;
    let slug = ctx.shell.workspace.slug.clone();
    let can_export = ctx.shell.can(Permission::LeadsExport);
    let query = use_query_map();
    let current = Memo::new(move |_| {
        let q = query.read();
        let get = |k: &str| q.get(k).unwrap_or_default();
        ListQuery {
            q: get("q"),
            website_status: get("website_status"),
            stage: get("stage"),
            tag: get("tag"),
            import: get("import"),
            sort: get("sort"),
        }
    });
    let first = Resource::new(
        move || current.get(),
        move |q| {
            let (filter, sort) = q.to_filter();
            leads(workspace, filter, sort, None)
        },
    );
    let more = RwSignal::new(Vec::<LeadRow>::new());
    let next = RwSignal::new(None::<String>);
    let loading = RwSignal::new(false);
    let load_more = move |_| {
        let Some(after) = next.get_untracked() else {
            return;
        };
        loading.set(true);
        let (filter, sort) = current.get_untracked().to_filter();
        leptos::task::spawn_local(async move {
            if let Ok(page) = leads(workspace, filter, sort, Some(after)).await {
                more.update(|m| m.extend(page.rows));
                next.set(page.next);
            }
            loading.set(false);
        });
    };

    let base = format!("/w/{slug}/leads");
    let lead_base = StoredValue::new(base.clone());
    let export_base = StoredValue::new(format!("/w/{slug}/leads/export"));
    let imports_link = format!("/w/{slug}/imports");
    view! {
        <Title text="Leads" />
        <div class="page-header">
            <h1>"Leads"</h1>
            <a class="btn btn-primary" href=imports_link.clone()>"Import leads"</a>
        </div>
        <Form method="GET" action=base.clone()>
            <div class="card filters">
            <div class="filter-row">
                <div class="field grow">
                    <label for="q">"Search"</label>
                    <input id="q" name="q" type="search" placeholder="Name, phone or email" prop:value=move || current.with(|c| c.q.clone()) />
                </div>
                <div class="field">
                    <label for="website_status">"Website"</label>
                    <select id="website_status" name="website_status" prop:value=move || current.with(|c| c.website_status.clone())>
                        <option value="">"Any"</option>
                        {WebsiteStatus::ALL.into_iter().map(|s| view! { <option value=s.as_str()>{s.label()}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="stage">"Stage"</label>
                    <select id="stage" name="stage" prop:value=move || current.with(|c| c.stage.clone())>
                        <option value="">"Any"</option>
                        {Stage::ALL.into_iter().map(|s| view! { <option value=s.as_str()>{s.label()}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="tag">"Tag"</label>
                    <input id="tag" name="tag" type="text" prop:value=move || current.with(|c| c.tag.clone()) />
                </div>
                <div class="field">
                    <label for="sort">"Sort"</label>
                    <select id="sort" name="sort" prop:value=move || current.with(|c| LeadSort::parse(&c.sort).unwrap_or_default().as_str())>
                        {LeadSort::ALL.into_iter().map(|s| view! { <option value=s.as_str()>{s.label()}</option> }).collect_view()}
                    </select>
                </div>
                <input type="hidden" name="import" prop:value=move || current.with(|c| c.import.clone()) />
                <div class="field filter-actions">
                    <button type="submit" class="btn">"Apply"</button>
                    <a class="btn btn-link" href=base.clone()>"Clear"</a>
                </div>
            </div>
            </div>
        </Form>
        <Show when=move || can_export>
            <div class="export-bar">
                <span class="muted">"Export:"</span>
                <a class="btn btn-small" download="" href=move || format!("{}/leads.csv?{}", export_base.get_value(), current.with(ListQuery::query_string))>"This list (CSV)"</a>
                <a class="btn btn-small" download="" href=move || format!("{}/leads.xlsx?{}", export_base.get_value(), current.with(ListQuery::query_string))>"This list (Excel)"</a>
                <a class="btn btn-small" download="" href=move || format!("{}/with_website.csv", export_base.get_value())>"with_website.csv"</a>
                <a class="btn btn-small" download="" href=move || format!("{}/without_website.csv", export_base.get_value())>"without_website.csv"</a>
            </div>
        </Show>
        <section class="card">
            <Suspense fallback=|| view! { <p class="loading">"Loading leads…"</p> }>
                {move || {
                    let imports_link = imports_link.clone();
                    Suspend::new(async move {
                        match first.await {
                            Ok(page) => {
                                more.set(Vec::new());
                                next.set(page.next.clone());
                                if page.rows.is_empty() {
                                    return view! {
                                        <div class="empty">
                                            <p>"No leads match."</p>
                                            <p class="muted">"Import a spreadsheet to add leads, or clear the filters."</p>
                                            <a class="btn btn-primary" href=imports_link>"Import leads"</a>
                                        </div>
                                    }.into_any();
                                }
                                view! {
                                    <p class="muted list-count">{format!("{} leads", grouped(page.total))}</p>
                                    <div class="table-wrap">
                                        <table class="table leads">
                                            <thead>
                                                <tr>
                                                    <th scope="col">"Business"</th>
                                                    <th scope="col">"Phone"</th>
                                                    <th scope="col">"Website"</th>
                                                    <th scope="col">"City"</th>
                                                    <th scope="col">"Category"</th>
                                                    <th scope="col">"Stage"</th>
                                                    <th scope="col">"Tags"</th>
                                                </tr>
                                            </thead>
                                            <tbody>
                                                {page.rows.into_iter().map(|r| lead_row(&lead_base.read_value(), r)).collect_view()}
                                                {move || more.get().into_iter().map(|r| lead_row(&lead_base.read_value(), r)).collect_view()}
                                            </tbody>
                                        </table>
                                    </div>
                                    <Show when=move || next.get().is_some()>
                                        <button class="btn" on:click=load_more disabled=move || loading.get()>
                                            {move || if loading.get() { "Loading…" } else { "Load more" }}
                                        </button>
                                    </Show>
                                }.into_any()
                            }
                            Err(e) => view! { <ErrorPage error=e /> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </section>
    }
}

fn lead_row(base: &str, r: LeadRow) -> impl IntoView + use<> {
    let flagged = r.phone_error.clone();
    view! {
        <tr class:opted-out=r.opted_out>
            <td>
                <a class="lead-name" href=format!("{base}/{}", r.id)>{r.name}</a>
                {r.email.map(|e| view! { <span class="muted lead-email">{e}</span> })}
            </td>
            <td>
                <span class:flagged=flagged.is_some() title=flagged.clone().unwrap_or_default()>{r.phone.unwrap_or_default()}</span>
                {flagged.map(|reason| view! { <span class="badge badge-warn" title=reason>"check"</span> })}
            </td>
            <td>
                {r.website.map(|w| view! { <span class="lead-site">{w}</span> })}
                <span class=format!("badge website-{}", r.website_status.as_str().to_lowercase())>{r.website_status.label()}</span>
            </td>
            <td>{r.city.unwrap_or_default()}</td>
            <td>{r.category.unwrap_or_default()}</td>
            <td><span class=format!("badge stage-{}", r.stage.as_str())>{r.stage.label()}</span></td>
            <td>{r.tags.into_iter().map(|t| view! { <span class="tag">{t}</span> }).collect_view()}</td>
        </tr>
    }
}
