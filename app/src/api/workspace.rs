//! Server functions for workspaces: onboarding, the shell, dashboard, settings, members,
//! invitations, the audit log, notifications and plans. Every tenant-scoped function takes the
//! workspace id and resolves the tenant context (membership) before anything else.

use super::ApiResult;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use shared::accounts::CurrentUser;
use shared::audit::AuditPage;
use shared::notifications::NotificationFeed;
use shared::plans::PlanDto;
use shared::workspaces::{
    DashboardCounts, InvitationCreated, InvitationDto, InvitationPreview, MemberDto, Permission,
    UpdateSettings, WorkspaceSettings, WorkspaceSummary,
};
use uuid::Uuid;

#[cfg(feature = "ssr")]
use {
    super::ctx,
    shared::{UserId, accounts::service as accounts, workspaces::service as workspaces},
};

/// Choices for the onboarding and settings forms (time zones, countries).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FormChoices {
    pub timezones: Vec<String>,
    pub countries: Vec<(String, String)>,
}

#[server(endpoint = "form_options")]
pub async fn form_options() -> ApiResult<FormChoices> {
    let options = shared::workspaces::service::form_options();
    Ok(FormChoices {
        timezones: options.timezones,
        countries: options.countries,
    })
}

/// Onboarding step 1: is this slug well-formed and free? Returns it normalised.
#[server(endpoint = "check_slug")]
pub async fn check_slug(slug: String) -> ApiResult<String> {
    ctx::respond(
        async {
            ctx::user().await?;
            Ok(workspaces::check_slug(&ctx::services()?, &slug).await?)
        }
        .await,
    )
}

#[server(endpoint = "create_workspace")]
pub async fn create_workspace(
    name: String,
    slug: String,
    timezone: String,
    use_case: String,
) -> ApiResult<WorkspaceSummary> {
    ctx::respond(
        async {
            let svc = ctx::services()?;
            let user = ctx::user().await?;
            let form = shared::workspaces::NewWorkspace {
                name,
                slug,
                timezone,
                use_case,
            };
            Ok(workspaces::create(&svc, user, form, &ctx::meta().await).await?)
        }
        .await,
    )
}

/// Everything the workspace layout needs: who is signed in, the workspace, what they may do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceShell {
    pub user: CurrentUser,
    pub workspace: WorkspaceSummary,
    pub permissions: Vec<Permission>,
    /// Whether this deployment sends e-mail (SMTP is configured): pages offer e-mail (the
    /// campaign wizard's "notify me by e-mail") only when it would go out.
    pub email_enabled: bool,
    /// The member's unread notifications when the shell was loaded: the bell's first count.
    pub unread_notifications: u64,
}

impl WorkspaceShell {
    pub fn can(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }
}

#[server(endpoint = "load_shell")]
pub async fn load_shell(slug: String) -> ApiResult<WorkspaceShell> {
    ctx::respond(
        async {
            let svc = ctx::services()?;
            let user_id = ctx::user().await?;
            let tenant = workspaces::tenant_by_slug(&svc, user_id, &slug).await?;
            let user = accounts::current_user(&svc, user_id).await?;
            let workspace = user
                .workspaces
                .iter()
                .find(|w| w.id == tenant.workspace_id.0)
                .cloned()
                .ok_or(shared::AppError::NotFound)?;
            let permissions = Permission::ALL
                .into_iter()
                .filter(|p| tenant.role.allows(*p))
                .collect();
            let unread_notifications = shared::notifications::store::unread_count(
                &svc.db,
                tenant.workspace_id,
                tenant.user_id,
            )
            .await?;
            Ok(WorkspaceShell {
                user,
                workspace,
                permissions,
                email_enabled: svc.mailer.is_some(),
                unread_notifications,
            })
        }
        .await,
    )
}

#[server(endpoint = "dashboard")]
pub async fn dashboard(workspace: Uuid) -> ApiResult<DashboardCounts> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(workspaces::dashboard(&svc, &tenant).await?)
        }
        .await,
    )
}

#[server(endpoint = "load_settings")]
pub async fn load_settings(workspace: Uuid) -> ApiResult<WorkspaceSettings> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(workspaces::settings(&svc, &tenant).await?)
        }
        .await,
    )
}

#[server(endpoint = "save_settings")]
pub async fn save_settings(workspace: Uuid, form: UpdateSettings) -> ApiResult<WorkspaceSettings> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(workspaces::update_settings(&svc, &tenant, form, &ctx::meta().await).await?)
        }
        .await,
    )
}

