//! Dates and times as the pages write and read them ("2026-01-14 14:30", "Tue 14 Jan"), put
//! together from their numbers. chrono's `format` and `parse_from_str` interpret a strftime
//! pattern at run time: that interpreter is the same few kilobytes whichever pattern it is
//! given, and the wasm of nearly every page carried it for a handful of fixed patterns
//! (docs/benchmarks.md, "Dates without chrono's strftime and parser").

use crate::workspaces::WorkingDays;
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike, Utc};

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `Tue` (`%a`): the names the working-days setting shows, Monday first.
fn weekday(day: &impl Datelike) -> &'static str {
    WorkingDays::NAMES[day.weekday().num_days_from_monday() as usize]
}

/// `Jan` (`%b`).
fn month(day: &impl Datelike) -> &'static str {
    MONTHS[day.month0() as usize]
}

/// `2026-01-14` (`%Y-%m-%d`).
pub fn date(day: &impl Datelike) -> String {
    format!("{:04}-{:02}-{:02}", day.year(), day.month(), day.day())
}

/// `14:30` (`%H:%M`).
pub fn time(at: &impl Timelike) -> String {
    format!("{:02}:{:02}", at.hour(), at.minute())
}

/// `2026-01-14 14:30` (`%Y-%m-%d %H:%M`): a date and time in a table or a record.
pub fn date_time<T: Datelike + Timelike>(at: &T) -> String {
    format!("{} {}", date(at), time(at))
}

/// `2026-01-14 14:30:05` (`%Y-%m-%d %H:%M:%S`).
pub fn date_time_seconds<T: Datelike + Timelike>(at: &T) -> String {
    format!("{}:{:02}", date_time(at), at.second())
}

/// `2026-01-14T14:30` (`%Y-%m-%dT%H:%M`): a `datetime-local` input's value.
pub fn input_date_time<T: Datelike + Timelike>(at: &T) -> String {
    format!("{}T{}", date(at), time(at))
}

/// `14 Jan` (`%d %b`).
pub fn day_month(day: &impl Datelike) -> String {
    format!("{:02} {}", day.day(), month(day))
}

/// `14 Jan 14:30` (`%d %b %H:%M`).
pub fn day_month_time<T: Datelike + Timelike>(at: &T) -> String {
    format!("{} {}", day_month(at), time(at))
}

/// `Tue 14 Jan` (`%a %d %b`).
pub fn weekday_day_month(day: &impl Datelike) -> String {
    format!("{} {}", weekday(day), day_month(day))
}

/// `Tue 14 Jan 14:30` (`%a %d %b %H:%M`).
pub fn weekday_day_month_time<T: Datelike + Timelike>(at: &T) -> String {
    format!("{} {}", weekday_day_month(at), time(at))
}

/// `Tue 14:30` (`%a %H:%M`).
pub fn weekday_time<T: Datelike + Timelike>(at: &T) -> String {
    format!("{} {}", weekday(at), time(at))
}

/// The number in `text`: ASCII digits only (no sign, no spaces), at most `max_digits` of them.
fn number<N: std::str::FromStr>(text: &str, max_digits: usize) -> Option<N> {
    let digits = !text.is_empty() && text.len() <= max_digits;
    if digits && text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse().ok()
    } else {
        None
    }
}

/// Reads `2026-01-14` (`%Y-%m-%d`, what a date input gives), spaces around it allowed; a day
/// that does not exist is `None`.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let mut parts = text.trim().splitn(3, '-');
    let year = number(parts.next()?, 4)?;
    let month = number(parts.next()?, 2)?;
    let day = number(parts.next()?, 2)?;
    NaiveDate::from_ymd_opt(year, month, day)
}

/// Reads `14:30` (`%H:%M`, what a time input gives).
pub fn parse_time(text: &str) -> Option<NaiveTime> {
    let (hour, minute) = text.split_once(':')?;
    NaiveTime::from_hms_opt(number(hour, 2)?, number(minute, 2)?, 0)
}

/// Reads `2026-01-14T14:30` (`%Y-%m-%dT%H:%M`, what a `datetime-local` input gives).
pub fn parse_input_date_time(text: &str) -> Option<NaiveDateTime> {
    let (day, at) = text.split_once('T')?;
    Some(parse_date(day)?.and_time(parse_time(at)?))
}

