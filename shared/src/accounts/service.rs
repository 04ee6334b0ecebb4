//! Account use-cases: register, sign in and out, profile, password, and the session keys.

use super::{CurrentUser, ProfileUpdate, Registration, password, store, throttle};
use crate::audit::{AuditAction, store as audit};
use crate::services::{RequestMeta, Services};
use crate::validate;
use crate::workspaces::store as workspaces;
use crate::{AppError, FieldError, UserId};
use chrono::Utc;
use tower_sessions::Session;

/// The session key holding the signed-in user's id.
const SESSION_USER_KEY: &str = "user_id";

fn session_error(e: impl std::fmt::Display) -> AppError {
    AppError::internal("session store", e)
}

/// Signs `user` in on this session, with a fresh session id (no fixation).
pub async fn start_session(session: &Session, user: UserId) -> Result<(), AppError> {
    session.cycle_id().await.map_err(session_error)?;
    session
        .insert(SESSION_USER_KEY, user)
        .await
        .map_err(session_error)
}

/// The signed-in user, if any.
pub async fn session_user(session: &Session) -> Result<Option<UserId>, AppError> {
    session.get(SESSION_USER_KEY).await.map_err(session_error)
}

/// The signed-in user, or `Unauthorized`.
pub async fn require_user(session: &Session) -> Result<UserId, AppError> {
    session_user(session).await?.ok_or(AppError::Unauthorized)
}

/// The person's name and e-mail as registration and the profile accept them; problems are
/// added to `errors` so the form reports every field at once.
fn check_name_and_email(
    name: &str,
    email: &str,
    errors: &mut Vec<FieldError>,
) -> (Option<String>, Option<String>) {
    let name = validate::required_text(name, "Name", validate::MAX_SHORT_TEXT)
        .map_err(|m| errors.push(FieldError::new("name", m)))
        .ok();
    let email = validate::email(email)
        .map_err(|m| errors.push(FieldError::new("email", m)))
        .ok();
    (name, email)
}

