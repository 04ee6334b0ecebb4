//! Times in the workspace's time zone: what campaign pages show and what the schedule input
//! reads. The server answers from the tz database; the browser asks `Intl.DateTimeFormat`, so
//! the wasm bundle carries no zone data and both render the same text.

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use shared::dates;

/// The workspace's zone (an IANA name such as `Africa/Nairobi`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Zone(String);

impl Zone {
    pub fn new(name: impl Into<String>) -> Self {
        Self(name.into())
    }

    pub fn name(&self) -> &str {
        &self.0
    }

    fn offset(&self, at: DateTime<Utc>) -> TimeDelta {
        TimeDelta::seconds(offset_seconds(&self.0, at))
    }

    /// The wall-clock time in this zone at `at`.
    pub fn local(&self, at: DateTime<Utc>) -> NaiveDateTime {
        at.naive_utc() + self.offset(at)
    }

    /// The instant a wall-clock time in this zone names. Two rounds settle the offset around a
    /// daylight-saving change; a time the clocks skip lands an hour later, as on a wall clock.
    pub fn instant(&self, local: NaiveDateTime) -> DateTime<Utc> {
        let guess = (local - self.offset(local.and_utc())).and_utc();
        (local - self.offset(guess)).and_utc()
    }

    /// "2026-01-14 14:30": a date and time in a table or a record.
    pub fn date_time(&self, at: DateTime<Utc>) -> String {
        dates::date_time(&self.local(at))
    }

    /// "Tue 14 Jan 14:30".
    pub fn long(&self, at: DateTime<Utc>) -> String {
        dates::weekday_day_month_time(&self.local(at))
    }

    /// "14:30" on the same local day as `now`, else "Tue 14:30".
    pub fn short(&self, at: DateTime<Utc>, now: DateTime<Utc>) -> String {
        let (local, today) = (self.local(at), self.local(now));
        if local.date() == today.date() {
            dates::time(&local)
        } else {
            dates::weekday_time(&local)
        }
    }

    /// A `datetime-local` input's value: `2026-01-14T14:30`, local to this zone.
    pub fn to_input(&self, at: DateTime<Utc>) -> String {
        dates::input_date_time(&self.local(at))
    }

    /// Reads a `datetime-local` value as a time in this zone.
    pub fn from_input(&self, value: &str) -> Option<DateTime<Utc>> {
        dates::parse_input_date_time(value.trim()).map(|local| self.instant(local))
    }
}

#[cfg(feature = "ssr")]
fn offset_seconds(tz: &str, at: DateTime<Utc>) -> i64 {
    shared::workspaces::utc_offset_seconds(tz, at)
}

/// Formats `at` in `tz` with `Intl` into numeric parts and subtracts UTC. An unknown zone (the
/// constructor throws) counts as UTC, like on the server.
#[cfg(feature = "hydrate")]
fn offset_seconds(tz: &str, at: DateTime<Utc>) -> i64 {
    use wasm_bindgen::JsValue;
    let Some(format) = date_time_format(tz) else {
        return 0;
    };
    let date = js_sys::Date::new(&JsValue::from_f64(at.timestamp() as f64 * 1000.0));
    let parts = format.format_to_parts(&date);
    let (mut y, mut mo, mut d, mut h, mut mi, mut s) = (0i32, 0u32, 0u32, 0u32, 0u32, 0u32);
    for part in parts.iter() {
        let field = |name: &str| {
            js_sys::Reflect::get(&part, &JsValue::from_str(name))
                .ok()
                .and_then(|v| v.as_string())
        };
        let (Some(kind), Some(value)) = (field("type"), field("value")) else {
            continue;
        };
        let number = value.parse::<u32>().unwrap_or(0);
        match kind.as_str() {
            "year" => y = i32::try_from(number).unwrap_or(0),
            "month" => mo = number,
            "day" => d = number,
            // Some engines write midnight as 24 even with h23.
            "hour" => h = number % 24,
            "minute" => mi = number,
            "second" => s = number,
            _ => {}
        }
    }
    // The formatted time has whole seconds: compare with `at` cut to whole seconds.
    let whole = at.timestamp();
    chrono::NaiveDate::from_ymd_opt(y, mo, d)
        .and_then(|day| day.and_hms_opt(h, mi, s))
        .map_or(0, |local| local.and_utc().timestamp() - whole)
}

#[cfg(feature = "hydrate")]
fn date_time_format(tz: &str) -> Option<js_sys::Intl::DateTimeFormat> {
    use wasm_bindgen::{JsCast, JsValue};
    let options = js_sys::Object::new();
    for (key, value) in [
        ("timeZone", tz),
        ("hourCycle", "h23"),
        ("year", "numeric"),
        ("month", "numeric"),
        ("day", "numeric"),
        ("hour", "numeric"),
        ("minute", "numeric"),
        ("second", "numeric"),
    ] {
        js_sys::Reflect::set(&options, &JsValue::from_str(key), &JsValue::from_str(value)).ok()?;
    }
    let intl = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("Intl")).ok()?;
    let constructor: js_sys::Function =
        js_sys::Reflect::get(&intl, &JsValue::from_str("DateTimeFormat"))
            .ok()?
            .dyn_into()
            .ok()?;
    let args = js_sys::Array::of2(&JsValue::from_str("en-US"), &options);
    js_sys::Reflect::construct(&constructor, &args)
        .ok()?
        .dyn_into()
        .ok()
}

/// Neither server nor browser (a plain `cargo check` of the crate): UTC.
#[cfg(not(any(feature = "ssr", feature = "hydrate")))]
fn offset_seconds(_tz: &str, _at: DateTime<Utc>) -> i64 {
    0
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn shows_and_reads_times_in_the_zone() {
        let nairobi = Zone::new("Africa/Nairobi");
        let at = Utc.with_ymd_and_hms(2026, 1, 13, 21, 30, 0).unwrap();
        // 21:30 UTC is 00:30 the next day in Nairobi (UTC+3).
        assert_eq!(nairobi.long(at), "Wed 14 Jan 00:30");
        assert_eq!(nairobi.to_input(at), "2026-01-14T00:30");
        assert_eq!(nairobi.from_input("2026-01-14T00:30"), Some(at));
        assert_eq!(nairobi.short(at, at), "00:30");
        assert_eq!(nairobi.from_input("14/01/2026"), None);
    }

    #[test]
    fn reads_across_daylight_saving() {
        let berlin = Zone::new("Europe/Berlin");
        // Summer: 09:00 is 07:00 UTC; winter: 08:00 UTC.
        assert_eq!(
            berlin.from_input("2026-07-01T09:00"),
            Some(Utc.with_ymd_and_hms(2026, 7, 1, 7, 0, 0).unwrap())
        );
        assert_eq!(
            berlin.from_input("2026-12-01T09:00"),
            Some(Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap())
        );
        // The first summer morning, just after the jump.
        assert_eq!(
            berlin.from_input("2026-03-29T03:30"),
            Some(Utc.with_ymd_and_hms(2026, 3, 29, 1, 30, 0).unwrap())
        );
        // An unknown zone reads as UTC rather than failing.
        assert_eq!(
            Zone::new("Mars/Olympus").long(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()),
            "Thu 01 Jan 00:00"
        );
    }
}
