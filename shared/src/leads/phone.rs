//! Phone numbers to E.164 with Google's libphonenumber rules (the `rlibphonenumber` port):
//! undoes what spreadsheets do to numbers (lost `+`, `254712345678.0`, `7.12345678E8`) and
//! reads local forms with the workspace's default country.

use rlibphonenumber::{
    PHONE_NUMBER_UTIL, ParseError, PhoneNumber, PhoneNumberFormat, PhoneNumberType,
    ValidationError, enums::Region,
};
use serde::{Deserialize, Serialize};

/// A phone number ready to store and dial.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NormalizedPhone {
    /// `+` and digits, e.g. `+254712345678`.
    pub e164: String,
    /// ISO 3166-1 alpha-2 code of the number's country (`001` for non-geographic numbers).
    pub country: String,
    pub kind: PhoneKind,
}

/// What kind of line a number is, as far as the numbering plan tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneKind {
    Mobile,
    FixedLine,
    /// Plans (like North America's) where the number does not say which.
    FixedLineOrMobile,
    TollFree,
    Voip,
    Other,
}

impl PhoneKind {
    /// The stored name, the same as the serde form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mobile => "mobile",
            Self::FixedLine => "fixed_line",
            Self::FixedLineOrMobile => "fixed_line_or_mobile",
            Self::TollFree => "toll_free",
            Self::Voip => "voip",
            Self::Other => "other",
        }
    }
}

/// Why a cell is not a usable phone number.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("no phone number")]
    Empty,
    #[error("not a phone number")]
    NotANumber,
    #[error("no country code and no default country")]
    NoCountry,
    #[error("unknown country code \"{0}\"")]
    UnknownCountry(String),
    #[error("the country calling code is not valid")]
    InvalidCountryCode,
    #[error("too short to be a phone number")]
    TooShort,
    #[error("too long to be a phone number")]
    TooLong,
    #[error("not a valid number for {0}")]
    Invalid(String),
}

/// Normalises one cell to E.164. `default_country` (ISO alpha-2, e.g. "KE") is used for numbers
/// written without a country code.
pub fn normalize_phone(
    raw: &str,
    default_country: Option<&str>,
) -> Result<NormalizedPhone, PhoneError> {
    let text = undo_spreadsheet_number(raw.trim());
    if text.is_empty() {
        return Err(PhoneError::Empty);
    }
    if !text.chars().any(|c| c.is_ascii_digit()) {
        return Err(PhoneError::NotANumber);
    }
    let region = default_country
        .map(str::trim)
        .filter(|code| !code.is_empty())
        .map(|code| {
            Region::from_code(code)
                .ok()
                .filter(|r| PHONE_NUMBER_UTIL.get_country_code_for_region(*r).is_some())
                .ok_or_else(|| PhoneError::UnknownCountry(code.to_owned()))
        })
        .transpose()?;
    let text = international_prefix_to_plus(&text);
    let has_plus = text.starts_with('+');

    let first = parse(&text, region);
    if has_plus {
        return first;
    }
    match first {
        Ok(phone) => Ok(phone),
        Err(error) => {
            // A spreadsheet that stored the number as a number lost its "+": a long run of
            // digits that is valid once the "+" is back is taken as international.
            let digits: String = text.chars().filter(char::is_ascii_digit).collect();
            if (10..=15).contains(&digits.len())
                && let Ok(phone) = parse(&format!("+{digits}"), None)
            {
                return Ok(phone);
            }
            Err(match (region, error) {
                (None, PhoneError::InvalidCountryCode) => PhoneError::NoCountry,
                (_, error) => error,
            })
        }
    }
}

