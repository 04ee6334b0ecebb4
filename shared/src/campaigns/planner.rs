//! The send planner: when a sender may send next, what a send does to its pacing, when a failed
//! message is retried, when a campaign pauses itself, and how long a campaign will take. Pure
//! rules: the clock (`now`), the workspace's time zone and randomness are arguments, so the
//! dispatcher, the review step's estimate and the tests agree to the millisecond.
//!
//! Time zones are any [`chrono::TimeZone`] (the server passes `chrono_tz::Tz`). A wall-clock
//! time that a daylight-saving change skips means the first instant after the gap; one that
//! happens twice means the first.

use super::strategy::{Strategy, WorkingHours};
use chrono::{
    DateTime, Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc,
};
use serde::{Deserialize, Serialize};

/// Uniform numbers in `[0, 1]` (values outside are clamped). Any `FnMut() -> f64` is one, so
/// tests script the sequence; the server uses [`ThreadRandom`].
pub trait RandomSource {
    fn next_unit(&mut self) -> f64;
}

impl<F: FnMut() -> f64> RandomSource for F {
    fn next_unit(&mut self) -> f64 {
        self()
    }
}

/// The thread-local generator of `rand`.
#[cfg(feature = "ssr")]
#[derive(Clone, Copy, Debug, Default)]
pub struct ThreadRandom;

#[cfg(feature = "ssr")]
impl RandomSource for ThreadRandom {
    fn next_unit(&mut self) -> f64 {
        rand::random()
    }
}

/// What the dispatcher keeps per sender between sends (the cap is not in it: it changes with
/// warm-up, so the caller passes the one in force).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SenderPace {
    /// The workspace-local day `sent_today` counts; `None` before the first send.
    #[serde(default, with = "crate::dates::wire::date_option")]
    pub day: Option<NaiveDate>,
    pub sent_today: u32,
    /// Sends since the last cooldown began (or since the first send).
    pub since_cooldown: u32,
    /// Not before this; `None`: nothing pending.
    #[serde(default, with = "crate::dates::wire::instant_option")]
    pub next_at: Option<DateTime<Utc>>,
    /// Whether `next_at` ends a cooldown rather than an ordinary delay.
    pub cooling_down: bool,
}

impl SenderPace {
    /// Messages counted on local `day`: a new day starts from zero.
    pub fn sent_on(&self, day: NaiveDate) -> u32 {
        if self.day == Some(day) {
            self.sent_today
        } else {
            0
        }
    }
}

/// Why a sender waits until [`Decision::at`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Wait {
    /// It may send now.
    Ready,
    /// The random delay (or the pace) after its last message.
    Delay,
    /// A cooldown after every K messages.
    Cooldown,
    /// Outside working hours: `at` is the next opening.
    OutsideHours,
    /// Its daily cap is reached: `at` is the next local day's first allowed moment.
    DailyCap,
}

/// When a sender may send next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// Never before the `now` it was asked at.
    #[serde(with = "crate::dates::wire::instant")]
    pub at: DateTime<Utc>,
    /// The weightiest reason it is not `now` (a cap outweighs hours, hours a cooldown).
    pub wait: Wait,
}

/// When the sender with `pace` and daily `cap` may send its next message, asked at `now`.
/// `None` when it never may under these rules: a cap of 0, or working hours with no day.
pub fn next_send_at<Tz: TimeZone>(
    strategy: &Strategy,
    pace: &SenderPace,
    cap: u32,
    now: DateTime<Utc>,
    tz: &Tz,
) -> Option<Decision> {
    let mut at = now;
    let mut wait = Wait::Ready;
    if let Some(next) = pace.next_at
        && next > now
    {
        at = next;
        wait = if pace.cooling_down {
            Wait::Cooldown
        } else {
            Wait::Delay
        };
    }
    if strategy.respect_daily_cap {
        if cap == 0 {
            return None;
        }
        let day = local(at, tz).date();
        if pace.sent_on(day) >= cap {
            at = start_of_day(day.checked_add_days(Days::new(1))?, tz)?;
            wait = Wait::DailyCap;
        }
    }
    // After the cap: the next day's opening may be a later day, where nothing is counted yet.
    if let Some(hours) = &strategy.working_hours {
        let open = next_opening(hours, at, tz)?;
        if open > at {
            at = open;
            if wait != Wait::DailyCap {
                wait = Wait::OutsideHours;
            }
        }
    }
    Some(Decision { at, wait })
}

/// The pace after a message went at `sent_at`: counted on its local day, followed by a random
/// delay (never shorter than the pace allows), plus a cooldown after every K-th message. Burst
/// schedules no pause. Draws from `rng` in that order: the delay, then the cooldown.
pub fn after_send<Tz: TimeZone>(
    strategy: &Strategy,
    pace: &SenderPace,
    sent_at: DateTime<Utc>,
    tz: &Tz,
    rng: &mut impl RandomSource,
) -> SenderPace {
    let day = local(sent_at, tz).date();
    let since_cooldown = pace.since_cooldown.saturating_add(1);
    let mut next = SenderPace {
        day: Some(day),
        sent_today: pace.sent_on(day).saturating_add(1),
        since_cooldown,
        next_at: Some(sent_at),
        cooling_down: false,
    };
    if strategy.is_burst() {
        return next;
    }
    let mut gap = draw(rng, strategy.delay_min_s, strategy.delay_max_s).max(pace_gap(strategy));
    if let Some(every) = strategy.cooldown_every
        && every > 0
        && since_cooldown >= every
    {
        gap += draw(rng, strategy.cooldown_min_s, strategy.cooldown_max_s);
        next.since_cooldown = 0;
        next.cooling_down = true;
    }
    next.next_at = Some(sent_at + gap);
    next
}

/// How long to wait before retry number `attempt` (1 after the first failure) of a message:
/// the base wait, doubled for each retry before it. `None` once the retries are used up.
pub fn retry_delay(strategy: &Strategy, attempt: u32) -> Option<TimeDelta> {
    if attempt == 0 || attempt > u32::from(strategy.max_retries) {
        return None;
    }
    let factor = 1_i64.checked_shl(attempt - 1)?;
    Some(TimeDelta::seconds(
        i64::from(strategy.retry_base_s).saturating_mul(factor),
    ))
}

/// How one message ended, for the auto-pause rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Sent,
    Failed,
}

/// Why a campaign paused itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AutoPause {
    /// `failed` of the last `window` messages failed.
    FailureRate { failed: u32, window: u32 },
    /// The provider reported a restriction (a ban, a quality block, a rate limit).
    ProviderRestriction,
}

impl AutoPause {
    /// What the campaign page says.
    pub fn message(&self) -> String {
        match self {
            Self::FailureRate { failed, window } => format!(
                "Paused: {failed} of the last {window} messages failed. Check the senders and the list, then resume."
            ),
            Self::ProviderRestriction => {
                "Paused: the provider restricted a sender. Check its status before resuming.".into()
            }
        }
    }
}

