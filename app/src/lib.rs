//! LeadLoom's user interface: the Leptos app rendered on the server and hydrated in the
//! browser. `pages/` own their data and actions, `components/` render, `api/` holds the server
//! functions.

// Leptos views are deeply nested types; laying out their futures (release builds especially)
// needs a higher limit than the default 128.
#![recursion_limit = "512"]

pub mod api;
pub mod components;
pub mod pages;
pub mod routes;

use components::toast::{ToastHost, Toaster};
use leptos::prelude::*;
use leptos_meta::{Link, Meta, MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    Lazy, SsrMode,
    components::{ParentRoute, Route, Router, Routes},
    path,
};
use pages::errors;
use routes::*;

/// The HTML document around the app (server side only).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    Toaster::provide();
    // Every route renders fully before the response starts, so a page can answer 404 or 500.
    let ssr = SsrMode::Async;
    view! {
        <Stylesheet id="leptos" href="/pkg/leadloom.css" />
        <Link rel="icon" href="/favicon.svg" type_="image/svg+xml" />
        <Meta name="theme-color" content="#1e3a8a" />
        <Title formatter=|title: String| {
            if title.is_empty() { "LeadLoom".to_owned() } else { format!("{title} · LeadLoom") }
        } />
        <Router>
            <Routes fallback=|| view! { <errors::NotFound /> }>
                <Route path=path!("/") view={Lazy::<HomeRoute>::new()} ssr=ssr.clone() />
                <Route path=path!("/login") view={Lazy::<LoginRoute>::new()} ssr=ssr.clone() />
                <Route path=path!("/register") view={Lazy::<RegisterRoute>::new()} ssr=ssr.clone() />
                <Route path=path!("/onboarding") view={Lazy::<OnboardingRoute>::new()} ssr=ssr.clone() />
                <Route path=path!("/invite/:token") view={Lazy::<InviteRoute>::new()} ssr=ssr.clone() />
                <ParentRoute path=path!("/w/:slug") view=pages::workspace::WorkspaceRoot ssr=ssr.clone()>
                    <Route path=path!("") view={Lazy::<DashboardRoute>::new()} ssr=ssr.clone() />
                    <Route path=path!("leads") view={Lazy::<LeadsRoute>::new()} ssr=ssr.clone() />
                    <Route path=path!("leads/:id") view={Lazy::<LeadRoute>::new()} ssr=ssr.clone() />
                    <Route path=path!("customers") view={Lazy::<CustomersRoute>::new()} ssr=ssr.clone() />
                    <Route path=path!("customers/:id") view={Lazy::<CustomerRoute>::new()} ssr=ssr.clone() />
                    <Route path=path!("websites") view={Lazy::<WebsitesRoute>::new()} ssr=ssr.clone() />
                    <Route path=path!("senders") view={Lazy::<SendersRoute>::new()} ssr=ssr.clone() />
                    <Route path=path!("campaigns") view={Lazy::<CampaignsRoute>::new()} ssr=ssr.clone() />
                    <Route path=path!("campaigns/new") view={Lazy::<NewCampaignRoute>::new()} ssr=ssr.clone() />
                    <Route path=path!("campaigns/:id/edit") view={Lazy::<EditCampaignRoute>::new()} ssr=ssr.clone() />
                    <Route path=path!("campaigns/:id") view={Lazy::<CampaignRoute>::new()} ssr=ssr.clone() />
                    <Route path=path!("templates") view={Lazy::<TemplatesRoute>::new()} ssr=ssr.clone() />
                    <Route path=path!("analytics") view={Lazy::<AnalyticsRoute>::new()} ssr=ssr.clone() />
                    <Route path=path!("inbox") view={Lazy::<InboxRoute>::new()} ssr=ssr.clone() />
                    <Route path=path!("imports") view={Lazy::<ImportsRoute>::new()} ssr=ssr.clone() />
                    <Route path=path!("imports/:id") view={Lazy::<ImportRoute>::new()} ssr=ssr.clone() />
                    <Route path=path!("members") view={Lazy::<MembersRoute>::new()} ssr=ssr.clone() />
                    <Route path=path!("settings") view={Lazy::<SettingsRoute>::new()} ssr=ssr.clone() />
                    <Route path=path!("audit") view={Lazy::<AuditRoute>::new()} ssr=ssr.clone() />
                    <Route path=path!("account") view={Lazy::<AccountRoute>::new()} ssr=ssr.clone() />
                </ParentRoute>
            </Routes>
        </Router>
        <ToastHost />
    }
}
