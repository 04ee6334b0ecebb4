//! LeadLoom's domain: ids, DTOs, validation and pure rules compile everywhere (server and wasm);
//! stores, services and the database live behind the `ssr` feature.

pub mod accounts;
pub mod analytics;
pub mod audit;
pub mod campaigns;
pub mod customers;
pub mod dates;
pub mod error;
pub mod ids;
pub mod imports;
pub mod leads;
pub mod notifications;
pub mod plans;
pub mod segments;
pub mod templates;
pub mod url;
pub mod validate;
pub mod websites;
pub mod whatsapp;
pub mod workspaces;

#[cfg(feature = "ssr")]
pub mod crypto;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod export;
#[cfg(feature = "ssr")]
pub mod jobs;
#[cfg(feature = "ssr")]
pub mod mail;
#[cfg(feature = "ssr")]
pub mod services;

pub use error::{AppError, FieldError};
pub use ids::{UserId, WorkspaceId};
