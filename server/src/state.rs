//! `AppState`: what every handler can reach. Handed to `leptos_routes_with_context`, so server
//! functions get `Services` from context; there are no globals.

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use shared::services::Services;

#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    /// Leptos' settings: site root (static assets), output name, address.
    pub leptos_options: LeptosOptions,
    /// Database, mailer and run-time settings for the domain services.
    pub services: Services,
    /// Whether to take the client's address from `X-Forwarded-For`.
    pub trust_proxy: bool,
    /// The deployment's public origin, accepted by the CSRF guard besides the Host header.
    pub public_origin: String,
    /// The site's wasm, scripts and styles compressed once with Zopfli (`http/precompressed.rs`).
    pub precompressed: crate::http::precompressed::Precompressed,
}
