//! The WhatsApp provider trait and what every adapter shares: message content, results, errors,
//! the one outbound HTTP client and the back-off for rate limits. One module per provider.

pub mod cloud;
pub mod gateway;
pub mod webhook;

use async_trait::async_trait;
use std::time::Duration;

/// What a message carries. The session gateway speaks text and media with a caption; the Cloud
/// API speaks all of them.
#[derive(Clone, Debug, PartialEq)]
pub enum Content {
    Text {
        body: String,
    },
    /// A file reachable at `link` (the gateway also takes it inline, base64, as `data`).
    Media {
        kind: MediaKind,
        link: String,
        caption: Option<String>,
        filename: Option<String>,
    },
    Template {
        name: String,
        language: String,
        /// Components as the Cloud API takes them (`header`, `body`, `button` with parameters).
        components: Vec<serde_json::Value>,
    },
    Location {
        latitude: f64,
        longitude: f64,
        name: Option<String>,
        address: Option<String>,
    },
    Contacts {
        cards: Vec<ContactCard>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaKind {
    Image,
    Document,
    Audio,
    Video,
}

impl MediaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Document => "document",
            Self::Audio => "audio",
            Self::Video => "video",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ContactCard {
    pub formatted_name: String,
    /// E.164 numbers.
    pub phones: Vec<String>,
}

/// A provider accepted the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    /// The provider's id for the message; webhooks refer to it.
    pub provider_message_id: String,
}

/// One number's answer from a number check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NumberCheck {
    /// Digits only, as sent.
    pub number: String,
    pub on_whatsapp: bool,
}

/// A sender's connection as its provider reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionState {
    pub connected: bool,
    /// The provider's own word for it (`CONNECTED`, `SCAN_QR_CODE`, `BANNED`, …).
    pub detail: String,
}

/// Why a provider call failed, in the terms the product acts on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// 401/403 or an expired token: the workspace is alerted and the sender paused.
    #[error("the provider refused the credentials: {0}")]
    Credentials(String),
    /// 404 and the like: the base URL, session or phone-number id is wrong.
    #[error("the provider says the configuration is wrong: {0}")]
    Configuration(String),
    /// 429 or a throughput/pair-rate code: back off and try later.
    #[error("the provider is rate limiting this sender")]
    RateLimited { retry_after: Option<Duration> },
    /// The provider restricted or banned the number: pause the sender.
    #[error("the provider restricted this number: {0}")]
    Restricted(String),
    /// The provider refused this message (its code, when it gave one, and its text).
    #[error("the provider refused the message: {message}")]
    Rejected {
        code: Option<String>,
        message: String,
    },
    /// No answer: DNS, connection, timeout, or an answer that was not the provider's.
    #[error("the provider could not be reached: {0}")]
    Unreachable(String),
    /// This provider cannot send this kind of content.
    #[error("{0}")]
    Unsupported(&'static str),
}

impl ProviderError {
    /// A short code stored with a failed message.
    pub fn code(&self) -> String {
        match self {
            Self::Credentials(_) => "credentials".into(),
            Self::Configuration(_) => "configuration".into(),
            Self::RateLimited { .. } => "rate_limited".into(),
            Self::Restricted(_) => "restricted".into(),
            Self::Rejected { code, .. } => code.clone().unwrap_or_else(|| "rejected".into()),
            Self::Unreachable(_) => "unreachable".into(),
            Self::Unsupported(_) => "unsupported".into(),
        }
    }

    /// Whether the sender itself needs attention (not just this message).
    pub fn pauses_sender(&self) -> bool {
        matches!(self, Self::Credentials(_) | Self::Restricted(_))
    }
}

#[async_trait]
pub trait Provider: Send + Sync {
    /// Sends `content` to `to` (E.164 digits without `+`).
    async fn send(&self, to: &str, content: &Content) -> Result<Sent, ProviderError>;
    /// Which of `numbers` (at most [`MAX_NUMBERS_PER_CHECK`], digits only) are on WhatsApp.
    async fn check_numbers(&self, numbers: &[String]) -> Result<Vec<NumberCheck>, ProviderError>;
    async fn session_status(&self) -> Result<SessionState, ProviderError>;
    /// Points the provider's webhooks for this sender at `url`, signed with `secret`. `Ok(false)`
    /// when the provider is set up elsewhere (the Cloud API: in Meta's app dashboard).
    async fn register_webhook(&self, url: &str, secret: &str) -> Result<bool, ProviderError>;
}

/// The most numbers one number-check call takes.
pub const MAX_NUMBERS_PER_CHECK: usize = 100;

/// The one outbound client every provider adapter uses: explicit timeouts, no redirects (an
/// API that redirects is misconfigured, and following would resend credentials elsewhere).
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("LeadLoom/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

/// Digits only: what providers take as a recipient (`+254 712…` → `254712…`).
pub fn digits(e164: &str) -> String {
    e164.chars().filter(char::is_ascii_digit).collect()
}

/// Maps a transport error from reqwest into [`ProviderError::Unreachable`], never echoing the
/// URL (it may carry a token in its query on some gateways).
pub(crate) fn unreachable(error: reqwest::Error) -> ProviderError {
    let what = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else if error.is_decode() {
        "answered with something that is not its API"
    } else {
        "the request failed"
    };
    ProviderError::Unreachable(what.into())
}

/// `Retry-After` in seconds, when the provider sent one.
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// Runs `call`, waiting and trying again while the provider rate-limits: exponential back-off
/// from `first_wait` (or the provider's `Retry-After`), at most `attempts` tries in all.
pub async fn with_backoff<T, F, Fut>(
    attempts: u32,
    first_wait: Duration,
    mut call: F,
) -> Result<T, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, ProviderError>>,
{
    let mut wait = first_wait;
    let mut tries = 1;
    loop {
        match call().await {
            Err(ProviderError::RateLimited { retry_after }) if tries < attempts => {
                tokio::time::sleep(retry_after.unwrap_or(wait).max(wait)).await;
                wait = wait.saturating_mul(2);
                tries += 1;
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn backoff_retries_rate_limits_then_gives_up() {
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = with_backoff(3, Duration::from_millis(1), || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(ProviderError::RateLimited { retry_after: None })
        })
        .await;
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        assert!(matches!(result, Err(ProviderError::RateLimited { .. })));

        let calls = AtomicU32::new(0);
        let result = with_backoff(3, Duration::from_millis(1), || async {
            if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                Err(ProviderError::RateLimited { retry_after: None })
            } else {
                Ok(7)
            }
        })
        .await;
        assert_eq!(result, Ok(7));
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn other_errors_are_not_retried() {
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = with_backoff(3, Duration::from_millis(1), || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(ProviderError::Credentials("bad key".into()))
        })
        .await;
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert!(result.unwrap_err().pauses_sender());
    }

    #[test]
    fn recipients_are_digits() {
        assert_eq!(digits("+254 712-345 678"), "254712345678");
    }
}
