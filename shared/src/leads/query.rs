//! The lead list's filter and sort as a URL query string (`?q=…&stage=qualified&city=…`): the
//! list page keeps its view in the URL, segments link to it, and the export route reads the
//! same parameters — one reading, so a shared link, a segment and an export all agree.

use super::{LeadFilter, LeadSort, Stage, WebsiteStatus, WhatsappStatus};
use crate::url::encode_query_value;
use crate::{AppError, FieldError};
use chrono::NaiveDate;

/// The parameters as text, exactly as the URL carries them; `to_filter` checks them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LeadQuery {
    pub q: String,
    /// Comma-separated website statuses (`WORKING,NO_WEBSITE`).
    pub website_status: String,
    /// Comma-separated WhatsApp statuses.
    pub whatsapp_status: String,
    /// Comma-separated stages.
    pub stage: String,
    pub country: String,
    pub city: String,
    pub category: String,
    pub tag: String,
    /// An import's id.
    pub import: String,
    /// `yes` or `no`.
    pub opted_out: String,
    /// `YYYY-MM-DD`.
    pub created_from: String,
    /// `YYYY-MM-DD`.
    pub created_to: String,
    /// `yes` or `no`.
    pub messaged: String,
    /// `yes` or `no`.
    pub replied: String,
    /// A number of days.
    pub quiet_days: String,
    /// `yes` or `no`.
    pub appointment: String,
    /// `yes` or `no`.
    pub converted: String,
    pub sort: String,
}

/// Splits a comma-separated list and parses each part, naming the field when one is unknown.
fn list<T>(
    field: &str,
    value: &str,
    what: &str,
    parse: fn(&str) -> Option<T>,
    errors: &mut Vec<FieldError>,
) -> Vec<T> {
    let mut out = Vec::new();
    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match parse(part) {
            Some(v) => out.push(v),
            None => errors.push(FieldError::new(
                field,
                format!(
                    "\"{}\" is not a {what}.",
                    part.chars().take(40).collect::<String>()
                ),
            )),
        }
    }
    out
}

/// A yes/no choice as a form sends it: `yes`/`no` (or `true`/`false`), empty for "any"
/// (`Some(None)`); `None` for anything else.
pub fn read_yes_no(value: &str) -> Option<Option<bool>> {
    match value.trim().to_ascii_lowercase().as_str() {
        "" => Some(None),
        "yes" | "true" => Some(Some(true)),
        "no" | "false" => Some(Some(false)),
        _ => None,
    }
}

/// [`read_yes_no`], naming the field when the value is neither.
fn yes_no(field: &str, label: &str, value: &str, errors: &mut Vec<FieldError>) -> Option<bool> {
    read_yes_no(value).unwrap_or_else(|| {
        errors.push(FieldError::new(
            field,
            format!("{label} must be \"yes\" or \"no\"."),
        ));
        None
    })
}

/// A yes/no choice as a form shows it: `yes`, `no`, or empty for "any".
pub fn yes_no_text(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "yes",
        Some(false) => "no",
        None => "",
    }
}

/// The most days `quiet_days` takes (ten years).
pub const MAX_QUIET_DAYS: u32 = 3_650;

fn text(value: &str) -> Option<String> {
    Some(value.trim().to_owned()).filter(|v| !v.is_empty())
}

fn date(field: &str, value: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    let parsed = crate::dates::parse_date(value);
    if parsed.is_none() {
        errors.push(FieldError::new(
            field,
            "Give the date as YYYY-MM-DD, e.g. 2026-01-31.",
        ));
    }
    parsed
}

impl LeadQuery {
    /// Reads the parameters through `get` (a query map's lookup); missing ones are empty.
    pub fn read(get: impl Fn(&str) -> Option<String>) -> Self {
        let get = |key: &str| get(key).unwrap_or_default();
        Self {
            q: get("q"),
            website_status: get("website_status"),
            whatsapp_status: get("whatsapp_status"),
            stage: get("stage"),
            country: get("country"),
            city: get("city"),
            category: get("category"),
            tag: get("tag"),
            import: get("import"),
            opted_out: get("opted_out"),
            created_from: get("created_from"),
            created_to: get("created_to"),
            messaged: get("messaged"),
            replied: get("replied"),
            quiet_days: get("quiet_days"),
            appointment: get("appointment"),
            converted: get("converted"),
            sort: get("sort"),
        }
    }

