//! The HTTP integration suite: the real router on a real port, against SQLite and PostgreSQL,
//! one fresh database per test. One binary, so the app is linked once.

// Leptos views are deeply nested types; laying out their futures needs a higher limit.
#![recursion_limit = "512"]

#[macro_use]
mod common;

mod accounts;
mod analytics;
mod attachments;
mod bundles;
mod campaign_crash;
mod campaigns;
mod imports;
mod isolation;
mod lead_page;
mod leads;
mod phone_verification;
mod platform;
mod templates;
mod websites;
mod whatsapp;
mod workspaces;
