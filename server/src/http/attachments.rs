//! Message attachments over HTTP: the upload (multipart → the checked file's summary), the
//! download for the workspace's users, and the signed link a WhatsApp provider fetches.

use super::imports::{MULTIPART_ENVELOPE_BYTES, drain};
use super::tenant::Tenant;
use crate::AppState;
use axum::{
    Json,
    extract::{FromRequest, Multipart, Path, Request, State},
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use shared::AppError;
use shared::whatsapp::AttachmentDto;
use shared::whatsapp::attachments::{self, Download, MAX_ATTACHMENT_BYTES};
use uuid::Uuid;

/// The body limit for the upload route: the largest file plus the multipart envelope.
pub const UPLOAD_LIMIT: usize = MAX_ATTACHMENT_BYTES + MULTIPART_ENVELOPE_BYTES;

fn too_big() -> AppError {
    AppError::field(
        "file",
        format!(
            "The upload was cut short or is larger than {} MB.",
            MAX_ATTACHMENT_BYTES / 1_048_576
        ),
    )
}

/// `POST /w/{slug}/attachments`: the `file` part → its checked, stored summary.
pub async fn upload(
    State(state): State<AppState>,
    tenant: Result<Tenant, AppError>,
    request: Request,
) -> Result<Json<AttachmentDto>, AppError> {
    let ctx = match tenant {
        Ok(Tenant(ctx)) => ctx,
        Err(refusal) => {
            // Read the body before refusing, or the client's next request on this connection
            // fails as the server closes it.
            drain(request.into_body(), 2 * UPLOAD_LIMIT).await;
            return Err(refusal);
        }
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|length| length > UPLOAD_LIMIT) {
        // Read before refusing, or the browser sees a reset instead of the message.
        drain(request.into_body(), 2 * UPLOAD_LIMIT).await;
        return Err(too_big());
    }
    let mut multipart = Multipart::from_request(request, &state)
        .await
        .map_err(|_| too_big())?;
    while let Some(field) = multipart.next_field().await.map_err(|_| too_big())? {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(|_| too_big())?;
            return Ok(Json(
                attachments::upload(&state.services, &ctx, &name, bytes.to_vec()).await?,
            ));
        }
    }
    Err(AppError::field("file", "Choose a file to attach."))
}

/// `GET /w/{slug}/messages/{id}/attachment`: the file a message carried, for the workspace.
pub async fn for_message(
    State(state): State<AppState>,
    Tenant(ctx): Tenant,
    Path((_, id)): Path<(String, Uuid)>,
) -> Result<Response, AppError> {
    let download = attachments::open_for_message(&state.services, &ctx, id).await?;
    Ok(file_response(download, "private, max-age=300"))
}

/// `GET /media/{id}/{expires}/{signature}/{name}`: the file for a provider, by signed link
/// (providers have no session). The name in the path is only for the provider's benefit.
pub async fn signed(
    State(state): State<AppState>,
    Path((id, expires, signature, _name)): Path<(Uuid, i64, String, String)>,
) -> Result<Response, AppError> {
    let download =
        attachments::open_signed(&state.services, id, expires, &signature, chrono::Utc::now())
            .await?;
    Ok(file_response(download, "private, no-store"))
}

fn file_response(download: Download, cache: &'static str) -> Response {
    let disposition = content_disposition(&download.file_name);
    let mut response = download.bytes.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&download.content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    // A document never runs as a page of ours, whatever it holds.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'; sandbox"),
    );
    response
}

/// `attachment` with an ASCII fallback name and the UTF-8 name (RFC 6266 / 8187), so
/// "Propuesta Año.pdf" downloads under its own name.
fn content_disposition(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::content_disposition;

    #[test]
    fn names_reach_the_header_safely() {
        assert_eq!(
            content_disposition("Propuesta Año.pdf"),
            "attachment; filename=\"Propuesta A_o.pdf\"; filename*=UTF-8''Propuesta%20A%C3%B1o.pdf"
        );
        assert_eq!(
            content_disposition("a\"b.pdf"),
            "attachment; filename=\"a_b.pdf\"; filename*=UTF-8''a%22b.pdf"
        );
    }
}
