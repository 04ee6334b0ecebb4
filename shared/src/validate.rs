//! Field rules shared by the browser and the server: lengths, e-mail shape, slugs, colours,
//! times. Each returns a message written for the person filling in the form.

/// Longest accepted value of an ordinary one-line text field.
pub const MAX_SHORT_TEXT: usize = 120;
/// Longest accepted e-mail address (RFC 5321's path limit).
pub const MAX_EMAIL: usize = 254;
/// Shortest accepted password.
pub const MIN_PASSWORD: usize = 10;
/// Longest accepted password (argon2 would happily hash megabytes; nobody types that).
pub const MAX_PASSWORD: usize = 256;

/// Trims and checks a required one-line text field.
pub fn required_text(value: &str, label: &str, max: usize) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(format!("{label} is required."));
    }
    if value.chars().count() > max {
        return Err(format!("{label} must be at most {max} characters."));
    }
    if value.chars().any(char::is_control) {
        return Err(format!("{label} cannot contain control characters."));
    }
    Ok(value.to_owned())
}

/// Trims and lower-cases an e-mail address, checking its general shape.
pub fn email(value: &str) -> Result<String, String> {
    let value = value.trim().to_lowercase();
    if value.is_empty() {
        return Err("Email is required.".into());
    }
    if value.len() > MAX_EMAIL {
        return Err(format!("Email must be at most {MAX_EMAIL} characters."));
    }
    let Some((local, domain)) = value.rsplit_once('@') else {
        return Err("Enter an email address like name@example.com.".into());
    };
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
    if local.is_empty() || !domain_ok || value.chars().any(char::is_whitespace) {
        return Err("Enter an email address like name@example.com.".into());
    }
    Ok(value)
}

/// An optional phone number as typed in a profile: digits, spaces, `+ - ( ) .` only.
pub fn optional_phone(value: &str) -> Result<Option<String>, String> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let digits = value.chars().filter(char::is_ascii_digit).count();
    let allowed = value
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if !allowed || !(6..=15).contains(&digits) {
        return Err("Enter a phone number with 6 to 15 digits, e.g. +254 712 345 678.".into());
    }
    Ok(Some(value.to_owned()))
}

/// Password length rules (strength is judged on the server, with zxcvbn).
pub fn password_length(value: &str) -> Result<(), String> {
    let n = value.chars().count();
    if n < MIN_PASSWORD {
        return Err(format!(
            "Password must be at least {MIN_PASSWORD} characters."
        ));
    }
    if n > MAX_PASSWORD {
        return Err(format!(
            "Password must be at most {MAX_PASSWORD} characters."
        ));
    }
    Ok(())
}

/// A workspace slug: 3–40 of `a-z 0-9 -`, not starting or ending with `-`.
pub fn slug(value: &str) -> Result<String, String> {
    // ASCII case only, here and below: a slug is ASCII, and Unicode case mapping would put its
    // tables into every page's wasm (docs/benchmarks.md, "No Unicode case tables in the browser").
    let value = value.trim().to_ascii_lowercase();
    if value.len() < 3 || value.len() > 40 {
        return Err("Slug must be 3 to 40 characters.".into());
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err("Slug may contain only lower-case letters, digits and hyphens.".into());
    }
    if value.starts_with('-') || value.ends_with('-') || value.contains("--") {
        return Err("Slug cannot start or end with a hyphen or contain two in a row.".into());
    }
    Ok(value)
}

/// Suggests a slug from a workspace name ("Acme Agency Ltd." → "acme-agency-ltd").
pub fn slugify(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let mapped = match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9') => Some(c),
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'Á' | 'À' | 'Â' | 'Ä' | 'Ã' | 'Å' => {
                Some('a')
            }
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => Some('e'),
            'í' | 'ì' | 'î' | 'ï' | 'Í' | 'Ì' | 'Î' | 'Ï' => Some('i'),
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'Ó' | 'Ò' | 'Ô' | 'Ö' | 'Õ' => Some('o'),
            'ú' | 'ù' | 'û' | 'ü' | 'Ú' | 'Ù' | 'Û' | 'Ü' => Some('u'),
            'ç' | 'Ç' => Some('c'),
            'ñ' | 'Ñ' => Some('n'),
            _ => None,
        };
        match mapped {
            Some(c) => out.push(c),
            None if !out.ends_with('-') && !out.is_empty() => out.push('-'),
            None => {}
        }
        if out.len() >= 40 {
            break;
        }
    }
    out.trim_matches('-').to_owned()
}

