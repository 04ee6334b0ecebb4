//! The signed-in app shell for one workspace (`/w/:slug/…`): sidebar, top bar with workspace
//! switcher, notification bell and user menu, and the page in the middle.
//!
//! Each page's lazy route renders this layout around itself (`routes.rs`), so the layout's code
//! travels in one wasm chunk that every workspace page shares rather than as a split point of its
//! own (docs/architecture.md, "Routes are lazy"). The `/w/:slug` route itself only keeps the
//! shell it loaded ([`WorkspaceRoot`]), so moving between pages does not ask for it again.

pub mod account;
pub mod analytics;
pub mod audit;
pub mod campaigns;
pub mod conversation;
pub mod customers;
pub mod dashboard;
pub mod imports;
pub mod inbox;
pub mod lead;
pub mod leads;
pub mod members;
pub mod senders;
pub mod settings;
pub mod templates;
pub mod websites;

use crate::api::account::{Logout, logout};
use crate::api::resource::resource;
use crate::api::workspace::{
    MarkNotificationsRead, WorkspaceShell, load_shell, notifications, unread_notifications,
};
use crate::api::{ApiError, AppError};
use crate::components::effect::effect;
use crate::components::icons::Icon;
use crate::components::show::show;
use crate::pages::errors::ErrorPage;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::components::{A, Outlet, Redirect};
use leptos_router::hooks::{use_location, use_params_map};
use shared::workspaces::Permission;

/// The current workspace and user, for the pages inside the shell.
#[derive(Clone)]
pub struct ShellCtx {
    pub shell: WorkspaceShell,
    /// Reloads the shell (after the workspace's name, slug or logo change).
    pub reload: Callback<()>,
}

pub fn use_shell() -> ShellCtx {
    expect_context::<ShellCtx>()
}

/// The shell the `/w/:slug` route last loaded, for the next page's layout. The route outlives
/// its pages (a page change renders a new layout) and ends when the user leaves the workspace's
/// pages, signing out included, which drops what it kept.
#[derive(Clone, Copy)]
struct ShellCache(StoredValue<Option<WorkspaceShell>>);

impl ShellCache {
    /// The kept shell, if it is `slug`'s.
    fn get(self, slug: &str) -> Option<WorkspaceShell> {
        self.0
            .with_value(|kept| kept.as_ref().filter(|s| s.workspace.slug == slug).cloned())
    }

    fn keep(self, shell: Option<WorkspaceShell>) {
        self.0.set_value(shell);
    }
}

/// The `/w/:slug` route: keeps the workspace's shell while its pages come and go.
#[component]
pub fn WorkspaceRoot() -> impl IntoView {
    provide_context(ShellCache(StoredValue::new(None)));
    view! { <Outlet /> }
}

/// The frame around `page`, once the workspace's shell is loaded (or taken from the
/// [`ShellCache`]); signed-out visitors go to sign in.
#[component]
pub fn WorkspaceLayout(page: fn() -> AnyView) -> impl IntoView {
    let params = use_params_map();
    let slug = Memo::new(move |_| params.read().get("slug").unwrap_or_default());
    // Outside `WorkspaceRoot` (never, as routed) the layout keeps its shell to itself.
    let cache = use_context::<ShellCache>().unwrap_or_else(|| ShellCache(StoredValue::new(None)));
    // Whether the shell came from the cache: its bell count is then an earlier page's.
    let from_cache = StoredValue::new(false);
    let shell = resource(
        move || slug.get(),
        move |slug| async move {
            let kept = cache.get(&slug);
            from_cache.set_value(kept.is_some());
            match kept {
                Some(kept) => Ok(kept),
                None => load_shell(slug).await,
            }
        },
    );
    let reload = Callback::new(move |_| {
        cache.keep(None);
        shell.refetch();
    });
    let location = use_location();
    let frame = move || {
        Suspend::new(async move {
            match shell.await {
                Ok(data) => {
                    cache.keep(Some(data.clone()));
                    provide_context(ShellCtx {
                        shell: data.clone(),
                        reload,
                    });
                    let stale_count = from_cache.get_value();
                    view! { <Frame shell=data page stale_count /> }.into_any()
                }
                Err(ApiError(AppError::Unauthorized)) => {
                    let next = location.pathname.get_untracked();
                    view! { <Redirect path=format!("/login?next={}", shared::url::encode_query_value(&next)) /> }.into_any()
                }
                Err(e) => view! { <ErrorPage error=e /> }.into_any(),
            }
        })
    };
    // On the server the frame is a plain `Suspend`, so its body (the frame and the page, with the
    // page's resources) runs exactly once. Wrapped in a closure, Suspense's SSR passes
    // (`dry_resolve`, its re-check when tasks finish, then `resolve`) can each re-run it,
    // creating the page's resources again under new ids; the browser, which creates them once,
    // then hydrates a page against another resource's data and panics. In the browser the
    // closure makes the frame follow the shell (a slug change, `reload`); a closure renders the
    // same HTML as its value, so hydration lines up.
    #[cfg(feature = "ssr")]
    let content = frame().into_any();
    #[cfg(not(feature = "ssr"))]
    let content = frame.into_any();
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {content}
        </Suspense>
    }
}

