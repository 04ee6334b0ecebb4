//! The official WhatsApp Cloud API: `POST {base}/{version}/{phone-number-id}/messages` with a
//! bearer token. The base URL is per sender so tests and providers that front the same API under
//! another host work unchanged.

use super::{
    Content, NumberCheck, Provider, ProviderError, Sent, SessionState, retry_after, unreachable,
};
use async_trait::async_trait;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

/// Meta's Graph API host.
pub const DEFAULT_BASE_URL: &str = "https://graph.facebook.com";
/// The Graph API version the request shapes follow.
pub const API_VERSION: &str = "v21.0";

pub struct CloudApi {
    client: Client,
    base: String,
    phone_number_id: String,
    token: String,
}

impl std::fmt::Debug for CloudApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudApi")
            .field("base", &self.base)
            .field("phone_number_id", &self.phone_number_id)
            .finish_non_exhaustive()
    }
}

impl CloudApi {
    pub fn new(client: Client, base: &str, phone_number_id: &str, token: &str) -> Self {
        Self {
            client,
            base: base.trim_end_matches('/').to_owned(),
            phone_number_id: phone_number_id.to_owned(),
            token: token.to_owned(),
        }
    }

    fn url(&self, tail: &str) -> String {
        format!(
            "{}/{API_VERSION}/{}{tail}",
            self.base,
            url::form_urlencoded::byte_serialize(self.phone_number_id.as_bytes())
                .collect::<String>()
        )
    }
}

/// The request body for `content` (REFERENCE: every body starts with the messaging product,
/// recipient type and recipient).
pub fn message_body(to: &str, content: &Content) -> Value {
    let mut body = json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
    });
    let (kind, payload) = match content {
        Content::Text { body } => (
            "text",
            json!({"preview_url": body.contains("http"), "body": body}),
        ),
        Content::Media {
            kind,
            link,
            caption,
            filename,
        } => {
            let mut media = json!({"link": link});
            // Audio takes no caption; documents keep their file name.
            if let Some(caption) = caption.as_ref().filter(|_| kind.as_str() != "audio") {
                media["caption"] = json!(caption);
            }
            if let (Some(name), "document") = (filename, kind.as_str()) {
                media["filename"] = json!(name);
            }
            (kind.as_str(), media)
        }
        Content::Template {
            name,
            language,
            components,
        } => {
            let mut template = json!({"name": name, "language": {"code": language}});
            if !components.is_empty() {
                template["components"] = json!(components);
            }
            ("template", template)
        }
        Content::Location {
            latitude,
            longitude,
            name,
            address,
        } => (
            "location",
            json!({"latitude": latitude, "longitude": longitude, "name": name, "address": address}),
        ),
        Content::Contacts { cards } => (
            "contacts",
            Value::Array(
                cards
                    .iter()
                    .map(|card| {
                        json!({
                            "name": {"formatted_name": card.formatted_name},
                            "phones": card.phones.iter().map(|phone| json!({
                                "phone": phone,
                                "type": "CELL",
                                "wa_id": super::digits(phone),
                            })).collect::<Vec<_>>(),
                        })
                    })
                    .collect(),
            ),
        ),
    };
    body["type"] = json!(kind);
    body[kind] = payload;
    body
}

/// Maps a Graph API error to what the product does about it.
pub fn classify_error(
    status: StatusCode,
    body: &Value,
    wait: Option<std::time::Duration>,
) -> ProviderError {
    let error = body.get("error");
    let code = error.and_then(|e| e.get("code")).and_then(Value::as_i64);
    let message = error
        .and_then(|e| {
            e.pointer("/error_data/details")
                .or_else(|| e.get("message"))
                .and_then(Value::as_str)
        })
        .unwrap_or("no details given")
        .chars()
        .take(300)
        .collect::<String>();
    match (status, code) {
        // 190: the access token expired or was revoked.
        (StatusCode::UNAUTHORIZED, _) | (_, Some(190)) => ProviderError::Credentials(message),
        // Throughput (130429), pair rate (131056), application rate limits (4, 80007).
        (StatusCode::TOO_MANY_REQUESTS, _) | (_, Some(130429 | 131056 | 4 | 80007)) => {
            ProviderError::RateLimited { retry_after: wait }
        }
        // The account is restricted or locked for policy reasons.
        (_, Some(131031 | 368 | 131048)) => ProviderError::Restricted(message),
        (StatusCode::FORBIDDEN, _) | (_, Some(10 | 200)) => ProviderError::Credentials(message),
        (StatusCode::NOT_FOUND, _) => ProviderError::Configuration(message),
        (_, code) => ProviderError::Rejected {
            code: code.map(|c| c.to_string()),
            message,
        },
    }
}

