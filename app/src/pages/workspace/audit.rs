//! The audit log page: sign-ins, failed sign-ins, role and settings changes, newest first,
//! with "Load more" paging.

use super::use_shell;
use crate::api::resource::resource;
use crate::api::workspace::audit_log;
use crate::components::show::show;
use crate::pages::errors::ErrorPage;
use leptos::prelude::*;
use leptos_meta::Title;
use shared::audit::AuditEntryDto;

#[component]
pub fn AuditPage() -> impl IntoView {
    let ctx = use_shell();
    let workspace = ctx.shell.workspace.id;
    let first = resource(move || workspace, |id| audit_log(id, None));
    let more = RwSignal::new(Vec::<AuditEntryDto>::new());
    let next = RwSignal::new(None::<uuid::Uuid>);
    let loading = RwSignal::new(false);
    let load_more = move |_| {
        let Some(before) = next.get() else { return };
        loading.set(true);
        leptos::task::spawn_local(async move {
            if let Ok(page) = audit_log(workspace, Some(before)).await {
                more.update(|m| m.extend(page.entries));
                next.set(page.next_before);
            }
            loading.set(false);
        });
    };
    view! {
        <Title text="Audit log" />
        <div class="page-header"><h1>"Audit log"</h1></div>
        <section class="card">
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match first.await {
                        Ok(page) => {
                            next.set(page.next_before);
                            view! {
                                <div class="table-wrap">
                                    <table class="table audit">
                                        <thead><tr><th scope="col">"When (UTC)"</th><th scope="col">"Who"</th><th scope="col">"What"</th><th scope="col">"Detail"</th><th scope="col">"IP"</th></tr></thead>
                                        <tbody>
                                            {page.entries.into_iter().map(row).collect_view()}
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

fn row(e: AuditEntryDto) -> impl IntoView {
    view! {
        <tr class=format!("audit-{}", e.action)>
            <td><time datetime=e.created_at.to_rfc3339()>{shared::dates::date_time_seconds(&e.created_at)}</time></td>
            <td>{e.actor.unwrap_or_else(|| "—".into())}</td>
            <td>{e.action_label}</td>
            <td class="detail">{e.detail}</td>
            <td>{e.ip.unwrap_or_default()}</td>
        </tr>
    }
}
