//! Website verification: what a check found (status, reason code, evidence) and which offer that
//! lead should get. The DTOs compile everywhere; the engine (`engine/`, SSRF-guarded HTTP
//! probing and page classification) lives behind `ssr`.

use crate::leads::{LeadSelection, WebsiteStatus};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[cfg(feature = "ssr")]
pub mod engine;
#[cfg(feature = "ssr")]
pub mod job;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;

/// Why a check ended the way it did. Each reason belongs to exactly one [`WebsiteStatus`]; the
/// codes (`as_str`) are public (CLI output, exports, stored rows) and never change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckReason {
    // WORKING
    /// A 2xx page with real content over valid HTTPS.
    Ok,
    /// Works only over plain HTTP (HTTPS missing or its certificate invalid).
    NoValidHttps,
    /// 401/403/429/999 from a server that answers: bot protection, the site exists.
    BotProtection,
    // NOT_WORKING
    DnsFailure,
    ConnectionRefused,
    Timeout,
    /// HTTPS with an invalid certificate, and no working plain HTTP.
    TlsInvalid,
    /// The TLS handshake failed for another reason.
    TlsFailure,
    /// The connection failed in another way (reset, unreachable network).
    ConnectionFailed,
    /// The server answered something that is not HTTP.
    NotHttp,
    /// 404 or 410.
    NotFound,
    /// 5xx, after one retry.
    ServerError,
    /// Another 4xx answer.
    ClientError,
    TooManyRedirects,
    RedirectLoop,
    EmptyPage,
    /// A parked or for-sale domain.
    Parked,
    /// A web server's default page ("Welcome to nginx!", "It works!", "Index of /").
    DefaultPage,
    /// A hosting provider's "account suspended" page.
    Suspended,
    // NO_WEBSITE
    /// An empty cell.
    Empty,
    /// "-", "n/a", "none", "no website", "null", "0", …
    Placeholder,
    /// Only a social or chat profile (kept as the lead's social link).
    SocialProfile,
    // ERROR
    /// An e-mail, `javascript:`, `ftp://`, garbage.
    NotAWebAddress,
    /// The address resolves to a network the SSRF guard refuses.
    Blocked,
}

impl CheckReason {
    pub const ALL: [CheckReason; 24] = [
        Self::Ok,
        Self::NoValidHttps,
        Self::BotProtection,
        Self::DnsFailure,
        Self::ConnectionRefused,
        Self::Timeout,
        Self::TlsInvalid,
        Self::TlsFailure,
        Self::ConnectionFailed,
        Self::NotHttp,
        Self::NotFound,
        Self::ServerError,
        Self::ClientError,
        Self::TooManyRedirects,
        Self::RedirectLoop,
        Self::EmptyPage,
        Self::Parked,
        Self::DefaultPage,
        Self::Suspended,
        Self::Empty,
        Self::Placeholder,
        Self::SocialProfile,
        Self::NotAWebAddress,
        Self::Blocked,
    ];

    pub fn status(self) -> WebsiteStatus {
        use CheckReason::*;
        match self {
            Ok | NoValidHttps | BotProtection => WebsiteStatus::Working,
            DnsFailure | ConnectionRefused | Timeout | TlsInvalid | TlsFailure
            | ConnectionFailed | NotHttp | NotFound | ServerError | ClientError
            | TooManyRedirects | RedirectLoop | EmptyPage | Parked | DefaultPage | Suspended => {
                WebsiteStatus::NotWorking
            }
            Empty | Placeholder | SocialProfile => WebsiteStatus::NoWebsite,
            NotAWebAddress | Blocked => WebsiteStatus::Error,
        }
    }

