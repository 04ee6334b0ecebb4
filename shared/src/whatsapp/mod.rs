//! The WhatsApp channel: senders (numbers/sessions), messages and their delivery states, and
//! opt-outs. The DTOs and the pure rules (status precedence, opt-out keywords) compile
//! everywhere; providers, stores and services live behind `ssr`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[cfg(feature = "ssr")]
pub mod attachments;
#[cfg(feature = "ssr")]
pub mod channel;
#[cfg(feature = "ssr")]
pub mod messages;
#[cfg(feature = "ssr")]
pub mod numbers;
#[cfg(feature = "ssr")]
pub mod optout;
#[cfg(feature = "ssr")]
pub mod provider;
#[cfg(feature = "ssr")]
pub mod senders;

/// How a sender talks to WhatsApp.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    /// A self-hosted WhatsApp Web session behind an onhandi-style REST gateway (also the
    /// simulator).
    SessionGateway,
    /// Meta's official WhatsApp Cloud API.
    CloudApi,
}

impl ProviderKind {
    pub const ALL: [ProviderKind; 2] = [Self::SessionGateway, Self::CloudApi];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SessionGateway => "session_gateway",
            Self::CloudApi => "cloud_api",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::SessionGateway => "Session gateway",
            Self::CloudApi => "WhatsApp Cloud API",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == value.trim())
    }
}

/// Where a sender is on its warm-up ladder; decides its default daily cap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Warmup {
    New,
    Warmed,
}

impl Warmup {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Warmed => "warmed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::New => "New number (warming up)",
            Self::Warmed => "Warmed up",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Self::New, Self::Warmed]
            .into_iter()
            .find(|w| w.as_str() == value.trim())
    }
}

/// A message's state. Outbound: queued → sending → sent → delivered → read, or failed;
/// `unknown` is a send whose outcome was lost (a crash between the call and the answer) and is
/// never silently re-sent. Inbound messages are `received`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    Queued,
    Sending,
    Unknown,
    Sent,
    Delivered,
    Read,
    Failed,
    Received,
}

impl MessageStatus {
    pub const ALL: [MessageStatus; 8] = [
        Self::Queued,
        Self::Sending,
        Self::Unknown,
        Self::Sent,
        Self::Delivered,
        Self::Read,
        Self::Failed,
        Self::Received,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sending => "sending",
            Self::Unknown => "unknown",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Read => "read",
            Self::Failed => "failed",
            Self::Received => "received",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Queued => "Queued",
            Self::Sending => "Sending",
            Self::Unknown => "Outcome unknown",
            Self::Sent => "Sent",
            Self::Delivered => "Delivered",
            Self::Read => "Read",
            Self::Failed => "Failed",
            Self::Received => "Received",
        }
    }

    /// The ticks a chat app shows: one grey, two grey, two blue.
    pub fn ticks(self) -> &'static str {
        match self {
            Self::Sent => "✓",
            Self::Delivered | Self::Read => "✓✓",
            Self::Failed => "!",
            Self::Queued | Self::Sending => "🕓",
            Self::Unknown => "?",
            Self::Received => "",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value.trim())
    }

    /// A provider's word for a delivery state (Cloud API statuses, gateway acks).
    pub fn from_provider(value: &str) -> Option<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "sent" | "server" | "server_ack" => Some(Self::Sent),
            "delivered" | "device" | "delivery_ack" => Some(Self::Delivered),
            "read" | "played" | "seen" => Some(Self::Read),
            "failed" | "error" => Some(Self::Failed),
            _ => None,
        }
    }

    fn progress(self) -> u8 {
        match self {
            Self::Queued => 0,
            Self::Sending | Self::Unknown => 1,
            Self::Sent => 2,
            Self::Failed => 3,
            Self::Delivered => 4,
            Self::Read => 5,
            Self::Received => 6,
        }
    }

    /// The state after a provider reports `reported` for a message now in `self`: states only
    /// move forward, whatever order webhooks arrive in. `failed` beats `sent` (the provider gave
    /// up after accepting it) but never `delivered` or `read` (the phone has it); a late
    /// `delivered` after `failed` means the message did arrive. Inbound messages never change.
    pub fn advance(self, reported: MessageStatus) -> MessageStatus {
        if self == Self::Received || reported.progress() <= self.progress() {
            self
        } else {
            reported
        }
    }
}