/// Creates an account and returns its id. The very first account is the platform admin.
pub async fn register(
    svc: &Services,
    form: Registration,
    meta: &RequestMeta,
) -> Result<UserId, AppError> {
    let mut errors = Vec::new();
    let (name, email) = check_name_and_email(&form.name, &form.email, &mut errors);
    let context: Vec<&str> = [form.name.as_str(), form.email.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    if let Err(m) = password::check_strength(&form.password, &context) {
        errors.push(FieldError::new("password", m));
    }
    let (Some(name), Some(email), true) = (name, email, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    if store::find_by_email(&svc.db, &email).await?.is_some() {
        return Err(AppError::field(
            "email",
            "An account with this email already exists. Sign in instead.",
        ));
    }
    let hash = password::hash(form.password).await?;
    let is_first = store::count(&svc.db).await? == 0;
    let user = store::insert(&svc.db, name, email, hash, is_first).await?;
    let id = UserId(user.id);
    audit::record(
        &svc.db,
        None,
        Some(id),
        AuditAction::SignIn,
        "Registered and signed in",
        meta,
    )
    .await?;
    Ok(id)
}

/// Checks credentials, with throttling per account and per address.
pub async fn sign_in(
    svc: &Services,
    email: &str,
    password_attempt: String,
    meta: &RequestMeta,
) -> Result<UserId, AppError> {
    let email = email.trim().to_lowercase();
    if email.is_empty() || password_attempt.is_empty() {
        return Err(AppError::Validation(
            [("email", &email), ("password", &password_attempt)]
                .into_iter()
                .filter(|(_, v)| v.is_empty())
                .map(|(f, _)| FieldError::new(f, format!("{} is required.", capitalise(f))))
                .collect(),
        ));
    }
    let now = Utc::now();
    throttle::check(&svc.db, &email, &meta.ip, now).await?;
    let user = store::find_by_email(&svc.db, &email).await?;
    let ok = password::verify(
        password_attempt,
        user.as_ref().map(|u| u.password_hash.clone()),
    )
    .await?;
    throttle::record(&svc.db, &email, &meta.ip, ok, now).await?;
    let actor = user.as_ref().map(|u| UserId(u.id));
    match (ok, actor) {
        (true, Some(id)) => {
            audit::record(&svc.db, None, Some(id), AuditAction::SignIn, "", meta).await?;
            Ok(id)
        }
        _ => {
            let detail = format!("Attempted with {email}");
            audit::record(
                &svc.db,
                None,
                actor,
                AuditAction::SignInFailed,
                &detail,
                meta,
            )
            .await?;
            Err(AppError::InvalidCredentials)
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

pub async fn sign_out(
    svc: &Services,
    session: &Session,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    if let Some(user) = session_user(session).await? {
        audit::record(&svc.db, None, Some(user), AuditAction::SignOut, "", meta).await?;
    }
    session.flush().await.map_err(session_error)
}

/// The signed-in person with their workspaces.
pub async fn current_user(svc: &Services, id: UserId) -> Result<CurrentUser, AppError> {
    let user = store::find(&svc.db, id)
        .await?
        .ok_or(AppError::Unauthorized)?;
    let workspaces = workspaces::summaries_for_user(&svc.db, id).await?;
    let home_slug = user
        .last_workspace_id
        .and_then(|last| workspaces.iter().find(|w| w.id == last))
        .or_else(|| workspaces.first())
        .map(|w| w.slug.clone());
    Ok(CurrentUser {
        id: user.id,
        name: user.name,
        email: user.email,
        phone_verified: user.phone_verified_at.is_some() && user.phone.is_some(),
        phone: user.phone,
        is_platform_admin: user.is_platform_admin,
        workspaces,
        home_slug,
    })
}

pub async fn update_profile(
    svc: &Services,
    id: UserId,
    form: ProfileUpdate,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    let mut errors = Vec::new();
    let (name, email) = check_name_and_email(&form.name, &form.email, &mut errors);
    let phone = validate::optional_phone(&form.phone)
        .map_err(|m| errors.push(FieldError::new("phone", m)))
        .ok();
    let (Some(name), Some(email), Some(phone)) = (name, email, phone) else {
        return Err(AppError::Validation(errors));
    };
    let before = store::find(&svc.db, id)
        .await?
        .ok_or(AppError::Unauthorized)?;
    // Another number is not verified by the old one's code; the same number retyped is.
    let same_number = |a: &Option<String>, b: &Option<String>| {
        let digits = |p: &Option<String>| p.as_deref().map(crate::whatsapp::provider::digits);
        digits(a) == digits(b)
    };
    let txn = crate::db::begin_write(&svc.db).await?;
    if !same_number(&before.phone, &phone) {
        super::phone_verification::phone_changed(&txn, id).await?;
    }
    store::update_profile(&txn, id, name, email, phone).await?;
    txn.commit().await?;
    audit::record(
        &svc.db,
        None,
        Some(id),
        AuditAction::ProfileUpdated,
        "",
        meta,
    )
    .await
}

pub async fn change_password(
    svc: &Services,
    id: UserId,
    current: String,
    new: String,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    let user = store::find(&svc.db, id)
        .await?
        .ok_or(AppError::Unauthorized)?;
    if !password::verify(current, Some(user.password_hash.clone())).await? {
        return Err(AppError::field(
            "current_password",
            "Your current password is not correct.",
        ));
    }
    password::check_strength(&new, &[user.name.as_str(), user.email.as_str()])
        .map_err(|m| AppError::field("new_password", m))?;
    let hash = password::hash(new).await?;
    store::set_password_hash(&svc.db, id, hash).await?;
    audit::record(
        &svc.db,
        None,
        Some(id),
        AuditAction::PasswordChanged,
        "",
        meta,
    )
    .await
}
