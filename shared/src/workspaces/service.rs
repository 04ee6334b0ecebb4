//! Workspace use-cases: the tenant context, onboarding, settings, members, invitations and
//! the dashboard's counts. Each public function takes a `TenantCtx` (checked membership) and
//! checks the permission it needs before touching anything.

use super::{
    DashboardCounts, InvitationCreated, InvitationPreview, MemberDto, NewWorkspace, Permission,
    Role, UpdateSettings, UseCase, WorkingDays, WorkspaceSettings, WorkspaceSummary, store,
};
use crate::accounts::store as users;
use crate::audit::{AuditAction, store as audit};
use crate::db::entities::{invitation, workspace};
use crate::notifications::store as notifications;
use crate::plans::Limit;
use crate::services::{RequestMeta, Services};
use crate::validate;
use crate::{AppError, FieldError, UserId, WorkspaceId};
use chrono::{Duration, Utc};
use rand::RngCore;
use sea_orm::Set;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Who is acting, in which workspace, with which role: established once per request from the
/// session and the workspace in the URL or arguments; a non-member gets `NotFound`.
#[derive(Clone, Debug)]
pub struct TenantCtx {
    pub workspace_id: WorkspaceId,
    pub user_id: UserId,
    pub role: Role,
    pub slug: String,
}

impl TenantCtx {
    /// Refuses with a message naming the role and the missing permission.
    pub fn require(&self, permission: Permission) -> Result<(), AppError> {
        if self.role.allows(permission) {
            Ok(())
        } else {
            Err(AppError::forbidden(format!(
                "Your role ({}) does not allow you to {}.",
                self.role.label(),
                permission.label()
            )))
        }
    }
}

/// Establishes the tenant context from a workspace slug.
pub async fn tenant_by_slug(
    svc: &Services,
    user: UserId,
    slug: &str,
) -> Result<TenantCtx, AppError> {
    let (ws, role) = store::find_by_slug_for_member(&svc.db, slug, user)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(TenantCtx {
        workspace_id: WorkspaceId(ws.id),
        user_id: user,
        role,
        slug: ws.slug,
    })
}

/// Establishes the tenant context from a workspace id.
pub async fn tenant_by_id(
    svc: &Services,
    user: UserId,
    workspace: WorkspaceId,
) -> Result<TenantCtx, AppError> {
    let role = store::role_of(&svc.db, workspace, user)
        .await?
        .ok_or(AppError::NotFound)?;
    let ws = store::find(&svc.db, workspace).await?;
    Ok(TenantCtx {
        workspace_id: workspace,
        user_id: user,
        role,
        slug: ws.slug,
    })
}

/// Choices offered by the onboarding and settings forms.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FormOptions {
    pub timezones: Vec<String>,
    /// (ISO 3166-1 alpha-2 code, English name)
    pub countries: Vec<(String, String)>,
}

pub fn form_options() -> FormOptions {
    let mut countries: Vec<(String, String)> = rust_iso3166::ALL
        .iter()
        .map(|c| (c.alpha2.to_owned(), c.name.to_owned()))
        .collect();
    countries.sort_by(|a, b| a.1.cmp(&b.1));
    FormOptions {
        timezones: chrono_tz::TZ_VARIANTS
            .iter()
            .map(|tz| tz.name().to_owned())
            .filter(|n| n.contains('/') && !n.starts_with("Etc/") || n == "UTC")
            .collect(),
        countries,
    }
}

fn timezone(value: &str) -> Result<String, String> {
    value
        .trim()
        .parse::<chrono_tz::Tz>()
        .map(|tz| tz.name().to_owned())
        .map_err(|_| "Choose a time zone from the list (e.g. Africa/Nairobi).".to_owned())
}

fn country(value: &str) -> Result<String, String> {
    let code = value.trim().to_uppercase();
    rust_iso3166::from_alpha2(&code)
        .map(|c| c.alpha2.to_owned())
        .ok_or_else(|| "Choose a country from the list.".to_owned())
}

