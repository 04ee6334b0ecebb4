//! Webhook bodies → provider-neutral events. Signatures are checked by the caller on the raw
//! bytes before these parsers see anything; here, unknown events are skipped, never errors.

use crate::whatsapp::MessageStatus;
use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;

/// What a webhook told us.
#[derive(Clone, Debug, PartialEq)]
pub enum WebhookEvent {
    /// A message we sent moved on (`sent`, `delivered`, `read`, `failed`).
    Status {
        provider_message_id: String,
        status: MessageStatus,
        at: DateTime<Utc>,
        error_code: Option<String>,
        error_text: Option<String>,
    },
    /// Someone wrote to the sender.
    Inbound {
        provider_message_id: String,
        /// Digits only.
        from: String,
        profile_name: Option<String>,
        /// The text, or the caption / a description of non-text content (`[image]`).
        body: String,
        at: DateTime<Utc>,
    },
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the webhook body is not JSON")]
pub struct NotJson;

fn timestamp(value: Option<&Value>) -> DateTime<Utc> {
    let seconds = value.and_then(|v| {
        v.as_i64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
    });
    // Milliseconds are > 10^11 for any date after 1973.
    let seconds = seconds.map(|s| if s > 100_000_000_000 { s / 1000 } else { s });
    seconds
        .and_then(|s| Utc.timestamp_opt(s, 0).single())
        .unwrap_or_else(Utc::now)
}

fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The Cloud API envelope; only changes for `phone_number_id` are taken (a shared app may
/// deliver other numbers' events to every endpoint).
pub fn parse_cloud(body: &[u8], phone_number_id: &str) -> Result<Vec<WebhookEvent>, NotJson> {
    let root: Value = serde_json::from_slice(body).map_err(|_| NotJson)?;
    let mut events = Vec::new();
    let changes = root
        .get("entry")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.get("changes").and_then(Value::as_array))
        .flatten();
    for change in changes {
        let Some(value) = change.get("value") else {
            continue;
        };
        let for_us = value
            .pointer("/metadata/phone_number_id")
            .and_then(|v| text(Some(v)))
            .is_some_and(|id| id == phone_number_id);
        if !for_us {
            tracing::debug!("cloud webhook change for another phone number skipped");
            continue;
        }
        for status in value
            .get("statuses")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (Some(id), Some(status_name)) = (
                text(status.get("id")),
                status.get("status").and_then(Value::as_str),
            ) else {
                continue;
            };
            let Some(status_value) = MessageStatus::from_provider(status_name) else {
                tracing::info!(status = status_name, "unknown cloud status ignored");
                continue;
            };
            let error = status.pointer("/errors/0");
            events.push(WebhookEvent::Status {
                provider_message_id: id,
                status: status_value,
                at: timestamp(status.get("timestamp")),
                error_code: text(error.and_then(|e| e.get("code"))),
                error_text: error.and_then(|e| {
                    text(e.pointer("/error_data/details"))
                        .or_else(|| text(e.get("message")))
                        .or_else(|| text(e.get("title")))
                }),
            });
        }
        let names: Vec<(String, String)> = value
            .get("contacts")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|c| Some((text(c.get("wa_id"))?, text(c.pointer("/profile/name"))?)))
            .collect();
        for message in value
            .get("messages")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (Some(id), Some(from)) = (text(message.get("id")), text(message.get("from")))
            else {
                continue;
            };
            let kind = message
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("text");
            let body = match kind {
                "text" => text(message.pointer("/text/body")).unwrap_or_default(),
                "button" => text(message.pointer("/button/text")).unwrap_or_default(),
                "interactive" => text(message.pointer("/interactive/button_reply/title"))
                    .or_else(|| text(message.pointer("/interactive/list_reply/title")))
                    .unwrap_or_default(),
                other => text(message.pointer(&format!("/{other}/caption")))
                    .map(|caption| format!("[{other}] {caption}"))
                    .unwrap_or_else(|| format!("[{other}]")),
            };
            events.push(WebhookEvent::Inbound {
                provider_message_id: id,
                profile_name: names
                    .iter()
                    .find(|(wa_id, _)| *wa_id == from)
                    .map(|(_, name)| name.clone()),
                from: super::digits(&from),
                body,
                at: timestamp(message.get("timestamp")),
            });
        }
    }
    Ok(events)
}