/// Reads `14:30`, `14:30:05` or `14:30:05.123`: a time of day as chrono writes it (`HH:MM:SS`
/// with a fraction when there is one) or as a time input gives it.
pub fn parse_clock(text: &str) -> Option<NaiveTime> {
    let (hour, rest) = text.split_once(':')?;
    let (minute, seconds) = rest.split_once(':').unwrap_or((rest, "0"));
    let (second, fraction) = seconds.split_once('.').unwrap_or((seconds, ""));
    let nanos = if fraction.is_empty() {
        0
    } else {
        // "123" is 123 ms: pad to nine digits.
        number::<u32>(fraction, 9)? * 10u32.pow(9 - fraction.len() as u32)
    };
    NaiveTime::from_hms_nano_opt(
        number(hour, 2)?,
        number(minute, 2)?,
        number(second, 2)?,
        nanos,
    )
}

/// Reads an RFC 3339 instant as chrono writes it: `2026-01-14T14:30:05.123456Z`, or with an
/// offset (`+03:00`) instead of `Z`.
pub fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    let day = parse_date(text.get(..10)?)?;
    let rest = text.get(10..)?.strip_prefix(['T', 't', ' '])?;
    let zone_at = rest.find(['Z', 'z', '+', '-'])?;
    let (clock, zone) = rest.split_at(zone_at);
    let offset_seconds = match zone {
        "Z" | "z" => 0,
        _ => {
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let (hours, minutes) = zone[1..].split_once(':')?;
            sign * (number::<i64>(hours, 2)? * 3_600 + number::<i64>(minutes, 2)? * 60)
        }
    };
    let local = day.and_time(parse_clock(clock)?);
    Some((local - TimeDelta::seconds(offset_seconds)).and_utc())
}

/// `#[serde(with = …)]` modules for the DTOs' dates and times. Each writes what chrono's own
/// `Serialize` writes and reads it with the readers above: chrono's `Deserialize` goes through
/// its general parser (RFC 2822 and every strftime item included), which every page's wasm
/// carried to read a few timestamps (docs/benchmarks.md, "Dates without chrono's strftime and
/// parser").
pub mod wire {
    use super::{parse_clock, parse_date, parse_instant};
    use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
    use serde::de::{self, Deserializer, Visitor};
    use serde::{Deserialize, Serialize, Serializer};
    use std::fmt;
    use std::marker::PhantomData;

    /// Reads a string with `read`; `expecting` names the form in the error.
    struct Text<T> {
        read: fn(&str) -> Option<T>,
        expecting: &'static str,
        out: PhantomData<T>,
    }

