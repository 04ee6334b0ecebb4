//! Accounts: registration, sign-in, profiles and passwords as they cross the wire. Hashing,
//! throttling, the session store and the service sit behind `ssr`.

#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod session_store;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod throttle;

use crate::workspaces::WorkspaceSummary;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The signed-in person, as the shell needs them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub is_platform_admin: bool,
    pub workspaces: Vec<WorkspaceSummary>,
    /// The workspace to open after signing in: the last one used, else the first.
    pub home_slug: Option<String>,
}

/// The registration form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Registration {
    pub name: String,
    pub email: String,
    pub password: String,
}

/// The profile form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProfileUpdate {
    pub name: String,
    pub email: String,
    pub phone: String,
}
