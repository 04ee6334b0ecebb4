//! Campaigns: the sending strategy a campaign runs with ([`strategy`]) and the planner that
//! turns it into send times and estimates ([`planner`]). Both are pure and compile everywhere,
//! so the campaign form validates and the review step estimates in the browser exactly as the
//! dispatcher schedules on the server.

pub mod planner;
pub mod strategy;

#[cfg(feature = "ssr")]
pub use planner::ThreadRandom;
pub use planner::{
    AutoPause, CannotFinish, Decision, Estimate, Outcome, RandomSource, SenderCapacity, SenderPace,
    Wait, after_send, auto_pause, estimate_duration, next_send_at, retry_delay, should_skip_sender,
};
pub use strategy::{SendOrder, Strategy, WorkingHours};