/// The default opt-out keywords (English, Portuguese, Spanish, Swahili).
pub const DEFAULT_OPT_OUT_KEYWORDS: [&str; 8] = [
    "STOP",
    "STOP ALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "PARAR",
    "SAIR",
    "BAJA",
    "ACHA",
];

/// The workspace's opt-out rules as the settings page shows and submits them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OptOutSettings {
    /// One keyword or phrase per line; blank restores the defaults.
    pub keywords: String,
    /// Sent once to a lead who opts out; blank sends nothing.
    pub reply: String,
}

/// The longest opt-out confirmation (one short message).
pub const MAX_OPT_OUT_REPLY_CHARS: usize = 500;

/// A sender as the browser sees it: never its credentials, only whether they are set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SenderDto {
    pub id: Uuid,
    pub name: String,
    pub provider: ProviderKind,
    /// E.164.
    pub display_number: String,
    pub base_url: String,
    /// The gateway's session id, or the Cloud API's phone-number id.
    pub account_ref: String,
    pub warmup: Warmup,
    /// The cap in force today (the sender's own, else the workspace's for its warm-up state).
    pub daily_cap: u32,
    /// Set when the cap is the sender's own.
    pub daily_cap_override: Option<u32>,
    pub sent_today: u32,
    pub connected: Option<bool>,
    pub status_detail: Option<String>,
    #[serde(default, with = "crate::dates::wire::instant_option")]
    pub status_checked_at: Option<DateTime<Utc>>,
    /// Why sending is paused, when it is (bad credentials, a ban signal, or by hand).
    pub paused_reason: Option<String>,
    /// Failures among the last sends, and of those how many were block/restriction signals.
    pub recent_failures: u32,
    pub recent_sends: u32,
    pub webhook_url: String,
    /// Whether the provider accepted the webhook registration (gateways that support it).
    pub webhook_registered: bool,
    #[serde(with = "crate::dates::wire::instant")]
    pub created_at: DateTime<Utc>,
}

impl SenderDto {
    /// Green, red or grey, as the list shows it.
    pub fn health_label(&self) -> &'static str {
        match (self.paused_reason.is_some(), self.connected) {
            (true, _) => "Paused",
            (false, Some(true)) => "Connected",
            (false, Some(false)) => "Disconnected",
            (false, None) => "Not checked yet",
        }
    }
}

/// What the lead page's reply box offers: the senders to send from and the templates to start
/// from, each with only what the box shows. The page's first download then carries a decoder
/// for these few fields instead of those of whole senders and templates (docs/benchmarks.md,
/// "What runs only on a click").
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyChoices {
    pub senders: Vec<SenderChoice>,
    pub templates: Vec<TemplateChoice>,
}

/// A sender in the reply box's "Send from" list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SenderChoice {
    pub id: Uuid,
    pub name: String,
    /// E.164.
    pub display_number: String,
    /// Sending from it is paused (listed, not chosen by default).
    pub paused: bool,
}

/// A template in the reply box's picker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateChoice {
    pub id: Uuid,
    pub name: String,
}

impl ReplyChoices {
    pub fn new(senders: &[SenderDto], templates: &[crate::templates::TemplateDto]) -> Self {
        Self {
            senders: senders
                .iter()
                .map(|s| SenderChoice {
                    id: s.id,
                    name: s.name.clone(),
                    display_number: s.display_number.clone(),
                    paused: s.paused_reason.is_some(),
                })
                .collect(),
            templates: templates
                .iter()
                .map(|t| TemplateChoice {
                    id: t.id,
                    name: t.name.clone(),
                })
                .collect(),
        }
    }

    /// The sender a reply goes from unless another is chosen: the first one not paused.
    pub fn default_sender(&self) -> Option<Uuid> {
        self.senders.iter().find(|s| !s.paused).map(|s| s.id)
    }
}

/// The add/edit form. Blank secrets on edit keep what is stored.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SenderInput {
    pub name: String,
    pub provider: String,
    pub display_number: String,
    pub base_url: String,
    pub account_ref: String,
    /// Gateway: the API key. Cloud API: the access token.
    #[serde(default)]
    pub secret: String,
    /// Cloud API only: the app secret that signs webhooks.
    #[serde(default)]
    pub app_secret: String,
    pub warmup: String,
    /// Blank: the workspace's default for the warm-up state.
    #[serde(default)]
    pub daily_cap: String,
}

