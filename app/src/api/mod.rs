//! Server functions: thin adapters from the browser to `shared`'s services. Each one gets the
//! session and tenant context, makes one service call and returns a DTO. Errors travel as
//! `ApiError` (an `AppError` inside) and set the HTTP status they stand for.

pub mod account;
pub mod analytics;
pub mod campaigns;
pub mod lead;
pub mod leads;
pub mod resource;
pub mod segments;
pub mod templates;
pub mod upload;
pub mod websites;
pub mod whatsapp;
pub mod workspace;

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};
pub use shared::AppError;

/// `AppError` as it crosses a server function boundary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError(pub AppError);

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for ApiError {}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        Self(e)
    }
}

impl FromServerFnError for ApiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // Bad or missing arguments are the client's fault, not a crash. On the server a
            // body that does not decode (an unknown stage, say) is one too; in the browser the
            // same variant means a response that did not, which stays internal.
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::MissingArg(m) => Self::bad_arguments(m),
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Deserialization(m) => Self::bad_arguments(m),
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => Self(AppError::field(
                "form",
                "Could not reach LeadLoom. Check your connection and try again.",
            )),
            _ => Self(AppError::Internal),
        }
    }
}

impl ApiError {
    /// A validation error on `form` naming what could not be read. The function body never
    /// ran, so `ctx::respond` cannot set the status: the server's `api_status` layer turns the
    /// error back into its 422.
    fn bad_arguments(message: String) -> Self {
        Self(AppError::field(
            "form",
            format!("The form was incomplete: {message}"),
        ))
    }

    pub fn field_message(&self, field: &str) -> Option<String> {
        self.0.field_message(field).map(str::to_owned)
    }

    /// The message for the form as a whole: everything that is not tied to a field.
    pub fn form_message(&self) -> Option<String> {
        match &self.0 {
            AppError::Validation(errors) => errors
                .iter()
                .find(|e| e.field == "form")
                .map(|e| e.message.clone()),
            other => Some(other.to_string()),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(feature = "ssr")]
pub(crate) mod ctx {
    //! What a server function needs from the request: services, session, user, tenant.

    use super::ApiError;
    use leptos::prelude::*;
    use shared::services::{RequestMeta, Services};
    use shared::workspaces::service::{self as workspaces, TenantCtx};
    use shared::{AppError, UserId, WorkspaceId};
    use tower_sessions::Session;

    pub fn services() -> Result<Services, ApiError> {
        use_context::<Services>().ok_or_else(|| {
            ApiError(AppError::internal(
                "server function context",
                "Services missing",
            ))
        })
    }

    pub async fn session() -> Result<Session, ApiError> {
        leptos_axum::extract::<Session>()
            .await
            .map_err(|e| ApiError(AppError::internal("session extraction", e)))
    }

    pub async fn meta() -> RequestMeta {
        leptos_axum::extract::<axum::Extension<RequestMeta>>()
            .await
            .map(|axum::Extension(m)| m)
            .unwrap_or_default()
    }

    pub async fn user() -> Result<UserId, ApiError> {
        Ok(shared::accounts::service::require_user(&session().await?).await?)
    }

    pub async fn tenant(workspace: uuid::Uuid) -> Result<(Services, TenantCtx), ApiError> {
        let svc = services()?;
        let user = user().await?;
        let ctx = workspaces::tenant_by_id(&svc, user, WorkspaceId(workspace)).await?;
        Ok((svc, ctx))
    }

    /// Sets the response's HTTP status from the error when the function was called over HTTP
    /// (`/api/…`), so a missing workspace is a real 404. During server rendering the page
    /// decides the status itself (a redirect to sign in, a 404 page), so it is left alone.
    pub fn respond<T>(result: Result<T, ApiError>) -> Result<T, ApiError> {
        let called_over_http = use_context::<axum::http::request::Parts>()
            .is_some_and(|parts| parts.uri.path().starts_with("/api/"));
        if called_over_http
            && let Err(ApiError(e)) = &result
            && let Some(options) = use_context::<leptos_axum::ResponseOptions>()
            && let Ok(status) = axum::http::StatusCode::from_u16(e.status_code())
        {
            options.set_status(status);
        }
        result
    }
}
