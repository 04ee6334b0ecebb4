//! Every page as a lazily loaded route: with `cargo leptos build --split` each page's code is
//! its own wasm chunk, fetched when the page is first shown (and before hydrating it), so the
//! first page downloads the app shell and that page only. A workspace page's route renders the
//! workspace layout around the page, so the layout is part of each page's split rather than a
//! split of its own (docs/architecture.md, "Routes are lazy").

use crate::components::effect::effect;
use crate::pages::{auth, home, invite, onboarding, workspace};
use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

/// Marks the body once the page has hydrated and is interactive. End-to-end tests wait for it.
/// Effects run only in the browser, after the view that created them has hydrated; a page's
/// view hydrates after its lazy chunk has arrived, so this is later than `App`'s own effects.
fn mark_hydrated() {
    effect(|| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}

/// Declares `$route`, a lazily loaded route that renders the page component `$page` and marks
/// the body as hydrated; `in workspace` puts the page inside the workspace layout.
macro_rules! lazy_page {
    ($(#[$doc:meta])* $route:ident => in workspace $page:path) => {
        lazy_page!(@route $(#[$doc])* $route, {
            fn page() -> AnyView {
                mark_hydrated();
                $page().into_any()
            }
            workspace::WorkspaceLayout(workspace::WorkspaceLayoutProps { page }).into_any()
        });
    };
    ($(#[$doc:meta])* $route:ident => $page:path) => {
        lazy_page!(@route $(#[$doc])* $route, {
            mark_hydrated();
            $page().into_any()
        });
    };
    (@route $(#[$doc:meta])* $route:ident, $view:block) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView $view
        }
    };
}

lazy_page!(
    /// `/`
    HomeRoute => home::Home
);
lazy_page!(
    /// `/login`
    LoginRoute => auth::LoginPage
);
lazy_page!(
    /// `/register`
    RegisterRoute => auth::RegisterPage
);
lazy_page!(
    /// `/onboarding`
    OnboardingRoute => onboarding::OnboardingPage
);
lazy_page!(
    /// `/invite/:token`
    InviteRoute => invite::InvitePage
);
lazy_page!(
    /// `/w/:slug`
    DashboardRoute => in workspace workspace::dashboard::DashboardPage
);
lazy_page!(
    /// `/w/:slug/leads`
    LeadsRoute => in workspace workspace::leads::LeadsPage
);
lazy_page!(
    /// `/w/:slug/leads/:id`
    LeadRoute => in workspace workspace::lead::LeadPage
);
lazy_page!(
    /// `/w/:slug/customers`
    CustomersRoute => in workspace workspace::customers::CustomersPage
);
lazy_page!(
    /// `/w/:slug/customers/:id`
    CustomerRoute => in workspace workspace::customers::CustomerPage
);
lazy_page!(
    /// `/w/:slug/websites`
    WebsitesRoute => in workspace workspace::websites::WebsitesPage
);
lazy_page!(
    /// `/w/:slug/inbox`
    InboxRoute => in workspace workspace::inbox::InboxPage
);
lazy_page!(
    /// `/w/:slug/templates`
    TemplatesRoute => in workspace workspace::templates::TemplatesPage
);
lazy_page!(
    /// `/w/:slug/analytics`
    AnalyticsRoute => in workspace workspace::analytics::AnalyticsPage
);
lazy_page!(
    /// `/w/:slug/campaigns`
    CampaignsRoute => in workspace workspace::campaigns::CampaignsPage
);
lazy_page!(
    /// `/w/:slug/campaigns/new`
    NewCampaignRoute => in workspace workspace::campaigns::wizard::NewCampaignPage
);
lazy_page!(
    /// `/w/:slug/campaigns/:id/edit`
    EditCampaignRoute => in workspace workspace::campaigns::wizard::EditCampaignPage
);
lazy_page!(
    /// `/w/:slug/campaigns/:id`
    CampaignRoute => in workspace workspace::campaigns::page::CampaignPage
);
lazy_page!(
    /// `/w/:slug/senders`
    SendersRoute => in workspace workspace::senders::SendersPage
);
lazy_page!(
    /// `/w/:slug/imports`
    ImportsRoute => in workspace workspace::imports::ImportsPage
);
lazy_page!(
    /// `/w/:slug/imports/:id`
    ImportRoute => in workspace workspace::imports::ImportPage
);
lazy_page!(
    /// `/w/:slug/members`
    MembersRoute => in workspace workspace::members::MembersPage
);
lazy_page!(
    /// `/w/:slug/settings`
    SettingsRoute => in workspace workspace::settings::SettingsPage
);
lazy_page!(
    /// `/w/:slug/audit`
    AuditRoute => in workspace workspace::audit::AuditPage
);
lazy_page!(
    /// `/w/:slug/account`
    AccountRoute => in workspace workspace::account::AccountPage
);
