//! Accounts: registration, sign-in, profiles and passwords as they cross the wire. Hashing,
//! throttling, the session store and the service sit behind `ssr`.

#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod phone_verification;
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
    /// Whether `phone` was proven with a one-time code.
    pub phone_verified: bool,
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

/// Where the user's phone verification stands, as the account page shows it. Durations are
/// seconds from the server's clock, so the browser counts down without trusting its own.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PhoneVerificationDto {
    /// The profile's phone as typed.
    pub phone: Option<String>,
    pub verified: bool,
    /// A code is out and still usable.
    pub pending: Option<PendingPhoneCode>,
    /// Seconds until another code may be sent (0: now).
    pub resend_in_secs: u64,
}

/// A code that was sent and can still be typed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingPhoneCode {
    /// The E.164 number it went to.
    pub sent_to: String,
    pub expires_in_secs: u64,
    pub tries_left: u8,
}
