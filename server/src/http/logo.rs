//! Workspace logos: upload (multipart, magic-byte checked, size-capped) and download.

use super::tenant::Tenant;
use crate::AppState;
use axum::{
    Extension,
    extract::{Multipart, State},
    http::{HeaderValue, header},
    response::{IntoResponse, Redirect, Response},
};
use shared::AppError;
use shared::services::RequestMeta;
use shared::workspaces::service as workspaces;

pub async fn show(
    State(state): State<AppState>,
    Tenant(ctx): Tenant,
) -> Result<Response, AppError> {
    let (bytes, content_type) = workspaces::logo(&state.services, &ctx)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=60"),
    );
    Ok(response)
}

/// Reads the `logo` part, stores it, and sends the browser back to settings with the outcome.
pub async fn upload(
    State(state): State<AppState>,
    Tenant(ctx): Tenant,
    Extension(meta): Extension<RequestMeta>,
    mut multipart: Multipart,
) -> Result<Redirect, AppError> {
    let back = format!("/w/{}/settings", ctx.slug);
    let outcome = async {
        while let Some(field) = multipart.next_field().await.map_err(|_| {
            AppError::field("logo", "The upload was cut short or is larger than 256 KB.")
        })? {
            if field.name() == Some("logo") {
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|_| AppError::field("logo", "The logo must be at most 256 KB."))?;
                return workspaces::set_logo(&state.services, &ctx, bytes.to_vec(), &meta).await;
            }
        }
        Err(AppError::field("logo", "Choose an image file."))
    }
    .await;
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("{back}?logo=saved"))),
        Err(e @ (AppError::Validation(_) | AppError::Forbidden(_))) => Ok(Redirect::to(&format!(
            "{back}?logo_error={}",
            shared::url::encode_query_value(&e.to_string())
        ))),
        Err(e) => Err(e),
    }
}