/// Shown once after a sender is created: what to paste into the provider's webhook settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SenderCreated {
    pub sender: SenderDto,
    /// Gateway: the HMAC secret webhooks are signed with. Cloud API: the verify token.
    pub webhook_secret: String,
}

/// One message in a lead's conversation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MessageDto {
    pub id: Uuid,
    pub lead_id: Option<Uuid>,
    pub sender_id: Option<Uuid>,
    pub sender_name: Option<String>,
    pub inbound: bool,
    pub body: String,
    pub attachment_name: Option<String>,
    /// The attachment's MIME type (pictures are shown, other files linked).
    pub attachment_type: Option<String>,
    pub status: MessageStatus,
    pub error: Option<String>,
    #[serde(with = "crate::dates::wire::instant")]
    pub created_at: DateTime<Utc>,
    #[serde(default, with = "crate::dates::wire::instant_option")]
    pub sent_at: Option<DateTime<Utc>>,
    #[serde(default, with = "crate::dates::wire::instant_option")]
    pub delivered_at: Option<DateTime<Utc>>,
    #[serde(default, with = "crate::dates::wire::instant_option")]
    pub read_at: Option<DateTime<Utc>>,
}

/// A checked file waiting to be sent with a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentDto {
    pub id: Uuid,
    /// Sanitised; what the recipient sees.
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: u64,
}

/// One conversation in the inbox: who, the latest message, and how many replies nobody has
/// opened yet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InboxEntry {
    /// E.164.
    pub peer_phone: String,
    /// The lead with this number, when there is one.
    pub lead_id: Option<Uuid>,
    pub lead_name: Option<String>,
    pub last_body: String,
    pub last_inbound: bool,
    #[serde(with = "crate::dates::wire::instant")]
    pub last_at: DateTime<Utc>,
    pub unread: u32,
}

/// A WhatsApp number check with its live progress.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NumberCheckJobDto {
    pub id: Uuid,
    pub status: crate::websites::VerifyJobStatus,
    /// What was chosen, in words.
    pub scope: String,
    pub total: u32,
    pub processed: u32,
    pub on_whatsapp: u32,
    pub not_on_whatsapp: u32,
    pub failed: u32,
    /// Answered from the last 24 hours' checks, without asking the provider.
    pub cached: u32,
    pub sender_name: Option<String>,
    pub failure: Option<String>,
    #[serde(with = "crate::dates::wire::instant")]
    pub created_at: DateTime<Utc>,
    #[serde(default, with = "crate::dates::wire::instant_option")]
    pub finished_at: Option<DateTime<Utc>>,
}

impl NumberCheckJobDto {
    /// Share done, 0–100.
    pub fn percent(&self) -> u32 {
        (self.processed * 100)
            .checked_div(self.total)
            .unwrap_or(100)
            .min(100)
    }
}

/// The longest text WhatsApp delivers in one message.
pub const MAX_MESSAGE_CHARS: usize = 4096;

#[cfg(test)]
mod tests {
    use super::MessageStatus::*;

    #[test]
    fn states_only_move_forward_in_any_order() {
        assert_eq!(Sent.advance(Read), Read);
        assert_eq!(
            Read.advance(Delivered),
            Read,
            "a late delivered never downgrades read"
        );
        assert_eq!(Delivered.advance(Sent), Delivered);
        assert_eq!(Sent.advance(Failed), Failed, "failed after sent wins");
        assert_eq!(Delivered.advance(Failed), Delivered, "the phone has it");
        assert_eq!(
            Failed.advance(Delivered),
            Delivered,
            "a late delivered after failed"
        );
        assert_eq!(
            Read.advance(Read),
            Read,
            "the same event twice changes nothing"
        );
        assert_eq!(Unknown.advance(Sent), Sent);
        assert_eq!(Received.advance(Read), Received);
    }

    #[test]
    fn provider_words_map_to_states() {
        assert_eq!(super::MessageStatus::from_provider("READ"), Some(Read));
        assert_eq!(
            super::MessageStatus::from_provider("device"),
            Some(Delivered)
        );
        assert_eq!(super::MessageStatus::from_provider("deleted"), None);
    }
}