#[server(endpoint = "members")]
pub async fn members(workspace: Uuid) -> ApiResult<Vec<MemberDto>> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(workspaces::members(&svc, &tenant).await?)
        }
        .await,
    )
}

#[server(endpoint = "change_role")]
pub async fn change_role(workspace: Uuid, user: Uuid, role: String) -> ApiResult<()> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            let role = shared::workspaces::Role::parse(&role)
                .ok_or_else(|| shared::AppError::field("role", "Choose a role."))?;
            Ok(
                workspaces::change_role(&svc, &tenant, UserId(user), role, &ctx::meta().await)
                    .await?,
            )
        }
        .await,
    )
}

#[server(endpoint = "remove_member")]
pub async fn remove_member(workspace: Uuid, user: Uuid) -> ApiResult<()> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(workspaces::remove_member(&svc, &tenant, UserId(user), &ctx::meta().await).await?)
        }
        .await,
    )
}

#[server(endpoint = "invitations")]
pub async fn invitations(workspace: Uuid) -> ApiResult<Vec<InvitationDto>> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(workspaces::pending_invitations(&svc, &tenant).await?)
        }
        .await,
    )
}

#[server(endpoint = "invite")]
pub async fn invite(workspace: Uuid, email: String, role: String) -> ApiResult<InvitationCreated> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(workspaces::invite(&svc, &tenant, &email, &role, &ctx::meta().await).await?)
        }
        .await,
    )
}

#[server(endpoint = "revoke_invitation")]
pub async fn revoke_invitation(workspace: Uuid, invitation: Uuid) -> ApiResult<()> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(
                workspaces::revoke_invitation(&svc, &tenant, invitation, &ctx::meta().await)
                    .await?,
            )
        }
        .await,
    )
}

#[server(endpoint = "preview_invitation")]
pub async fn preview_invitation(token: String) -> ApiResult<InvitationPreview> {
    ctx::respond(
        async { Ok(workspaces::preview_invitation(&ctx::services()?, &token).await?) }.await,
    )
}

#[server(endpoint = "accept_invitation")]
pub async fn accept_invitation(token: String) -> ApiResult<()> {
    ctx::respond(
        async {
            let svc = ctx::services()?;
            let user = ctx::user().await?;
            let slug =
                workspaces::accept_invitation(&svc, user, &token, &ctx::meta().await).await?;
            leptos_axum::redirect(&format!("/w/{slug}"));
            Ok(())
        }
        .await,
    )
}

#[server(endpoint = "audit_log")]
pub async fn audit_log(workspace: Uuid, before: Option<Uuid>) -> ApiResult<AuditPage> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            tenant.require(Permission::AuditView)?;
            Ok(shared::audit::store::list(&svc.db, tenant.workspace_id, before, 50).await?)
        }
        .await,
    )
}

#[server(endpoint = "notifications")]
pub async fn notifications(workspace: Uuid) -> ApiResult<NotificationFeed> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(
                shared::notifications::store::feed(&svc.db, tenant.workspace_id, tenant.user_id)
                    .await?,
            )
        }
        .await,
    )
}

/// The bell's number alone: every signed-in page shows it, while the list it opens is loaded
/// only when opened ([`notifications`]).
#[server(endpoint = "unread_notifications")]
pub async fn unread_notifications(workspace: Uuid) -> ApiResult<u64> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(shared::notifications::store::unread_count(
                &svc.db,
                tenant.workspace_id,
                tenant.user_id,
            )
            .await?)
        }
        .await,
    )
}

#[server(endpoint = "mark_notifications_read")]
pub async fn mark_notifications_read(workspace: Uuid) -> ApiResult<()> {
    ctx::respond(
        async {
            let (svc, tenant) = ctx::tenant(workspace).await?;
            Ok(shared::notifications::store::mark_all_read(
                &svc.db,
                tenant.workspace_id,
                tenant.user_id,
            )
            .await?)
        }
        .await,
    )
}

#[server(endpoint = "plans")]
pub async fn plans() -> ApiResult<Vec<PlanDto>> {
    ctx::respond(
        async {
            ctx::user().await?;
            Ok(shared::workspaces::store::plans(&ctx::services()?.db).await?)
        }
        .await,
    )
}

/// Platform administration: moves the workspace `slug` to `plan`.
#[server(endpoint = "set_plan")]
pub async fn set_plan(slug: String, plan: String) -> ApiResult<()> {
    ctx::respond(
        async {
            let svc = ctx::services()?;
            let user = ctx::user().await?;
            Ok(workspaces::set_plan(&svc, user, &slug, &plan, &ctx::meta().await).await?)
        }
        .await,
    )
}
