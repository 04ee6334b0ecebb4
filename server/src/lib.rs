//! The `leadloom` server: configuration, application state, router assembly and the HTTP
//! plumbing (sessions, CSRF guard, request ids, health). `main.rs` only parses and dispatches.

// Leptos views are deeply nested types; laying out their futures needs a higher limit.
#![recursion_limit = "512"]

pub mod bench;
pub mod cli;
pub mod config;
pub mod http;
pub mod serve;
pub mod simulator;
pub mod state;
pub mod worker;

pub use state::AppState;
