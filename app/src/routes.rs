//! Every page as a lazily loaded route: with `cargo leptos build --split` each page's code is
//! its own wasm chunk, fetched when the page is first shown (and before hydrating it), so the
//! first page downloads the app shell and that page only.

use crate::pages::{auth, home, invite, onboarding, workspace};
use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

/// Declares `$route`, a lazily loaded route that renders the page component `$page`.
macro_rules! lazy_page {
    ($(#[$doc:meta])* $route:ident => $page:path) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                $page().into_any()
            }
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
    /// `/w/:slug`: the workspace shell around its pages.
    WorkspaceRoute => workspace::WorkspaceLayout
);
lazy_page!(
    /// `/w/:slug`
    DashboardRoute => workspace::dashboard::DashboardPage
);
lazy_page!(
    /// `/w/:slug/leads`
    LeadsRoute => workspace::leads::LeadsPage
);
lazy_page!(
    /// `/w/:slug/imports`
    ImportsRoute => workspace::imports::ImportsPage
);
lazy_page!(
    /// `/w/:slug/imports/:id`
    ImportRoute => workspace::imports::ImportPage
);
lazy_page!(
    /// `/w/:slug/members`
    MembersRoute => workspace::members::MembersPage
);
lazy_page!(
    /// `/w/:slug/settings`
    SettingsRoute => workspace::settings::SettingsPage
);
lazy_page!(
    /// `/w/:slug/audit`
    AuditRoute => workspace::audit::AuditPage
);
lazy_page!(
    /// `/w/:slug/account`
    AccountRoute => workspace::account::AccountPage
);