    pub fn as_str(self) -> &'static str {
        use CheckReason::*;
        match self {
            Ok => "ok",
            NoValidHttps => "no_valid_https",
            BotProtection => "bot_protection",
            DnsFailure => "dns_failure",
            ConnectionRefused => "connection_refused",
            Timeout => "timeout",
            TlsInvalid => "tls_invalid",
            TlsFailure => "tls_failure",
            ConnectionFailed => "connection_failed",
            NotHttp => "not_http",
            NotFound => "not_found",
            ServerError => "server_error",
            ClientError => "client_error",
            TooManyRedirects => "too_many_redirects",
            RedirectLoop => "redirect_loop",
            EmptyPage => "empty_page",
            Parked => "parked",
            DefaultPage => "default_page",
            Suspended => "suspended",
            Empty => "empty",
            Placeholder => "placeholder",
            SocialProfile => "social_profile",
            NotAWebAddress => "not_a_web_address",
            Blocked => "blocked",
        }
    }

    /// A short phrase for people.
    pub fn label(self) -> &'static str {
        use CheckReason::*;
        match self {
            Ok => "Live site",
            NoValidHttps => "Works over HTTP only",
            BotProtection => "Site behind bot protection",
            DnsFailure => "Domain does not resolve",
            ConnectionRefused => "Connection refused",
            Timeout => "Timed out",
            TlsInvalid => "Invalid HTTPS certificate",
            TlsFailure => "HTTPS handshake failed",
            ConnectionFailed => "Connection failed",
            NotHttp => "Not a web server",
            NotFound => "Page not found",
            ServerError => "Server error",
            ClientError => "Refused the request",
            TooManyRedirects => "Too many redirects",
            RedirectLoop => "Redirect loop",
            EmptyPage => "Empty page",
            Parked => "Parked or for-sale domain",
            DefaultPage => "Web server default page",
            Suspended => "Hosting account suspended",
            Empty => "No website given",
            Placeholder => "Placeholder instead of a website",
            SocialProfile => "Social profile only",
            NotAWebAddress => "Not a web address",
            Blocked => "Address not allowed",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == code)
    }
}

/// One check's outcome with its evidence, as stored and shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebsiteCheck {
    pub status: WebsiteStatus,
    pub reason: CheckReason,
    /// The last HTTP status the server answered, if any.
    pub http_status: Option<u16>,
    /// The URL the check ended on, after redirects.
    pub final_url: Option<String>,
    /// HTTP and `<meta http-equiv=refresh>` redirects followed.
    pub redirects: u32,
    /// Wall time of the whole check in milliseconds.
    pub ms: u32,
    /// The page's `<title>`, trimmed, at most 200 characters.
    pub title: Option<String>,
    /// Whether HTTPS worked with a valid certificate; `None` when never tried (no website).
    pub https_valid: Option<bool>,
    /// The social or chat profile the cell held instead of a website.
    pub social_url: Option<String>,
    #[serde(with = "crate::dates::wire::instant")]
    pub checked_at: DateTime<Utc>,
}

impl WebsiteCheck {
    /// A check that needed no network (empty cells, placeholders, profiles, bad input).
    pub fn without_network(reason: CheckReason, social_url: Option<String>) -> Self {
        Self {
            status: reason.status(),
            reason,
            http_status: None,
            final_url: None,
            redirects: 0,
            ms: 0,
            title: None,
            https_valid: None,
            social_url,
            checked_at: Utc::now(),
        }
    }
}

/// The pitch a lead's website status calls for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Offer {
    /// A live site: SEO and maintenance.
    SeoMaintenance,
    /// No site, or a broken one: web design.
    WebDesign,
    /// Not checked, or the check could not tell: look before pitching.
    Review,
}

impl Offer {
    pub fn for_status(status: WebsiteStatus) -> Self {
        match status {
            WebsiteStatus::Working => Self::SeoMaintenance,
            WebsiteStatus::NotWorking | WebsiteStatus::NoWebsite => Self::WebDesign,
            WebsiteStatus::Unchecked | WebsiteStatus::Error => Self::Review,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SeoMaintenance => "seo_maintenance",
            Self::WebDesign => "web_design",
            Self::Review => "review",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::SeoMaintenance => "SEO & maintenance offer",
            Self::WebDesign => "Web design offer",
            Self::Review => "Review first",
        }
    }
}

