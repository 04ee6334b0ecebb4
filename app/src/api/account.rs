//! Server functions for accounts: register, sign in and out, the current user, profile and
//! password, phone verification.

use super::ApiResult;
use leptos::prelude::*;
use shared::accounts::{CurrentUser, PhoneVerificationDto};

#[cfg(feature = "ssr")]
use {
    super::ctx,
    shared::accounts::{phone_verification, service as accounts},
};

/// The signed-in user with their workspaces, or `None`.
#[server(endpoint = "whoami")]
pub async fn whoami() -> ApiResult<Option<CurrentUser>> {
    ctx::respond(
        async {
            let svc = ctx::services()?;
            match accounts::session_user(&ctx::session().await?).await? {
                Some(id) => match accounts::current_user(&svc, id).await {
                    Ok(user) => Ok(Some(user)),
                    Err(shared::AppError::Unauthorized) => Ok(None),
                    Err(e) => Err(e.into()),
                },
                None => Ok(None),
            }
        }
        .await,
    )
}

#[server(endpoint = "register")]
pub async fn register(
    name: String,
    email: String,
    password: String,
    next: Option<String>,
) -> ApiResult<()> {
    ctx::respond(
        async {
            let svc = ctx::services()?;
            let meta = ctx::meta().await;
            let form = shared::accounts::Registration {
                name,
                email,
                password,
            };
            let user = accounts::register(&svc, form, &meta).await?;
            accounts::start_session(&ctx::session().await?, user).await?;
            let next = shared::validate::safe_next_path(next.as_deref());
            leptos_axum::redirect(next.as_deref().unwrap_or("/onboarding"));
            Ok(())
        }
        .await,
    )
}

#[server(endpoint = "login")]
pub async fn login(email: String, password: String, next: Option<String>) -> ApiResult<()> {
    ctx::respond(
        async {
            let svc = ctx::services()?;
            let meta = ctx::meta().await;
            let user = accounts::sign_in(&svc, &email, password, &meta).await?;
            accounts::start_session(&ctx::session().await?, user).await?;
            let target = match shared::validate::safe_next_path(next.as_deref()) {
                Some(next) => next,
                None => match accounts::current_user(&svc, user).await?.home_slug {
                    Some(slug) => format!("/w/{slug}"),
                    None => "/onboarding".to_owned(),
                },
            };
            leptos_axum::redirect(&target);
            Ok(())
        }
        .await,
    )
}

#[server(endpoint = "logout")]
pub async fn logout() -> ApiResult<()> {
    ctx::respond(
        async {
            let svc = ctx::services()?;
            accounts::sign_out(&svc, &ctx::session().await?, &ctx::meta().await).await?;
            leptos_axum::redirect("/login");
            Ok(())
        }
        .await,
    )
}

#[server(endpoint = "update_profile")]
pub async fn update_profile(name: String, email: String, phone: String) -> ApiResult<()> {
    ctx::respond(
        async {
            let svc = ctx::services()?;
            let user = ctx::user().await?;
            let form = shared::accounts::ProfileUpdate { name, email, phone };
            Ok(accounts::update_profile(&svc, user, form, &ctx::meta().await).await?)
        }
        .await,
    )
}

#[server(endpoint = "change_password")]
pub async fn change_password(current_password: String, new_password: String) -> ApiResult<()> {
    ctx::respond(
        async {
            let svc = ctx::services()?;
            let user = ctx::user().await?;
            let meta = ctx::meta().await;
            accounts::change_password(&svc, user, current_password, new_password, &meta).await?;
            // A new password deserves a new session id too.
            accounts::start_session(&ctx::session().await?, user).await?;
            Ok(())
        }
        .await,
    )
}

/// Where the signed-in user's phone verification stands.
#[server(endpoint = "load_phone_verification")]
pub async fn load_phone_verification() -> ApiResult<PhoneVerificationDto> {
    ctx::respond(
        async {
            let svc = ctx::services()?;
            Ok(phone_verification::state(&svc, ctx::user().await?).await?)
        }
        .await,
    )
}

/// Sends a one-time code to the profile's phone over WhatsApp.
#[server(endpoint = "send_phone_code")]
pub async fn send_phone_code() -> ApiResult<PhoneVerificationDto> {
    ctx::respond(
        async {
            let svc = ctx::services()?;
            let user = ctx::user().await?;
            Ok(phone_verification::send_code(&svc, user, &ctx::meta().await).await?)
        }
        .await,
    )
}

/// Checks the code the user typed.
#[server(endpoint = "confirm_phone_code")]
pub async fn confirm_phone_code(code: String) -> ApiResult<()> {
    ctx::respond(
        async {
            let svc = ctx::services()?;
            let user = ctx::user().await?;
            Ok(phone_verification::confirm_code(&svc, user, &code, &ctx::meta().await).await?)
        }
        .await,
    )
}