/// Checks a slug's shape and availability (onboarding's first step).
pub async fn check_slug(svc: &Services, slug: &str) -> Result<String, AppError> {
    let slug = validate::slug(slug).map_err(|m| AppError::field("slug", m))?;
    if store::slug_taken(&svc.db, &slug).await? {
        return Err(AppError::field(
            "slug",
            "This slug is taken. Choose another.",
        ));
    }
    Ok(slug)
}

/// Onboarding: creates a workspace on the Free plan with the creator as its owner.
pub async fn create(
    svc: &Services,
    user: UserId,
    form: NewWorkspace,
    meta: &RequestMeta,
) -> Result<WorkspaceSummary, AppError> {
    let mut errors = Vec::new();
    let name = validate::required_text(&form.name, "Workspace name", validate::MAX_SHORT_TEXT)
        .map_err(|m| errors.push(FieldError::new("name", m)))
        .ok();
    let slug = validate::slug(&form.slug)
        .map_err(|m| errors.push(FieldError::new("slug", m)))
        .ok();
    let tz = timezone(&form.timezone)
        .map_err(|m| errors.push(FieldError::new("timezone", m)))
        .ok();
    let use_case = UseCase::parse(&form.use_case)
        .ok_or_else(|| {
            errors.push(FieldError::new(
                "use_case",
                "Choose what you will use LeadLoom for.",
            ))
        })
        .ok();
    let (Some(name), Some(slug), Some(tz), Some(use_case)) = (name, slug, tz, use_case) else {
        return Err(AppError::Validation(errors));
    };
    let now = Utc::now();
    let id = WorkspaceId::new();
    let db = crate::db::begin_write(&svc.db).await?;
    let ws = store::insert(
        &db,
        workspace::ActiveModel {
            id: Set(id.0),
            name: Set(name.clone()),
            slug: Set(slug),
            timezone: Set(tz),
            use_case: Set(use_case),
            plan_code: Set("free".into()),
            brand_colour: Set("#2563eb".into()),
            logo: Set(None),
            logo_content_type: Set(None),
            default_country: Set(default_country_for(&form.timezone)),
            daily_limit_new_sender: Set(30),
            daily_limit_warmed_sender: Set(70),
            working_hours_start: Set(9 * 60),
            working_hours_end: Set(18 * 60),
            working_days: Set(i32::from(WorkingDays::DEFAULT.0)),
            opt_out_keywords: Set(None),
            opt_out_reply: Set(None),
            sent_today: Set(0),
            sent_day: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        },
    )
    .await?;
    store::add_member(&db, id, user, Role::Owner).await?;
    crate::templates::service::seed_starters(&db, id).await?;
    users::set_last_workspace(&db, user, id).await?;
    audit::record(
        &db,
        Some(id),
        Some(user),
        AuditAction::WorkspaceCreated,
        &name,
        meta,
    )
    .await?;
    db.commit().await?;
    Ok(WorkspaceSummary {
        id: ws.id,
        name: ws.name,
        slug: ws.slug,
        timezone: ws.timezone,
        role: Role::Owner,
        brand_colour: ws.brand_colour,
        has_logo: false,
    })
}

/// A sensible default country from the chosen time zone (the user can change it).
fn default_country_for(tz: &str) -> String {
    let by_zone = [
        ("Africa/Nairobi", "KE"),
        ("Africa/Lagos", "NG"),
        ("Africa/Johannesburg", "ZA"),
        ("Africa/Kampala", "UG"),
        ("Africa/Dar_es_Salaam", "TZ"),
        ("Africa/Accra", "GH"),
        ("America/Sao_Paulo", "BR"),
        ("America/Mexico_City", "MX"),
        ("America/Bogota", "CO"),
        ("America/Argentina/Buenos_Aires", "AR"),
        ("Europe/Madrid", "ES"),
        ("Europe/Lisbon", "PT"),
        ("Europe/Paris", "FR"),
        ("Europe/London", "GB"),
        ("Europe/Berlin", "DE"),
        ("Asia/Kolkata", "IN"),
        ("America/New_York", "US"),
        ("America/Chicago", "US"),
        ("America/Los_Angeles", "US"),
    ];
    by_zone
        .iter()
        .find(|(zone, _)| *zone == tz)
        .map(|(_, cc)| (*cc).to_owned())
        .unwrap_or_else(|| "US".to_owned())
}

