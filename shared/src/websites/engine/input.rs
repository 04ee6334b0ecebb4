//! Reading a spreadsheet cell as a website: placeholders, social profiles, things that are not
//! web addresses, and the URL to check (scheme, host normalised, credentials dropped).

use crate::websites::CheckReason;
use url::{Host, Url};

/// What a cell asks the engine to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParsedCell {
    /// Nothing to fetch: the reason says why (empty, placeholder, profile, not a web address);
    /// a profile's URL is kept.
    Settled {
        reason: CheckReason,
        social_url: Option<String>,
    },
    Web(Target),
}

/// A website to fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Where to start; `https://` when the cell gave no scheme.
    pub url: Url,
    /// Whether the cell named the scheme: without one, HTTPS is tried first, then HTTP.
    pub scheme_given: bool,
    /// The host the per-host limit counts against (`www.` folded into the bare domain).
    pub host_key: String,
    /// A social profile the cell listed beside the website.
    pub social_url: Option<String>,
}

/// Cells people type instead of leaving one empty (compared lower-case, outer punctuation off).
const PLACEHOLDERS: &[&str] = &[
    "n/a",
    "na",
    "n.a",
    "none",
    "nil",
    "null",
    "nan",
    "undefined",
    "0",
    "no",
    "nope",
    "no website",
    "no site",
    "no web",
    "no url",
    "not available",
    "not applicable",
    "unknown",
    "tbd",
    "x",
    "website",
    "www",
    "http://",
    "https://",
];

/// Social and chat networks: a cell pointing only at one of these has no website. Matched on
/// the host and its subdomains (`m.`, `www.`, `business.`, …).
const SOCIAL_DOMAINS: &[&str] = &[
    "facebook.com",
    "fb.com",
    "fb.me",
    "m.me",
    "instagram.com",
    "instagr.am",
    "linktr.ee",
    "wa.me",
    "whatsapp.com",
    "tiktok.com",
    "x.com",
    "twitter.com",
    "linkedin.com",
    "t.me",
    "youtube.com",
    "youtu.be",
    "threads.net",
    "pinterest.com",
];

/// Reads a cell. Several entries (separated by spaces, commas, semicolons, `|` or new lines)
/// are allowed: the first website wins and the first profile is kept beside it.
pub fn parse_cell(cell: &str) -> ParsedCell {
    let trimmed = cell.trim().trim_matches(|c: char| matches!(c, '"' | '\''));
    if trimmed.trim().is_empty() {
        return settled(CheckReason::Empty, None);
    }
    if is_placeholder(trimmed) {
        return settled(CheckReason::Placeholder, None);
    }
    let mut first_web = None;
    let mut first_social = None;
    for token in trimmed
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '|'))
        .filter(|t| !t.is_empty())
    {
        if let Some((url, scheme_given)) = parse_token(token) {
            if is_social(&url) {
                first_social.get_or_insert_with(|| url.to_string());
            } else if first_web.is_none() {
                first_web = Some((url, scheme_given));
            }
        }
    }
    match (first_web, first_social) {
        (Some((url, scheme_given)), social_url) => ParsedCell::Web(Target {
            host_key: host_key(&url),
            url,
            scheme_given,
            social_url,
        }),
        (None, Some(social)) => settled(CheckReason::SocialProfile, Some(social)),
        (None, None) => settled(CheckReason::NotAWebAddress, None),
    }
}

fn settled(reason: CheckReason, social_url: Option<String>) -> ParsedCell {
    ParsedCell::Settled { reason, social_url }
}

fn is_placeholder(cell: &str) -> bool {
    let lower = cell.to_lowercase();
    let core = lower.trim_matches(|c: char| {
        c.is_whitespace() || matches!(c, '.' | '!' | '(' | ')' | '[' | ']')
    });
    // "-", "--", "—", "?", "/", "#": punctuation only.
    core.chars().all(|c| !c.is_alphanumeric()) || PLACEHOLDERS.contains(&core)
}