#[component]
fn Frame(
    shell: WorkspaceShell,
    page: fn() -> AnyView,
    /// The shell's bell count is an earlier page's (the shell came from the cache).
    stale_count: bool,
) -> impl IntoView {
    let nav_open = RwSignal::new(false);
    let base = format!("/w/{}", shell.workspace.slug);
    let colour = shell.workspace.brand_colour.clone();
    let mut links = vec![
        (base.clone(), "Dashboard", "dashboard"),
        (format!("{base}/leads"), "Leads", "leads"),
        (format!("{base}/imports"), "Imports", "import"),
        (format!("{base}/websites"), "Websites", "websites"),
        (format!("{base}/inbox"), "Inbox", "inbox"),
        (format!("{base}/campaigns"), "Campaigns", "campaigns"),
        (format!("{base}/analytics"), "Analytics", "analytics"),
        (format!("{base}/templates"), "Templates", "templates"),
        (format!("{base}/senders"), "Senders", "senders"),
        (format!("{base}/customers"), "Customers", "customers"),
        (format!("{base}/members"), "Members", "members"),
    ];
    if shell.can(Permission::SettingsManage) {
        links.push((format!("{base}/settings"), "Settings", "settings"));
    } else {
        links.push((format!("{base}/settings"), "Workspace", "settings"));
    }
    if shell.can(Permission::AuditView) {
        links.push((format!("{base}/audit"), "Audit log", "audit"));
    }
    view! {
        <div class="app" style=format!("--brand: {colour}") class:nav-open=move || nav_open.get()>
            <aside class="sidebar" aria-label="Main navigation">
                <a class="brand" href=base.clone()>
                    <WorkspaceMark shell=shell.clone() />
                    <span class="brand-name">{shell.workspace.name.clone()}</span>
                </a>
                <nav>
                    <ul>
                        {links.into_iter().map(|(href, label, icon)| view! {
                            <li>
                                <A href=href exact=true on:click=move |_| nav_open.set(false)>
                                    <Icon name=icon />
                                    <span>{label}</span>
                                </A>
                            </li>
                        }).collect_view()}
                    </ul>
                </nav>
                <p class="sidebar-footer">"LeadLoom"</p>
            </aside>
            <div class="scrim" on:click=move |_| nav_open.set(false)></div>
            <div class="main">
                <TopBar shell=shell.clone() nav_open stale_count />
                <div class="content">
                    {page()}
                </div>
            </div>
        </div>
    }
}

/// The workspace's logo, or its initial on its brand colour.
#[component]
fn WorkspaceMark(shell: WorkspaceShell) -> impl IntoView {
    let ws = shell.workspace;
    if ws.has_logo {
        view! { <img class="brand-logo" src=format!("/w/{}/logo", ws.slug) alt="" width="32" height="32" /> }.into_any()
    } else {
        // Upper-cased by the stylesheet: Rust's `to_uppercase` would bring its Unicode case
        // tables into the wasm's data, which every page downloads (docs/benchmarks.md,
        // "No Unicode case tables in the browser").
        let initial = ws.name.chars().next().unwrap_or('L').to_string();
        view! { <span class="brand-mark">{initial}</span> }.into_any()
    }
}

/// Signing out happens on a click, never while a page hydrates, so its server call is a lazy
/// split fetched then (docs/benchmarks.md, "What runs only on a click").
#[lazy]
async fn sign_out_later() -> crate::api::ApiResult<()> {
    logout().await
}

