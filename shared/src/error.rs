//! `AppError`: the one error every capability's failure turns into before it reaches a user.
//! It is serialisable (it crosses server functions intact), carries field-level messages for
//! forms, and maps to an HTTP status. Internal details never go into it: they go to `tracing`.

use serde::{Deserialize, Serialize};

/// A message about one form field (`field` is the input's name).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Input that breaks a rule; each message names its field.
    #[error("{}", summary(.0))]
    Validation(Vec<FieldError>),
    /// Not signed in (or the session expired).
    #[error("Please sign in to continue.")]
    Unauthorized,
    /// Wrong e-mail or password (deliberately not saying which).
    #[error("Email or password is incorrect.")]
    InvalidCredentials,
    /// Signed in, but the role does not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// Missing, or belonging to another workspace: the two are indistinguishable on purpose.
    #[error("Not found.")]
    NotFound,
    /// A plan limit would be exceeded; the message names the plan and the limit.
    #[error("{message}")]
    PlanLimit { plan: String, message: String },
    /// Too many attempts; try again after `retry_after_secs`.
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after_secs: u64,
    },
    /// Something failed on our side; details are in the server log under the request id.
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
}

fn summary(errors: &[FieldError]) -> String {
    match errors {
        [one] => one.message.clone(),
        [] => "The form has errors.".to_owned(),
        _ => errors
            .iter()
            .map(|e| e.message.as_str())
            .collect::<Vec<_>>()
            .join(" "),
    }
}

impl AppError {
    /// One field's problem.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden(message.into())
    }

    /// The message for `field`, if this error has one.
    pub fn field_message(&self, field: &str) -> Option<&str> {
        match self {
            Self::Validation(errors) => errors
                .iter()
                .find(|e| e.field == field)
                .map(|e| e.message.as_str()),
            _ => None,
        }
    }

    /// The HTTP status this error answers with.
    pub fn status_code(&self) -> u16 {
        match self {
            Self::Validation(_) => 422,
            Self::Unauthorized | Self::InvalidCredentials => 401,
            Self::Forbidden(_) | Self::PlanLimit { .. } => 403,
            Self::NotFound => 404,
            Self::TooManyRequests { .. } => 429,
            Self::Internal => 500,
        }
    }

    /// Logs an internal failure and hides it from the user.
    #[cfg(feature = "ssr")]
    pub fn internal(context: &str, error: impl std::fmt::Display) -> Self {
        tracing::error!(%error, "{context}");
        Self::Internal
    }
}

#[cfg(feature = "ssr")]
impl From<sea_orm::DbErr> for AppError {
    fn from(error: sea_orm::DbErr) -> Self {
        Self::internal("database error", error)
    }
}

#[cfg(feature = "ssr")]
impl From<sea_orm::TransactionError<AppError>> for AppError {
    fn from(error: sea_orm::TransactionError<AppError>) -> Self {
        match error {
            sea_orm::TransactionError::Connection(e) => e.into(),
            sea_orm::TransactionError::Transaction(e) => e,
        }
    }
}

#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        let status = axum::http::StatusCode::from_u16(self.status_code())
            .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::json!({ "error": self.to_string(), "detail": self });
        let mut response = (status, axum::Json(body)).into_response();
        if let Self::TooManyRequests {
            retry_after_secs, ..
        } = self
            && let Ok(value) = axum::http::HeaderValue::from_str(&retry_after_secs.to_string())
        {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, value);
        }
        response
    }
}

/// Turns a unique-constraint violation into a message on the field it concerns.
#[cfg(feature = "ssr")]
pub trait OnConstraint<T> {
    fn on_unique(self, field: &str, message: &str) -> Result<T, AppError>;
}

#[cfg(feature = "ssr")]
impl<T> OnConstraint<T> for Result<T, sea_orm::DbErr> {
    fn on_unique(self, field: &str, message: &str) -> Result<T, AppError> {
        self.map_err(|e| match e.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::field(field, message),
            _ => e.into(),
        })
    }
}
