//! The audit log: who did what, where and when (sign-ins, failed sign-ins, role and settings
//! changes), readable by a workspace's owners and admins.

#[cfg(feature = "ssr")]
pub mod store;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Kinds of audited events. Stored as their `as_str` name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuditAction {
    SignIn,
    SignInFailed,
    SignOut,
    PasswordChanged,
    ProfileUpdated,
    PhoneCodeSent,
    PhoneVerified,
    WorkspaceCreated,
    SettingsUpdated,
    LogoChanged,
    MemberInvited,
    InvitationRevoked,
    MemberJoined,
    RoleChanged,
    MemberRemoved,
    PlanChanged,
    LeadsTagged,
    LeadsUntagged,
    LeadStagesChanged,
    LeadsDeleted,
    SegmentCreated,
    SegmentUpdated,
    SegmentDeleted,
    WebsiteCheckStarted,
    WebsiteCheckCancelled,
    SenderAdded,
    SenderUpdated,
    SenderRemoved,
    SenderPaused,
    SenderResumed,
    OptOutSettingsChanged,
    NumberCheckStarted,
    NumberCheckCancelled,
    TemplateCreated,
    TemplateUpdated,
    TemplateDeleted,
}

impl AuditAction {
    pub const ALL: [AuditAction; 36] = [
        Self::SignIn,
        Self::SignInFailed,
        Self::SignOut,
        Self::PasswordChanged,
        Self::ProfileUpdated,
        Self::PhoneCodeSent,
        Self::PhoneVerified,
        Self::WorkspaceCreated,
        Self::SettingsUpdated,
        Self::LogoChanged,
        Self::MemberInvited,
        Self::InvitationRevoked,
        Self::MemberJoined,
        Self::RoleChanged,
        Self::MemberRemoved,
        Self::PlanChanged,
        Self::LeadsTagged,
        Self::LeadsUntagged,
        Self::LeadStagesChanged,
        Self::LeadsDeleted,
        Self::SegmentCreated,
        Self::SegmentUpdated,
        Self::SegmentDeleted,
        Self::WebsiteCheckStarted,
        Self::WebsiteCheckCancelled,
        Self::SenderAdded,
        Self::SenderUpdated,
        Self::SenderRemoved,
        Self::SenderPaused,
        Self::SenderResumed,
        Self::OptOutSettingsChanged,
        Self::NumberCheckStarted,
        Self::NumberCheckCancelled,
        Self::TemplateCreated,
        Self::TemplateUpdated,
        Self::TemplateDeleted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignIn => "sign_in",
            Self::SignInFailed => "sign_in_failed",
            Self::SignOut => "sign_out",
            Self::PasswordChanged => "password_changed",
            Self::ProfileUpdated => "profile_updated",
            Self::PhoneCodeSent => "phone_code_sent",
            Self::PhoneVerified => "phone_verified",
            Self::WorkspaceCreated => "workspace_created",
            Self::SettingsUpdated => "settings_updated",
            Self::LogoChanged => "logo_changed",
            Self::MemberInvited => "member_invited",
            Self::InvitationRevoked => "invitation_revoked",
            Self::MemberJoined => "member_joined",
            Self::RoleChanged => "role_changed",
            Self::MemberRemoved => "member_removed",
            Self::PlanChanged => "plan_changed",
            Self::LeadsTagged => "leads_tagged",
            Self::LeadsUntagged => "leads_untagged",
            Self::LeadStagesChanged => "lead_stages_changed",
            Self::LeadsDeleted => "leads_deleted",
            Self::SegmentCreated => "segment_created",
            Self::SegmentUpdated => "segment_updated",
            Self::SegmentDeleted => "segment_deleted",
            Self::WebsiteCheckStarted => "website_check_started",
            Self::WebsiteCheckCancelled => "website_check_cancelled",
            Self::SenderAdded => "sender_added",
            Self::SenderUpdated => "sender_updated",
            Self::SenderRemoved => "sender_removed",
            Self::SenderPaused => "sender_paused",
            Self::SenderResumed => "sender_resumed",
            Self::OptOutSettingsChanged => "opt_out_settings_changed",
            Self::NumberCheckStarted => "number_check_started",
            Self::NumberCheckCancelled => "number_check_cancelled",
            Self::TemplateCreated => "template_created",
            Self::TemplateUpdated => "template_updated",
            Self::TemplateDeleted => "template_deleted",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::SignIn => "Signed in",
            Self::SignInFailed => "Failed sign-in",
            Self::SignOut => "Signed out",
            Self::PasswordChanged => "Changed password",
            Self::ProfileUpdated => "Updated profile",
            Self::PhoneCodeSent => "Asked for a phone code",
            Self::PhoneVerified => "Verified phone",
            Self::WorkspaceCreated => "Created workspace",
            Self::SettingsUpdated => "Changed settings",
            Self::LogoChanged => "Changed logo",
            Self::MemberInvited => "Invited a member",
            Self::InvitationRevoked => "Revoked an invitation",
            Self::MemberJoined => "Joined",
            Self::RoleChanged => "Changed a role",
            Self::MemberRemoved => "Removed a member",
            Self::PlanChanged => "Changed plan",
            Self::LeadsTagged => "Tagged leads",
            Self::LeadsUntagged => "Untagged leads",
            Self::LeadStagesChanged => "Changed lead stages",
            Self::LeadsDeleted => "Deleted leads",
            Self::SegmentCreated => "Saved a segment",
            Self::SegmentUpdated => "Changed a segment",
            Self::SegmentDeleted => "Deleted a segment",
            Self::WebsiteCheckStarted => "Started a website check",
            Self::WebsiteCheckCancelled => "Cancelled a website check",
            Self::SenderAdded => "Added a sender",
            Self::SenderUpdated => "Changed a sender",
            Self::SenderRemoved => "Removed a sender",
            Self::SenderPaused => "Paused a sender",
            Self::SenderResumed => "Resumed a sender",
            Self::OptOutSettingsChanged => "Changed opt-out settings",
            Self::NumberCheckStarted => "Started a WhatsApp number check",
            Self::NumberCheckCancelled => "Cancelled a WhatsApp number check",
            Self::TemplateCreated => "Created a template",
            Self::TemplateUpdated => "Changed a template",
            Self::TemplateDeleted => "Deleted a template",
        }
    }
}

/// One audit entry as the audit page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEntryDto {
    pub id: Uuid,
    pub action: String,
    pub action_label: String,
    pub actor: Option<String>,
    pub detail: String,
    pub ip: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// A page of the audit log, newest first; `next_before` continues it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntryDto>,
    pub next_before: Option<Uuid>,
}