#[component]
fn TopBar(shell: WorkspaceShell, nav_open: RwSignal<bool>, stale_count: bool) -> impl IntoView {
    let menu = RwSignal::new(None::<&'static str>);
    let toggle = move |name: &'static str| {
        menu.update(|m| *m = if *m == Some(name) { None } else { Some(name) });
    };
    let current = shell.workspace.clone();
    let others: Vec<_> = shell
        .user
        .workspaces
        .iter()
        .filter(|w| w.id != current.id)
        .cloned()
        .collect();
    let user = shell.user.clone();
    view! {
        <header class="topbar">
            <button class="icon-btn nav-toggle" aria-label="Open navigation" on:click=move |_| nav_open.update(|o| *o = !*o)>
                <Icon name="menu" />
            </button>
            <div class="menu-anchor">
                <button class="switcher" aria-haspopup="true" aria-expanded=move || (menu.get() == Some("switcher")).to_string()
                    aria-label="Switch workspace" on:click=move |_| toggle("switcher")>
                    <span class="switcher-name">{current.name.clone()}</span>
                    <span class="badge">{current.role.label()}</span>
                    <span aria-hidden="true">"▾"</span>
                </button>
                {show(move || menu.get() == Some("switcher"), move || view! {
                    <div class="menu" role="menu">
                        <p class="menu-title">"Workspaces"</p>
                        {others.clone().into_iter().map(|w| view! {
                            <a role="menuitem" href=format!("/w/{}", w.slug) on:click=move |_| menu.set(None)>
                                {w.name} <span class="badge">{w.role.label()}</span>
                            </a>
                        }).collect_view()}
                        <a role="menuitem" href="/onboarding">"+ New workspace"</a>
                    </div>
                }.into_any())}
            </div>
            <div class="topbar-spacer"></div>
            <Bell workspace=current.id count=shell.unread_notifications stale=stale_count
                open=Signal::derive(move || menu.get() == Some("bell")) on_toggle=Callback::new(move |_| toggle("bell")) />
            <div class="menu-anchor">
                <button class="icon-btn avatar" aria-label="User menu" aria-haspopup="true"
                    aria-expanded=move || (menu.get() == Some("user")).to_string() on:click=move |_| toggle("user")>
                    {user.name.chars().next().unwrap_or('?').to_string()}
                </button>
                {show(move || menu.get() == Some("user"), move || view! {
                    <div class="menu menu-right" role="menu">
                        <p class="menu-title">{user.name.clone()}<br /><span class="muted">{user.email.clone()}</span></p>
                        <a role="menuitem" href=format!("/w/{}/account", current.slug) on:click=move |_| menu.set(None)>"Account"</a>
                        // A plain form, not `ActionForm` or `FlatActionForm`: with no fields
                        // there is nothing to decode, and a decoder here would travel with
                        // every workspace page.
                        <form method="post" action=Logout::url() on:submit=move |ev| {
                            ev.prevent_default();
                            leptos::task::spawn_local(async {
                                // The server answers with a redirect to sign-in, which the
                                // router follows; a failure leaves the menu as it was.
                                let _ = sign_out_later().await;
                            });
                        }>
                            <button type="submit" class="menu-button">"Sign out"</button>
                        </form>
                    </div>
                }.into_any())}
            </div>
        </header>
    }
}

/// The notification bell. Every signed-in page hydrates it, so it shows only the unread count,
/// which comes with the shell (no resource of its own); the list, with its dates in the
/// workspace's zone and the "mark all as read" action, is a lazy split fetched when the bell is
/// first opened (docs/benchmarks.md, "The bell's count").
#[component]
fn Bell(
    workspace: uuid::Uuid,
    /// Unread when the shell was loaded.
    count: u64,
    /// The count is an earlier page's: ask again once hydrated.
    stale: bool,
    open: Signal<bool>,
    on_toggle: Callback<()>,
) -> impl IntoView {
    // Set to 0 by the list once it has marked everything read.
    let unread = RwSignal::new(count);
    effect(move || {
        if !stale {
            return;
        }
        leptos::task::spawn_local(async move {
            if let Ok(n) = unread_notifications(workspace).await {
                unread.set(n);
            }
        });
    });
    view! {
        <div class="menu-anchor">
            <button class="icon-btn bell" aria-label="Notifications" aria-haspopup="true"
                aria-expanded=move || open.get().to_string() on:click=move |_| on_toggle.run(())>
                <Icon name="bell" />
                {move || {
                    let n = unread.get();
                    (n > 0).then(|| view! {
                        <span class="bell-count" aria-label=format!("{n} unread")>{n}</span>
                    })
                }}
            </button>
            {show(move || open.get(), move || view! {
                <div class="menu menu-right notifications" role="menu">
                    <p class="menu-title">"Notifications"</p>
                    <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                        {Suspend::new(notification_list(workspace, unread))}
                    </Suspense>
                </div>
            }.into_any())}
        </div>
    }
}

/// The bell's list: the latest notifications and "Mark all as read", which leaves the bell's
/// `unread` count at 0 once the server has done it.
#[lazy]
fn notification_list(workspace: uuid::Uuid, unread: RwSignal<u64>) -> AnyView {
    let mark_read = ServerAction::<MarkNotificationsRead>::new();
    // Copy, for the closures below: the feed renders again whenever it is reloaded.
    let zone = StoredValue::new(campaigns::workspace_zone());
    let feed = resource(
        move || mark_read.version().get(),
        move |_| notifications(workspace),
    );
    effect(move || {
        if matches!(mark_read.value().get(), Some(Ok(()))) {
            unread.set(0);
        }
    });
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move { match feed.await {
                Ok(f) if f.items.is_empty() => view! { <p class="muted empty">"Nothing new. Invitations accepted and role changes show up here."</p> }.into_any(),
                Ok(f) => view! {
                    <ul class="notification-list">
                        {f.items.into_iter().map(|n| view! {
                            <li class:unread=!n.read>
                                <a href=n.link.unwrap_or_default()>{n.message}</a>
                                <time class="muted" datetime=n.created_at.to_rfc3339()>{zone.with_value(|z| z.long(n.created_at))}</time>
                            </li>
                        }).collect_view()}
                    </ul>
                    {(f.unread > 0).then(|| view! {
                        <button class="btn btn-small" on:click=move |_| { mark_read.dispatch(MarkNotificationsRead { workspace }); }>"Mark all as read"</button>
                    })}
                }.into_any(),
                Err(e) => view! { <p class="muted">{e.to_string()}</p> }.into_any(),
            }})}
        </Transition>
    }
    .into_any()
}
