//! Assembles the router: Leptos pages and server functions, the plain routes (logo, spreadsheet
//! upload, report and export downloads), static assets and wasm chunk bundles, and the
//! middleware stack (request id, tracing, security headers, client address, CSRF guard,
//! sessions); body limits per route.

use super::{
    api_status, attachments, bundles, campaigns, csrf, health, imports, logo, meta, precompressed,
    webhooks,
};
use crate::AppState;
use axum::{
    Router,
    extract::DefaultBodyLimit,
    http::HeaderName,
    middleware,
    routing::{get, post},
};
use leptos::prelude::*;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use shared::accounts::session_store::DbSessionStore;
use std::sync::OnceLock;
use tower::ServiceBuilder;
use tower_http::{
    compression::CompressionLayer,
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::TraceLayer,
};
use tower_sessions::{Expiry, SessionManagerLayer, cookie::SameSite, cookie::time::Duration};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "leadloom_session";

/// Everything the server needs to build its router besides the state.
#[derive(Clone, Debug)]
pub struct RouterOptions {
    pub secure_cookies: bool,
    pub session_idle_days: i64,
    pub max_body_bytes: usize,
    /// Spreadsheet uploads have their own, larger limit.
    pub max_import_bytes: usize,
}

/// The app's route list, generated once per process.
///
/// Generating it renders the app with resource loading switched off by a process-wide flag
/// (leptos_server's `SuppressResourceLoad`): a page that another router of the same process
/// starts rendering meanwhile never gets its resources and never answers (leptos#4773). The
/// server builds one router, but the tests build one per test, in parallel.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(app::App)).clone()
}

pub fn router(state: AppState, options: RouterOptions) -> Router {
    let routes = route_list();
    let services = state.services.clone();
    let context = move || provide_context(services.clone());

    let sessions = SessionManagerLayer::new(DbSessionStore::new(state.services.db.clone()))
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(options.secure_cookies)
        .with_expiry(Expiry::OnInactivity(Duration::days(
            options.session_idle_days,
        )));

    let request_id = HeaderName::from_static("x-request-id");
    let logo_routes = Router::new()
        .route("/w/{slug}/logo", get(logo::show))
        .route(
            "/w/{slug}/settings/logo",
            post(logo::upload).layer(DefaultBodyLimit::max(
                shared::workspaces::service::MAX_LOGO_BYTES + 16 * 1024,
            )),
        );

    let file_routes = Router::new()
        .route(
            "/w/{slug}/imports/upload",
            post(imports::upload).layer(DefaultBodyLimit::max(
                options.max_import_bytes + imports::MULTIPART_ENVELOPE_BYTES,
            )),
        )
        .route(
            "/w/{slug}/attachments",
            post(attachments::upload).layer(DefaultBodyLimit::max(attachments::UPLOAD_LIMIT)),
        )
        .route(
            "/w/{slug}/messages/{id}/attachment",
            get(attachments::for_message),
        )
        .route(
            "/media/{id}/{expires}/{signature}/{name}",
            get(attachments::signed),
        )
        .route("/w/{slug}/campaigns/{id}/events", get(campaigns::events))
        .route(
            "/w/{slug}/campaigns/{id}/report.csv",
            get(campaigns::report_csv),
        )
        .route(
            "/w/{slug}/imports/{id}/report.csv",
            get(imports::report_csv),
        )
        .route(
            "/w/{slug}/leads/export/{file}",
            // GET exports a filter; POST (a form of ticked ids, at most 10,000) a selection.
            get(imports::export_leads).post(imports::export_selected_leads),
        );

    // Pages and server functions take small bodies; the routes above set their own limits.
    let pages = Router::new()
        .leptos_routes_with_context(&state, routes, context, {
            let options = state.leptos_options.clone();
            move || app::shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(
            app::shell,
        ))
        .layer(RequestBodyLimitLayer::new(options.max_body_bytes))
        .layer(middleware::from_fn(api_status::error_status));

    // Provider webhooks: signed by the provider, not by a browser session.
    let webhook_routes = Router::new()
        .route("/webhooks/gateway/{sender}", post(webhooks::gateway))
        .route(
            "/webhooks/cloud/{sender}",
            get(webhooks::cloud_verify).post(webhooks::cloud),
        )
        .layer(DefaultBodyLimit::max(1024 * 1024));

    // The split wasm's chunks, one response per page load (before the pages' fallback, which
    // serves the site's other files).
    let bundle_route = format!("/{}/bundle/{{list}}", state.leptos_options.site_pkg_dir);

    Router::new()
        .route("/healthz", get(health::healthz))
        .route(&bundle_route, get(bundles::serve))
        .merge(webhook_routes)
        .merge(logo_routes)
        .merge(file_routes)
        .merge(pages)
        .layer(
            ServiceBuilder::new()
                // gzip for browsers that ask: the wasm chunks, scripts, styles and pages shrink
                // to about a third, which is what phones on mobile data notice.
                .layer(CompressionLayer::new().gzip(true))
                // Inside the compression layer, which leaves a precompressed body alone.
                .layer(middleware::from_fn_with_state(
                    state.clone(),
                    precompressed::serve_site_file,
                ))
                .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(
                    |request: &axum::http::Request<axum::body::Body>| {
                        let id = request
                            .headers()
                            .get("x-request-id")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("-");
                        tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id)
                    },
                ))
                .layer(PropagateRequestIdLayer::new(request_id))
                .layer(middleware::from_fn(meta::security_headers))
                .layer(middleware::from_fn_with_state(state.clone(), meta::client_meta))
                .layer(middleware::from_fn_with_state(state.clone(), csrf::guard))
                .layer(sessions),
        )
        .with_state(state)
}
