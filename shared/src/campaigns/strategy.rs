//! A campaign's sending strategy: how fast, in what order, when, how many a day, and when to
//! stop. The campaign form edits it, [`Strategy::validate`] checks it (in the browser as you
//! type and again on the server), and the planner ([`super::planner`]) turns it into send times.

use crate::FieldError;
use crate::workspaces::WorkingDays;
use chrono::{Datelike, NaiveDateTime, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};

/// The longest delay, cooldown or first retry wait a strategy may ask for: a day.
pub const MAX_PAUSE_S: u32 = 86_400;
/// The fastest pace a strategy may ask for (ten a second: beyond that the provider throttles).
pub const MAX_PER_MINUTE: u32 = 600;
/// The most retries of one message.
pub const MAX_RETRIES: u8 = 3;
/// The most recent sends the auto-pause rule may look at.
pub const MAX_FAILURE_WINDOW: u32 = 1_000;

/// `NaiveTime::from_hms_opt` for the constants below, so a wrong time fails the build.
const fn time(hour: u32, minute: u32) -> NaiveTime {
    match NaiveTime::from_hms_opt(hour, minute, 0) {
        Some(t) => t,
        None => panic!("not a time of day"),
    }
}

/// The default working hours, as in the workspace settings' defaults.
const OPENING: NaiveTime = time(9, 0);
const CLOSING: NaiveTime = time(18, 0);

/// How a campaign's recipients are handed to its senders.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SendOrder {
    /// In list order, each sender as fast as its own pace allows.
    Sequential,
    /// Shuffled once when the campaign starts.
    Random,
    /// Each sender in turn: shares stay within one message of each other, the quicker
    /// numbers waiting for the slower (the dispatcher's `my_turn`).
    RoundRobin,
    /// Healthier senders take more of the list.
    HealthBalanced,
    /// For small lists: no delays, no pace and no cooldowns. Daily caps and working hours still
    /// hold unless the strategy turns them off too.
    Burst,
}

impl SendOrder {
    pub const ALL: [Self; 5] = [
        Self::Sequential,
        Self::Random,
        Self::RoundRobin,
        Self::HealthBalanced,
        Self::Burst,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Sequential => "In list order",
            Self::Random => "Random order",
            Self::RoundRobin => "Senders take turns",
            Self::HealthBalanced => "Balanced by sender health",
            Self::Burst => "Burst (small lists, no delays)",
        }
    }

    /// What the order does, for the wizard.
    pub fn hint(self) -> &'static str {
        match self {
            Self::Sequential => {
                "Leads in list order; each sender goes as fast as its own pace allows, so a quicker number sends more."
            }
            Self::Random => {
                "Leads shuffled once at launch; each sender goes as fast as its own pace allows."
            }
            Self::RoundRobin => {
                "Senders share the list evenly: a quicker number waits for the slower ones, so none sends more than one message ahead."
            }
            Self::HealthBalanced => {
                "A sender with recent failures waits longer between messages, so healthier numbers take more of the list."
            }
            Self::Burst => {
                "No delays, pace or cooldowns: for small lists only. Daily caps and working hours still hold unless you turn them off."
            }
        }
    }
}

/// When sending is allowed, in the workspace's time zone: from `start` (inclusive) to `end`
/// (exclusive) on each of `days`. Windows do not cross midnight, as in the workspace settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkingHours {
    #[serde(with = "crate::dates::wire::clock")]
    pub start: NaiveTime,
    #[serde(with = "crate::dates::wire::clock")]
    pub end: NaiveTime,
    pub days: WorkingDays,
}

impl Default for WorkingHours {
    /// 09:00–18:00, Monday to Saturday.
    fn default() -> Self {
        Self {
            start: OPENING,
            end: CLOSING,
            days: WorkingDays::DEFAULT,
        }
    }
}

