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

/// mimalloc instead of glibc's allocator, for every binary built on this crate (the server, its
/// benchmarks and tests alike); its `override` feature makes the C code linked in (SQLite above
/// all) use it too. An import hands strings from the task that builds a statement to the SQLite
/// driver's thread, which copies and frees them: under glibc that was about a sixth of the
/// import's CPU, in arena locks and bin consolidation (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