fn parse(text: &str, region: Option<Region>) -> Result<NormalizedPhone, PhoneError> {
    let number = PHONE_NUMBER_UTIL.parse(text, region).map_err(|e| match e {
        ParseError::InvalidCountryCode => PhoneError::InvalidCountryCode,
        ParseError::NotANumber(_) => PhoneError::NotANumber,
        ParseError::TooShortAfterIdd | ParseError::TooShortNsn => PhoneError::TooShort,
        ParseError::TooLongNsn => PhoneError::TooLong,
    })?;
    let country = country_of(&number, region);
    match number.is_possible_with_reason() {
        Ok(_) => {}
        Err(ValidationError::TooShort) => return Err(PhoneError::TooShort),
        Err(ValidationError::TooLong) => return Err(PhoneError::TooLong),
        Err(ValidationError::InvalidCountryCode) => return Err(PhoneError::InvalidCountryCode),
        Err(_) => return Err(PhoneError::Invalid(country)),
    }
    if !number.is_valid() {
        return Err(PhoneError::Invalid(country));
    }
    Ok(NormalizedPhone {
        e164: number.format_as(PhoneNumberFormat::E164).into_owned(),
        country,
        kind: kind_of(number.get_type()),
    })
}

/// The number's country, or for an invalid number the country it was read for (so the error
/// can say "not a valid number for KE").
fn country_of(number: &PhoneNumber, default: Option<Region>) -> String {
    number
        .get_region_code()
        .or_else(|| PHONE_NUMBER_UTIL.get_region_for_country_code(number.country_code))
        .or(default)
        .map(|r| r.to_string())
        .unwrap_or_else(|| format!("+{}", number.country_code))
}

fn kind_of(kind: PhoneNumberType) -> PhoneKind {
    match kind {
        PhoneNumberType::Mobile => PhoneKind::Mobile,
        PhoneNumberType::FixedLine => PhoneKind::FixedLine,
        PhoneNumberType::FixedLineOrMobile => PhoneKind::FixedLineOrMobile,
        PhoneNumberType::TollFree => PhoneKind::TollFree,
        PhoneNumberType::VoIP => PhoneKind::Voip,
        _ => PhoneKind::Other,
    }
}

/// "00" is the international prefix almost everywhere, but not in every default country's
/// metadata (Kenya dials 000), so "00254…" is read as "+254…" whatever the default country.
fn international_prefix_to_plus(text: &str) -> String {
    let start = text.trim_start_matches(['(', ' ']);
    if let Some(rest) = start.strip_prefix("00")
        && rest.starts_with(|c: char| c.is_ascii_digit() && c != '0')
    {
        return format!("+{rest}");
    }
    text.to_owned()
}

/// Turns the text of a number that passed through a spreadsheet back into its digits:
/// "254712345678.0" → "254712345678", "7.12345678E8" → "712345678". Anything else is returned
/// unchanged.
fn undo_spreadsheet_number(text: &str) -> String {
    if let Some(int) = text.strip_suffix(".0").or_else(|| text.strip_suffix(".00"))
        && !int.is_empty()
        && int.chars().all(|c| c.is_ascii_digit())
    {
        return int.to_owned();
    }
    expand_scientific(text).unwrap_or_else(|| text.to_owned())
}