impl WorkingHours {
    /// The workspace settings' hours (minutes after midnight) and days, which a new campaign
    /// starts from; the defaults where they are not a window (the settings refuse those, so
    /// only a hand-edited row has one).
    pub fn from_settings(start_minutes: i32, end_minutes: i32, days: WorkingDays) -> Self {
        let at = |minutes: i32| {
            u32::try_from(minutes)
                .ok()
                .and_then(|m| NaiveTime::from_num_seconds_from_midnight_opt(m.checked_mul(60)?, 0))
        };
        match (at(start_minutes), at(end_minutes)) {
            (Some(start), Some(end)) if start < end && !days.is_empty() => {
                Self { start, end, days }
            }
            _ => Self::default(),
        }
    }

    pub fn works_on(&self, day: Weekday) -> bool {
        self.days.on(day)
    }

    /// Whether a wall-clock time in the workspace's zone is inside the hours.
    pub fn contains(&self, local: NaiveDateTime) -> bool {
        self.works_on(local.weekday()) && self.start <= local.time() && local.time() < self.end
    }
}

/// How a campaign sends. Stored with the campaign as JSON; fields missing from an older
/// campaign's JSON take their defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Strategy {
    pub order: SendOrder,
    /// Most messages a sender sends in a minute; `None`: only the delays pace it.
    pub messages_per_minute: Option<u32>,
    /// A random delay in this range (seconds) follows each message.
    pub delay_min_s: u32,
    pub delay_max_s: u32,
    /// After every this many messages a sender also pauses for a cooldown; `None`: never.
    pub cooldown_every: Option<u32>,
    /// The cooldown's range (seconds), on top of the usual delay.
    pub cooldown_min_s: u32,
    pub cooldown_max_s: u32,
    /// Whether each sender stops at its daily cap (warm-up aware; the caller passes the cap).
    pub respect_daily_cap: bool,
    /// When sending is allowed; `None`: any time.
    pub working_hours: Option<WorkingHours>,
    /// The campaign pauses itself when at least `failure_threshold_percent` of this many
    /// recent sends failed.
    pub failure_window: u32,
    pub failure_threshold_percent: u8,
    /// Retries of a failed message (0–3), waiting `retry_base_s`, then twice that, then four
    /// times.
    pub max_retries: u8,
    pub retry_base_s: u32,
    /// A sender that fails this many times in a row is taken out of the campaign's rotation,
    /// its remaining recipients going to the others; `None`: never.
    pub skip_sender_after_failures: Option<u32>,
}

impl Default for Strategy {
    fn default() -> Self {
        Self {
            order: SendOrder::Sequential,
            messages_per_minute: None,
            delay_min_s: 5,
            delay_max_s: 15,
            cooldown_every: Some(15),
            cooldown_min_s: 120,
            cooldown_max_s: 300,
            respect_daily_cap: true,
            working_hours: Some(WorkingHours::default()),
            failure_window: 20,
            failure_threshold_percent: 25,
            max_retries: 2,
            retry_base_s: 60,
            // Below the auto-pause's 5 failures in 20: a bad number leaves the rotation before
            // it pauses the whole campaign.
            skip_sender_after_failures: Some(3),
        }
    }
}

impl Strategy {
    /// Burst sends without delays, pace or cooldowns.
    pub fn is_burst(&self) -> bool {
        self.order == SendOrder::Burst
    }

    /// Every broken rule, each on the field (the form input's name) it concerns.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut fail = |field: &str, message: String| errors.push(FieldError::new(field, message));