/// Whether the campaign must pause, given its sends' outcomes oldest first and whether the
/// provider signalled a restriction. The rate counts failures among the last
/// `failure_window` sends *out of the whole window*: 5 failures pause a 25 %-of-20 campaign
/// whether they are the first 5 sends or 5 of the last 20, so a broken sender is caught at
/// once instead of after 20 messages, and one early failure is not a 100 % rate.
pub fn auto_pause(
    strategy: &Strategy,
    recent: &[Outcome],
    provider_restricted: bool,
) -> Option<AutoPause> {
    if provider_restricted {
        return Some(AutoPause::ProviderRestriction);
    }
    let window = strategy.failure_window;
    if window == 0 {
        return None;
    }
    let last =
        usize::try_from(window).map_or(recent, |w| &recent[recent.len().saturating_sub(w)..]);
    let failed = last.iter().filter(|o| **o == Outcome::Failed).count();
    let failed = u32::try_from(failed).unwrap_or(u32::MAX);
    let rate_reached = u64::from(failed) * 100
        >= u64::from(strategy.failure_threshold_percent) * u64::from(window);
    (failed > 0 && rate_reached).then_some(AutoPause::FailureRate { failed, window })
}

/// Whether a sender that failed `consecutive_failures` times in a row leaves the rotation.
pub fn should_skip_sender(strategy: &Strategy, consecutive_failures: u32) -> bool {
    strategy
        .skip_sender_after_failures
        .is_some_and(|limit| limit > 0 && consecutive_failures >= limit)
}

/// One sender as the estimate sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SenderCapacity {
    /// Its daily cap in force.
    pub cap: u32,
    /// Already sent on the start's local day (by other campaigns too).
    pub sent_today: u32,
}

/// How long a campaign will take.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Estimate {
    /// The last message goes at `at`, after sending on `sending_days` local days.
    Finishes {
        at: DateTime<Utc>,
        sending_days: u64,
    },
    CannotFinish(CannotFinish),
}

impl Estimate {
    pub fn finishes_at(&self) -> Option<DateTime<Utc>> {
        match self {
            Self::Finishes { at, .. } => Some(*at),
            Self::CannotFinish(_) => None,
        }
    }
}

/// Why a campaign would never finish.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CannotFinish {
    NoSenders,
    /// Every cap is 0 (or the working hours allow no time).
    NoCapacity,
    /// Beyond any calendar date.
    TooFar,
}

impl CannotFinish {
    /// What the review step says.
    pub fn message(self) -> &'static str {
        match self {
            Self::NoSenders => "Choose at least one sender to send this campaign.",
            Self::NoCapacity => {
                "The chosen senders cannot send anything: their daily caps are 0 or the working hours allow no time."
            }
            Self::TooFar => "This campaign would take longer than the calendar allows.",
        }
    }
}

/// When a campaign of `recipients` starting at `start` will finish with `senders` sending in
/// parallel. Each sender is paced by the strategy's *average* gap (the delay's mean under the
/// pace, plus the cooldown's mean spread over K messages) and stopped by its cap and the
/// working hours; recipients go to whichever sender is free first. Simulated a day at a time
/// for the first week, then whole weeks are skipped, so any list size is instant. Burst takes
/// no time per message: it finishes at the first allowed moment when caps do not hold it back.
/// `plan` is the workspace's messages a day (its cap and what went today), shared by every
/// sender: a day's sending stops when it is used up, whatever the senders could still send.
pub fn estimate_duration<Tz: TimeZone>(
    strategy: &Strategy,
    recipients: u64,
    senders: &[SenderCapacity],
    plan: Option<SenderCapacity>,
    start: DateTime<Utc>,
    tz: &Tz,
) -> Estimate {
    estimate(strategy, recipients, senders, plan, start, tz, true)
}

/// [`estimate_duration`], with the week skipping switchable so tests can check it changes
/// nothing.
fn estimate<Tz: TimeZone>(
    strategy: &Strategy,
    recipients: u64,
    senders: &[SenderCapacity],
    plan: Option<SenderCapacity>,
    start: DateTime<Utc>,
    tz: &Tz,
    skip_weeks: bool,
) -> Estimate {
    if recipients == 0 {
        return Estimate::Finishes {
            at: start,
            sending_days: 0,
        };
    }
    if senders.is_empty() {
        return Estimate::CannotFinish(CannotFinish::NoSenders);
    }
    let too_far = Estimate::CannotFinish(CannotFinish::TooFar);
    let gap = average_gap_ns(strategy);
    let first_day = local(start, tz).date();
    // When each sender is next free; a long gap carries over into the next day.
    let mut free = vec![start; senders.len()];
    let mut remaining = recipients;
    let mut sending_days = 0_u64;
    let (mut week_capacity, mut week_sending_days) = (0_u64, 0_u64);
    let mut day = first_day;
    for offset in 0_u64.. {
        if let Some((open, close)) = window(strategy.working_hours.as_ref(), day, tz) {
            let open = open.max(start);
            let slots: Vec<(i64, u64)> = senders
                .iter()
                .zip(&free)
                .map(|(sender, free)| {
                    let first = open.max(*free);
                    let left = if !strategy.respect_daily_cap {
                        u64::MAX
                    } else if offset == 0 {
                        u64::from(sender.cap.saturating_sub(sender.sent_today))
                    } else {
                        u64::from(sender.cap)
                    };
                    let from_open = nanos(first - open);
                    (from_open, left.min(fits(first, close, gap)))
                })
                .collect();
            let mut slots = slots;
            let mut capacity = slots
                .iter()
                .fold(0_u64, |sum, (_, n)| sum.saturating_add(*n));
            if let Some(plan) = plan {
                let left = u64::from(if offset == 0 {
                    plan.cap.saturating_sub(plan.sent_today)
                } else {
                    plan.cap
                });
                if left < capacity {
                    share_out(&mut slots, gap, left);
                    capacity = left;
                }
            }
            if capacity >= remaining {
                let last = finish_offset(&slots, gap, remaining);
                return Estimate::Finishes {
                    at: open + TimeDelta::nanoseconds(last),
                    sending_days: sending_days + 1,
                };
            }
            remaining -= capacity;
            for ((from_open, n), free) in slots.iter().zip(&mut free) {
                if *n > 0 {
                    // `n` fits in the window, so this is within a day of `open`.
                    let busy = i64::try_from(*n).unwrap_or(i64::MAX).saturating_mul(gap);
                    *free = open + TimeDelta::nanoseconds(from_open.saturating_add(busy));
                }
            }
            if capacity > 0 {
                sending_days += 1;
                if offset >= 1 {
                    week_sending_days += 1;
                }
            }
            if offset >= 1 {
                week_capacity = week_capacity.saturating_add(capacity);
            }
        }
        if offset == 7 {
            // Days 1–7 are a full week with full caps; later weeks repeat it.
            if week_capacity == 0 {
                return Estimate::CannotFinish(CannotFinish::NoCapacity);
            }
            let weeks = (remaining - 1) / week_capacity;
            if skip_weeks && weeks > 0 {
                remaining -= weeks * week_capacity;
                sending_days = sending_days.saturating_add(weeks.saturating_mul(week_sending_days));
                let Some(skipped) = weeks.checked_mul(7).map(Days::new) else {
                    return too_far;
                };
                let Some(later) = day.checked_add_days(skipped) else {
                    return too_far;
                };
                day = later;
                for free in &mut free {
                    let Some(moved) = local(*free, tz)
                        .checked_add_days(skipped)
                        .and_then(|l| to_utc(l, tz))
                    else {
                        return too_far;
                    };
                    *free = moved;
                }
            }
        }
        let Some(next) = day.succ_opt() else {
            return too_far;
        };
        day = next;
    }
    too_far
}

