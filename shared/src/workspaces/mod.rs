//! Workspaces (tenants): roles and what each may do, settings, members and invitations as
//! they cross the wire. The store and service sit behind `ssr`.

#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;

use crate::plans::PlanDto;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[cfg(feature = "ssr")]
use sea_orm::entity::prelude::*;

/// A member's role in one workspace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(EnumIter, DeriveActiveEnum))]
#[cfg_attr(
    feature = "ssr",
    sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "owner"))]
    Owner,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "admin"))]
    Admin,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "member"))]
    Member,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "viewer"))]
    Viewer,
}

/// Something a role may or may not do; checked on the server for every request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    LeadsManage,
    LeadsExport,
    Send,
    BulkSend,
    CampaignsCreate,
    CampaignsEdit,
    CampaignsLaunch,
    CampaignsPause,
    CampaignsCancel,
    TemplatesManage,
    AnalyticsView,
    SettingsManage,
    MembersManage,
    ApiKeysManage,
    AuditView,
}

impl Permission {
    pub const ALL: [Permission; 15] = [
        Self::LeadsManage,
        Self::LeadsExport,
        Self::Send,
        Self::BulkSend,
        Self::CampaignsCreate,
        Self::CampaignsEdit,
        Self::CampaignsLaunch,
        Self::CampaignsPause,
        Self::CampaignsCancel,
        Self::TemplatesManage,
        Self::AnalyticsView,
        Self::SettingsManage,
        Self::MembersManage,
        Self::ApiKeysManage,
        Self::AuditView,
    ];

    /// What the permission allows, in words (used in messages and the roles table).
    pub fn label(self) -> &'static str {
        match self {
            Self::LeadsManage => "import and edit leads",
            Self::LeadsExport => "export leads",
            Self::Send => "send messages",
            Self::BulkSend => "send in bulk",
            Self::CampaignsCreate => "create campaigns",
            Self::CampaignsEdit => "edit campaigns",
            Self::CampaignsLaunch => "launch campaigns",
            Self::CampaignsPause => "pause campaigns",
            Self::CampaignsCancel => "cancel campaigns",
            Self::TemplatesManage => "manage templates",
            Self::AnalyticsView => "view analytics",
            Self::SettingsManage => "manage settings",
            Self::MembersManage => "manage members",
            Self::ApiKeysManage => "manage API keys",
            Self::AuditView => "read the audit log",
        }
    }
}

impl Role {
    pub const ALL: [Role; 4] = [Self::Owner, Self::Admin, Self::Member, Self::Viewer];

    /// The single source of truth for what each role may do.
    pub fn allows(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Self::Owner | Self::Admin => true,
            Self::Member => matches!(
                permission,
                LeadsManage
                    | LeadsExport
                    | Send
                    | BulkSend
                    | CampaignsCreate
                    | CampaignsEdit
                    | CampaignsLaunch
                    | CampaignsPause
                    | CampaignsCancel
                    | TemplatesManage
                    | AnalyticsView
            ),
            Self::Viewer => matches!(permission, AnalyticsView),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Member => "member",
            Self::Viewer => "viewer",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Owner => "Owner",
            Self::Admin => "Admin",
            Self::Member => "Member",
            Self::Viewer => "Viewer",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == value)
    }
}

/// Why the workspace uses LeadLoom (asked during onboarding; shapes defaults and tips).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(EnumIter, DeriveActiveEnum))]
#[cfg_attr(
    feature = "ssr",
    sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")
)]
#[serde(rename_all = "snake_case")]
pub enum UseCase {
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "agency"))]
    Agency,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "sales_team"))]
    SalesTeam,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "small_business"))]
    SmallBusiness,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "other"))]
    Other,
}

impl UseCase {
    pub const ALL: [UseCase; 4] = [
        Self::Agency,
        Self::SalesTeam,
        Self::SmallBusiness,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Agency => "agency",
            Self::SalesTeam => "sales_team",
            Self::SmallBusiness => "small_business",
            Self::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Agency => "Agency",
            Self::SalesTeam => "Sales team",
            Self::SmallBusiness => "Small business",
            Self::Other => "Other",
        }
    }

    pub fn hint(self) -> &'static str {
        match self {
            Self::Agency => "You sell web design, SEO or marketing to local businesses.",
            Self::SalesTeam => "Your team prospects and follows up with leads.",
            Self::SmallBusiness => "You market your own business to customers.",
            Self::Other => "Something else.",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|u| u.as_str() == value)
    }
}

/// Days of the week a workspace works, Monday first, as a bit set (bit 0 = Monday).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkingDays(pub u8);