#[async_trait]
impl Provider for CloudApi {
    async fn send(&self, to: &str, content: &Content) -> Result<Sent, ProviderError> {
        let response = self
            .client
            .post(self.url("/messages"))
            .bearer_auth(&self.token)
            .json(&message_body(to, content))
            .send()
            .await
            .map_err(unreachable)?;
        let status = response.status();
        let wait = retry_after(response.headers());
        let body: Value = response.json().await.map_err(unreachable)?;
        if !status.is_success() {
            return Err(classify_error(status, &body, wait));
        }
        body.pointer("/messages/0/id")
            .and_then(Value::as_str)
            .map(|id| Sent {
                provider_message_id: id.to_owned(),
            })
            .ok_or_else(|| {
                ProviderError::Unreachable("accepted the message but gave no message id".into())
            })
    }

    async fn check_numbers(&self, _numbers: &[String]) -> Result<Vec<NumberCheck>, ProviderError> {
        Err(ProviderError::Unsupported(
            "The WhatsApp Cloud API cannot check numbers; add a session gateway sender to check them.",
        ))
    }

    async fn session_status(&self) -> Result<SessionState, ProviderError> {
        let response = self
            .client
            .get(self.url("?fields=display_phone_number,quality_rating,status"))
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(unreachable)?;
        let status = response.status();
        let wait = retry_after(response.headers());
        let body: Value = response.json().await.map_err(unreachable)?;
        if !status.is_success() {
            return Err(classify_error(status, &body, wait));
        }
        let detail = body
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or("CONNECTED")
            .to_ascii_uppercase();
        let quality = body.get("quality_rating").and_then(Value::as_str);
        Ok(SessionState {
            connected: !matches!(detail.as_str(), "BANNED" | "RESTRICTED" | "FLAGGED"),
            detail: match quality {
                Some(quality) => format!("{detail} (quality {quality})"),
                None => detail,
            },
        })
    }

    async fn register_webhook(&self, _url: &str, _secret: &str) -> Result<bool, ProviderError> {
        // Cloud API webhooks are set in the Meta app dashboard, with the app secret signing them.
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ContactCard, MediaKind};
    use super::*;

    #[test]
    fn bodies_follow_the_reference_shapes() {
        let text = message_body("254712345678", &Content::Text { body: "Hi".into() });
        assert_eq!(
            text,
            json!({"messaging_product":"whatsapp","recipient_type":"individual","to":"254712345678",
                   "type":"text","text":{"preview_url":false,"body":"Hi"}})
        );
        let document = message_body(
            "1",
            &Content::Media {
                kind: MediaKind::Document,
                link: "https://x.test/a.pdf".into(),
                caption: Some("Offer".into()),
                filename: Some("a.pdf".into()),
            },
        );
        assert_eq!(
            document["document"],
            json!({"link":"https://x.test/a.pdf","caption":"Offer","filename":"a.pdf"})
        );
        let audio = message_body(
            "1",
            &Content::Media {
                kind: MediaKind::Audio,
                link: "https://x.test/a.ogg".into(),
                caption: Some("ignored".into()),
                filename: None,
            },
        );
        assert_eq!(audio["audio"], json!({"link":"https://x.test/a.ogg"}));
        let contacts = message_body(
            "1",
            &Content::Contacts {
                cards: vec![ContactCard {
                    formatted_name: "Ana".into(),
                    phones: vec!["+254712345678".into()],
                }],
            },
        );
        assert_eq!(
            contacts["contacts"][0]["phones"][0]["wa_id"],
            "254712345678"
        );
    }

    #[test]
    fn error_codes_map_to_actions() {
        let body = |code: i64| json!({"error":{"message":"m","code":code}});
        let bad = StatusCode::BAD_REQUEST;
        assert!(matches!(
            classify_error(bad, &body(130429), None),
            ProviderError::RateLimited { .. }
        ));
        assert!(matches!(
            classify_error(bad, &body(131056), None),
            ProviderError::RateLimited { .. }
        ));
        assert!(matches!(
            classify_error(StatusCode::UNAUTHORIZED, &body(190), None),
            ProviderError::Credentials(_)
        ));
        assert!(matches!(
            classify_error(bad, &body(131031), None),
            ProviderError::Restricted(_)
        ));
        assert_eq!(
            classify_error(bad, &body(131026), None),
            ProviderError::Rejected {
                code: Some("131026".into()),
                message: "m".into()
            }
        );
        assert!(matches!(
            classify_error(StatusCode::NOT_FOUND, &json!({}), None),
            ProviderError::Configuration(_)
        ));
    }
}