    /// The parameters that stand for `filter` and `sort`.
    pub fn from_filter(filter: &LeadFilter, sort: LeadSort) -> Self {
        fn joined<T: Copy>(values: &[T], name: fn(T) -> &'static str) -> String {
            values
                .iter()
                .map(|v| name(*v))
                .collect::<Vec<_>>()
                .join(",")
        }
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        Self {
            q: text(&filter.search),
            website_status: joined(&filter.website_status, WebsiteStatus::as_str),
            whatsapp_status: joined(&filter.whatsapp_status, WhatsappStatus::as_str),
            stage: joined(&filter.stage, Stage::as_str),
            country: text(&filter.country),
            city: text(&filter.city),
            category: text(&filter.category),
            tag: text(&filter.tag),
            import: filter.import_id.map(|i| i.to_string()).unwrap_or_default(),
            opted_out: yes_no_text(filter.opted_out).to_owned(),
            created_from: filter
                .created_from
                .map(|d| d.to_string())
                .unwrap_or_default(),
            created_to: filter.created_to.map(|d| d.to_string()).unwrap_or_default(),
            messaged: yes_no_text(filter.messaged).to_owned(),
            replied: yes_no_text(filter.replied).to_owned(),
            quiet_days: filter.quiet_days.map(|d| d.to_string()).unwrap_or_default(),
            appointment: yes_no_text(filter.appointment).to_owned(),
            converted: yes_no_text(filter.converted).to_owned(),
            sort: if sort == LeadSort::default() {
                String::new()
            } else {
                sort.as_str().to_owned()
            },
        }
    }

    /// The filter and sort, or every problem at once, each naming its parameter.
    pub fn to_filter(&self) -> Result<(LeadFilter, LeadSort), AppError> {
        let mut errors = Vec::new();
        let filter = LeadFilter {
            search: text(&self.q),
            website_status: list(
                "website_status",
                &self.website_status,
                "website status",
                WebsiteStatus::parse,
                &mut errors,
            ),
            whatsapp_status: list(
                "whatsapp_status",
                &self.whatsapp_status,
                "WhatsApp status",
                WhatsappStatus::parse,
                &mut errors,
            ),
            stage: list("stage", &self.stage, "stage", Stage::parse, &mut errors),
            country: text(&self.country),
            city: text(&self.city),
            category: text(&self.category),
            tag: text(&self.tag),
            import_id: match self.import.trim() {
                "" => None,
                id => {
                    let parsed = id.parse().ok();
                    if parsed.is_none() {
                        errors.push(FieldError::new("import", "This import link is broken."));
                    }
                    parsed
                }
            },
            opted_out: yes_no("opted_out", "Opted out", &self.opted_out, &mut errors),
            created_from: date("created_from", &self.created_from, &mut errors),
            created_to: date("created_to", &self.created_to, &mut errors),
            messaged: yes_no("messaged", "Messaged", &self.messaged, &mut errors),
            replied: yes_no("replied", "Answered", &self.replied, &mut errors),
            appointment: yes_no("appointment", "Appointment", &self.appointment, &mut errors),
            converted: yes_no("converted", "Converted", &self.converted, &mut errors),
            quiet_days: match self.quiet_days.trim() {
                "" => None,
                days => match days.parse::<u32>() {
                    Ok(n) if (1..=MAX_QUIET_DAYS).contains(&n) => Some(n),
                    _ => {
                        errors.push(FieldError::new(
                            "quiet_days",
                            format!("Give a number of days from 1 to {MAX_QUIET_DAYS}."),
                        ));
                        None
                    }
                },
            },
        };
        if let (Some(from), Some(to)) = (filter.created_from, filter.created_to)
            && from > to
        {
            errors.push(FieldError::new("created_to", super::model::REVERSED_DATES));
        }
        let sort = match self.sort.trim() {
            "" => LeadSort::default(),
            s => LeadSort::parse(s).unwrap_or_else(|| {
                errors.push(FieldError::new(
                    "sort",
                    "Choose a sort order from the list.",
                ));
                LeadSort::default()
            }),
        };
        if errors.is_empty() {
            Ok((filter, sort))
        } else {
            Err(AppError::Validation(errors))
        }
    }

