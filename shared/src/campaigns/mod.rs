//! Campaigns: the wizard's form and the campaign DTOs ([`model`]), the sending strategy
//! ([`strategy`]) and the planner that turns it into send times and estimates ([`planner`]) —
//! pure, compiled everywhere, so the wizard validates and estimates in the browser exactly as
//! the server schedules. Behind `ssr`: the tables' queries ([`store`]), the entry points
//! ([`service`]), the durable dispatcher ([`dispatcher`]), notifications ([`notify`]) and
//! the per-recipient CSV report ([`report`]) and what the page charts ([`activity`]).

#[cfg(feature = "ssr")]
pub mod activity;
#[cfg(feature = "ssr")]
pub mod dispatcher;
pub mod model;
#[cfg(feature = "ssr")]
pub mod notify;
pub mod planner;
#[cfg(feature = "ssr")]
pub mod report;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
pub mod strategy;
mod tagged;

pub use model::*;

#[cfg(feature = "ssr")]
pub use planner::ThreadRandom;
pub use planner::{
    AutoPause, CannotFinish, Decision, Estimate, Outcome, RandomSource, SenderCapacity, SenderPace,
    Wait, after_send, auto_pause, estimate_duration, next_send_at, retry_delay, should_skip_sender,
};
pub use strategy::{SendOrder, Strategy, WorkingHours};
