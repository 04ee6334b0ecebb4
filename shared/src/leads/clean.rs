//! Cleaning of website and e-mail cells: placeholders people type for "none" become `None`,
//! hosts are lower-cased. An e-mail that cannot be one is dropped (and flagged); a website cell
//! that is not an address is kept as typed, so verification can label it (ERROR: not a web
//! address) instead of the lead silently losing what its list said.

/// What people type in a spreadsheet cell to mean "no value", in the languages we serve.
const PLACEHOLDERS: &[&str] = &[
    "-",
    "--",
    "n/a",
    "na",
    "n.a.",
    "none",
    "null",
    "no",
    "0",
    "—",
    "–",
    "nil",
    "hakuna",
    "ninguno",
    "ninguna",
    "nenhum",
    "aucun",
    "sem site",
    "sin sitio",
    "pas de site",
    "x",
    "no website",
    "no site",
    "no web",
    "not available",
    "sin web",
    "sin página",
    "sem website",
    "pas de site web",
    "hakuna tovuti",
];

fn is_placeholder(value: &str) -> bool {
    let lower = value.to_lowercase();
    PLACEHOLDERS.contains(&lower.as_str())
}

/// A website as it should be stored, or `None` when the cell holds no usable address.
///
/// The scheme is kept when given (some leads only have `http://`), the host is lower-cased
/// (hosts are case-insensitive, paths are not), and a bare trailing slash is dropped so
/// `example.com/` and `example.com` are the same site.
pub fn clean_website(raw: &str) -> Option<String> {
    let value = raw.trim();
    if value.is_empty() || is_placeholder(value) || value.chars().any(char::is_whitespace) {
        return None;
    }
    let (scheme, rest) = match value.split_once("://") {
        Some((scheme, rest)) => {
            let valid = !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-');
            if !valid {
                return None;
            }
            (Some(scheme.to_ascii_lowercase()), rest)
        }
        None => (None, value),
    };
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (host, path) = rest.split_at(host_end);
    let host = host.to_lowercase();
    if !valid_host(&host) {
        return None;
    }
    let path = if path == "/" { "" } else { path };
    Some(match scheme {
        Some(scheme) => format!("{scheme}://{host}{path}"),
        None => format!("{host}{path}"),
    })
}

/// A website cell as the lead keeps it: `None` for an empty cell or a placeholder, the cleaned
/// address when it is one (`clean_website`), otherwise the cell trimmed, as typed.
pub fn website_cell(raw: &str) -> Option<String> {
    let value = raw.trim();
    if value.is_empty() || is_placeholder(value) {
        return None;
    }
    Some(clean_website(value).unwrap_or_else(|| value.to_owned()))
}

/// A host name (with an optional port): dotted labels of letters, digits and hyphens, a
/// top-level label that is not all digits (so "3.5" is not a website).
fn valid_host(host: &str) -> bool {
    let name = match host.rsplit_once(':') {
        Some((name, port)) if !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()) => name,
        Some(_) => return false,
        None => host,
    };
    // An address literal is an address (whether it may be fetched is the SSRF guard's call).
    if name.parse::<std::net::Ipv4Addr>().is_ok()
        || name
            .strip_prefix('[')
            .and_then(|n| n.strip_suffix(']'))
            .is_some_and(|n| n.parse::<std::net::Ipv6Addr>().is_ok())
    {
        return true;
    }
    let labels: Vec<&str> = name.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.chars().any(char::is_alphabetic))
}

/// An e-mail address trimmed and lower-cased, or `None` when the cell does not hold one.
pub fn clean_email(raw: &str) -> Option<String> {
    let mut value = raw.trim().to_lowercase();
    if let Some(rest) = value.strip_prefix("mailto:") {
        value = rest.to_owned();
    }
    if value.len() > crate::validate::MAX_EMAIL || value.chars().any(char::is_whitespace) {
        return None;
    }
    let (local, domain) = value.split_once('@')?;
    let local_ok = !local.is_empty()
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && !local.contains(['<', '>', '(', ')', ',', ';', ':', '"', '[', ']']);
    if local_ok && !domain.contains(['/', '?', '#', ':']) && valid_host(domain) {
        Some(value)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn websites_keep_scheme_and_path_and_lower_case_the_host() {
        assert_eq!(
            clean_website("  www.Example.COM  ").as_deref(),
            Some("www.example.com")
        );
        assert_eq!(
            clean_website("example.com/").as_deref(),
            Some("example.com")
        );
        assert_eq!(
            clean_website("HTTPS://Shop.Example.co.ke/About/").as_deref(),
            Some("https://shop.example.co.ke/About/")
        );
        assert_eq!(
            clean_website("http://example.com/").as_deref(),
            Some("http://example.com")
        );
        assert_eq!(
            clean_website("example.com:8080/menu?x=1").as_deref(),
            Some("example.com:8080/menu?x=1")
        );
        assert_eq!(clean_website("café.fr").as_deref(), Some("café.fr"));
    }

    #[test]
    fn website_placeholders_and_junk_become_none() {
        for junk in [
            "",
            " ",
            "-",
            "N/A",
            "na",
            "None",
            "NULL",
            "no",
            "0",
            "—",
            "nil",
            "Hakuna",
            "ninguno",
            "Aucun",
            "sem site",
            "my site",
            "example",
            "3.5",
            "info@example.com",
            "http://",
            "ftp//x.com",
            ".com",
            "a..com",
        ] {
            assert_eq!(clean_website(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn website_cells_keep_what_is_not_a_placeholder() {
        assert_eq!(website_cell(" n/a "), None);
        assert_eq!(website_cell("No website"), None);
        assert_eq!(website_cell(""), None);
        assert_eq!(
            website_cell("WWW.Shop.com/").as_deref(),
            Some("www.shop.com")
        );
        // Kept as typed for verification to label (not a web address).
        assert_eq!(
            website_cell(" info@shop.co.ke ").as_deref(),
            Some("info@shop.co.ke")
        );
        assert_eq!(
            website_cell("javascript:alert(1)").as_deref(),
            Some("javascript:alert(1)")
        );
    }

    #[test]
    fn address_literals_are_websites() {
        assert_eq!(
            clean_website("http://127.0.0.1:8080/").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(clean_website("10.0.0.7").as_deref(), Some("10.0.0.7"));
        assert_eq!(
            clean_website("http://[::1]:81/a").as_deref(),
            Some("http://[::1]:81/a")
        );
        assert_eq!(clean_website("1.2.3"), None);
    }

    #[test]
    fn emails_are_trimmed_lower_cased_and_shape_checked() {
        assert_eq!(
            clean_email("  Jane.Doe@Example.COM ").as_deref(),
            Some("jane.doe@example.com")
        );
        assert_eq!(
            clean_email("mailto:info@acme.co.ke").as_deref(),
            Some("info@acme.co.ke")
        );
        for junk in [
            "",
            "n/a",
            "jane",
            "jane@",
            "@example.com",
            "jane@example",
            "jane doe@example.com",
            "jane@@example.com",
            "jane@example..com",
            "a@b.c/d",
        ] {
            assert_eq!(clean_email(junk), None, "{junk:?}");
        }
    }
}
