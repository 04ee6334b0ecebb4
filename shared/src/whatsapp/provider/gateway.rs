//! The onhandi-style session gateway: a self-hosted WhatsApp Web session behind a small REST
//! API (`X-API-Key`). The simulator speaks exactly this dialect.
//!
//! | call | request | answer |
//! |---|---|---|
//! | send | `POST {base}/api/sessions/{session}/send` `{"to","message","skipValidation":false}`, media adds `"media":{"url","filename","type"}` | `{"messageId":…}` |
//! | check | `POST {base}/api/number-checker/check` `{"sessionId","numbers":[…]}` (≤ 100) | `{"results":[{"number","isValid"}]}` |
//! | status | `GET {base}/api/sessions/{session}/status` | `{"status":"CONNECTED"…}` |
//! | webhook | `POST {base}/api/sessions/{session}/webhook` `{"url","secret"}` | 2xx, or 404 when unsupported |

use super::{
    Content, NumberCheck, Provider, ProviderError, Sent, SessionState, retry_after, unreachable,
};
use async_trait::async_trait;
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

pub struct SessionGateway {
    client: Client,
    base: String,
    session: String,
    api_key: String,
}

impl std::fmt::Debug for SessionGateway {
    // The key never reaches a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionGateway")
            .field("base", &self.base)
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

impl SessionGateway {
    pub fn new(client: Client, base: &str, session: &str, api_key: &str) -> Self {
        Self {
            client,
            base: base.trim_end_matches('/').to_owned(),
            session: session.to_owned(),
            api_key: api_key.to_owned(),
        }
    }

    fn session_url(&self, tail: &str) -> String {
        format!(
            "{}/api/sessions/{}/{tail}",
            self.base,
            url::form_urlencoded::byte_serialize(self.session.as_bytes()).collect::<String>()
        )
    }

    async fn post(&self, url: String, body: &Value) -> Result<Value, ProviderError> {
        let response = self
            .client
            .post(url)
            .header("X-API-Key", &self.api_key)
            .json(body)
            .send()
            .await
            .map_err(unreachable)?;
        answer(response).await
    }
}

/// The gateway's text for an error: its `error` or `message` field, else the start of the body.
fn provider_text(body: &str) -> String {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let field = parsed.as_ref().and_then(|v| {
        ["error", "message", "detail"]
            .iter()
            .find_map(|key| v.get(key).and_then(Value::as_str))
            .map(str::to_owned)
    });
    let text = field.unwrap_or_else(|| body.trim().to_owned());
    let text: String = text.chars().take(300).collect();
    if text.is_empty() {
        "no details given".into()
    } else {
        text
    }
}

/// Maps an answer by status: 2xx → its JSON; 401/403 → credentials; 404 → configuration;
/// 429 → rate limited; a body that says banned → restricted; anything else → rejected.
async fn answer(response: Response) -> Result<Value, ProviderError> {
    let status = response.status();
    let wait = retry_after(response.headers());
    let body = response.text().await.map_err(unreachable)?;
    if status.is_success() {
        return serde_json::from_str(&body).or_else(|_| {
            if body.trim().is_empty() {
                Ok(Value::Null)
            } else {
                Err(ProviderError::Unreachable(
                    "answered with something that is not its API".into(),
                ))
            }
        });
    }
    let text = provider_text(&body);
    Err(match status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
            if text.to_ascii_lowercase().contains("ban") =>
        {
            ProviderError::Restricted(text)
        }
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => ProviderError::Credentials(text),
        StatusCode::NOT_FOUND => ProviderError::Configuration(text),
        StatusCode::TOO_MANY_REQUESTS => ProviderError::RateLimited { retry_after: wait },
        _ if text.to_ascii_lowercase().contains("banned") => ProviderError::Restricted(text),
        _ => ProviderError::Rejected {
            code: Some(status.as_u16().to_string()),
            message: text,
        },
    })
}