    /// A filter's parameters as [`Self::query_string`] writes them for the default sort, with
    /// `sort` added when it is another.
    pub fn with_sort(query: &str, sort: LeadSort) -> String {
        if sort == LeadSort::default() {
            return query.to_owned();
        }
        let sort = format!("sort={}", sort.as_str());
        if query.is_empty() {
            sort
        } else {
            format!("{query}&{sort}")
        }
    }

    /// `q=…&stage=…` with the non-empty parameters, percent-encoded.
    pub fn query_string(&self) -> String {
        [
            ("q", &self.q),
            ("website_status", &self.website_status),
            ("whatsapp_status", &self.whatsapp_status),
            ("stage", &self.stage),
            ("country", &self.country),
            ("city", &self.city),
            ("category", &self.category),
            ("tag", &self.tag),
            ("import", &self.import),
            ("opted_out", &self.opted_out),
            ("created_from", &self.created_from),
            ("created_to", &self.created_to),
            ("messaged", &self.messaged),
            ("replied", &self.replied),
            ("quiet_days", &self.quiet_days),
            ("appointment", &self.appointment),
            ("converted", &self.converted),
            ("sort", &self.sort),
        ]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", encode_query_value(v.trim())))
        .collect::<Vec<_>>()
        .join("&")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_survives_the_url() {
        let filter = LeadFilter {
            search: Some("mama & sons".into()),
            website_status: vec![WebsiteStatus::NoWebsite, WebsiteStatus::NotWorking],
            whatsapp_status: vec![WhatsappStatus::OnWhatsapp],
            stage: vec![Stage::Qualified],
            country: Some("Kenya".into()),
            city: Some("Nairobi".into()),
            category: Some("Salon".into()),
            tag: Some("vip".into()),
            import_id: Some(uuid::Uuid::nil()),
            opted_out: Some(false),
            created_from: NaiveDate::from_ymd_opt(2026, 1, 1),
            created_to: NaiveDate::from_ymd_opt(2026, 1, 31),
            messaged: Some(true),
            replied: Some(false),
            quiet_days: Some(14),
            appointment: Some(true),
            converted: Some(false),
        };
        let query = LeadQuery::from_filter(&filter, LeadSort::Name);
        assert!(query.query_string().contains("q=mama%20%26%20sons"));
        assert_eq!(query.to_filter().unwrap(), (filter, LeadSort::Name));
        assert_eq!(
            LeadQuery::from_filter(&LeadFilter::default(), LeadSort::Newest).query_string(),
            ""
        );
    }

    #[test]
    fn bad_parameters_are_named() {
        let query = LeadQuery {
            stage: "new,won".into(),
            opted_out: "maybe".into(),
            created_from: "2026-02-01".into(),
            created_to: "2026-01-01".into(),
            sort: "price".into(),
            import: "x".into(),
            messaged: "often".into(),
            replied: "maybe".into(),
            quiet_days: "0".into(),
            appointment: "soon".into(),
            converted: "1".into(),
            ..LeadQuery::default()
        };
        let error = query.to_filter().unwrap_err();
        assert!(error.field_message("stage").unwrap().contains("\"won\""));
        for field in [
            "opted_out",
            "created_to",
            "sort",
            "import",
            "messaged",
            "replied",
            "quiet_days",
            "appointment",
            "converted",
        ] {
            assert!(error.field_message(field).is_some(), "{field}");
        }
        let bad_date = LeadQuery {
            created_from: "31/01/2026".into(),
            ..LeadQuery::default()
        };
        assert!(
            bad_date
                .to_filter()
                .unwrap_err()
                .field_message("created_from")
                .is_some()
        );
    }
}