fn settings_dto(ws: workspace::Model, plan: crate::plans::PlanDto) -> WorkspaceSettings {
    WorkspaceSettings {
        id: ws.id,
        name: ws.name,
        slug: ws.slug,
        timezone: ws.timezone,
        use_case: ws.use_case,
        brand_colour: ws.brand_colour,
        has_logo: ws.logo.is_some(),
        default_country: ws.default_country,
        daily_limit_new_sender: u32::try_from(ws.daily_limit_new_sender).unwrap_or(0),
        daily_limit_warmed_sender: u32::try_from(ws.daily_limit_warmed_sender).unwrap_or(0),
        working_hours_start: validate::format_time_of_day(
            u16::try_from(ws.working_hours_start).unwrap_or(0),
        ),
        working_hours_end: validate::format_time_of_day(
            u16::try_from(ws.working_hours_end).unwrap_or(0),
        ),
        working_days: WorkingDays(u8::try_from(ws.working_days).unwrap_or(0)),
        plan,
    }
}

pub async fn settings(svc: &Services, ctx: &TenantCtx) -> Result<WorkspaceSettings, AppError> {
    let ws = store::find(&svc.db, ctx.workspace_id).await?;
    let plan = store::plan(&svc.db, &ws.plan_code).await?;
    Ok(settings_dto(ws, plan))
}

fn send_limit(value: &str, field: &str, label: &str, errors: &mut Vec<FieldError>) -> Option<i32> {
    match value.trim().parse::<i32>() {
        Ok(n) if (1..=10_000).contains(&n) => Some(n),
        _ => {
            errors.push(FieldError::new(
                field,
                format!("{label} must be a whole number from 1 to 10,000."),
            ));
            None
        }
    }
}

