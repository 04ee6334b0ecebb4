//! HTTP plumbing and the routes that are not Leptos pages: the router, middleware (CSRF guard,
//! client address, security headers), health check, wasm chunk bundles and the precompressed site files, workspace logos,
//! spreadsheet uploads, lead exports and provider webhooks.

pub mod api_status;
pub mod attachments;
pub mod bundles;
pub mod campaigns;
pub mod csrf;
pub mod health;
pub mod imports;
pub mod logo;
pub mod meta;
pub mod precompressed;
pub mod router;
pub mod tenant;
pub mod webhooks;

pub use router::router;
