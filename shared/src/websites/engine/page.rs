//! Reading a fetched page: its title, a `<meta http-equiv=refresh>` target, and whether it is
//! real content or an empty, parked, default or suspended page. Plain byte scanning over the
//! first part of the body (markers are ASCII); no HTML parser is needed for these signals.

use crate::websites::CheckReason;

/// How much of a body is read and judged. Titles, refresh tags and every marker below sit in
/// the first few kilobytes; the cap bounds memory per check.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Longest title kept, in characters.
const MAX_TITLE_CHARS: usize = 200;

/// Hosting "account suspended" pages (cPanel, Plesk and common hosts).
const SUSPENDED_MARKERS: &[&str] = &[
    "account suspended",
    "account has been suspended",
    "website has been suspended",
    "site has been suspended",
    "this site is suspended",
    "suspendedpage.cgi",
    "/cgi-sys/suspendedpage",
    "hosting account is suspended",
];

/// Web servers' and control panels' default pages.
const DEFAULT_PAGE_MARKERS: &[&str] = &[
    "welcome to nginx!",
    "test page for the nginx http server",
    "apache2 ubuntu default page",
    "apache2 debian default page",
    "test page for the apache http server",
    "<title>iis windows server</title>",
    "<title>iis7</title>",
    "welcome to centos",
    "default web site page",
    "domain default page",
    "web server's default page",
    "future home of something quite cool",
    "congratulations! your litespeed web server",
    "<title>index of /",
    "<h1>index of /",
];

/// Parking and for-sale pages (Sedo, GoDaddy, ParkingCrew, Bodis, Afternic, Dan, …).
const PARKED_MARKERS: &[&str] = &[
    "sedoparkingurl",
    "this web page is parked",
    "parked free",
    "this domain is parked",
    "parked domain",
    "domain parking",
    "sponsored listings",
    "parkingcrew",
    "bodis.com",
    "this domain is for sale",
    "this domain may be for sale",
    "domain is for sale",
    "domain name is for sale",
    "buy this domain",
    "afternic.com/forsale",
    "dan.com/buy-domain",
    "hugedomains.com",
];

/// Elements that make a page with no text still a page (an app shell, an image, a form).
const CONTENT_ELEMENTS: &[&str] = &[
    "<script", "<iframe", "<frame", "<img", "<object", "<embed", "<video", "<canvas", "<svg",
    "<form", "<input", "<picture",
];

/// What a 2xx page is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageReading {
    /// `Ok` for real content, else the reason it is not a working site.
    pub verdict: CheckReason,
    pub title: Option<String>,
    /// The target of a `<meta http-equiv="refresh" content="…; url=…">`, as written.
    pub refresh_to: Option<String>,
}

/// Judges a page from its body (possibly cut at [`MAX_BODY_BYTES`]) and whether its type is
/// text (markup is only looked for in text; an image or PDF with bytes is content).
pub fn read_page(body: &[u8], is_text: bool) -> PageReading {
    if body.iter().all(u8::is_ascii_whitespace) {
        return PageReading {
            verdict: CheckReason::EmptyPage,
            title: None,
            refresh_to: None,
        };
    }
    if !is_text {
        return PageReading {
            verdict: CheckReason::Ok,
            title: None,
            refresh_to: None,
        };
    }
    let text = String::from_utf8_lossy(body);
    // ASCII lower-casing keeps byte offsets, so positions found in `lower` index `text` too.
    let lower = text.to_ascii_lowercase();
    let title = title(&text, &lower);
    let refresh_to = meta_refresh(&text, &lower);
    let visible = visible_text(&lower);
    let verdict = if SUSPENDED_MARKERS.iter().any(|m| lower.contains(m)) {
        CheckReason::Suspended
    } else if DEFAULT_PAGE_MARKERS.iter().any(|m| lower.contains(m))
        || (visible.starts_with("it works!") && visible.len() < 300)
    {
        CheckReason::DefaultPage
    } else if PARKED_MARKERS.iter().any(|m| lower.contains(m)) {
        CheckReason::Parked
    } else if visible.is_empty() && !CONTENT_ELEMENTS.iter().any(|e| lower.contains(e)) {
        CheckReason::EmptyPage
    } else {
        CheckReason::Ok
    };
    PageReading {
        verdict,
        title,
        refresh_to,
    }
}