/// Cuts the day's `slots` to the first `total` messages the senders would send together (the
/// plan's messages a day): each keeps what it sends before the shared limit is reached.
fn share_out(slots: &mut [(i64, u64)], gap: i64, total: u64) {
    if total == 0 {
        slots.iter_mut().for_each(|slot| slot.1 = 0);
        return;
    }
    let until = finish_offset(slots, gap, total);
    for (first, n) in slots.iter_mut() {
        *n = if *n == 0 || until < *first {
            0
        } else if gap == 0 {
            *n
        } else {
            (*n).min(u64::try_from((until - *first) / gap).unwrap_or(0) + 1)
        };
    }
    // Senders due at the same instant may overshoot by a few: the later ones give them back.
    let mut excess = slots
        .iter()
        .fold(0_u64, |sum, (_, n)| sum.saturating_add(*n))
        .saturating_sub(total);
    for (_, n) in slots.iter_mut().rev() {
        let back = excess.min(*n);
        *n -= back;
        excess -= back;
    }
}

/// How many messages one sender fits from `first` until `close`, `gap` nanoseconds apart.
fn fits(first: DateTime<Utc>, close: DateTime<Utc>, gap: i64) -> u64 {
    if first >= close {
        0
    } else if gap == 0 {
        u64::MAX
    } else {
        let span = nanos(close - first);
        u64::try_from((span + gap - 1) / gap).unwrap_or(0)
    }
}

/// The offset from the day's opening (nanoseconds) of the `nth` message of the day, when
/// sender `i` sends `slots[i].1` messages from `slots[i].0` on, `gap` apart: the first instant
/// by which the senders together have sent `nth`.
fn finish_offset(slots: &[(i64, u64)], gap: i64, nth: u64) -> i64 {
    let sent_by = |t: i64| -> u64 {
        slots
            .iter()
            .filter(|(first, n)| *n > 0 && t >= *first)
            .map(|(first, n)| {
                if gap == 0 {
                    *n
                } else {
                    (*n).min(u64::try_from((t - first) / gap).unwrap_or(0) + 1)
                }
            })
            .fold(0_u64, u64::saturating_add)
    };
    let (mut low, mut high) = (0_i64, 0_i64);
    // An upper bound: the last slot of any sender.
    for (first, n) in slots.iter().filter(|(_, n)| *n > 0) {
        let span = if gap == 0 {
            0
        } else {
            i64::try_from(*n - 1)
                .unwrap_or(i64::MAX)
                .saturating_mul(gap)
        };
        high = high.max(first.saturating_add(span));
    }
    while low < high {
        let mid = low + (high - low) / 2;
        if sent_by(mid) >= nth {
            high = mid;
        } else {
            low = mid + 1;
        }
    }
    low
}

/// The expected gap between a sender's messages, in nanoseconds.
fn average_gap_ns(strategy: &Strategy) -> i64 {
    if strategy.is_burst() {
        return 0;
    }
    let ms = |s: u32| f64::from(s) * 1_000.0;
    let low = ms(strategy.delay_min_s);
    let high = ms(strategy.delay_max_s).max(low);
    let pace = pace_ms(strategy).map_or(0.0, f64::from);
    // E[max(U(low, high), pace)].
    let delay = if pace <= low {
        (low + high) / 2.0
    } else if pace >= high {
        pace
    } else {
        (pace * (pace - low) + (high * high - pace * pace) / 2.0) / (high - low)
    };
    let cooldown = match strategy.cooldown_every {
        Some(every) if every > 0 => {
            let high = ms(strategy.cooldown_max_s).max(ms(strategy.cooldown_min_s));
            (ms(strategy.cooldown_min_s) + high) / 2.0 / f64::from(every)
        }
        _ => 0.0,
    };
    // Float to integer: saturating, and the value is at most days in nanoseconds.
    ((delay + cooldown) * 1_000_000.0).round() as i64
}

/// The shortest gap the pace allows, in whole milliseconds (rounded up, so a pace of 7 a
/// minute never becomes 8).
fn pace_ms(strategy: &Strategy) -> Option<u32> {
    strategy
        .messages_per_minute
        .filter(|p| *p > 0)
        .map(|p| 60_000_u32.div_ceil(p))
}

fn pace_gap(strategy: &Strategy) -> TimeDelta {
    TimeDelta::milliseconds(pace_ms(strategy).map_or(0, i64::from))
}

/// A random pause in `[min_s, max_s]` seconds, to the millisecond.
fn draw(rng: &mut impl RandomSource, min_s: u32, max_s: u32) -> TimeDelta {
    let unit = rng.next_unit();
    let unit = if unit.is_nan() {
        0.0
    } else {
        unit.clamp(0.0, 1.0)
    };
    let span_ms = f64::from(max_s.saturating_sub(min_s)) * 1_000.0;
    // Float to integer: saturating, and within [0, span_ms] by the clamp above.
    let offset = (unit * span_ms).round() as i64;
    TimeDelta::milliseconds(i64::from(min_s) * 1_000 + offset)
}

fn nanos(delta: TimeDelta) -> i64 {
    delta.num_nanoseconds().unwrap_or(i64::MAX)
}

/// The wall-clock time in the workspace's zone.
fn local<Tz: TimeZone>(t: DateTime<Utc>, tz: &Tz) -> NaiveDateTime {
    t.with_timezone(tz).naive_local()
}

/// The instant of a wall-clock time: the first one after a daylight-saving gap that skips
/// it, the earlier of two when it happens twice.
fn to_utc<Tz: TimeZone>(wall: NaiveDateTime, tz: &Tz) -> Option<DateTime<Utc>> {
    (0..=24 * 60).find_map(|minutes| {
        let wall = wall.checked_add_signed(TimeDelta::minutes(minutes))?;
        tz.from_local_datetime(&wall)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    })
}

fn start_of_day<Tz: TimeZone>(day: NaiveDate, tz: &Tz) -> Option<DateTime<Utc>> {
    to_utc(day.and_time(NaiveTime::MIN), tz)
}

/// When sending is allowed on local `day` (`hours` of `None`: all day); `None` on a day off.
fn window<Tz: TimeZone>(
    hours: Option<&WorkingHours>,
    day: NaiveDate,
    tz: &Tz,
) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let (open, close) = match hours {
        None => (start_of_day(day, tz)?, start_of_day(day.succ_opt()?, tz)?),
        Some(hours) if hours.works_on(day.weekday()) => (
            to_utc(day.and_time(hours.start), tz)?,
            to_utc(day.and_time(hours.end), tz)?,
        ),
        Some(_) => return None,
    };
    (open < close).then_some((open, close))
}