/// A `#rrggbb` colour.
pub fn hex_colour(value: &str) -> Result<String, String> {
    let value = value.trim().to_ascii_lowercase();
    let ok = value.len() == 7
        && value.starts_with('#')
        && value[1..].chars().all(|c| c.is_ascii_hexdigit());
    if ok {
        Ok(value)
    } else {
        Err("Choose a colour like #2563eb.".into())
    }
}

/// A time of day `HH:MM` as minutes after midnight.
pub fn time_of_day(value: &str, label: &str) -> Result<u16, String> {
    let parsed = value.trim().split_once(':').and_then(|(h, m)| {
        let h: u16 = h.parse().ok()?;
        let m: u16 = m.parse().ok()?;
        (h < 24 && m < 60).then_some(h * 60 + m)
    });
    parsed.ok_or_else(|| format!("{label} must be a time like 09:00."))
}

/// Formats minutes after midnight as `HH:MM`.
pub fn format_time_of_day(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// A relative path to go to after signing in, refusing anything that leaves the site.
pub fn safe_next_path(next: Option<&str>) -> Option<String> {
    let next = next?.trim();
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control);
    ok.then(|| next.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            email("  Ann@Example.COM ").as_deref(),
            Ok("ann@example.com")
        );
        assert!(email("ann@example").is_err());
        assert!(email("ann example@x.com").is_err());
        assert!(email("@example.com").is_err());
        assert!(email("").is_err());
    }

    #[test]
    fn slugs_follow_the_rules() {
        assert_eq!(slug("Acme-1").as_deref(), Ok("acme-1"));
        assert!(slug("ab").is_err());
        assert!(slug("-acme").is_err());
        assert!(slug("ac--me").is_err());
        assert!(slug("acme_co").is_err());
        assert_eq!(slugify("  Açaí Agência Ltd. "), "acai-agencia-ltd");
        assert_eq!(slugify("Nairobi Web Co"), "nairobi-web-co");
        // Accented capitals fold like their small letters; other scripts become hyphens.
        assert_eq!(slugify("ÉCOLE ÀÇÑ Ü"), "ecole-acn-u");
        assert_eq!(slugify("Café Δelta"), "cafe-elta");
        // A slug is ASCII: look-alike letters are refused rather than folded (U+212A KELVIN SIGN).
        assert!(slug("\u{212a}ilo").is_err());
    }

    #[test]
    fn times_colours_and_paths() {
        assert_eq!(time_of_day("09:30", "Start"), Ok(570));
        assert!(time_of_day("24:00", "Start").is_err());
        assert_eq!(format_time_of_day(1080), "18:00");
        assert_eq!(hex_colour("#2563EB").as_deref(), Ok("#2563eb"));
        assert!(hex_colour("blue").is_err());
        assert_eq!(
            safe_next_path(Some("/invite/abc")).as_deref(),
            Some("/invite/abc")
        );
        assert_eq!(safe_next_path(Some("//evil.example")), None);
        assert_eq!(safe_next_path(Some("https://evil.example")), None);
    }

    #[test]
    fn phones_and_required_text() {
        assert_eq!(optional_phone(" "), Ok(None));
        assert!(optional_phone("+254 712 345 678").unwrap().is_some());
        assert!(optional_phone("call me").is_err());
        assert!(required_text("  ", "Name", 10).is_err());
        assert!(required_text("abcdefghijk", "Name", 10).is_err());
        assert_eq!(required_text(" Ann ", "Name", 10).as_deref(), Ok("Ann"));
    }
}