pub async fn update_settings(
    svc: &Services,
    ctx: &TenantCtx,
    form: UpdateSettings,
    meta: &RequestMeta,
) -> Result<WorkspaceSettings, AppError> {
    ctx.require(Permission::SettingsManage)?;
    let mut errors = Vec::new();
    let mut check = |field: &str, r: Result<String, String>| {
        r.map_err(|m| errors.push(FieldError::new(field, m))).ok()
    };
    let name = check(
        "name",
        validate::required_text(&form.name, "Workspace name", validate::MAX_SHORT_TEXT),
    );
    let slug = check("slug", validate::slug(&form.slug));
    let tz = check("timezone", timezone(&form.timezone));
    let colour = check("brand_colour", validate::hex_colour(&form.brand_colour));
    let country = check("default_country", country(&form.default_country));
    let start = validate::time_of_day(&form.working_hours_start, "Start of working hours")
        .map_err(|m| errors.push(FieldError::new("working_hours_start", m)))
        .ok();
    let end = validate::time_of_day(&form.working_hours_end, "End of working hours")
        .map_err(|m| errors.push(FieldError::new("working_hours_end", m)))
        .ok();
    if let (Some(s), Some(e)) = (start, end)
        && e <= s
    {
        errors.push(FieldError::new(
            "working_hours_end",
            "Working hours must end after they start.",
        ));
    }
    let days = WorkingDays::from_days(form.working_days.iter().copied());
    if days.is_empty() {
        errors.push(FieldError::new(
            "working_days",
            "Choose at least one working day.",
        ));
    }
    let new_limit = send_limit(
        &form.daily_limit_new_sender,
        "daily_limit_new_sender",
        "The daily limit for new senders",
        &mut errors,
    );
    let warmed_limit = send_limit(
        &form.daily_limit_warmed_sender,
        "daily_limit_warmed_sender",
        "The daily limit for warmed-up senders",
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let (
        Some(name),
        Some(slug),
        Some(tz),
        Some(colour),
        Some(country),
        Some(start),
        Some(end),
        Some(new_limit),
        Some(warmed_limit),
    ) = (
        name,
        slug,
        tz,
        colour,
        country,
        start,
        end,
        new_limit,
        warmed_limit,
    )
    else {
        return Err(AppError::Validation(errors));
    };

    let before = store::find(&svc.db, ctx.workspace_id).await?;
    let plan = store::plan(&svc.db, &before.plan_code).await?;
    let after = workspace::Model {
        name,
        slug,
        timezone: tz,
        brand_colour: colour,
        default_country: country,
        daily_limit_new_sender: new_limit,
        daily_limit_warmed_sender: warmed_limit,
        working_hours_start: i32::from(start),
        working_hours_end: i32::from(end),
        working_days: i32::from(days.0),
        ..before.clone()
    };
    let changed = changed_fields(&before, &after);
    if changed.is_empty() {
        return Ok(settings_dto(before, plan));
    }
    let db = crate::db::begin_write(&svc.db).await?;
    let saved = store::update(
        &db,
        ctx.workspace_id,
        workspace::ActiveModel {
            name: Set(after.name),
            slug: Set(after.slug),
            timezone: Set(after.timezone),
            brand_colour: Set(after.brand_colour),
            default_country: Set(after.default_country),
            daily_limit_new_sender: Set(after.daily_limit_new_sender),
            daily_limit_warmed_sender: Set(after.daily_limit_warmed_sender),
            working_hours_start: Set(after.working_hours_start),
            working_hours_end: Set(after.working_hours_end),
            working_days: Set(after.working_days),
            ..Default::default()
        },
    )
    .await?;
    audit::record(
        &db,
        Some(ctx.workspace_id),
        Some(ctx.user_id),
        AuditAction::SettingsUpdated,
        &changed.join("; "),
        meta,
    )
    .await?;
    db.commit().await?;
    Ok(settings_dto(saved, plan))
}

fn changed_fields(before: &workspace::Model, after: &workspace::Model) -> Vec<String> {
    let mut out = Vec::new();
    let mut diff = |label: &str, a: String, b: String| {
        if a != b {
            out.push(format!("{label}: {a} → {b}"));
        }
    };
    diff("name", before.name.clone(), after.name.clone());
    diff("slug", before.slug.clone(), after.slug.clone());
    diff("time zone", before.timezone.clone(), after.timezone.clone());
    diff(
        "brand colour",
        before.brand_colour.clone(),
        after.brand_colour.clone(),
    );
    diff(
        "default country",
        before.default_country.clone(),
        after.default_country.clone(),
    );
    diff(
        "daily limit (new senders)",
        before.daily_limit_new_sender.to_string(),
        after.daily_limit_new_sender.to_string(),
    );
    diff(
        "daily limit (warmed senders)",
        before.daily_limit_warmed_sender.to_string(),
        after.daily_limit_warmed_sender.to_string(),
    );
    let hours = |m: &workspace::Model| {
        format!(
            "{}–{}",
            validate::format_time_of_day(u16::try_from(m.working_hours_start).unwrap_or(0)),
            validate::format_time_of_day(u16::try_from(m.working_hours_end).unwrap_or(0))
        )
    };
    diff("working hours", hours(before), hours(after));
    let days =
        |m: &workspace::Model| WorkingDays(u8::try_from(m.working_days).unwrap_or(0)).describe();
    diff("working days", days(before), days(after));
    out
}

/// Largest accepted logo.
pub const MAX_LOGO_BYTES: usize = 256 * 1024;

/// Recognises PNG, JPEG and WebP by their magic bytes (SVG is refused: it can carry scripts).
pub fn logo_content_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

pub async fn set_logo(
    svc: &Services,
    ctx: &TenantCtx,
    bytes: Vec<u8>,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    ctx.require(Permission::SettingsManage)?;
    if bytes.is_empty() {
        return Err(AppError::field("logo", "Choose an image file."));
    }
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(AppError::field("logo", "The logo must be at most 256 KB."));
    }
    let content_type = logo_content_type(&bytes)
        .ok_or_else(|| AppError::field("logo", "The logo must be a PNG, JPEG or WebP image."))?;
    let db = crate::db::begin_write(&svc.db).await?;
    store::update(
        &db,
        ctx.workspace_id,
        workspace::ActiveModel {
            logo: Set(Some(bytes)),
            logo_content_type: Set(Some(content_type.to_owned())),
            ..Default::default()
        },
    )
    .await?;
    audit::record(
        &db,
        Some(ctx.workspace_id),
        Some(ctx.user_id),
        AuditAction::LogoChanged,
        content_type,
        meta,
    )
    .await?;
    db.commit().await?;
    Ok(())
}