/// The session gateway's events (one object or an array of them):
/// `{"event":"message.status","messageId","status","timestamp","error":{"code","message"}}` and
/// `{"event":"message.received","messageId","from","pushName","message","timestamp"}`.
pub fn parse_gateway(body: &[u8]) -> Result<Vec<WebhookEvent>, NotJson> {
    let root: Value = serde_json::from_slice(body).map_err(|_| NotJson)?;
    let items = match root {
        Value::Array(items) => items,
        one => vec![one],
    };
    let mut events = Vec::new();
    for item in items {
        let event = item
            .get("event")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let Some(id) = text(item.get("messageId")) else {
            tracing::info!(event, "gateway webhook without a message id ignored");
            continue;
        };
        match event {
            "message.status" | "message.ack" => {
                let name = item
                    .get("status")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let Some(status) = MessageStatus::from_provider(name) else {
                    tracing::info!(status = name, "unknown gateway status ignored");
                    continue;
                };
                events.push(WebhookEvent::Status {
                    provider_message_id: id,
                    status,
                    at: timestamp(item.get("timestamp")),
                    error_code: text(item.pointer("/error/code")),
                    error_text: text(item.pointer("/error/message")),
                });
            }
            "message.received" | "message" => {
                let Some(from) = text(item.get("from")) else {
                    continue;
                };
                events.push(WebhookEvent::Inbound {
                    provider_message_id: id,
                    from: super::digits(&from),
                    profile_name: text(item.get("pushName")),
                    body: text(item.get("message")).unwrap_or_default(),
                    at: timestamp(item.get("timestamp")),
                });
            }
            other => tracing::info!(event = other, "unknown gateway event ignored"),
        }
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cloud(value: Value) -> Vec<u8> {
        json!({"object":"whatsapp_business_account","entry":[{"id":"WABA","changes":[{"field":"messages","value":value}]}]})
            .to_string()
            .into_bytes()
    }

    #[test]
    fn cloud_statuses_and_messages_are_read() {
        let body = cloud(json!({
            "metadata": {"phone_number_id": "111"},
            "statuses": [
                {"id":"wamid.A","status":"read","timestamp":"1700000000","recipient_id":"254712345678"},
                {"id":"wamid.B","status":"failed","timestamp":"1700000001",
                 "errors":[{"code":131026,"title":"Message undeliverable"}]},
                {"id":"wamid.C","status":"deleted","timestamp":"1700000001"}
            ],
            "contacts": [{"profile":{"name":"Ana"},"wa_id":"254712345678"}],
            "messages": [
                {"from":"254712345678","id":"wamid.IN","timestamp":"1700000002","type":"text","text":{"body":"STOP"}},
                {"from":"254712345678","id":"wamid.IMG","timestamp":"1700000003","type":"image","image":{"caption":"menu"}}
            ]
        }));
        let events = parse_cloud(&body, "111").unwrap();
        assert_eq!(events.len(), 4);
        assert!(
            matches!(&events[0], WebhookEvent::Status { status: MessageStatus::Read, at, .. } if at.timestamp() == 1_700_000_000)
        );
        assert!(
            matches!(&events[1], WebhookEvent::Status { error_code: Some(code), error_text: Some(t), .. } if code == "131026" && t == "Message undeliverable")
        );
        assert!(
            matches!(&events[2], WebhookEvent::Inbound { body, profile_name: Some(name), .. } if body == "STOP" && name == "Ana")
        );
        assert!(matches!(&events[3], WebhookEvent::Inbound { body, .. } if body == "[image] menu"));
    }

    #[test]
    fn other_numbers_and_garbage_are_skipped() {
        let body = cloud(json!({"metadata":{"phone_number_id":"222"},
            "statuses":[{"id":"x","status":"read","timestamp":"1"}]}));
        assert!(parse_cloud(&body, "111").unwrap().is_empty());
        assert_eq!(parse_cloud(b"not json", "111"), Err(NotJson));
        assert!(parse_cloud(b"{}", "111").unwrap().is_empty());
    }

    #[test]
    fn gateway_events_are_read_singly_or_in_batches() {
        let body = json!([
            {"event":"message.status","messageId":"m1","status":"delivered","timestamp":1700000000000_i64},
            {"event":"message.status","messageId":"m2","status":"failed","error":{"code":"463","message":"reach-out locked"}},
            {"event":"message.received","messageId":"in1","from":"+254 712 345 678","pushName":"Ana","message":"Hola"},
            {"event":"presence.update","messageId":"p"}
        ]);
        let events = parse_gateway(body.to_string().as_bytes()).unwrap();
        assert_eq!(events.len(), 3);
        assert!(
            matches!(&events[0], WebhookEvent::Status { at, .. } if at.timestamp() == 1_700_000_000)
        );
        assert!(
            matches!(&events[1], WebhookEvent::Status { error_code: Some(c), .. } if c == "463")
        );
        assert!(matches!(&events[2], WebhookEvent::Inbound { from, .. } if from == "254712345678"));
    }
}
