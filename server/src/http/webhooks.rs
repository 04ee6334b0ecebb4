//! Provider webhooks: `/webhooks/gateway/{sender}` (session gateways and the simulator, signed
//! `X-Webhook-Signature: sha256=…` with the sender's webhook secret) and
//! `/webhooks/cloud/{sender}` (the Cloud API: `GET` verification with the verify token, `POST`
//! signed `X-Hub-Signature-256` with the app secret). The signature is checked on the raw bytes
//! before anything is parsed; a bad one is refused with 401 and changes nothing.

use crate::AppState;
use axum::{
    body::Bytes,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use shared::db::entities::sender;
use shared::whatsapp::ProviderKind;
use shared::whatsapp::provider::webhook::{self, NotJson, WebhookEvent};
use shared::whatsapp::{messages, senders};
use uuid::Uuid;

/// The sender a webhook names, if it is of `kind`; otherwise 404 (the same for a sender that
/// does not exist, so ids cannot be probed).
async fn sender_of(
    state: &AppState,
    id: Uuid,
    kind: ProviderKind,
) -> Result<sender::Model, Response> {
    match senders::find_for_webhook(&state.services.db, id).await {
        Ok(Some(model)) if model.provider == kind.as_str() => Ok(model),
        Ok(_) => Err(StatusCode::NOT_FOUND.into_response()),
        Err(error) => Err(error.into_response()),
    }
}

fn signed(
    state: &AppState,
    model: &sender::Model,
    headers: &HeaderMap,
    header: &str,
    body: &[u8],
) -> bool {
    let Some(secret) = state.services.whatsapp.webhook_signing_secret(model) else {
        return false;
    };
    let signature = headers
        .get(header)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    shared::crypto::verify_sha256(secret.as_bytes(), body, signature)
}

async fn apply(
    state: &AppState,
    model: &sender::Model,
    parsed: Result<Vec<WebhookEvent>, NotJson>,
) -> Response {
    let Ok(events) = parsed else {
        return (StatusCode::BAD_REQUEST, "the body is not JSON").into_response();
    };
    match messages::apply_events(&state.services, model, events).await {
        Ok(()) => StatusCode::OK.into_response(),
        // A 5xx makes the provider deliver again later; applying is idempotent.
        Err(error) => error.into_response(),
    }
}

/// `POST /webhooks/gateway/{sender}`.
pub async fn gateway(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let model = match sender_of(&state, id, ProviderKind::SessionGateway).await {
        Ok(model) => model,
        Err(response) => return response,
    };
    if !signed(&state, &model, &headers, "x-webhook-signature", &body) {
        tracing::warn!(sender = %id, "gateway webhook with a bad signature refused");
        return (StatusCode::UNAUTHORIZED, "bad signature").into_response();
    }
    apply(&state, &model, webhook::parse_gateway(&body)).await
}

#[derive(Deserialize)]
pub struct Verification {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    verify_token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

/// `GET /webhooks/cloud/{sender}`: Meta's subscription check; answers the challenge when the
/// verify token is the sender's.
pub async fn cloud_verify(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    Query(query): Query<Verification>,
) -> Response {
    let model = match sender_of(&state, id, ProviderKind::CloudApi).await {
        Ok(model) => model,
        Err(response) => return response,
    };
    let expected = state.services.whatsapp.webhook_secret(&model);
    let token_matches = match (expected, query.verify_token) {
        (Some(expected), Some(given)) => {
            // Constant time: compare HMACs of both under a throwaway key.
            let key = Uuid::new_v4();
            shared::crypto::sign_sha256(key.as_bytes(), expected.as_bytes())
                == shared::crypto::sign_sha256(key.as_bytes(), given.as_bytes())
        }
        _ => false,
    };
    match (query.mode.as_deref(), token_matches, query.challenge) {
        (Some("subscribe"), true, Some(challenge)) => challenge.into_response(),
        _ => (StatusCode::FORBIDDEN, "verification failed").into_response(),
    }
}

/// `POST /webhooks/cloud/{sender}`.
pub async fn cloud(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let model = match sender_of(&state, id, ProviderKind::CloudApi).await {
        Ok(model) => model,
        Err(response) => return response,
    };
    if !signed(&state, &model, &headers, "x-hub-signature-256", &body) {
        tracing::warn!(sender = %id, "cloud webhook with a bad signature refused");
        return (StatusCode::UNAUTHORIZED, "bad signature").into_response();
    }
    apply(
        &state,
        &model,
        webhook::parse_cloud(&body, &model.account_ref),
    )
    .await
}