/// The logo bytes and content type, if the workspace has one.
pub async fn logo(svc: &Services, ctx: &TenantCtx) -> Result<Option<(Vec<u8>, String)>, AppError> {
    let ws = store::find(&svc.db, ctx.workspace_id).await?;
    Ok(ws.logo.zip(ws.logo_content_type))
}

pub async fn members(svc: &Services, ctx: &TenantCtx) -> Result<Vec<MemberDto>, AppError> {
    Ok(store::members(&svc.db, ctx.workspace_id)
        .await?
        .into_iter()
        .map(|(m, u)| MemberDto {
            user_id: u.id,
            is_you: u.id == ctx.user_id.0,
            name: u.name,
            email: u.email,
            role: m.role,
            joined_at: m.created_at,
        })
        .collect())
}

/// Changes a member's role. Only owners grant or take away ownership; the last owner stays.
pub async fn change_role(
    svc: &Services,
    ctx: &TenantCtx,
    target: UserId,
    role: Role,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    ctx.require(Permission::MembersManage)?;
    let current = store::role_of(&svc.db, ctx.workspace_id, target)
        .await?
        .ok_or(AppError::NotFound)?;
    if current == role {
        return Ok(());
    }
    if (current == Role::Owner || role == Role::Owner) && ctx.role != Role::Owner {
        return Err(AppError::forbidden(
            "Only an owner can grant or take away ownership.",
        ));
    }
    let db = crate::db::begin_write(&svc.db).await?;
    if current == Role::Owner
        && store::count_with_role(&db, ctx.workspace_id, Role::Owner).await? <= 1
    {
        return Err(AppError::field(
            "role",
            "A workspace needs at least one owner. Make someone else owner first.",
        ));
    }
    store::set_role(&db, ctx.workspace_id, target, role).await?;
    let name = store::user_name(&db, target).await?;
    audit::record(
        &db,
        Some(ctx.workspace_id),
        Some(ctx.user_id),
        AuditAction::RoleChanged,
        &format!("{name}: {} → {}", current.label(), role.label()),
        meta,
    )
    .await?;
    let ws = store::find(&db, ctx.workspace_id).await?;
    notifications::notify(
        &db,
        ctx.workspace_id,
        target,
        &format!("Your role in {} is now {}.", ws.name, role.label()),
        Some(&format!("/w/{}/members", ws.slug)),
    )
    .await?;
    db.commit().await?;
    Ok(())
}

pub async fn remove_member(
    svc: &Services,
    ctx: &TenantCtx,
    target: UserId,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    if target != ctx.user_id {
        ctx.require(Permission::MembersManage)?;
    }
    let current = store::role_of(&svc.db, ctx.workspace_id, target)
        .await?
        .ok_or(AppError::NotFound)?;
    if current == Role::Owner && ctx.role != Role::Owner {
        return Err(AppError::forbidden("Only an owner can remove an owner."));
    }
    let db = crate::db::begin_write(&svc.db).await?;
    if current == Role::Owner
        && store::count_with_role(&db, ctx.workspace_id, Role::Owner).await? <= 1
    {
        return Err(AppError::forbidden(
            "The last owner cannot leave or be removed. Make someone else owner first.",
        ));
    }
    let name = store::user_name(&db, target).await?;
    store::remove_member(&db, ctx.workspace_id, target).await?;
    audit::record(
        &db,
        Some(ctx.workspace_id),
        Some(ctx.user_id),
        AuditAction::MemberRemoved,
        &name,
        meta,
    )
    .await?;
    db.commit().await?;
    Ok(())
}

fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Invites someone by e-mail. The link is always returned to the inviter; it is also e-mailed
/// when SMTP is configured. Members plus pending invitations count against the plan.
pub async fn invite(
    svc: &Services,
    ctx: &TenantCtx,
    email: &str,
    role: &str,
    meta: &RequestMeta,
) -> Result<InvitationCreated, AppError> {
    ctx.require(Permission::MembersManage)?;
    let email = validate::email(email).map_err(|m| AppError::field("email", m))?;
    let role = Role::parse(role).ok_or_else(|| AppError::field("role", "Choose a role."))?;
    if role == Role::Owner && ctx.role != Role::Owner {
        return Err(AppError::field(
            "role",
            "Only an owner can invite another owner.",
        ));
    }
    let now = Utc::now();
    let ws = store::find(&svc.db, ctx.workspace_id).await?;
    if let Some(existing) = users::find_by_email(&svc.db, &email).await?
        && store::role_of(&svc.db, ctx.workspace_id, UserId(existing.id))
            .await?
            .is_some()
    {
        return Err(AppError::field("email", "This person is already a member."));
    }
    if store::pending_invitation_for_email(&svc.db, ctx.workspace_id, &email, now)
        .await?
        .is_some()
    {
        return Err(AppError::field(
            "email",
            "This person already has a pending invitation. Revoke it to send a new one.",
        ));
    }
    let plan = store::plan(&svc.db, &ws.plan_code).await?;
    let in_use = store::count_members(&svc.db, ctx.workspace_id).await?
        + store::count_pending_invitations(&svc.db, ctx.workspace_id, now).await?;
    plan.check(Limit::Members, in_use, 1)?;

    let mut raw = [0u8; 32];
    rand::rng().fill_bytes(&mut raw);
    let token = hex::encode(raw);
    let expires_at = now + Duration::days(svc.settings.invitation_ttl_days);
    let db = crate::db::begin_write(&svc.db).await?;
    let saved = store::insert_invitation(
        &db,
        invitation::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(ctx.workspace_id.0),
            email: Set(email.clone()),
            role: Set(role),
            token_hash: Set(hash_token(&token)),
            invited_by: Set(ctx.user_id.0),
            expires_at: Set(expires_at),
            accepted_at: Set(None),
            revoked_at: Set(None),
            created_at: Set(now),
        },
    )
    .await?;
    audit::record(
        &db,
        Some(ctx.workspace_id),
        Some(ctx.user_id),
        AuditAction::MemberInvited,
        &format!("{email} as {}", role.label()),
        meta,
    )
    .await?;
    db.commit().await?;

    let link = format!(
        "{}/invite/{token}",
        svc.settings.public_url.trim_end_matches('/')
    );
    let inviter = store::user_name(&svc.db, ctx.user_id).await?;
    let emailed = match &svc.mailer {
        Some(mailer) => {
            let body = format!(
                "{inviter} invited you to join {} on LeadLoom as {}.\n\nAccept the invitation: {link}\n\nThe link expires on {}.",
                ws.name,
                role.label(),
                expires_at.format("%Y-%m-%d %H:%M UTC")
            );
            match mailer
                .send(&email, &format!("Join {} on LeadLoom", ws.name), body)
                .await
            {
                Ok(()) => true,
                Err(e) => {
                    tracing::warn!(error = %e, "invitation e-mail failed; the link is shown to the inviter");
                    false
                }
            }
        }
        None => false,
    };
    Ok(InvitationCreated {
        invitation: super::InvitationDto {
            id: saved.id,
            email: saved.email,
            role: saved.role,
            invited_by: inviter,
            expires_at: saved.expires_at,
            created_at: saved.created_at,
        },
        link,
        emailed,
    })
}