/// The first allowed instant at or after `at`; `None` when the hours allow none.
fn next_opening<Tz: TimeZone>(
    hours: &WorkingHours,
    at: DateTime<Utc>,
    tz: &Tz,
) -> Option<DateTime<Utc>> {
    let today = local(at, tz).date();
    // A week and a day: every weekday once more after today's window has passed.
    (0..=7).find_map(|ahead| {
        let (open, close) = window(Some(hours), today.checked_add_days(Days::new(ahead))?, tz)?;
        (at < close).then_some(open.max(at))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaigns::strategy::SendOrder;
    use crate::workspaces::WorkingDays;
    use chrono::FixedOffset;
    use proptest::prelude::{
        ProptestConfig, TestCaseError, prop, prop_assert, prop_assert_eq, proptest,
    };
    use proptest::strategy::Strategy as _;
    use std::collections::{BTreeSet, HashMap};

    fn at(rfc3339: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc3339)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn zone(seconds_east: i32) -> FixedOffset {
        FixedOffset::east_opt(seconds_east).unwrap()
    }

    fn minute(of_day: u32) -> NaiveTime {
        NaiveTime::from_num_seconds_from_midnight_opt(of_day * 60, 0).unwrap()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// The same number every time.
    fn fixed(unit: f64) -> impl FnMut() -> f64 {
        move || unit
    }

    /// The numbers in turn; running out is a test bug.
    fn script(units: &[f64]) -> impl FnMut() -> f64 {
        let mut units = units.iter().copied();
        move || units.next().expect("the random script ran out")
    }

    /// A seeded generator for the property tests (xorshift64).
    struct Seeded(u64);

    impl RandomSource for Seeded {
        fn next_unit(&mut self) -> f64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 >> 11) as f64 / (1_u64 << 53) as f64
        }
    }

    /// Defaults without cooldowns: most rules are easier to see alone.
    fn no_cooldown() -> Strategy {
        Strategy {
            cooldown_every: None,
            ..Strategy::default()
        }
    }

    /// Every message exactly `seconds` after the last.
    fn every(seconds: u32) -> Strategy {
        Strategy {
            delay_min_s: seconds,
            delay_max_s: seconds,
            ..no_cooldown()
        }
    }

    // 2025-06-02 is a Monday; +02:00 throughout unless said.
    const PARIS: i32 = 2 * 3600;

    fn decide(strategy: &Strategy, pace: &SenderPace, cap: u32, now: &str) -> Option<Decision> {
        next_send_at(strategy, pace, cap, at(now), &zone(PARIS))
    }

    #[test]
    fn a_fresh_sender_inside_working_hours_sends_now() {
        let d = decide(
            &no_cooldown(),
            &SenderPace::default(),
            50,
            "2025-06-02T10:00:00+02:00",
        );
        assert_eq!(
            d,
            Some(Decision {
                at: at("2025-06-02T10:00:00+02:00"),
                wait: Wait::Ready
            })
        );
    }

    #[test]
    fn outside_working_hours_it_waits_for_the_next_opening() {
        let s = no_cooldown();
        let pace = SenderPace::default();
        let cases = [
            // Before opening: today at nine.
            ("2025-06-02T07:30:00+02:00", "2025-06-02T09:00:00+02:00"),
            // The end is exclusive: 18:00 sharp is closed.
            ("2025-06-02T18:00:00+02:00", "2025-06-03T09:00:00+02:00"),
            // Saturday evening and Sunday: Monday.
            ("2025-06-07T18:00:00+02:00", "2025-06-09T09:00:00+02:00"),
            ("2025-06-08T12:00:00+02:00", "2025-06-09T09:00:00+02:00"),
        ];
        for (now, expected) in cases {
            assert_eq!(
                decide(&s, &pace, 50, now),
                Some(Decision {
                    at: at(expected),
                    wait: Wait::OutsideHours
                }),
                "asked at {now}"
            );
        }
    }

    #[test]
    fn a_reached_cap_waits_for_the_next_working_days_opening() {
        let s = no_cooldown();
        let monday = SenderPace {
            day: Some(date(2025, 6, 2)),
            sent_today: 50,
            ..SenderPace::default()
        };
        assert_eq!(
            decide(&s, &monday, 50, "2025-06-02T15:00:00+02:00"),
            Some(Decision {
                at: at("2025-06-03T09:00:00+02:00"),
                wait: Wait::DailyCap
            })
        );
        // A cap lowered below what was sent is reached too.
        assert_eq!(
            decide(&s, &monday, 20, "2025-06-02T15:00:00+02:00").map(|d| d.wait),
            Some(Wait::DailyCap)
        );
        assert_eq!(
            decide(&s, &monday, 51, "2025-06-02T15:00:00+02:00").map(|d| d.wait),
            Some(Wait::Ready)
        );
        let saturday = SenderPace {
            day: Some(date(2025, 6, 7)),
            ..monday.clone()
        };
        assert_eq!(
            decide(&s, &saturday, 50, "2025-06-07T11:00:00+02:00"),
            Some(Decision {
                at: at("2025-06-09T09:00:00+02:00"),
                wait: Wait::DailyCap
            })
        );
        // The next local day starts from zero.
        assert_eq!(
            decide(&s, &monday, 50, "2025-06-03T09:30:00+02:00").map(|d| d.wait),
            Some(Wait::Ready)
        );
    }

    #[test]
    fn a_message_at_23_30_counts_on_that_local_day() {
        let s = Strategy {
            working_hours: None,
            ..no_cooldown()
        };
        let new_york = zone(-5 * 3600);
        // 23:30 on Monday in New York is already Tuesday in UTC.
        let sent = at("2025-06-02T23:30:00-05:00");
        let pace = after_send(&s, &SenderPace::default(), sent, &new_york, &mut fixed(0.0));
        assert_eq!((pace.day, pace.sent_today), (Some(date(2025, 6, 2)), 1));
        assert_eq!(
            next_send_at(&s, &pace, 1, at("2025-06-02T23:31:00-05:00"), &new_york),
            Some(Decision {
                at: at("2025-06-03T00:00:00-05:00"),
                wait: Wait::DailyCap
            })
        );
        // And 00:30 on Tuesday in Tokyo is still Monday in UTC.
        let tokyo = zone(9 * 3600);
        let sent = at("2025-06-03T00:30:00+09:00");
        let pace = after_send(&s, &pace, sent, &tokyo, &mut fixed(0.0));
        assert_eq!((pace.day, pace.sent_today), (Some(date(2025, 6, 3)), 1));
    }

    #[test]
    fn the_delay_is_drawn_from_its_range_to_the_millisecond() {
        let s = no_cooldown();
        let sent = at("2025-06-02T10:00:00+02:00");
        let gap = |unit: f64| {
            let pace = after_send(
                &s,
                &SenderPace::default(),
                sent,
                &zone(PARIS),
                &mut fixed(unit),
            );
            pace.next_at.unwrap() - sent
        };
        assert_eq!(gap(0.0), TimeDelta::seconds(5));
        assert_eq!(gap(0.5), TimeDelta::seconds(10));
        assert_eq!(gap(1.0), TimeDelta::seconds(15));
        assert_eq!(gap(0.123), TimeDelta::milliseconds(6_230));
        // A misbehaving source cannot leave the range.
        assert_eq!(gap(7.0), TimeDelta::seconds(15));
        assert_eq!(gap(-1.0), TimeDelta::seconds(5));
        assert_eq!(gap(f64::NAN), TimeDelta::seconds(5));
    }

    #[test]
    fn the_pace_is_a_floor_under_the_delay() {
        let sent = at("2025-06-02T10:00:00+02:00");
        let gap = |s: &Strategy, unit: f64| {
            let pace = after_send(
                s,
                &SenderPace::default(),
                sent,
                &zone(PARIS),
                &mut fixed(unit),
            );
            pace.next_at.unwrap() - sent
        };
        let two_a_minute = Strategy {
            messages_per_minute: Some(2),
            ..no_cooldown()
        };
        assert_eq!(gap(&two_a_minute, 1.0), TimeDelta::seconds(30));
        let six_a_minute = Strategy {
            messages_per_minute: Some(6),
            ..no_cooldown()
        };
        assert_eq!(gap(&six_a_minute, 0.0), TimeDelta::seconds(10));
        assert_eq!(gap(&six_a_minute, 1.0), TimeDelta::seconds(15));
        // 60 / 7 s rounds up, so seven fit in a minute and an eighth does not.
        let seven = Strategy {
            messages_per_minute: Some(7),
            ..every(0)
        };
        assert_eq!(gap(&seven, 0.5), TimeDelta::milliseconds(8_572));
    }

    #[test]
    fn every_kth_message_adds_a_cooldown_to_its_delay() {
        let s = Strategy::default();
        let sent = at("2025-06-02T10:00:00+02:00");
        let fourteenth = SenderPace {
            since_cooldown: 14,
            ..SenderPace::default()
        };
        // The delay draws first (0.5: 10 s), then the cooldown (0.0: 120 s).
        let pace = after_send(
            &s,
            &fourteenth,
            sent,
            &zone(PARIS),
            &mut script(&[0.5, 0.0]),
        );
        assert_eq!(pace.next_at, Some(sent + TimeDelta::seconds(130)));
        assert!(pace.cooling_down);
        assert_eq!(pace.since_cooldown, 0);
        assert_eq!(
            next_send_at(&s, &pace, 50, sent + TimeDelta::seconds(1), &zone(PARIS)),
            Some(Decision {
                at: sent + TimeDelta::seconds(130),
                wait: Wait::Cooldown
            })
        );
        let thirteenth = SenderPace {
            since_cooldown: 13,
            ..SenderPace::default()
        };
        let pace = after_send(&s, &thirteenth, sent, &zone(PARIS), &mut script(&[1.0]));
        assert_eq!(pace.next_at, Some(sent + TimeDelta::seconds(15)));
        assert_eq!((pace.cooling_down, pace.since_cooldown), (false, 14));
        assert_eq!(
            next_send_at(&s, &pace, 50, sent, &zone(PARIS)).map(|d| d.wait),
            Some(Wait::Delay)
        );
    }

    #[test]
    fn cooldowns_fall_on_exactly_every_kth_message() {
        let s = Strategy {
            working_hours: None,
            respect_daily_cap: false,
            cooldown_every: Some(4),
            ..Strategy::default()
        };
        let mut pace = SenderPace::default();
        let mut now = at("2025-06-02T10:00:00+02:00");
        let mut cooled = Vec::new();
        for n in 1..=12 {
            let d = next_send_at(&s, &pace, 0, now, &zone(PARIS)).unwrap();
            pace = after_send(&s, &pace, d.at, &zone(PARIS), &mut fixed(0.0));
            if pace.cooling_down {
                cooled.push(n);
            }
            now = d.at;
        }
        assert_eq!(cooled, [4, 8, 12]);
    }

    #[test]
    fn burst_pauses_never_but_keeps_caps_and_hours_unless_told() {
        let burst = Strategy {
            order: SendOrder::Burst,
            ..Strategy::default()
        };
        let sent = at("2025-06-02T10:00:00+02:00");
        let fifteenth = SenderPace {
            since_cooldown: 14,
            ..SenderPace::default()
        };
        let pace = after_send(&burst, &fifteenth, sent, &zone(PARIS), &mut script(&[]));
        assert_eq!(pace.next_at, Some(sent));
        assert!(!pace.cooling_down);
        assert_eq!(
            next_send_at(&burst, &pace, 1, sent, &zone(PARIS)).map(|d| d.wait),
            Some(Wait::DailyCap)
        );
        assert_eq!(
            decide(
                &burst,
                &SenderPace::default(),
                1,
                "2025-06-08T12:00:00+02:00"
            )
            .map(|d| d.wait),
            Some(Wait::OutsideHours)
        );
        let unbounded = Strategy {
            respect_daily_cap: false,
            working_hours: None,
            ..burst
        };
        let busy = SenderPace {
            day: Some(date(2025, 6, 8)),
            sent_today: 10_000,
            ..pace
        };
        assert_eq!(
            decide(&unbounded, &busy, 0, "2025-06-08T12:00:00+02:00"),
            Some(Decision {
                at: at("2025-06-08T12:00:00+02:00"),
                wait: Wait::Ready
            })
        );
    }

    #[test]
    fn a_zero_cap_or_no_working_day_never_sends() {
        let s = no_cooldown();
        let pace = SenderPace::default();
        assert_eq!(decide(&s, &pace, 0, "2025-06-02T10:00:00+02:00"), None);
        let uncapped = Strategy {
            respect_daily_cap: false,
            ..no_cooldown()
        };
        assert!(decide(&uncapped, &pace, 0, "2025-06-02T10:00:00+02:00").is_some());
        let no_days = Strategy {
            working_hours: Some(WorkingHours {
                days: WorkingDays(0),
                ..WorkingHours::default()
            }),
            ..no_cooldown()
        };
        assert_eq!(
            decide(&no_days, &pace, 50, "2025-06-02T10:00:00+02:00"),
            None
        );
    }

    #[test]
    fn a_pending_delay_holds_and_a_past_one_does_not() {
        let s = no_cooldown();
        let pending = SenderPace {
            next_at: Some(at("2025-06-02T10:00:12+02:00")),
            ..SenderPace::default()
        };
        assert_eq!(
            decide(&s, &pending, 50, "2025-06-02T10:00:00+02:00"),
            Some(Decision {
                at: at("2025-06-02T10:00:12+02:00"),
                wait: Wait::Delay
            })
        );
        assert_eq!(
            decide(&s, &pending, 50, "2025-06-02T11:00:00+02:00"),
            Some(Decision {
                at: at("2025-06-02T11:00:00+02:00"),
                wait: Wait::Ready
            })
        );
        // A delay that ends after closing waits for the next opening.
        let late = SenderPace {
            next_at: Some(at("2025-06-02T18:00:05+02:00")),
            ..SenderPace::default()
        };
        assert_eq!(
            decide(&s, &late, 50, "2025-06-02T17:59:55+02:00"),
            Some(Decision {
                at: at("2025-06-03T09:00:00+02:00"),
                wait: Wait::OutsideHours
            })
        );
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn daylight_saving_gaps_and_repeats_open_at_the_first_real_instant() {
        let new_york = chrono_tz::America::New_York;
        let hours = |start: u32, end: u32| Strategy {
            working_hours: Some(WorkingHours {
                start: minute(start),
                end: minute(end),
                days: WorkingDays(0b0111_1111),
            }),
            ..no_cooldown()
        };
        // 2025-03-09: 02:00 EST jumps to 03:00 EDT, so 02:30 never happens; 03:00 EDT is 07:00Z.
        let spring = next_send_at(
            &hours(150, 240),
            &SenderPace::default(),
            50,
            at("2025-03-09T06:00:00Z"),
            &new_york,
        );
        assert_eq!(spring.map(|d| d.at), Some(at("2025-03-09T07:00:00Z")));
        // 2025-11-02: 01:30 happens twice; the first is 01:30 EDT, 05:30Z.
        let autumn = next_send_at(
            &hours(90, 150),
            &SenderPace::default(),
            50,
            at("2025-11-02T05:00:00Z"),
            &new_york,
        );
        assert_eq!(autumn.map(|d| d.at), Some(at("2025-11-02T05:30:00Z")));
    }

    #[test]
    fn retries_back_off_exponentially_until_used_up() {
        let s = Strategy {
            max_retries: 3,
            retry_base_s: 60,
            ..Strategy::default()
        };
        let waits: Vec<_> = (0..=4).map(|attempt| retry_delay(&s, attempt)).collect();
        assert_eq!(
            waits,
            [
                None,
                Some(TimeDelta::seconds(60)),
                Some(TimeDelta::seconds(120)),
                Some(TimeDelta::seconds(240)),
                None
            ]
        );
        let never = Strategy {
            max_retries: 0,
            ..s
        };
        assert_eq!(retry_delay(&never, 1), None);
    }

    #[test]
    fn the_campaign_pauses_at_the_failure_rate_over_the_window() {
        use Outcome::{Failed, Sent};
        let s = Strategy::default(); // 25 % of 20: 5 failures.
        let mut recent = vec![Sent; 16];
        recent.extend([Failed; 4]);
        assert_eq!(auto_pause(&s, &recent, false), None);
        recent.push(Failed);
        assert_eq!(
            auto_pause(&s, &recent, false),
            Some(AutoPause::FailureRate {
                failed: 5,
                window: 20
            })
        );
        // Only the last 20 count: older failures have scrolled out.
        let mut old = vec![Failed; 10];
        old.extend([Sent; 20]);
        assert_eq!(auto_pause(&s, &old, false), None);
        // A broken start pauses at once, without waiting for 20 sends; one failure does not.
        assert!(auto_pause(&s, &[Failed; 5], false).is_some());
        assert_eq!(auto_pause(&s, &[Failed], false), None);
        assert_eq!(auto_pause(&s, &[], false), None);
        // The provider's word is enough.
        assert_eq!(
            auto_pause(&s, &[Sent], true),
            Some(AutoPause::ProviderRestriction)
        );
        assert!(
            AutoPause::FailureRate {
                failed: 5,
                window: 20
            }
            .message()
            .contains("5 of the last 20")
        );
    }

    #[test]
    fn a_sender_leaves_the_rotation_after_its_failures_in_a_row() {
        let s = Strategy::default();
        assert!(!should_skip_sender(&s, 2));
        assert!(should_skip_sender(&s, 3));
        let never = Strategy {
            skip_sender_after_failures: None,
            ..s
        };
        assert!(!should_skip_sender(&never, 1_000));
    }

    fn sender(cap: u32, sent_today: u32) -> SenderCapacity {
        SenderCapacity { cap, sent_today }
    }

    fn estimate_at(
        strategy: &Strategy,
        recipients: u64,
        senders: &[SenderCapacity],
        start: &str,
    ) -> Estimate {
        estimate_duration(strategy, recipients, senders, None, at(start), &zone(PARIS))
    }

    fn finishes(at_: &str, sending_days: u64) -> Estimate {
        Estimate::Finishes {
            at: at(at_),
            sending_days,
        }
    }

    #[test]
    fn the_estimate_walks_the_working_days() {
        let s = every(10);
        // 100 on Monday from nine, 100 on Tuesday, the last 50 on Wednesday: the 50th at 09:08:10.
        assert_eq!(
            estimate_at(&s, 250, &[sender(100, 0)], "2025-06-02T08:00:00+02:00"),
            finishes("2025-06-04T09:08:10+02:00", 3)
        );
        // 40 already sent on Monday leave 60: Tuesday 100, Wednesday's 90th at 09:14:50.
        assert_eq!(
            estimate_at(&s, 250, &[sender(100, 40)], "2025-06-02T08:00:00+02:00"),
            finishes("2025-06-04T09:14:50+02:00", 3)
        );
        // Two senders side by side: 150 a day; Wednesday's 100 take both to 09:08:10.
        assert_eq!(
            estimate_at(
                &s,
                400,
                &[sender(100, 0), sender(50, 0)],
                "2025-06-02T08:00:00+02:00"
            ),
            finishes("2025-06-04T09:08:10+02:00", 3)
        );
        // A minute before closing fits six; Sunday is off.
        assert_eq!(
            estimate_at(&s, 7, &[sender(100, 0)], "2025-06-07T17:59:00+02:00"),
            finishes("2025-06-09T09:00:00+02:00", 2)
        );
    }

    #[test]
    fn the_estimate_stops_each_day_at_the_plans_messages_a_day() {
        let s = every(10);
        let start = at("2025-06-02T08:00:00+02:00");
        let two = [sender(100, 0), sender(100, 0)];
        // 50 a day for the workspace, 20 gone today: Monday's 30 go 15 per sender (the 15th at
        // 09:02:20), Tuesday's 50 by 09:04:00, Wednesday's last 40 at 09:03:10.
        assert_eq!(
            estimate_duration(&s, 120, &two, Some(sender(50, 20)), start, &zone(PARIS)),
            finishes("2025-06-04T09:03:10+02:00", 3)
        );
        // A plan with room to spare changes nothing.
        assert_eq!(
            estimate_duration(
                &s,
                250,
                &[sender(100, 0)],
                Some(sender(1_000, 0)),
                start,
                &zone(PARIS)
            ),
            estimate_at(&s, 250, &[sender(100, 0)], "2025-06-02T08:00:00+02:00"),
        );
        // Used up today, none tomorrow: never.
        assert_eq!(
            estimate_duration(&s, 10, &two, Some(sender(0, 0)), start, &zone(PARIS)),
            Estimate::CannotFinish(CannotFinish::NoCapacity)
        );
    }

    #[test]
    fn the_estimate_uses_the_average_delay_pace_and_cooldown() {
        let cooled = Strategy {
            cooldown_every: Some(10),
            cooldown_min_s: 100,
            cooldown_max_s: 100,
            ..every(10)
        };
        // 10 s + 100 s / 10 = 20 s a message: the 100th at 09:33:00.
        assert_eq!(
            estimate_at(
                &cooled,
                100,
                &[sender(1_000, 0)],
                "2025-06-02T09:00:00+02:00"
            ),
            finishes("2025-06-02T09:33:00+02:00", 1)
        );
        assert_eq!(average_gap_ns(&no_cooldown()), 10_000_000_000);
        // 5–15 s under a 10 s pace: E[max(U(5, 15), 10)] = 11.25 s.
        let paced = Strategy {
            messages_per_minute: Some(6),
            ..no_cooldown()
        };
        assert_eq!(average_gap_ns(&paced), 11_250_000_000);
        let slow = Strategy {
            messages_per_minute: Some(4),
            ..no_cooldown()
        };
        assert_eq!(average_gap_ns(&slow), 15_000_000_000);
        // The defaults: 10 s + 210 s / 15.
        assert_eq!(average_gap_ns(&Strategy::default()), 24_000_000_000);
    }

    #[test]
    fn burst_takes_no_time_but_still_waits_for_caps_and_hours() {
        let burst = Strategy {
            order: SendOrder::Burst,
            ..Strategy::default()
        };
        assert_eq!(
            estimate_at(&burst, 25, &[sender(10, 0)], "2025-06-08T12:00:00+02:00"),
            finishes("2025-06-11T09:00:00+02:00", 3)
        );
        let no_caps = Strategy {
            respect_daily_cap: false,
            working_hours: None,
            ..burst
        };
        assert_eq!(
            estimate_at(
                &no_caps,
                100_000,
                &[sender(0, 0)],
                "2025-06-08T12:00:00+02:00"
            ),
            finishes("2025-06-08T12:00:00+02:00", 1)
        );
    }

    #[test]
    fn an_estimate_that_cannot_finish_says_why() {
        let s = no_cooldown();
        let start = "2025-06-02T08:00:00+02:00";
        assert_eq!(
            estimate_at(&s, 10, &[], start),
            Estimate::CannotFinish(CannotFinish::NoSenders)
        );
        assert_eq!(
            estimate_at(&s, 10, &[sender(0, 0), sender(0, 0)], start),
            Estimate::CannotFinish(CannotFinish::NoCapacity)
        );
        let no_days = Strategy {
            working_hours: Some(WorkingHours {
                days: WorkingDays(0),
                ..WorkingHours::default()
            }),
            ..no_cooldown()
        };
        assert_eq!(
            estimate_at(&no_days, 10, &[sender(50, 0)], start),
            Estimate::CannotFinish(CannotFinish::NoCapacity)
        );
        assert_eq!(
            estimate_at(&s, u64::MAX, &[sender(1, 0)], start),
            Estimate::CannotFinish(CannotFinish::TooFar)
        );
        // Nothing to send is done at once, senders or not.
        assert_eq!(estimate_at(&s, 0, &[], start), finishes(start, 0));
        assert!(!CannotFinish::NoSenders.message().is_empty());
    }

    #[test]
    fn a_hundred_thousand_recipients_are_estimated_exactly_without_sending_each() {
        let s = every(10);
        let senders = [sender(200, 0); 3];
        // 600 a working day: 166 full days, then 400 more, 134 from each of three senders at
        // once: the last at 09:00 + 133 × 10 s on the 167th working day.
        let mut day = date(2025, 6, 2);
        let mut working = 0;
        loop {
            if WorkingHours::default().works_on(day.weekday()) {
                working += 1;
                if working == 167 {
                    break;
                }
            }
            day = day.succ_opt().unwrap();
        }
        let expected = zone(PARIS)
            .from_local_datetime(&day.and_hms_opt(9, 22, 10).unwrap())
            .unwrap()
            .with_timezone(&Utc);
        let start = at("2025-06-02T08:00:00+02:00");
        let quick = estimate_duration(&s, 100_000, &senders, None, start, &zone(PARIS));
        assert_eq!(
            quick,
            Estimate::Finishes {
                at: expected,
                sending_days: 167
            }
        );
        assert_eq!(
            estimate(&s, 100_000, &senders, None, start, &zone(PARIS), false),
            quick
        );
    }

    fn arb_hours() -> impl proptest::strategy::Strategy<Value = Option<WorkingHours>> {
        prop::option::of(
            (0_u32..1439, 1_u32..1440, 1_u8..128).prop_map(|(start, length, days)| WorkingHours {
                start: minute(start),
                end: minute((start + length).min(1439)),
                days: WorkingDays(days),
            }),
        )
    }

    fn arb_strategy() -> impl proptest::strategy::Strategy<Value = Strategy> {
        (
            (0_u32..90, 0_u32..90),
            prop::option::of(1_u32..=120),
            (prop::option::of(1_u32..20), 0_u32..400, 0_u32..400),
            arb_hours(),
            prop::bool::weighted(0.85),
            prop::bool::weighted(0.1),
        )
            .prop_map(
                |(
                    (delay, spread),
                    pace,
                    (every, cooldown, cooldown_spread),
                    hours,
                    capped,
                    burst,
                )| {
                    Strategy {
                        order: if burst {
                            SendOrder::Burst
                        } else {
                            SendOrder::Sequential
                        },
                        messages_per_minute: pace,
                        delay_min_s: delay,
                        delay_max_s: delay + spread,
                        cooldown_every: every,
                        cooldown_min_s: cooldown,
                        cooldown_max_s: cooldown + cooldown_spread,
                        respect_daily_cap: capped,
                        working_hours: hours,
                        ..Strategy::default()
                    }
                },
            )
    }

    /// Any zone from −14:00 to +14:00 in quarter hours, any moment from 2020 to 2030.
    fn arb_zone_and_start()
    -> impl proptest::strategy::Strategy<Value = (FixedOffset, DateTime<Utc>)> {
        (-56_i32..=56, 1_577_836_800_i64..1_893_456_000).prop_map(|(quarters, seconds)| {
            (
                zone(quarters * 900),
                DateTime::from_timestamp(seconds, 0).unwrap(),
            )
        })
    }

    /// One sender sends 200 messages as the planner says, sometimes left idle between them,
    /// and every rule holds for every message.
    fn check_a_run(
        strategy: &Strategy,
        cap: u32,
        (tz, start): (FixedOffset, DateTime<Utc>),
        seed: u64,
        already: u32,
        idles: &[Option<u32>],
    ) -> Result<(), TestCaseError> {
        prop_assert_eq!(strategy.validate(), Ok(()));
        let ms = |s: u32| i64::from(s) * 1_000;
        let floor = pace_ms(strategy).map_or(0, i64::from);
        let (delay_low, delay_high) = (
            ms(strategy.delay_min_s).max(floor),
            ms(strategy.delay_max_s).max(floor),
        );
        let first_day = local(start, &tz).date();
        let mut pace = SenderPace {
            day: Some(first_day),
            sent_today: already,
            ..SenderPace::default()
        };
        let mut counted = HashMap::from([(first_day, already)]);
        let mut rng = Seeded(seed | 1);
        let mut now = start;
        let mut sent = Vec::new();
        for (n, idle) in (1_u32..).zip(idles) {
            let Some(d) = next_send_at(strategy, &pace, cap, now, &tz) else {
                prop_assert!(
                    strategy.respect_daily_cap && cap == 0,
                    "only a zero cap stops a sender"
                );
                return Ok(());
            };
            prop_assert!(d.at >= now);
            let scheduled = pace.next_at.unwrap_or(now).max(now);
            prop_assert!(d.at >= scheduled, "sent before its delay ended");
            let wall = local(d.at, &tz);
            if let Some(hours) = &strategy.working_hours {
                prop_assert!(hours.contains(wall), "sent outside working hours at {wall}");
            }
            let count = counted.entry(wall.date()).or_insert(0);
            *count += 1;
            if strategy.respect_daily_cap {
                prop_assert!(
                    *count <= cap,
                    "{count} sent on {} over a cap of {cap}",
                    wall.date()
                );
            }
            match d.wait {
                Wait::Ready => prop_assert_eq!(d.at, now),
                Wait::Delay | Wait::Cooldown => {
                    prop_assert_eq!(Some(d.at), pace.next_at);
                    prop_assert_eq!(d.wait == Wait::Cooldown, pace.cooling_down);
                }
                Wait::OutsideHours | Wait::DailyCap => {
                    // Moved to an opening: the working day's start, or midnight without hours.
                    prop_assert!(d.at > scheduled);
                    let opening = strategy.working_hours.map_or(NaiveTime::MIN, |h| h.start);
                    prop_assert_eq!(wall.time(), opening);
                }
            }
            pace = after_send(strategy, &pace, d.at, &tz, &mut rng);
            let gap = nanos(pace.next_at.unwrap() - d.at) / 1_000_000;
            if strategy.is_burst() {
                prop_assert_eq!(gap, 0);
                prop_assert!(!pace.cooling_down);
            } else {
                let cooldown_due = strategy.cooldown_every.is_some_and(|k| n % k == 0);
                prop_assert_eq!(pace.cooling_down, cooldown_due, "message {}", n);
                let (low, high) = if cooldown_due {
                    (
                        delay_low + ms(strategy.cooldown_min_s),
                        delay_high + ms(strategy.cooldown_max_s),
                    )
                } else {
                    (delay_low, delay_high)
                };
                prop_assert!(
                    low <= gap && gap <= high,
                    "gap {gap} ms after message {n} outside {low}..={high}"
                );
            }
            sent.push(d.at);
            now = d.at + TimeDelta::seconds(i64::from(idle.unwrap_or(0)));
        }
        // The pace holds over any window: p + 1 messages span at least a minute.
        if let Some(p) = strategy.messages_per_minute
            && !strategy.is_burst()
        {
            let p = usize::try_from(p).unwrap();
            for run in sent.windows(p + 1) {
                prop_assert!(run[p] - run[0] >= TimeDelta::minutes(1));
            }
        }
        Ok(())
    }

    /// Sends `recipients` with several senders, each message going to whichever sender the
    /// planner lets send first: when the last one goes and on how many local days.
    fn planned_run(
        strategy: &Strategy,
        recipients: u64,
        senders: &[SenderCapacity],
        start: DateTime<Utc>,
        tz: &FixedOffset,
    ) -> Option<(DateTime<Utc>, u64)> {
        let first_day = local(start, tz).date();
        let mut paces: Vec<SenderPace> = senders
            .iter()
            .map(|s| SenderPace {
                day: Some(first_day),
                sent_today: s.sent_today,
                ..SenderPace::default()
            })
            .collect();
        let mut now = start;
        let mut days = BTreeSet::new();
        let mut rng = fixed(0.5);
        for _ in 0..recipients {
            let (i, d) = senders
                .iter()
                .zip(&paces)
                .enumerate()
                .filter_map(|(i, (s, pace))| {
                    Some((i, next_send_at(strategy, pace, s.cap, now, tz)?))
                })
                .min_by_key(|(_, d)| d.at)?;
            paces[i] = after_send(strategy, &paces[i], d.at, tz, &mut rng);
            days.insert(local(d.at, tz).date());
            now = d.at;
        }
        Some((now, u64::try_from(days.len()).unwrap()))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn a_planned_run_keeps_caps_hours_delays_and_cooldowns(
            strategy in arb_strategy(),
            cap in 0_u32..40,
            clock in arb_zone_and_start(),
            seed in proptest::prelude::any::<u64>(),
            already in 0_u32..45,
            idles in prop::collection::vec(prop::option::weighted(0.1, 0_u32..200_000), 200),
        ) {
            check_a_run(&strategy, cap, clock, seed, already, &idles)?;
        }

        #[test]
        fn the_estimate_is_what_the_planner_does_with_fixed_delays(
            delay in 0_u32..900,
            pace in prop::option::of(1_u32..=60),
            hours in arb_hours(),
            capped in prop::bool::weighted(0.8),
            burst in prop::bool::weighted(0.1),
            senders in prop::collection::vec((0_u32..40, 0_u32..45), 1..4),
            recipients in 1_u64..300,
            (tz, start) in arb_zone_and_start(),
        ) {
            let strategy = Strategy {
                order: if burst { SendOrder::Burst } else { SendOrder::RoundRobin },
                messages_per_minute: pace,
                respect_daily_cap: capped,
                working_hours: hours,
                ..every(delay)
            };
            let senders: Vec<_> = senders.into_iter().map(|(cap, sent_today)| sender(cap, sent_today)).collect();
            let planned = planned_run(&strategy, recipients, &senders, start, &tz);
            let estimated = estimate(&strategy, recipients, &senders, None, start, &tz, false);
            match planned {
                Some((at, sending_days)) => prop_assert_eq!(estimated, Estimate::Finishes { at, sending_days }),
                None => prop_assert_eq!(estimated, Estimate::CannotFinish(CannotFinish::NoCapacity)),
            }
        }

        #[test]
        fn skipping_whole_weeks_changes_no_estimate(
            strategy in arb_strategy(),
            window in (0_u32..600, 1_u32..=780, 1_u8..128),
            senders in prop::collection::vec((1_u32..200, 0_u32..200), 1..4),
            recipients in 1_u64..5_000,
            (tz, start) in arb_zone_and_start(),
        ) {
            // Nights of 11 hours or more outlast any gap here, so every week repeats the last.
            let (open, length, days) = window;
            let strategy = Strategy {
                respect_daily_cap: true,
                working_hours: Some(WorkingHours {
                    start: minute(open),
                    end: minute(open + length),
                    days: WorkingDays(days),
                }),
                ..strategy
            };
            let senders: Vec<_> = senders.into_iter().map(|(cap, sent_today)| sender(cap, sent_today)).collect();
            prop_assert_eq!(
                estimate(&strategy, recipients, &senders, None, start, &tz, true),
                estimate(&strategy, recipients, &senders, None, start, &tz, false)
            );
        }
    }
}