/// One entry as an http(s) URL and whether it named its scheme; `None` when it is not a web
/// address (an e-mail, another scheme, garbage).
fn parse_token(token: &str) -> Option<(Url, bool)> {
    let token = token
        .trim_start_matches(['(', '<'])
        .trim_end_matches([')', '>', '.', ',', ':', ';']);
    let lower = token.to_ascii_lowercase();
    let (text, scheme_given) = if let Some(at) = lower.find("://") {
        if !matches!(&lower[..at], "http" | "https") {
            return None; // ftp://, file://, …
        }
        (token.to_owned(), true)
    } else if let Some(rest) = token.strip_prefix("//") {
        (format!("https://{rest}"), false)
    } else if let Some(colon) = lower.find(':')
        && looks_like_scheme(&lower[..colon])
        && !lower[colon + 1..].starts_with(|c: char| c.is_ascii_digit())
    {
        // `javascript:`, `mailto:`, `tel:`, `data:`; `http:example.com` is a typo WHATWG reads.
        if !matches!(&lower[..colon], "http" | "https") {
            return None;
        }
        (token.to_owned(), true)
    } else {
        (format!("https://{token}"), false)
    };
    let authority_end = lower.find('/').unwrap_or(lower.len());
    if !scheme_given && lower[..authority_end].contains('@') {
        return None; // an e-mail address (a path may hold `@`: tiktok.com/@acme)
    }
    let mut url = Url::parse(&text).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    // Credentials in a cell are never sent (and never echoed back in the evidence).
    url.set_username("").ok()?;
    url.set_password(None).ok()?;
    url.set_fragment(None);
    match url.host()? {
        Host::Domain(domain) => {
            let domain = domain.trim_end_matches('.').to_owned();
            if !is_public_style_domain(&domain) {
                return None;
            }
            url.set_host(Some(&domain)).ok()?;
        }
        // IP literals are web addresses; the SSRF guard judges them before connecting.
        Host::Ipv4(_) | Host::Ipv6(_) => {}
    }
    Some((url, scheme_given))
}

fn looks_like_scheme(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_alphabetic())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !text.contains('.') // `example.com:8080` is a host and port
}

/// A name with at least two labels, DNS characters only, and an alphabetic (or IDN) TLD:
/// rules out "localhost", "asdf", "1.2.3" and stray words from a sentence.
fn is_public_style_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let Some(tld) = labels.last() else {
        return false;
    };
    labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        })
        && tld.len() >= 2
        && (tld.chars().all(|c| c.is_ascii_alphabetic()) || tld.starts_with("xn--"))
}

/// Whether the URL is a profile on a social or chat network.
pub fn is_social(url: &Url) -> bool {
    let Some(Host::Domain(host)) = url.host() else {
        return false;
    };
    let host = host.trim_end_matches('.');
    SOCIAL_DOMAINS.iter().any(|domain| {
        host == *domain
            || host
                .strip_suffix(domain)
                .is_some_and(|prefix| prefix.ends_with('.'))
    })
}

