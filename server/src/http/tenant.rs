//! The tenant context for plain axum handlers: the signed-in user plus the workspace named by
//! the `{slug}` path segment; a non-member gets 404, exactly as for a missing workspace.

use crate::AppState;
use axum::{
    extract::{FromRequestParts, Path},
    http::request::Parts,
};
use shared::AppError;
use shared::workspaces::service::{TenantCtx, tenant_by_slug};
use std::collections::HashMap;
use tower_sessions::Session;

pub struct Tenant(pub TenantCtx);

impl FromRequestParts<AppState> for Tenant {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, m)| AppError::internal("session layer", m))?;
        let user = shared::accounts::service::require_user(&session).await?;
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound)?;
        let slug = params.get("slug").ok_or(AppError::NotFound)?;
        Ok(Self(tenant_by_slug(&state.services, user, slug).await?))
    }
}
