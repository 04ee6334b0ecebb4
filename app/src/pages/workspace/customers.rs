//! Customers: the list of converted leads (newest first, "Load more" paging) and one customer's
//! page with the link back to the lead it came from.

use super::imports::grouped;
use super::use_shell;
use crate::api::ApiError;
use crate::api::lead::{load_customer, load_customers};
use crate::api::resource::resource;
use crate::components::show::show;
use crate::pages::errors::ErrorPage;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use shared::AppError;
use shared::customers::CustomerDto;
use uuid::Uuid;

#[component]
pub fn CustomersPage() -> impl IntoView {
    let ctx = use_shell();
    let workspace = ctx.shell.workspace.id;
    let base = StoredValue::new(format!("/w/{}", ctx.shell.workspace.slug));
    let first = resource(move || workspace, move |w| load_customers(w, None));
    let more = RwSignal::new(Vec::<CustomerDto>::new());
    let next = RwSignal::new(None::<Uuid>);
    let loading = RwSignal::new(false);
    let load_more = move |_| {
        let Some(after) = next.get_untracked() else {
            return;
        };
        loading.set(true);
        leptos::task::spawn_local(async move {
            if let Ok(page) = load_customers(workspace, Some(after)).await {
                more.update(|m| m.extend(page.rows));
                next.set(page.next);
            }
            loading.set(false);
        });
    };
    let row = move |c: CustomerDto| {
        let base = base.get_value();
        view! {
            <tr>
                <td><a class="lead-name" href=format!("{base}/customers/{}", c.id)>{c.name}</a></td>
                <td>{c.phone_e164.unwrap_or_default()}</td>
                <td>{c.email.unwrap_or_default()}</td>
                <td>{c.city.unwrap_or_default()}</td>
                <td>{match c.lead {
                    Some((id, name)) => view! { <a href=format!("{base}/leads/{id}")>{name}</a> }.into_any(),
                    None => view! { <span class="muted">"Deleted"</span> }.into_any(),
                }}</td>
                <td><time datetime=c.created_at.to_rfc3339()>{shared::dates::date(&c.created_at)}</time></td>
            </tr>
        }
    };
    view! {
        <Title text="Customers" />
        <div class="page-header"><h1>"Customers"</h1></div>
        <section class="card">
            <Suspense fallback=|| view! { <p class="loading">"Loading customers…"</p> }>
                {move || Suspend::new(async move {
                    match first.await {
                        Ok(page) => {
                            more.set(Vec::new());
                            next.set(page.next);
                            if page.rows.is_empty() {
                                return view! {
                                    <div class="empty">
                                        <p>"No customers yet."</p>
                                        <p class="muted">"Open a lead and choose “Convert to customer” when it signs up."</p>
                                        <a class="btn btn-primary" href=format!("{}/leads", base.get_value())>"Go to leads"</a>
                                    </div>
                                }.into_any();
                            }
                            view! {
                                <p class="muted list-count">{format!("{} customers", grouped(page.total))}</p>
                                <div class="table-wrap">
                                    <table class="table">
                                        <thead><tr>
                                            <th scope="col">"Customer"</th>
                                            <th scope="col">"Phone"</th>
                                            <th scope="col">"Email"</th>
                                            <th scope="col">"City"</th>
                                            <th scope="col">"From lead"</th>
                                            <th scope="col">"Since"</th>
                                        </tr></thead>
                                        <tbody>
                                            {page.rows.into_iter().map(row).collect_view()}
                                            {move || more.get().into_iter().map(row).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                                {show(move || next.get().is_some(), move || view! {
                                    <button class="btn" on:click=load_more disabled=move || loading.get()>
                                        {move || if loading.get() { "Loading…" } else { "Load more" }}
                                    </button>
                                }.into_any())}
                            }.into_any()
                        }
                        Err(e) => view! { <ErrorPage error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
pub fn CustomerPage() -> impl IntoView {
    let ctx = use_shell();
    let workspace = ctx.shell.workspace.id;
    let base = StoredValue::new(format!("/w/{}", ctx.shell.workspace.slug));
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").and_then(|s| s.parse::<Uuid>().ok()));
    let customer = resource(
        move || id.get(),
        move |id| async move {
            match id {
                Some(id) => load_customer(workspace, id).await,
                None => Err(ApiError(AppError::NotFound)),
            }
        },
    );
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading the customer…"</p> }>
            {move || Suspend::new(async move {
                match customer.await {
                    Ok(c) => {
                        let base = base.get_value();
                        let field = |label: &'static str, value: Option<String>| view! {
                            <div class="detail"><dt>{label}</dt><dd>{value.unwrap_or_else(|| "—".to_owned())}</dd></div>
                        };
                        view! {
                            <Title text=c.name.clone() />
                            <nav class="breadcrumb"><a href=format!("{base}/customers")>"← Customers"</a></nav>
                            <div class="page-header">
                                <h1>{c.name.clone()}</h1>
                                {c.lead.clone().map(|(id, name)| view! {
                                    <a class="btn" href=format!("{base}/leads/{id}")>{format!("Lead: {name}")}</a>
                                })}
                            </div>
                            <section class="card">
                                <dl class="details">
                                    {field("Phone", c.phone_e164)}
                                    {field("Email", c.email)}
                                    {field("Website", c.website)}
                                    {field("City", c.city)}
                                    {field("Country", c.country)}
                                    {field("Category", c.category)}
                                    {field("Converted by", c.created_by)}
                                    {field("Customer since", Some(super::campaigns::workspace_zone().date_time(c.created_at)))}
                                </dl>
                                {c.lead.is_none().then(|| view! {
                                    <p class="muted">"The lead this customer came from has been deleted."</p>
                                })}
                            </section>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorPage error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
