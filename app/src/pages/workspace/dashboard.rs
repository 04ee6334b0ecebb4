//! The workspace dashboard: real counts from the database (zero is a real count) and the next
//! steps for a new workspace.

use super::use_shell;
use crate::api::workspace::dashboard;
use crate::pages::errors::ErrorPage;
use leptos::prelude::*;
use leptos_meta::Title;
use shared::plans::format_limit;
use shared::workspaces::Permission;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let ctx = use_shell();
    let workspace = ctx.shell.workspace.clone();
    let can_manage = ctx.shell.can(Permission::MembersManage);
    let counts = Resource::new(move || workspace.id, dashboard);
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
                            <section class="cards" aria-label="Workspace at a glance">
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