/// "7.12345678E8" / "2.54712345678E+11" → the integer digits, when the exponent covers every
/// decimal (otherwise the number was not an integer and is not a phone).
fn expand_scientific(text: &str) -> Option<String> {
    let (mantissa, exponent) = text.split_once(['e', 'E'])?;
    let exponent: usize = exponent
        .strip_prefix('+')
        .unwrap_or(exponent)
        .parse()
        .ok()?;
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if int.is_empty() || !all_digits(int) || !all_digits(frac) || frac.len() > exponent {
        return None;
    }
    if exponent > 20 {
        return None;
    }
    let mut digits = format!("{int}{frac}");
    digits.extend(std::iter::repeat_n('0', exponent - frac.len()));
    Some(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e164(raw: &str, country: Option<&str>) -> Result<String, PhoneError> {
        normalize_phone(raw, country).map(|p| p.e164)
    }

    #[test]
    fn kenyan_forms_all_reach_the_same_number() {
        let expected = Ok("+254722000111".to_owned());
        assert_eq!(e164("0722 000 111", Some("KE")), expected);
        assert_eq!(e164("+254 722 000 111", None), expected);
        assert_eq!(e164("+254-722-000111", Some("BR")), expected);
        assert_eq!(e164("00254722000111", Some("KE")), expected);
        assert_eq!(e164("00254 722 000 111", None), expected);
        assert_eq!(e164("254722000111", Some("KE")), expected);
        assert_eq!(e164("254722000111", None), expected);
        assert_eq!(e164("254722000111.0", None), expected);
        assert_eq!(e164("2.54722000111E+11", None), expected);
        assert_eq!(e164("722000111", Some("ke")), expected);
    }

    #[test]
    fn reports_country_and_kind() {
        assert_eq!(
            normalize_phone("0722 000 111", Some("KE")),
            Ok(NormalizedPhone {
                e164: "+254722000111".into(),
                country: "KE".into(),
                kind: PhoneKind::Mobile,
            })
        );
        let landline = normalize_phone("020 2222222", Some("KE")).map(|p| (p.e164, p.kind));
        assert_eq!(landline, Ok(("+254202222222".into(), PhoneKind::FixedLine)));
        let us = normalize_phone("(201) 555-0123", Some("US")).map(|p| (p.country, p.kind));
        assert_eq!(us, Ok(("US".into(), PhoneKind::FixedLineOrMobile)));
        let free = normalize_phone("0800 720 000", Some("KE")).map(|p| p.kind);
        assert_eq!(free, Ok(PhoneKind::TollFree));
    }

    #[test]
    fn kind_names_match_serde() {
        for kind in [
            PhoneKind::Mobile,
            PhoneKind::FixedLine,
            PhoneKind::FixedLineOrMobile,
            PhoneKind::TollFree,
            PhoneKind::Voip,
            PhoneKind::Other,
        ] {
            assert_eq!(
                serde_json::to_string(&kind).ok(),
                Some(format!("\"{}\"", kind.as_str()))
            );
        }
    }

    #[test]
    fn brazilian_local_mobile() {
        let br = normalize_phone("(11) 98765-4321", Some("BR"));
        assert_eq!(
            br,
            Ok(NormalizedPhone {
                e164: "+5511987654321".into(),
                country: "BR".into(),
                kind: PhoneKind::Mobile,
            })
        );
    }

    #[test]
    fn excel_scientific_form_with_default_country() {
        // 712345678 typed into Excel as a number shows as 7.12345678E8 once exported.
        assert_eq!(e164("7.12345678E8", Some("KE")), Ok("+254712345678".into()));
        assert_eq!(
            expand_scientific("7.12345678E8").as_deref(),
            Some("712345678")
        );
        assert_eq!(expand_scientific("7.123456789E3"), None);
        assert_eq!(expand_scientific("abcE5"), None);
        assert_eq!(undo_spreadsheet_number("254712345678.0"), "254712345678");
        assert_eq!(undo_spreadsheet_number("0722.5"), "0722.5");
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert_eq!(e164("", Some("KE")), Err(PhoneError::Empty));
        assert_eq!(e164("   ", None), Err(PhoneError::Empty));
        assert_eq!(e164("call me", Some("KE")), Err(PhoneError::NotANumber));
        assert_eq!(e164("0722 000 111", None), Err(PhoneError::NoCountry));
        assert_eq!(
            PhoneError::NoCountry.to_string(),
            "no country code and no default country"
        );
        assert_eq!(e164("12", Some("KE")), Err(PhoneError::TooShort));
        assert_eq!(
            e164("0722 000 111 222 333 444", Some("KE")),
            Err(PhoneError::TooLong)
        );
        let invalid = e164("0122 000 111", Some("KE"));
        assert_eq!(invalid, Err(PhoneError::Invalid("KE".into())));
        assert_eq!(
            PhoneError::Invalid("KE".into()).to_string(),
            "not a valid number for KE"
        );
        assert_eq!(
            e164("0722 000 111", Some("Kenya")),
            Err(PhoneError::UnknownCountry("Kenya".into()))
        );
        assert_eq!(
            e164("0722 000 111", Some("ZZ")),
            Err(PhoneError::UnknownCountry("ZZ".into()))
        );
    }
}
