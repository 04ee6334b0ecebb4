//! Reusable pieces of UI: props in, view out, no server calls.

pub mod confirm;
pub mod form;
pub mod icons;
pub mod toast;