pub async fn pending_invitations(
    svc: &Services,
    ctx: &TenantCtx,
) -> Result<Vec<super::InvitationDto>, AppError> {
    ctx.require(Permission::MembersManage)?;
    store::pending_invitations(&svc.db, ctx.workspace_id, Utc::now()).await
}

pub async fn revoke_invitation(
    svc: &Services,
    ctx: &TenantCtx,
    id: Uuid,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    ctx.require(Permission::MembersManage)?;
    let db = crate::db::begin_write(&svc.db).await?;
    let revoked = store::revoke_invitation(&db, ctx.workspace_id, id, Utc::now()).await?;
    audit::record(
        &db,
        Some(ctx.workspace_id),
        Some(ctx.user_id),
        AuditAction::InvitationRevoked,
        &revoked.email,
        meta,
    )
    .await?;
    db.commit().await?;
    Ok(())
}

async fn invitation_by_token(svc: &Services, token: &str) -> Result<invitation::Model, AppError> {
    if token.len() != 64 || !token.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    store::find_invitation_by_token_hash(&svc.db, &hash_token(token))
        .await?
        .filter(|i| i.revoked_at.is_none())
        .ok_or(AppError::NotFound)
}

pub async fn preview_invitation(
    svc: &Services,
    token: &str,
) -> Result<InvitationPreview, AppError> {
    let inv = invitation_by_token(svc, token).await?;
    let ws = store::find(&svc.db, WorkspaceId(inv.workspace_id)).await?;
    Ok(InvitationPreview {
        workspace_name: ws.name,
        email: inv.email,
        role: inv.role,
        invited_by: store::user_name(&svc.db, UserId(inv.invited_by)).await?,
        expired: inv.expires_at <= Utc::now(),
        accepted: inv.accepted_at.is_some(),
    })
}

/// Joins the invitation's workspace; the signed-in account must be the invited address.
/// Returns the workspace's slug.
pub async fn accept_invitation(
    svc: &Services,
    user: UserId,
    token: &str,
    meta: &RequestMeta,
) -> Result<String, AppError> {
    let inv = invitation_by_token(svc, token).await?;
    let workspace = WorkspaceId(inv.workspace_id);
    let now = Utc::now();
    if inv.accepted_at.is_some() {
        return Err(AppError::forbidden(
            "This invitation has already been used.",
        ));
    }
    if inv.expires_at <= now {
        return Err(AppError::forbidden(
            "This invitation has expired. Ask for a new one.",
        ));
    }
    let account = users::find(&svc.db, user)
        .await?
        .ok_or(AppError::Unauthorized)?;
    if account.email != inv.email {
        return Err(AppError::forbidden(format!(
            "This invitation is for {}. Sign in with that address to accept it.",
            inv.email
        )));
    }
    let ws = store::find(&svc.db, workspace).await?;
    let plan = store::plan(&svc.db, &ws.plan_code).await?;
    // The invitation itself was counted when it was sent, so members alone must stay within.
    plan.check(
        Limit::Members,
        store::count_members(&svc.db, workspace).await?,
        1,
    )?;
    let db = crate::db::begin_write(&svc.db).await?;
    if store::role_of(&db, workspace, user).await?.is_none() {
        store::add_member(&db, workspace, user, inv.role).await?;
    }
    store::mark_invitation_accepted(&db, workspace, inv.id, now).await?;
    users::set_last_workspace(&db, user, workspace).await?;
    audit::record(
        &db,
        Some(workspace),
        Some(user),
        AuditAction::MemberJoined,
        &format!("as {}", inv.role.label()),
        meta,
    )
    .await?;
    for manager in store::managers(&db, workspace).await? {
        if manager != user {
            notifications::notify(
                &db,
                workspace,
                manager,
                &format!(
                    "{} joined {} as {}.",
                    account.name,
                    ws.name,
                    inv.role.label()
                ),
                Some(&format!("/w/{}/members", ws.slug)),
            )
            .await?;
        }
    }
    db.commit().await?;
    Ok(ws.slug)
}