impl WorkingDays {
    pub const NAMES: [&'static str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    /// Monday to Saturday.
    pub const DEFAULT: WorkingDays = WorkingDays(0b0011_1111);

    pub fn contains(self, day: usize) -> bool {
        day < 7 && self.0 & (1 << day) != 0
    }

    /// Whether `day` is a working day.
    pub fn on(self, day: chrono::Weekday) -> bool {
        usize::try_from(day.num_days_from_monday()).is_ok_and(|d| self.contains(d))
    }

    /// No working day at all.
    pub fn is_empty(self) -> bool {
        !(0..7).any(|d| self.contains(d))
    }

    pub fn from_days(days: impl IntoIterator<Item = usize>) -> Self {
        Self(
            days.into_iter()
                .filter(|d| *d < 7)
                .fold(0, |acc, d| acc | (1 << d)),
        )
    }

    pub fn describe(self) -> String {
        let names: Vec<_> = (0..7)
            .filter(|d| self.contains(*d))
            .map(|d| Self::NAMES[d])
            .collect();
        if names.is_empty() {
            "no days".into()
        } else {
            names.join(", ")
        }
    }
}

/// A workspace the signed-in user belongs to (for the switcher).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceSummary {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    /// IANA name; the UI shows and reads times in it.
    pub timezone: String,
    pub role: Role,
    pub brand_colour: String,
    pub has_logo: bool,
}

/// A workspace's full settings, as the settings page shows them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceSettings {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub timezone: String,
    pub use_case: UseCase,
    pub brand_colour: String,
    pub has_logo: bool,
    pub default_country: String,
    pub daily_limit_new_sender: u32,
    pub daily_limit_warmed_sender: u32,
    pub working_hours_start: String,
    pub working_hours_end: String,
    pub working_days: WorkingDays,
    pub plan: PlanDto,
}

/// The settings form as submitted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UpdateSettings {
    pub name: String,
    pub slug: String,
    pub timezone: String,
    pub brand_colour: String,
    pub default_country: String,
    pub daily_limit_new_sender: String,
    pub daily_limit_warmed_sender: String,
    pub working_hours_start: String,
    pub working_hours_end: String,
    pub working_days: Vec<usize>,
}

/// The onboarding answers that create a workspace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewWorkspace {
    pub name: String,
    pub slug: String,
    pub timezone: String,
    pub use_case: String,
}

/// A member as the members page lists them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemberDto {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub role: Role,
    #[serde(with = "crate::dates::wire::instant")]
    pub joined_at: chrono::DateTime<chrono::Utc>,
    pub is_you: bool,
}

/// A pending invitation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvitationDto {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    pub invited_by: String,
    #[serde(with = "crate::dates::wire::instant")]
    pub expires_at: chrono::DateTime<chrono::Utc>,
    #[serde(with = "crate::dates::wire::instant")]
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// What the inviter sees after inviting: the link (always), and whether it was e-mailed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvitationCreated {
    pub invitation: InvitationDto,
    pub link: String,
    pub emailed: bool,
}

/// What an invitee sees when opening the link.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvitationPreview {
    pub workspace_name: String,
    pub email: String,
    pub role: Role,
    pub invited_by: String,
    pub expired: bool,
    pub accepted: bool,
}

/// Real counts for the dashboard: zero is a real count.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DashboardCounts {
    pub members: u64,
    pub pending_invitations: u64,
    pub audit_events_7d: u64,
    pub member_limit: Option<u32>,
    pub plan_name: String,
    /// Leads, messages, rates, senders and replies.
    pub analytics: crate::analytics::Overview,
}

/// How far `tz` (an IANA name) is ahead of UTC at `at`, in seconds; 0 for an unknown zone.
/// The browser asks `Intl` instead, so the tz database is not in the wasm bundle.
#[cfg(feature = "ssr")]
pub fn utc_offset_seconds(tz: &str, at: chrono::DateTime<chrono::Utc>) -> i64 {
    use chrono::Offset;
    tz.parse::<chrono_tz::Tz>().map_or(0, |tz| {
        i64::from(at.with_timezone(&tz).offset().fix().local_minus_utc())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_map_to_permissions() {
        for p in Permission::ALL {
            assert!(Role::Owner.allows(p));
            assert!(Role::Admin.allows(p));
        }
        assert!(Role::Member.allows(Permission::CampaignsLaunch));
        assert!(!Role::Member.allows(Permission::SettingsManage));
        assert!(!Role::Member.allows(Permission::ApiKeysManage));
        assert!(Role::Viewer.allows(Permission::AnalyticsView));
        assert!(!Role::Viewer.allows(Permission::Send));
    }

    #[test]
    fn working_days_round_trip() {
        let days = WorkingDays::from_days([0, 2, 4, 9]);
        assert!(days.contains(0) && days.contains(2) && !days.contains(1));
        assert_eq!(days.describe(), "Mon, Wed, Fri");
        assert_eq!(
            WorkingDays::DEFAULT.describe(),
            "Mon, Tue, Wed, Thu, Fri, Sat"
        );
    }
}
