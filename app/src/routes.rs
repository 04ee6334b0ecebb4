//! Every page as a lazily loaded route: with `cargo leptos build --split` each page's code is
//! its own wasm chunk, fetched when the page is first shown (and before hydrating it), so the
//! first page downloads the app shell and that page only.

use crate::pages::{auth, home, invite, onboarding, workspace};
use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

/// Marks the body once the page has hydrated and is interactive. End-to-end tests wait for it.
/// Effects run only in the browser, after the view that created them has hydrated; a page's
/// view hydrates after its lazy chunk has arrived, so this is later than `App`'s own effects.
fn mark_hydrated() {
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}

/// Declares `$route`, a lazily loaded route that renders the page component `$page` (and, for
/// pages rather than layouts, marks the body as hydrated).
macro_rules! lazy_page {
    ($(#[$doc:meta])* $route:ident => $page:path $(, $mark:ident)?) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                $($mark();)?
                $page().into_any()
            }
        }
    };
}

lazy_page!(
    /// `/`
    HomeRoute => home::Home, mark_hydrated
);
lazy_page!(
    /// `/login`
    LoginRoute => auth::LoginPage, mark_hydrated
);
lazy_page!(
    /// `/register`
    RegisterRoute => auth::RegisterPage, mark_hydrated
);
lazy_page!(
    /// `/onboarding`
    OnboardingRoute => onboarding::OnboardingPage, mark_hydrated
);
lazy_page!(
    /// `/invite/:token`
    InviteRoute => invite::InvitePage, mark_hydrated
);
lazy_page!(
    /// `/w/:slug`: the workspace shell around its pages.
    WorkspaceRoute => workspace::WorkspaceLayout
);
lazy_page!(
    /// `/w/:slug`
    DashboardRoute => workspace::dashboard::DashboardPage, mark_hydrated
);
lazy_page!(
    /// `/w/:slug/leads`
    LeadsRoute => workspace::leads::LeadsPage, mark_hydrated
);
lazy_page!(
    /// `/w/:slug/leads/:id`
    LeadRoute => workspace::lead::LeadPage, mark_hydrated
);
lazy_page!(
    /// `/w/:slug/customers`
    CustomersRoute => workspace::customers::CustomersPage, mark_hydrated
);
lazy_page!(
    /// `/w/:slug/customers/:id`
    CustomerRoute => workspace::customers::CustomerPage, mark_hydrated
);
lazy_page!(
    /// `/w/:slug/websites`
    WebsitesRoute => workspace::websites::WebsitesPage, mark_hydrated
);
lazy_page!(
    /// `/w/:slug/inbox`
    InboxRoute => workspace::inbox::InboxPage, mark_hydrated
);
lazy_page!(
    /// `/w/:slug/templates`
    TemplatesRoute => workspace::templates::TemplatesPage, mark_hydrated
);
lazy_page!(
    /// `/w/:slug/analytics`
    AnalyticsRoute => workspace::analytics::AnalyticsPage, mark_hydrated
);
lazy_page!(
    /// `/w/:slug/campaigns`
    CampaignsRoute => workspace::campaigns::CampaignsPage, mark_hydrated
);
lazy_page!(
    /// `/w/:slug/campaigns/new`
    NewCampaignRoute => workspace::campaigns::wizard::NewCampaignPage, mark_hydrated
);
lazy_page!(
    /// `/w/:slug/campaigns/:id/edit`
    EditCampaignRoute => workspace::campaigns::wizard::EditCampaignPage, mark_hydrated
);
lazy_page!(
    /// `/w/:slug/campaigns/:id`
    CampaignRoute => workspace::campaigns::page::CampaignPage, mark_hydrated
);
lazy_page!(
    /// `/w/:slug/senders`
    SendersRoute => workspace::senders::SendersPage, mark_hydrated
);
lazy_page!(
    /// `/w/:slug/imports`
    ImportsRoute => workspace::imports::ImportsPage, mark_hydrated
);
lazy_page!(
    /// `/w/:slug/imports/:id`
    ImportRoute => workspace::imports::ImportPage, mark_hydrated
);
lazy_page!(
    /// `/w/:slug/members`
    MembersRoute => workspace::members::MembersPage, mark_hydrated
);
lazy_page!(
    /// `/w/:slug/settings`
    SettingsRoute => workspace::settings::SettingsPage, mark_hydrated
);
lazy_page!(
    /// `/w/:slug/audit`
    AuditRoute => workspace::audit::AuditPage, mark_hydrated
);
lazy_page!(
    /// `/w/:slug/account`
    AccountRoute => workspace::account::AccountPage, mark_hydrated
);
