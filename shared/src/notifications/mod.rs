//! In-app notifications behind the bell: per user, per workspace, read or unread.

#[cfg(feature = "ssr")]
pub mod store;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NotificationDto {
    pub id: Uuid,
    pub message: String,
    pub link: Option<String>,
    pub read: bool,
    #[serde(with = "crate::dates::wire::instant")]
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// The bell's content: the unread count and the latest notifications.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NotificationFeed {
    pub unread: u64,
    pub items: Vec<NotificationDto>,
}