/// Which leads a verification job checks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckScope {
    /// Ticked leads or every lead matching a filter.
    Selection(LeadSelection),
    /// Leads never checked, or checked more than `days` days ago.
    Stale { days: u32 },
}

impl CheckScope {
    /// The longest "stale" window one can ask for (ten years).
    pub const MAX_STALE_DAYS: u32 = 3650;

    /// The scope in words, for the job list and the audit log.
    pub fn describe(&self) -> String {
        match self {
            Self::Selection(LeadSelection::Ids(ids)) if ids.len() == 1 => "1 chosen lead".into(),
            Self::Selection(LeadSelection::Ids(ids)) => format!("{} chosen leads", ids.len()),
            Self::Selection(LeadSelection::Filter(f)) if f.is_empty() => "every lead".into(),
            Self::Selection(LeadSelection::Filter(f)) => {
                format!("every lead matching {}", f.summary())
            }
            Self::Stale { days } => {
                format!("leads never checked or checked more than {days} days ago")
            }
        }
    }
}

/// Where a verification job is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerifyJobStatus {
    Queued,
    Running,
    Done,
    Cancelled,
    Failed,
}

impl VerifyJobStatus {
    pub const ALL: [VerifyJobStatus; 5] = [
        Self::Queued,
        Self::Running,
        Self::Done,
        Self::Cancelled,
        Self::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Cancelled => "cancelled",
            Self::Failed => "failed",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Queued => "Waiting to start",
            Self::Running => "Checking",
            Self::Done => "Finished",
            Self::Cancelled => "Cancelled",
            Self::Failed => "Stopped by an error",
        }
    }

    /// Queued or running: the job is still going.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Queued | Self::Running)
    }
}

/// Checked leads per outcome.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCounts {
    pub working: u32,
    pub not_working: u32,
    pub no_website: u32,
    pub error: u32,
}

impl StatusCounts {
    pub fn get(&self, status: WebsiteStatus) -> u32 {
        match status {
            WebsiteStatus::Working => self.working,
            WebsiteStatus::NotWorking => self.not_working,
            WebsiteStatus::NoWebsite => self.no_website,
            WebsiteStatus::Error => self.error,
            WebsiteStatus::Unchecked => 0,
        }
    }

    pub fn add(&mut self, status: WebsiteStatus) {
        match status {
            WebsiteStatus::Working => self.working += 1,
            WebsiteStatus::NotWorking => self.not_working += 1,
            WebsiteStatus::NoWebsite => self.no_website += 1,
            WebsiteStatus::Error => self.error += 1,
            WebsiteStatus::Unchecked => {}
        }
    }
}

/// A verification job and its live progress.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VerifyJobDto {
    pub id: Uuid,
    pub status: VerifyJobStatus,
    /// What was chosen, in words.
    pub scope: String,
    pub total: u32,
    pub processed: u32,
    pub counts: StatusCounts,
    pub cancel_requested: bool,
    /// Checks per second since the job started (while it runs, and its final rate).
    pub per_second: Option<f64>,
    /// Seconds left at the current rate, while running.
    pub eta_seconds: Option<u64>,
    pub failure: Option<String>,
    #[serde(with = "crate::dates::wire::instant")]
    pub created_at: DateTime<Utc>,
    #[serde(default, with = "crate::dates::wire::instant_option")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default, with = "crate::dates::wire::instant_option")]
    pub finished_at: Option<DateTime<Utc>>,
}

impl VerifyJobDto {
    /// 0–100, for the progress bar.
    pub fn percent(&self) -> u32 {
        if self.total == 0 {
            return if self.status.is_active() { 0 } else { 100 };
        }
        ((u64::from(self.processed.min(self.total)) * 100) / u64::from(self.total)) as u32
    }
}

/// What the results table shows: the leads whose website was checked, newest check first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultsQuery {
    /// Only these outcomes (all when empty).
    pub status: Vec<WebsiteStatus>,
    /// Only this reason.
    pub reason: Option<CheckReason>,
    /// The last row of the previous page: its check time and lead id.
    pub after: Option<(DateTime<Utc>, Uuid)>,
}