/// The per-host limit's key: the host without `www.`, so `www.acme.com` and `acme.com` (one
/// server, almost always) share a limit.
fn host_key(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    host.strip_prefix("www.").unwrap_or(host).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(cell: &str) -> Option<CheckReason> {
        match parse_cell(cell) {
            ParsedCell::Settled { reason, .. } => Some(reason),
            ParsedCell::Web(_) => None,
        }
    }

    fn target(cell: &str) -> Target {
        match parse_cell(cell) {
            ParsedCell::Web(target) => target,
            other => panic!("{cell:?} should be a website, got {other:?}"),
        }
    }

    #[test]
    fn empty_cells_and_placeholders_have_no_website() {
        for cell in ["", "   ", "\t\n", "\"\""] {
            assert_eq!(reason(cell), Some(CheckReason::Empty), "{cell:?}");
        }
        for cell in [
            "-",
            "--",
            "—",
            "n/a",
            "N/A",
            "none",
            "None.",
            "no website",
            "No Website",
            "null",
            "NULL",
            "0",
            "nil",
            "?",
            "/",
            "x",
            "TBD",
            "not available",
        ] {
            assert_eq!(reason(cell), Some(CheckReason::Placeholder), "{cell:?}");
        }
    }

    #[test]
    fn every_social_network_is_a_profile_kept_as_the_social_link() {
        for (cell, kept) in [
            ("facebook.com/acme", "https://facebook.com/acme"),
            (
                "https://www.facebook.com/acme",
                "https://www.facebook.com/acme",
            ),
            ("m.facebook.com/acme", "https://m.facebook.com/acme"),
            (
                "https://facebook.com/pages/Acme/123",
                "https://facebook.com/pages/Acme/123",
            ),
            ("fb.com/acme", "https://fb.com/acme"),
            ("http://instagram.com/acme", "http://instagram.com/acme"),
            ("linktr.ee/acme", "https://linktr.ee/acme"),
            ("wa.me/254712345678", "https://wa.me/254712345678"),
            ("tiktok.com/@acme", "https://tiktok.com/@acme"),
            ("x.com/acme", "https://x.com/acme"),
            ("twitter.com/acme", "https://twitter.com/acme"),
            (
                "WWW.LinkedIn.com/company/acme",
                "https://www.linkedin.com/company/acme",
            ),
        ] {
            assert_eq!(
                parse_cell(cell),
                ParsedCell::Settled {
                    reason: CheckReason::SocialProfile,
                    social_url: Some(kept.into())
                },
                "{cell:?}"
            );
        }
        // A look-alike is a website, not a profile.
        assert!(!is_social(&target("notfacebook.com").url));
        assert!(!is_social(&target("facebook.com.evil.io").url));
    }

    #[test]
    fn a_website_beside_a_profile_is_checked_and_the_profile_kept() {
        let t = target("facebook.com/acme, acme.co.ke");
        assert_eq!(t.url.as_str(), "https://acme.co.ke/");
        assert_eq!(t.social_url.as_deref(), Some("https://facebook.com/acme"));
    }

    #[test]
    fn emails_other_schemes_and_garbage_are_not_web_addresses() {
        for cell in [
            "info@acme.com",
            "mailto:info@acme.com",
            "javascript:alert(1)",
            "JavaScript:void(0)",
            "ftp://files.acme.com",
            "file:///etc/passwd",
            "data:text/html,hi",
            "tel:+254712345678",
            "asdf",
            "localhost",
            "acme",
            "acme.123",
            "acme..com",
            "-acme.com",
            "https://exa mple",
        ] {
            assert_eq!(reason(cell), Some(CheckReason::NotAWebAddress), "{cell:?}");
        }
    }

    #[test]
    fn hosts_are_normalised() {
        let t = target("WWW.Acme.COM");
        assert_eq!(t.url.as_str(), "https://www.acme.com/");
        assert!(!t.scheme_given);
        assert_eq!(t.host_key, "acme.com");

        assert_eq!(target("acme.com.").url.as_str(), "https://acme.com/");
        assert_eq!(
            target("http://acme.com./x").url.as_str(),
            "http://acme.com/x"
        );

        let t = target("acme.com:8080/shop?x=1#top");
        assert_eq!(t.url.as_str(), "https://acme.com:8080/shop?x=1");
        let t = target("HTTP://Acme.com/Path/Page.html");
        assert!(t.scheme_given);
        assert_eq!(t.url.as_str(), "http://acme.com/Path/Page.html");

        assert_eq!(
            target("bücher.de").url.as_str(),
            "https://xn--bcher-kva.de/"
        );
        assert_eq!(target("//acme.com").url.as_str(), "https://acme.com/");
        assert_eq!(target("(acme.com).").url.as_str(), "https://acme.com/");
        // Credentials are dropped, never sent nor echoed.
        assert_eq!(
            target("https://user:secret@acme.com/").url.as_str(),
            "https://acme.com/"
        );
        // IP literals go to the guard, which decides.
        assert_eq!(
            target("http://127.0.0.1:8080").url.as_str(),
            "http://127.0.0.1:8080/"
        );
        assert_eq!(
            target("[::ffff:127.0.0.1]").url.as_str(),
            "https://[::ffff:7f00:1]/"
        );
        assert_eq!(
            target("Visit acme.com today").url.as_str(),
            "https://acme.com/"
        );
    }
}
