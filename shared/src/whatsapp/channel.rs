//! `Channel`: what every WhatsApp call needs from the deployment — the key that opens stored
//! credentials, the one outbound client (SSRF-guarded like website checks), and the public URL
//! providers post webhooks to — and the adapter for a stored sender.

use super::ProviderKind;
use super::provider::{Provider, cloud::CloudApi, gateway::SessionGateway};
use crate::AppError;
use crate::crypto::SecretBox;
use crate::db::entities::sender;
use crate::websites::engine::{Guard, GuardedResolver};
use ipnet::IpNet;
use std::sync::Arc;
use std::time::Duration;

pub struct Channel {
    pub secrets: SecretBox,
    client: reqwest::Client,
    guard: Guard,
    /// The wait between number-check calls to a provider (mass checks get numbers banned).
    pub check_pause: Duration,
    /// Wakes this process's number-check worker when a check is queued.
    pub check_wakeup: tokio::sync::Notify,
    /// Wakes this process's campaign dispatcher when a campaign is launched or resumed.
    pub campaign_wakeup: Arc<tokio::sync::Notify>,
    /// The deployment's own WhatsApp gateway (phone verification codes), if configured.
    platform: Option<(PlatformGateway, reqwest::Client)>,
}

/// The gateway the deployment itself sends from (one-time codes to users' phones), set by the
/// operator: the simulator in development, a real session gateway in production.
#[derive(Clone)]
pub struct PlatformGateway {
    pub base_url: String,
    pub session: String,
    pub api_key: String,
}

impl std::fmt::Debug for PlatformGateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key stays out of logs.
        f.debug_struct("PlatformGateway")
            .field("base_url", &self.base_url)
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

/// The default [`Channel::check_pause`]: one batch of up to 100 numbers every 5 seconds.
pub const DEFAULT_CHECK_PAUSE: Duration = Duration::from_secs(5);

impl std::fmt::Debug for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Channel").finish_non_exhaustive()
    }
}

/// The `secret_enc` and friends' associated data: a ciphertext only opens in its own row/field.
pub fn secret_context(sender_id: uuid::Uuid, field: &str) -> String {
    format!("sender:{sender_id}:{field}")
}

impl Channel {
    /// `allow_nets` opens private networks to provider calls (a gateway on the same host or
    /// LAN, the simulator); everything else private is refused, as for website checks.
    pub fn new(secrets: SecretBox, allow_nets: Vec<IpNet>) -> Self {
        let guard = Guard::new(allow_nets);
        let resolver = GuardedResolver::new(guard.clone(), &[]);
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            // An API that redirects is misconfigured; following would resend credentials.
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(resolver))
            .user_agent(concat!("LeadLoom/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Self {
            secrets,
            client,
            guard,
            check_pause: DEFAULT_CHECK_PAUSE,
            check_wakeup: tokio::sync::Notify::new(),
            campaign_wakeup: Arc::default(),
            platform: None,
        }
    }

    /// The guarded outbound client (campaign notification webhooks use it too: a user-given
    /// URL must not reach the deployment's private network).
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// The same channel with the deployment's own gateway for one-time codes.
    pub fn with_platform(mut self, gateway: PlatformGateway) -> Self {
        self.platform = Some((gateway, super::provider::http_client()));
        self
    }

    /// The deployment's own gateway, or `None` when the operator configured none. Its address
    /// is the operator's setting, not a user's, so it uses the plain provider client: the SSRF
    /// guard is for addresses users type.
    pub fn platform_provider(&self) -> Option<Box<dyn Provider>> {
        self.platform.as_ref().map(|(gateway, client)| {
            Box::new(SessionGateway::new(
                client.clone(),
                &gateway.base_url,
                &gateway.session,
                &gateway.api_key,
            )) as Box<dyn Provider>
        })
    }

    /// The same channel with another pause between number-check calls.
    pub fn with_check_pause(mut self, pause: Duration) -> Self {
        self.check_pause = pause;
        self
    }

    /// Checks a provider base URL a user typed: http(s), a host, and — when the host is an IP
    /// literal, which never goes through the guarded resolver — an address the guard permits.
    pub fn check_base_url(&self, text: &str) -> Result<String, String> {
        let parsed = url::Url::parse(text.trim()).map_err(|_| {
            "Enter the provider's address, e.g. https://gateway.example.com.".to_owned()
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err("The address must start with http:// or https://.".into());
        }
        let refused = match parsed.host() {
            Some(url::Host::Ipv4(ip)) => !self.guard.permits(ip.into()),
            Some(url::Host::Ipv6(ip)) => !self.guard.permits(ip.into()),
            Some(url::Host::Domain(_)) => false,
            None => return Err("The address has no host.".into()),
        };
        if refused {
            return Err(
                "That address is on a private network, which this deployment does not allow."
                    .into(),
            );
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err("Put credentials in their own field, not in the address.".into());
        }
        Ok(parsed.as_str().trim_end_matches('/').to_owned())
    }

    /// The adapter for `sender`, with its credentials decrypted for this call only.
    pub fn provider_for(&self, sender: &sender::Model) -> Result<Box<dyn Provider>, AppError> {
        let secret = self
            .secrets
            .decrypt(&secret_context(sender.id, "secret"), &sender.secret_enc)
            .map_err(|error| {
                tracing::error!(sender = %sender.id, %error, "sender credentials unreadable");
                AppError::Internal
            })?;
        match ProviderKind::parse(&sender.provider) {
            Some(ProviderKind::SessionGateway) => Ok(Box::new(SessionGateway::new(
                self.client.clone(),
                &sender.base_url,
                &sender.account_ref,
                &secret,
            ))),
            Some(ProviderKind::CloudApi) => Ok(Box::new(CloudApi::new(
                self.client.clone(),
                &sender.base_url,
                &sender.account_ref,
                &secret,
            ))),
            None => {
                tracing::error!(sender = %sender.id, provider = sender.provider, "unknown provider");
                Err(AppError::Internal)
            }
        }
    }

    /// The secret webhooks for `sender` are checked with: the gateway's HMAC secret, or the
    /// Cloud API's app secret.
    pub fn webhook_signing_secret(&self, sender: &sender::Model) -> Option<String> {
        let (field, stored) = match ProviderKind::parse(&sender.provider)? {
            ProviderKind::SessionGateway => ("webhook", &sender.webhook_secret_enc),
            ProviderKind::CloudApi => ("app_secret", sender.app_secret_enc.as_ref()?),
        };
        self.secrets
            .decrypt(&secret_context(sender.id, field), stored)
            .ok()
    }

    /// The webhook secret (gateway) or verify token (Cloud API), decrypted.
    pub fn webhook_secret(&self, sender: &sender::Model) -> Option<String> {
        self.secrets
            .decrypt(
                &secret_context(sender.id, "webhook"),
                &sender.webhook_secret_enc,
            )
            .ok()
    }
}

/// Where a sender's provider posts webhooks.
pub fn webhook_url(public_url: &str, sender: &sender::Model) -> String {
    let path = match ProviderKind::parse(&sender.provider) {
        Some(ProviderKind::CloudApi) => "cloud",
        _ => "gateway",
    };
    format!(
        "{}/webhooks/{path}/{}",
        public_url.trim_end_matches('/'),
        sender.id
    )
}