fn title(text: &str, lower: &str) -> Option<String> {
    let open = lower.find("<title")?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start
        + lower[start..]
            .find("</title")
            .unwrap_or(lower.len() - start);
    let decoded = decode_entities(text.get(start..end)?);
    let collapsed = decoded.split_whitespace().collect::<Vec<_>>().join(" ");
    let title: String = collapsed.chars().take(MAX_TITLE_CHARS).collect();
    (!title.is_empty()).then_some(title)
}

/// The URL of the first `<meta http-equiv="refresh">` that names one.
fn meta_refresh(text: &str, lower: &str) -> Option<String> {
    let mut from = 0;
    while let Some(found) = lower[from..].find("<meta") {
        let start = from + found;
        let end = start + lower[start..].find('>').unwrap_or(lower.len() - start);
        from = end;
        let tag = &lower[start..end];
        if !(tag.contains("http-equiv") && tag.contains("refresh")) {
            continue;
        }
        let content_at = start + tag.find("content")? + "content".len();
        let value = attribute_value(text, lower, content_at)?;
        // `5; url=/next`, `0;URL='/next'`, `0, url=/next`
        let lower_value = value.to_ascii_lowercase();
        let url_at = lower_value.find("url")?;
        let rest = value[url_at + 3..].trim_start();
        let rest = rest.strip_prefix('=')?.trim();
        let url = rest.trim_matches(|c| c == '\'' || c == '"').trim();
        if !url.is_empty() {
            return Some(decode_entities(url));
        }
    }
    None
}

/// The value after `=` at `at` (quoted with either quote, or bare).
fn attribute_value<'a>(text: &'a str, lower: &str, at: usize) -> Option<&'a str> {
    let rest = lower.get(at..)?;
    let eq = rest.find('=')?;
    if !rest[..eq].trim().is_empty() {
        return None;
    }
    let value_start = at + eq + 1;
    let rest = text.get(value_start..)?.trim_start();
    let skipped = text.len() - value_start - rest.len();
    let start = value_start + skipped;
    match rest.chars().next()? {
        quote @ ('"' | '\'') => {
            let inner = &text[start + 1..];
            let end = inner.find(quote)?;
            Some(&inner[..end])
        }
        _ => {
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '>')
                .unwrap_or(rest.len());
            Some(&rest[..end])
        }
    }
}

