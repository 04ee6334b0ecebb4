//! `Services`: what every request and job needs from the outside world (database, mailer,
//! settings), built once at start-up and handed to handlers and server functions by context.

use crate::mail::Mailer;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// Settings the domain needs at run time (a subset of the server's config).
#[derive(Clone, Debug)]
pub struct Settings {
    /// The address people reach this deployment at, e.g. `https://app.example.com`;
    /// used to build invitation links.
    pub public_url: String,
    /// How long an invitation link stays valid.
    pub invitation_ttl_days: i64,
    /// The largest spreadsheet an import accepts, in bytes.
    pub max_import_bytes: usize,
    /// Where message attachments are stored (outside the web root), as `{workspace}/{id}`.
    pub attachments_dir: std::path::PathBuf,
}

/// The default for [`Settings::max_import_bytes`]: 25 MB.
pub const DEFAULT_MAX_IMPORT_BYTES: usize = 25 * 1024 * 1024;

#[derive(Clone)]
pub struct Services {
    pub db: DatabaseConnection,
    /// `None` when no SMTP server is configured: invitation links are then shown to the inviter.
    pub mailer: Option<Mailer>,
    pub settings: Arc<Settings>,
    /// Wakes this process's import worker when an import is queued (other instances find it
    /// on their next poll).
    pub import_wakeup: Arc<tokio::sync::Notify>,
    /// Wakes this process's verification worker when a website check is queued.
    pub verify_wakeup: Arc<tokio::sync::Notify>,
    /// WhatsApp: the credential key, the guarded outbound client.
    pub whatsapp: Arc<crate::whatsapp::channel::Channel>,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services")
            .field("mailer", &self.mailer.is_some())
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// Facts about the request that the audit log and throttling need.
#[derive(Clone, Debug, Default)]
pub struct RequestMeta {
    /// The client's address (behind a trusted proxy, from `X-Forwarded-For`).
    pub ip: String,
}
