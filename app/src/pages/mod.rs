//! Pages, one module per capability; each owns its resources and actions.

pub mod auth;
pub mod errors;
pub mod home;
pub mod invite;
pub mod onboarding;
pub mod workspace;
