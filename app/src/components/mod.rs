//! Reusable pieces of UI: props in, view out, no server functions (the attachment picker
//! posts its file to the upload route).

pub mod attachment;
pub mod chart;
pub mod composer;
pub mod confirm;
pub mod effect;
pub mod form;
pub mod icons;
pub mod lazy;
pub mod show;
pub mod time;
pub mod toast;