/// One checked lead with its evidence and the offer it calls for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultRow {
    pub lead_id: Uuid,
    pub name: String,
    /// The website cell as stored on the lead.
    pub website: Option<String>,
    pub check: WebsiteCheck,
    pub offer: Offer,
}

/// The results dashboard: counts over the whole workspace and one page of checked leads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebsiteResults {
    /// Leads per website status, the unchecked ones included.
    pub counts: Vec<(WebsiteStatus, u64)>,
    pub rows: Vec<ResultRow>,
    /// Present when there are more rows: pass it back as `ResultsQuery::after`.
    #[serde(default, with = "next_page")]
    pub next: Option<(DateTime<Utc>, Uuid)>,
    /// The newest job (running or finished), if any.
    pub job: Option<VerifyJobDto>,
}

impl WebsiteResults {
    pub fn count(&self, status: WebsiteStatus) -> u64 {
        self.counts
            .iter()
            .find(|(s, _)| *s == status)
            .map_or(0, |(_, n)| *n)
    }

    /// Leads per offer, from the counts.
    pub fn offer_count(&self, offer: Offer) -> u64 {
        self.counts
            .iter()
            .filter(|(s, _)| Offer::for_status(*s) == offer)
            .map(|(_, n)| n)
            .sum()
    }
}

/// `WebsiteResults::next`, its time read with `dates::wire` like every other date the pages
/// receive (see there for why).
mod next_page {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use uuid::Uuid;

    /// The pair as JSON has it: `["2026-01-14T14:30:00Z", "<lead id>"]`.
    #[derive(Deserialize)]
    struct Cursor(
        #[serde(with = "crate::dates::wire::instant")] DateTime<Utc>,
        Uuid,
    );

    pub fn serialize<S: Serializer>(
        value: &Option<(DateTime<Utc>, Uuid)>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        value.serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<(DateTime<Utc>, Uuid)>, D::Error> {
        Ok(Option::<Cursor>::deserialize(deserializer)?.map(|Cursor(at, id)| (at, id)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_page_cursor_round_trips_through_json() {
        let at = "2026-01-14T14:30:05.123456Z"
            .parse::<DateTime<Utc>>()
            .unwrap();
        for next in [None, Some((at, Uuid::nil()))] {
            let results = WebsiteResults {
                counts: vec![],
                rows: vec![],
                next,
                job: None,
            };
            let json = serde_json::to_string(&results).unwrap();
            let back: WebsiteResults = serde_json::from_str(&json).unwrap();
            assert_eq!(back.next, next, "{json}");
        }
    }

    #[test]
    fn every_reason_round_trips_and_maps_to_one_status() {
        for reason in CheckReason::ALL {
            assert_eq!(CheckReason::parse(reason.as_str()), Some(reason));
            assert_ne!(reason.status(), WebsiteStatus::Unchecked);
        }
        assert_eq!(CheckReason::NoValidHttps.status(), WebsiteStatus::Working);
        assert_eq!(CheckReason::TlsInvalid.status(), WebsiteStatus::NotWorking);
        assert_eq!(
            CheckReason::SocialProfile.status(),
            WebsiteStatus::NoWebsite
        );
        assert_eq!(CheckReason::Blocked.status(), WebsiteStatus::Error);
    }

    #[test]
    fn offers_follow_the_classic_pitch() {
        assert_eq!(
            Offer::for_status(WebsiteStatus::Working),
            Offer::SeoMaintenance
        );
        assert_eq!(
            Offer::for_status(WebsiteStatus::NoWebsite),
            Offer::WebDesign
        );
        assert_eq!(
            Offer::for_status(WebsiteStatus::NotWorking),
            Offer::WebDesign
        );
        assert_eq!(Offer::for_status(WebsiteStatus::Error), Offer::Review);
    }
}