        if let Some(pace) = self.messages_per_minute
            && !(1..=MAX_PER_MINUTE).contains(&pace)
        {
            fail(
                "messages_per_minute",
                format!(
                    "The pace must be from 1 to {MAX_PER_MINUTE} messages a minute; leave it empty for no limit."
                ),
            );
        }
        range(
            &mut fail,
            ("delay_min_s", "shortest delay", self.delay_min_s),
            ("delay_max_s", "longest delay", self.delay_max_s),
        );
        if let Some(every) = self.cooldown_every {
            if every == 0 {
                fail(
                    "cooldown_every",
                    "Cool down after at least 1 message, or turn cooldowns off.".into(),
                );
            }
            range(
                &mut fail,
                ("cooldown_min_s", "shortest cooldown", self.cooldown_min_s),
                ("cooldown_max_s", "longest cooldown", self.cooldown_max_s),
            );
        }
        if let Some(hours) = &self.working_hours {
            if hours.end <= hours.start {
                fail(
                    "working_hours_end",
                    "Working hours must end after they start.".into(),
                );
            }
            if hours.days.is_empty() {
                fail("working_days", "Choose at least one working day.".into());
            }
        }
        if !(1..=MAX_FAILURE_WINDOW).contains(&self.failure_window) {
            fail(
                "failure_window",
                format!("Watch from 1 to {MAX_FAILURE_WINDOW} recent messages for failures."),
            );
        }
        if !(1..=100).contains(&self.failure_threshold_percent) {
            fail(
                "failure_threshold_percent",
                "The failure rate that pauses the campaign must be from 1 % to 100 %.".into(),
            );
        }
        if self.max_retries > MAX_RETRIES {
            fail(
                "max_retries",
                format!("A message can be retried at most {MAX_RETRIES} times."),
            );
        }
        if self.max_retries > 0 && !(1..=MAX_PAUSE_S).contains(&self.retry_base_s) {
            fail(
                "retry_base_s",
                format!(
                    "The wait before the first retry must be from 1 to {MAX_PAUSE_S} seconds (a day)."
                ),
            );
        }
        if self.skip_sender_after_failures == Some(0) {
            fail(
                "skip_sender_after_failures",
                "Skip a sender after at least 1 failure in a row, or never.".into(),
            );
        }

        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// Checks a `min`–`max` pair of pauses, each given as (field, label, seconds).
fn range(
    fail: &mut impl FnMut(&str, String),
    (min_field, min_label, min): (&str, &str, u32),
    (max_field, max_label, max): (&str, &str, u32),
) {
    let too_long =
        |label: &str| format!("The {label} must be at most {MAX_PAUSE_S} seconds (a day).");
    if min > MAX_PAUSE_S {
        fail(min_field, too_long(min_label));
    }
    if max > MAX_PAUSE_S {
        fail(max_field, too_long(max_label));
    } else if max < min {
        fail(
            max_field,
            format!("The {max_label} must be at least the {min_label} ({min} seconds)."),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(strategy: &Strategy) -> Vec<String> {
        match strategy.validate() {
            Ok(()) => Vec::new(),
            Err(errors) => errors.into_iter().map(|e| e.field).collect(),
        }
    }

    #[test]
    fn the_defaults_are_the_products() {
        let s = Strategy::default();
        assert_eq!((s.delay_min_s, s.delay_max_s), (5, 15));
        assert_eq!(s.cooldown_every, Some(15));
        assert_eq!((s.cooldown_min_s, s.cooldown_max_s), (120, 300));
        assert_eq!((s.failure_window, s.failure_threshold_percent), (20, 25));
        let hours = s.working_hours.unwrap();
        assert_eq!((hours.start, hours.end), (time(9, 0), time(18, 0)));
        assert!(hours.works_on(Weekday::Mon) && hours.works_on(Weekday::Sat));
        assert!(!hours.works_on(Weekday::Sun));
        assert!(s.respect_daily_cap && !s.is_burst());
        assert_eq!(s.validate(), Ok(()));
    }

    #[test]
    fn working_hours_come_from_the_workspace_settings() {
        let weekdays = WorkingDays::from_days(0..5);
        let hours = WorkingHours::from_settings(7 * 60 + 30, 16 * 60, weekdays);
        assert_eq!((hours.start, hours.end), (time(7, 30), time(16, 0)));
        assert_eq!(hours.days, weekdays);
        // What the settings never store (no window, no day) falls back to the defaults.
        for (start, end, days) in [
            (18 * 60, 9 * 60, weekdays),
            (-1, 9 * 60, weekdays),
            (9 * 60, 24 * 60, weekdays),
            (9 * 60, 17 * 60, WorkingDays(0)),
        ] {
            assert_eq!(
                WorkingHours::from_settings(start, end, days),
                WorkingHours::default()
            );
        }
    }

    #[test]
    fn working_hours_include_the_start_and_exclude_the_end() {
        let hours = WorkingHours::default();
        let monday = chrono::NaiveDate::from_ymd_opt(2025, 6, 2).unwrap();
        assert!(hours.contains(monday.and_time(time(9, 0))));
        assert!(hours.contains(monday.and_hms_opt(17, 59, 59).unwrap()));
        assert!(!hours.contains(monday.and_time(time(18, 0))));
        assert!(!hours.contains(monday.and_hms_opt(8, 59, 59).unwrap()));
        let sunday = chrono::NaiveDate::from_ymd_opt(2025, 6, 8).unwrap();
        assert!(!hours.contains(sunday.and_time(time(12, 0))));
    }

    #[test]
    fn a_longest_delay_below_the_shortest_is_refused_on_the_longest() {
        let s = Strategy {
            delay_min_s: 20,
            delay_max_s: 10,
            ..Strategy::default()
        };
        let errors = s.validate().unwrap_err();
        assert_eq!(
            errors,
            vec![FieldError::new(
                "delay_max_s",
                "The longest delay must be at least the shortest delay (20 seconds)."
            )]
        );
    }

    #[test]
    fn every_broken_rule_is_reported_on_its_field() {
        let s = Strategy {
            messages_per_minute: Some(0),
            delay_min_s: MAX_PAUSE_S + 1,
            delay_max_s: MAX_PAUSE_S + 1,
            cooldown_every: Some(0),
            cooldown_min_s: 300,
            cooldown_max_s: 120,
            working_hours: Some(WorkingHours {
                start: time(18, 0),
                end: time(9, 0),
                days: WorkingDays(0),
            }),
            failure_window: 0,
            failure_threshold_percent: 101,
            max_retries: 4,
            retry_base_s: 0,
            skip_sender_after_failures: Some(0),
            ..Strategy::default()
        };
        assert_eq!(
            fields(&s),
            [
                "messages_per_minute",
                "delay_min_s",
                "delay_max_s",
                "cooldown_every",
                "cooldown_max_s",
                "working_hours_end",
                "working_days",
                "failure_window",
                "failure_threshold_percent",
                "max_retries",
                "retry_base_s",
                "skip_sender_after_failures",
            ]
        );
    }

    #[test]
    fn settings_that_are_off_are_not_checked() {
        // Hidden inputs must not block the form: cooldown values with cooldowns off, the retry
        // wait with no retries.
        let s = Strategy {
            cooldown_every: None,
            cooldown_min_s: 300,
            cooldown_max_s: 1,
            max_retries: 0,
            retry_base_s: 0,
            working_hours: None,
            messages_per_minute: None,
            skip_sender_after_failures: None,
            ..Strategy::default()
        };
        assert_eq!(s.validate(), Ok(()));
    }

    #[test]
    fn equal_bounds_and_the_limits_themselves_are_accepted() {
        let s = Strategy {
            messages_per_minute: Some(MAX_PER_MINUTE),
            delay_min_s: 0,
            delay_max_s: 0,
            cooldown_every: Some(1),
            cooldown_min_s: MAX_PAUSE_S,
            cooldown_max_s: MAX_PAUSE_S,
            failure_window: MAX_FAILURE_WINDOW,
            failure_threshold_percent: 100,
            max_retries: MAX_RETRIES,
            retry_base_s: MAX_PAUSE_S,
            ..Strategy::default()
        };
        assert_eq!(s.validate(), Ok(()));
    }

    // serde_json is an `ssr` dependency.
    #[cfg(feature = "ssr")]
    #[test]
    fn it_round_trips_as_json_and_old_json_takes_the_defaults() {
        let s = Strategy {
            order: SendOrder::HealthBalanced,
            messages_per_minute: Some(4),
            ..Strategy::default()
        };
        let json = serde_json::to_string(&s).unwrap();
        assert!(json.contains("\"health_balanced\""), "{json}");
        assert_eq!(serde_json::from_str::<Strategy>(&json).unwrap(), s);
        let partial: Strategy =
            serde_json::from_str(r#"{"order":"burst","delay_min_s":1}"#).unwrap();
        assert_eq!(
            partial,
            Strategy {
                order: SendOrder::Burst,
                delay_min_s: 1,
                ..Strategy::default()
            }
        );
    }
}