pub async fn dashboard(svc: &Services, ctx: &TenantCtx) -> Result<DashboardCounts, AppError> {
    let ws = store::find(&svc.db, ctx.workspace_id).await?;
    let plan = store::plan(&svc.db, &ws.plan_code).await?;
    let now = Utc::now();
    users::set_last_workspace(&svc.db, ctx.user_id, ctx.workspace_id).await?;
    Ok(DashboardCounts {
        members: store::count_members(&svc.db, ctx.workspace_id).await?,
        pending_invitations: store::count_pending_invitations(&svc.db, ctx.workspace_id, now)
            .await?,
        audit_events_7d: audit::count_since(&svc.db, ctx.workspace_id, now - Duration::days(7))
            .await?,
        member_limit: plan.max_members,
        plan_name: plan.name,
        analytics: crate::analytics::service::overview(svc, ctx).await?,
    })
}

/// Platform administration: moves a workspace to another plan.
pub async fn set_plan(
    svc: &Services,
    admin: UserId,
    slug: &str,
    plan_code: &str,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    let account = users::find(&svc.db, admin)
        .await?
        .ok_or(AppError::Unauthorized)?;
    if !account.is_platform_admin {
        return Err(AppError::NotFound);
    }
    let ws = store::find_by_slug_unscoped_for_platform_admin(&svc.db, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let plan = store::plans(&svc.db)
        .await?
        .into_iter()
        .find(|p| p.code == plan_code)
        .ok_or_else(|| AppError::field("plan", "Choose a plan from the list."))?;
    let workspace = WorkspaceId(ws.id);
    let db = crate::db::begin_write(&svc.db).await?;
    store::update(
        &db,
        workspace,
        workspace::ActiveModel {
            plan_code: Set(plan.code.clone()),
            ..Default::default()
        },
    )
    .await?;
    audit::record(
        &db,
        Some(workspace),
        Some(admin),
        AuditAction::PlanChanged,
        &format!("{} → {}", ws.plan_code, plan.code),
        meta,
    )
    .await?;
    db.commit().await?;
    Ok(())
}

/// Command-line bootstrapping (`leadloom workspace create`): sets the default country (when
/// given) and the plan of a workspace just created, without a platform admin's session.
pub async fn bootstrap_settings(
    db: &sea_orm::DatabaseConnection,
    workspace: WorkspaceId,
    default_country: Option<String>,
    plan_code: &str,
) -> Result<(), AppError> {
    let plan = store::plans(db)
        .await?
        .into_iter()
        .find(|p| p.code == plan_code)
        .ok_or_else(|| {
            AppError::field(
                "plan",
                format!("\"{plan_code}\" is not a plan; use free, starter, pro or enterprise."),
            )
        })?;
    store::update(
        db,
        workspace,
        workspace::ActiveModel {
            plan_code: Set(plan.code),
            default_country: default_country.map_or(sea_orm::ActiveValue::NotSet, Set),
            ..Default::default()
        },
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logos_are_recognised_by_magic_bytes() {
        assert_eq!(
            logo_content_type(b"\x89PNG\r\n\x1a\n...."),
            Some("image/png")
        );
        assert_eq!(
            logo_content_type(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some("image/jpeg")
        );
        assert_eq!(
            logo_content_type(b"RIFF\0\0\0\0WEBPVP8 "),
            Some("image/webp")
        );
        assert_eq!(logo_content_type(b"<svg onload=alert(1)>"), None);
    }

    #[test]
    fn time_zones_and_countries_are_validated() {
        assert_eq!(timezone("Africa/Nairobi").as_deref(), Ok("Africa/Nairobi"));
        assert!(timezone("Mars/Olympus").is_err());
        assert_eq!(country("ke").as_deref(), Ok("KE"));
        assert!(country("XX").is_err());
        let options = form_options();
        assert!(options.timezones.iter().any(|t| t == "America/Sao_Paulo"));
        assert!(options.countries.iter().any(|(c, _)| c == "BR"));
    }
}