/// The text a reader would see: markup, scripts, styles and comments removed, whitespace
/// collapsed (lower-case, since it is only compared).
fn visible_text(lower: &str) -> String {
    let mut out = String::new();
    let mut rest = lower;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        out.push(' ');
        let tail = &rest[lt..];
        let skip_to = if tail.starts_with("<!--") {
            tail.find("-->").map(|e| e + 3)
        } else if tail.starts_with("<script") {
            tail.find("</script>").map(|e| e + 9)
        } else if tail.starts_with("<style") {
            tail.find("</style>").map(|e| e + 8)
        } else {
            tail.find('>').map(|e| e + 1)
        };
        match skip_to {
            Some(n) => rest = &tail[n..],
            None => {
                rest = "";
                break;
            }
        }
    }
    out.push_str(rest);
    let decoded = decode_entities(&out);
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The entities titles actually use; anything else is left as written.
fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let tail = &rest[amp..];
        let Some(semi) = tail.find(';').filter(|&s| s <= 10) else {
            out.push('&');
            rest = &tail[1..];
            continue;
        };
        let name = &tail[1..semi];
        let decoded = match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            _ => name
                .strip_prefix("#x")
                .or_else(|| name.strip_prefix("#X"))
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| name.strip_prefix('#').and_then(|dec| dec.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &tail[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(body: &str) -> CheckReason {
        read_page(body.as_bytes(), true).verdict
    }

    #[test]
    fn real_pages_are_content_with_their_title() {
        let page = read_page(
            b"<html><head><title>\n  Acme &amp; Sons &#8211; Plumbing </title></head>\
              <body><h1>Acme</h1><p>Plumbers in Nairobi since 1990.</p></body></html>",
            true,
        );
        assert_eq!(page.verdict, CheckReason::Ok);
        assert_eq!(page.title.as_deref(), Some("Acme & Sons \u{2013} Plumbing"));
        assert_eq!(page.refresh_to, None);
        // An app shell has no text but is a site.
        assert_eq!(
            verdict("<html><body><div id=root></div><script src=/app.js></script></body></html>"),
            CheckReason::Ok
        );
        // An image at the root is content.
        assert_eq!(read_page(b"\x89PNG....", false).verdict, CheckReason::Ok);
        let long = format!("<title>{}</title>", "a".repeat(500));
        assert_eq!(
            read_page(long.as_bytes(), true).title.map(|t| t.len()),
            Some(200)
        );
    }

    #[test]
    fn empty_pages() {
        for body in [
            "",
            "  \n ",
            "<html><head><title></title></head><body>  </body></html>",
            "<html><body><!-- nothing yet --></body></html>",
        ] {
            assert_eq!(verdict(body), CheckReason::EmptyPage, "{body:?}");
        }
    }

    #[test]
    fn parked_and_for_sale_pages() {
        for body in [
            "<script>var sedoParkingUrl = '/x';</script>",
            "<p>This Web page is parked for FREE, courtesy of GoDaddy.com</p>",
            "<h2>Sponsored Listings</h2><a>Plumbing</a>",
            "<script src=//www.parkingcrew.net/x.js></script>",
            "<h1>example.com is for sale</h1><p>This domain is for sale! Buy this domain today.</p>",
        ] {
            assert_eq!(verdict(body), CheckReason::Parked, "{body:?}");
        }
    }

    #[test]
    fn web_server_default_pages() {
        for body in [
            "<html><head><title>Welcome to nginx!</title></head><body><h1>Welcome to nginx!</h1></body></html>",
            "<html><body><h1>It works!</h1></body></html>",
            "<title>Apache2 Ubuntu Default Page: It works</title><p>This is the default welcome page</p>",
            "<html><head><title>Index of /</title></head><body><h1>Index of /</h1><a href=a.txt>a.txt</a></body></html>",
        ] {
            assert_eq!(verdict(body), CheckReason::DefaultPage, "{body:?}");
        }
        // A page that says "it works!" among real content is content.
        let real = format!("<p>It works! {}</p>", "Our product is great. ".repeat(30));
        assert_eq!(verdict(&real), CheckReason::Ok);
    }

    #[test]
    fn suspended_hosting_accounts() {
        for body in [
            "<title>Account Suspended</title><h1>This Account has been suspended.</h1>",
            "<script>location='/cgi-sys/suspendedpage.cgi'</script>",
        ] {
            assert_eq!(verdict(body), CheckReason::Suspended, "{body:?}");
        }
    }

    #[test]
    fn meta_refresh_targets() {
        for (body, target) in [
            (
                r#"<meta http-equiv="refresh" content="0; url=/home">"#,
                "/home",
            ),
            (
                r#"<META HTTP-EQUIV='Refresh' CONTENT='5;URL=https://acme.com/x'>"#,
                "https://acme.com/x",
            ),
            (
                r#"<meta content="0;url='/next?a=1&amp;b=2'" http-equiv="refresh" />"#,
                "/next?a=1&b=2",
            ),
            ("<meta http-equiv=refresh content=0;url=/bare>", "/bare"),
        ] {
            let got = read_page(body.as_bytes(), true).refresh_to;
            assert_eq!(got.as_deref(), Some(target), "{body}");
        }
        assert_eq!(
            read_page(br#"<meta http-equiv="refresh" content="300">"#, true).refresh_to,
            None
        );
        assert_eq!(
            read_page(
                br#"<meta name="viewport" content="width=device-width">"#,
                true
            )
            .refresh_to,
            None
        );
    }
}