fn message_id(value: &Value) -> Option<String> {
    let candidates = [
        value.get("messageId"),
        value.get("message_id"),
        value.get("id"),
        value.pointer("/data/messageId"),
        value.pointer("/data/id"),
        value.pointer("/key/id"),
    ];
    candidates.into_iter().flatten().find_map(|v| match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

fn body_for(to: &str, content: &Content) -> Result<Value, ProviderError> {
    match content {
        Content::Text { body } => Ok(json!({"to": to, "message": body, "skipValidation": false})),
        Content::Media {
            kind,
            link,
            caption,
            filename,
        } => Ok(json!({
            "to": to,
            "message": caption.clone().unwrap_or_default(),
            "media": {"url": link, "filename": filename, "type": kind.as_str()},
            "skipValidation": false,
        })),
        Content::Template { .. } => Err(ProviderError::Unsupported(
            "Templates are a WhatsApp Cloud API feature; a session gateway sends the text itself.",
        )),
        Content::Location { .. } | Content::Contacts { .. } => Err(ProviderError::Unsupported(
            "This gateway sends text and files only.",
        )),
    }
}

#[async_trait]
impl Provider for SessionGateway {
    async fn send(&self, to: &str, content: &Content) -> Result<Sent, ProviderError> {
        let body = body_for(to, content)?;
        let answer = self.post(self.session_url("send"), &body).await?;
        if answer.get("success") == Some(&Value::Bool(false)) {
            return Err(ProviderError::Rejected {
                code: None,
                message: provider_text(&answer.to_string()),
            });
        }
        let provider_message_id = message_id(&answer).ok_or_else(|| {
            ProviderError::Unreachable("accepted the message but gave no message id".into())
        })?;
        Ok(Sent {
            provider_message_id,
        })
    }

    async fn check_numbers(&self, numbers: &[String]) -> Result<Vec<NumberCheck>, ProviderError> {
        let answer = self
            .post(
                format!("{}/api/number-checker/check", self.base),
                &json!({"sessionId": self.session, "numbers": numbers}),
            )
            .await?;
        let rows = answer
            .get("results")
            .or_else(|| answer.get("data"))
            .unwrap_or(&answer)
            .as_array()
            .ok_or_else(|| ProviderError::Unreachable("the number check had no results".into()))?;
        let checks: Vec<NumberCheck> = rows
            .iter()
            .filter_map(|row| {
                let number = row
                    .get("number")
                    .or_else(|| row.get("phone"))
                    .and_then(Value::as_str)?;
                let valid = row
                    .get("isValid")
                    .or_else(|| row.get("exists"))
                    .and_then(Value::as_bool)?;
                Some(NumberCheck {
                    number: super::digits(number),
                    on_whatsapp: valid,
                })
            })
            .collect();
        Ok(checks)
    }

    async fn session_status(&self) -> Result<SessionState, ProviderError> {
        let response = self
            .client
            .get(self.session_url("status"))
            .header("X-API-Key", &self.api_key)
            .send()
            .await
            .map_err(unreachable)?;
        let answer = answer(response).await?;
        let detail = answer
            .get("status")
            .or_else(|| answer.get("state"))
            .and_then(Value::as_str)
            .unwrap_or("UNKNOWN")
            .to_ascii_uppercase();
        let connected = matches!(
            detail.as_str(),
            "CONNECTED" | "WORKING" | "OPEN" | "AUTHENTICATED" | "READY"
        );
        Ok(SessionState { connected, detail })
    }

    async fn register_webhook(&self, url: &str, secret: &str) -> Result<bool, ProviderError> {
        match self
            .post(
                self.session_url("webhook"),
                &json!({"url": url, "secret": secret}),
            )
            .await
        {
            Ok(_) => Ok(true),
            Err(ProviderError::Configuration(_)) => Ok(false),
            Err(other) => Err(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_are_found_where_gateways_put_them() {
        assert_eq!(
            message_id(&json!({"messageId": "a1"})).as_deref(),
            Some("a1")
        );
        assert_eq!(
            message_id(&json!({"data": {"id": "b2"}})).as_deref(),
            Some("b2")
        );
        assert_eq!(
            message_id(&json!({"key": {"id": 5}})).as_deref(),
            Some("5"),
            "numeric ids are kept as text"
        );
        assert_eq!(message_id(&json!({"messageId": ""})), None);
        assert_eq!(message_id(&json!({"success": true})), None);
    }

    #[test]
    fn provider_text_prefers_the_error_field_and_is_bounded() {
        assert_eq!(
            provider_text(r#"{"error":"session closed"}"#),
            "session closed"
        );
        assert_eq!(provider_text("plain failure"), "plain failure");
        assert_eq!(provider_text(""), "no details given");
        assert_eq!(provider_text(&"x".repeat(1000)).len(), 300);
    }

    #[test]
    fn templates_are_not_gateway_content() {
        let template = Content::Template {
            name: "hello".into(),
            language: "en_US".into(),
            components: vec![],
        };
        assert!(matches!(
            body_for("1", &template),
            Err(ProviderError::Unsupported(_))
        ));
    }
}