    impl<T> Visitor<'_> for Text<T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.expecting)
        }

        fn visit_str<E: de::Error>(self, value: &str) -> Result<T, E> {
            (self.read)(value).ok_or_else(|| E::invalid_value(de::Unexpected::Str(value), &self))
        }
    }

    fn text<'de, D: Deserializer<'de>, T>(
        deserializer: D,
        read: fn(&str) -> Option<T>,
        expecting: &'static str,
    ) -> Result<T, D::Error> {
        deserializer.deserialize_str(Text {
            read,
            expecting,
            out: PhantomData,
        })
    }

    /// Serializes as chrono does.
    fn write<S: Serializer, T: Serialize>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
        value.serialize(serializer)
    }

    /// Declares a `with` module for `$ty` and one for `Option<$ty>`.
    macro_rules! wire_module {
        ($name:ident, $optional:ident, $ty:ty, $read:expr, $expecting:literal) => {
            #[doc = concat!("`", stringify!($ty), "`, as chrono writes it (", $expecting, ").")]
            pub mod $name {
                use super::*;

                pub fn serialize<S: Serializer>(value: &$ty, s: S) -> Result<S::Ok, S::Error> {
                    write(value, s)
                }

                pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<$ty, D::Error> {
                    text(d, $read, $expecting)
                }
            }

            #[doc = concat!("`Option<", stringify!($ty), ">`: `null` or ", $expecting, ".")]
            pub mod $optional {
                use super::*;

                /// One value, read by the module for `$ty`.
                struct One($ty);

                impl<'de> Deserialize<'de> for One {
                    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                        super::$name::deserialize(d).map(One)
                    }
                }

                pub fn serialize<S: Serializer>(
                    value: &Option<$ty>,
                    s: S,
                ) -> Result<S::Ok, S::Error> {
                    write(value, s)
                }

                pub fn deserialize<'de, D: Deserializer<'de>>(
                    d: D,
                ) -> Result<Option<$ty>, D::Error> {
                    Ok(Option::<One>::deserialize(d)?.map(|value| value.0))
                }
            }
        };
    }

    wire_module!(
        instant,
        instant_option,
        DateTime<Utc>,
        parse_instant,
        "a time like 2026-01-14T14:30:00Z"
    );
    wire_module!(
        date,
        date_option,
        NaiveDate,
        parse_date,
        "a date like 2026-01-14"
    );
    wire_module!(
        clock,
        clock_option,
        NaiveTime,
        parse_clock,
        "a time of day like 14:30:00"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use serde::{Deserialize, Serialize};

    /// Instants spread over several years: every weekday and month, single- and double-digit
    /// days and hours, midnight and the last minute of a day.
    fn instants() -> Vec<DateTime<Utc>> {
        let start = DateTime::parse_from_rfc3339("2023-12-31T23:59:59Z")
            .unwrap()
            .with_timezone(&Utc);
        (0..2_000)
            .map(|i| start + Duration::minutes(i * 1_597) + Duration::seconds(i % 60))
            .collect()
    }

    #[test]
    fn writes_what_strftime_writes() {
        for at in instants() {
            let local = at.naive_utc();
            assert_eq!(date(&at), at.format("%Y-%m-%d").to_string());
            assert_eq!(date(&at.date_naive()), at.format("%Y-%m-%d").to_string());
            assert_eq!(time(&at), at.format("%H:%M").to_string());
            assert_eq!(
                date_time(&local),
                local.format("%Y-%m-%d %H:%M").to_string()
            );
            assert_eq!(
                date_time_seconds(&at),
                at.format("%Y-%m-%d %H:%M:%S").to_string()
            );
            assert_eq!(
                input_date_time(&local),
                local.format("%Y-%m-%dT%H:%M").to_string()
            );
            assert_eq!(day_month(&at.date_naive()), at.format("%d %b").to_string());
            assert_eq!(day_month_time(&at), at.format("%d %b %H:%M").to_string());
            assert_eq!(
                weekday_day_month(&at.date_naive()),
                at.format("%a %d %b").to_string()
            );
            assert_eq!(
                weekday_day_month_time(&local),
                local.format("%a %d %b %H:%M").to_string()
            );
            assert_eq!(weekday_time(&local), local.format("%a %H:%M").to_string());
        }
    }

    #[test]
    fn reads_what_it_writes() {
        for at in instants() {
            let minute = at.naive_utc().with_second(0).unwrap();
            assert_eq!(parse_date(&date(&at)), Some(at.date_naive()));
            assert_eq!(parse_time(&time(&at)), Some(minute.time()));
            assert_eq!(parse_input_date_time(&input_date_time(&at)), Some(minute));
        }
    }

    #[test]
    fn reads_what_strftime_reads() {
        for (text, expected) in [
            ("2026-01-31", NaiveDate::from_ymd_opt(2026, 1, 31)),
            ("2026-1-5", NaiveDate::from_ymd_opt(2026, 1, 5)),
            ("2024-02-29", NaiveDate::from_ymd_opt(2024, 2, 29)),
            ("2026-02-29", None),
            ("2026-13-01", None),
            ("2026-01-32", None),
            (" 2026-01-31", NaiveDate::from_ymd_opt(2026, 1, 31)),
            ("2026-01", None),
            ("2026/01/31", None),
            ("31-01-2026", None),
            ("2026-01-31x", None),
            ("2026-01-+3", None),
            ("", None),
        ] {
            assert_eq!(parse_date(text), expected, "{text:?}");
            let strftime = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
            assert_eq!(parse_date(text), strftime, "{text:?} as strftime reads it");
        }
        for (text, expected) in [
            ("09:05", NaiveTime::from_hms_opt(9, 5, 0)),
            ("23:59", NaiveTime::from_hms_opt(23, 59, 0)),
            ("24:00", None),
            ("12:60", None),
            ("12:30:15", None),
            ("1230", None),
            ("", None),
        ] {
            assert_eq!(parse_time(text), expected, "{text:?}");
            let strftime = NaiveTime::parse_from_str(text, "%H:%M").ok();
            assert_eq!(parse_time(text), strftime, "{text:?} as strftime reads it");
        }
        // A space after the date too (strftime's reading refuses that one).
        assert_eq!(
            parse_date("2026-01-31 "),
            NaiveDate::from_ymd_opt(2026, 1, 31)
        );
        assert_eq!(
            parse_input_date_time("2026-01-14T14:30"),
            NaiveDate::from_ymd_opt(2026, 1, 14).and_then(|d| d.and_hms_opt(14, 30, 0))
        );
        assert_eq!(parse_input_date_time("2026-01-14 14:30"), None);
        assert_eq!(parse_input_date_time("2026-01-14T"), None);
    }

    /// A DTO as the pages get them: every wire module on one field.
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Wire {
        #[serde(with = "wire::instant")]
        at: DateTime<Utc>,
        #[serde(with = "wire::instant_option")]
        maybe_at: Option<DateTime<Utc>>,
        #[serde(with = "wire::date")]
        day: NaiveDate,
        #[serde(with = "wire::date_option", default)]
        maybe_day: Option<NaiveDate>,
        #[serde(with = "wire::clock")]
        clock: NaiveTime,
        #[serde(with = "wire::clock_option")]
        maybe_clock: Option<NaiveTime>,
    }

    /// The same fields read and written by chrono itself.
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Chrono {
        at: DateTime<Utc>,
        maybe_at: Option<DateTime<Utc>>,
        day: NaiveDate,
        maybe_day: Option<NaiveDate>,
        clock: NaiveTime,
        maybe_clock: Option<NaiveTime>,
    }

    #[test]
    fn the_wire_modules_read_and_write_what_chrono_does() {
        for (i, at) in instants().into_iter().enumerate() {
            // Whole seconds, milliseconds, microseconds and nanoseconds: chrono writes 0, 3, 6
            // or 9 digits.
            let nanos = [0, 123_000_000, 456_789_000, 987_654_321][i % 4];
            let at = at.with_nanosecond(nanos).unwrap();
            let chrono = Chrono {
                at,
                maybe_at: (i % 2 == 0).then_some(at),
                day: at.date_naive(),
                maybe_day: (i % 3 == 0).then_some(at.date_naive()),
                clock: at.time(),
                maybe_clock: (i % 2 == 1).then_some(at.time()),
            };
            let json = serde_json::to_string(&chrono).unwrap();
            let wire: Wire = serde_json::from_str(&json).unwrap();
            assert_eq!(serde_json::to_string(&wire).unwrap(), json);
            let back: Chrono =
                serde_json::from_str(&serde_json::to_string(&wire).unwrap()).unwrap();
            assert_eq!(back, chrono, "{json}");
            assert_eq!(wire.at, at, "{json}");
        }
    }

    #[test]
    fn instants_with_offsets_and_times_without_seconds_read_as_chrono_reads_them() {
        for text in [
            "2026-01-14T14:30:05Z",
            "2026-01-14T14:30:05.5Z",
            "2026-01-14t14:30:05z",
            "2026-01-14 14:30:05Z",
            "2026-01-14T14:30:05+03:00",
            "2026-01-14T01:30:05-05:30",
            "2026-01-14T14:30:05.123456789+00:00",
        ] {
            let chrono: DateTime<Utc> = serde_json::from_str(&format!("\"{text}\"")).unwrap();
            assert_eq!(parse_instant(text), Some(chrono), "{text}");
        }
        for text in ["09:00", "09:00:00", "23:59:59.999"] {
            let chrono: NaiveTime = serde_json::from_str(&format!("\"{text}\"")).unwrap();
            assert_eq!(parse_clock(text), Some(chrono), "{text}");
        }
    }

    #[test]
    fn the_wire_modules_name_what_they_could_not_read() {
        for (json, expected) in [
            (
                r#""2026-01-14T25:00:00Z""#,
                "a time like 2026-01-14T14:30:00Z",
            ),
            (
                r#""2026-01-14T14:30:00""#,
                "a time like 2026-01-14T14:30:00Z",
            ),
            (r#""yesterday""#, "a time like 2026-01-14T14:30:00Z"),
            (r#"17"#, "a time like 2026-01-14T14:30:00Z"),
        ] {
            let error = wire::instant::deserialize(&mut serde_json::Deserializer::from_str(json))
                .unwrap_err();
            assert!(error.to_string().contains(expected), "{json}: {error}");
        }
        let error =
            wire::date::deserialize(&mut serde_json::Deserializer::from_str(r#""2026-02-30""#))
                .unwrap_err();
        assert!(
            error.to_string().contains("a date like 2026-01-14"),
            "{error}"
        );
    }
}
