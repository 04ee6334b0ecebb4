//! The WhatsApp channel over real HTTP: the session-gateway adapter against the simulator
//! (sends, number checks, status, credentials, bans, rate limits), the Cloud API adapter
//! against a local server that checks each request's shape, and through the router: senders
//! with encrypted credentials, a one-to-one send whose delivery and read receipts come back
//! as signed webhooks, replies and opt-outs, bad signatures, duplicate and out-of-order
//! webhooks, and other workspaces kept out.

use crate::common::{Browser, TEST_SECRET_KEY, TestApp};
use crate::lead_page::imported_leads;
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use server::simulator::Behaviour;
use shared::whatsapp::provider::cloud::CloudApi;
use shared::whatsapp::provider::gateway::SessionGateway;
use shared::whatsapp::provider::{Content, MediaKind, Provider, ProviderError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub(crate) use crate::common::SIMULATOR_KEY as SIM_KEY;

pub(crate) fn quick() -> Behaviour {
    crate::common::quick_simulator()
}

/// A simulator on a free port; returns its base URL.
pub(crate) async fn simulator(behaviour: Behaviour) -> String {
    crate::common::start_simulator(behaviour).await
}

pub(crate) async fn admin(base: &str, path: &str, body: Value) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .header("X-API-Key", SIM_KEY)
        .json(&body)
        .send()
        .await
        .expect("simulator admin");
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.expect("json")
}

async fn delivered_to(base: &str, digits: &str) -> Vec<Value> {
    reqwest::Client::new()
        .get(format!("{base}/admin/messages?to={digits}"))
        .header("X-API-Key", SIM_KEY)
        .send()
        .await
        .expect("simulator messages")
        .json::<Vec<Value>>()
        .await
        .expect("json")
}

/// A local server answering `/offer.pdf` with `bytes` (and 404 for anything else).
async fn file_server(bytes: &'static [u8]) -> String {
    let router = Router::new().route(
        "/offer.pdf",
        get(move || async move { ([("content-type", "application/pdf")], bytes) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.ok() });
    format!("http://{address}")
}

fn text(body: &str) -> Content {
    Content::Text { body: body.into() }
}

#[tokio::test]
async fn gateway_adapter_speaks_to_the_simulator() {
    let base = simulator(quick()).await;
    let client = shared::whatsapp::provider::http_client();
    let gateway = SessionGateway::new(client.clone(), &base, "main", SIM_KEY);

    let sent = gateway.send("254712345678", &text("Hello")).await.unwrap();
    assert!(sent.provider_message_id.starts_with("sim_"));
    let inbox = delivered_to(&base, "254712345678").await;
    assert_eq!(inbox[0]["message"], "Hello");
    assert_eq!(inbox[0]["message_id"], sent.provider_message_id.as_str());

    // Media goes out as a link the gateway downloads: the simulator fetches it like a real
    // gateway would, so a dead link is refused rather than "sent".
    let files = file_server(b"%PDF-1.7 offer").await;
    let link = format!("{files}/offer.pdf");
    let media = Content::Media {
        kind: MediaKind::Document,
        link: link.clone(),
        caption: Some("Our offer".into()),
        filename: Some("offer.pdf".into()),
    };
    gateway.send("254712345678", &media).await.unwrap();
    let inbox = delivered_to(&base, "254712345678").await;
    assert_eq!(inbox[0]["message"], "Our offer");
    assert_eq!(inbox[0]["media"]["url"], link.as_str());
    assert_eq!(inbox[0]["media"]["fetchedBytes"], 14);
    let dead = Content::Media {
        kind: MediaKind::Document,
        link: format!("{files}/missing.pdf"),
        caption: None,
        filename: None,
    };
    let refused = gateway.send("254712345678", &dead).await.unwrap_err();
    assert!(
        format!("{refused:?}").contains("could not download the media"),
        "{refused:?}"
    );

    // A number ending in 0 is not on WhatsApp: checked, and refused on send.
    let numbers: Vec<String> = vec!["254712345678".into(), "254712345670".into()];
    let checks = gateway.check_numbers(&numbers).await.unwrap();
    assert_eq!(checks.len(), 2);
    assert!(checks[0].on_whatsapp && !checks[1].on_whatsapp);
    let refused = gateway.send("254712345670", &text("Hi")).await.unwrap_err();
    assert!(
        matches!(&refused, ProviderError::Rejected { code: Some(code), message } if code == "422" && message.contains("not registered")),
        "{refused:?}"
    );

    assert!(gateway.session_status().await.unwrap().connected);
    assert!(
        gateway
            .register_webhook("http://127.0.0.1:9/hook", "s")
            .await
            .unwrap()
    );

    let wrong_key = SessionGateway::new(client.clone(), &base, "main", "wrong");
    assert!(matches!(
        wrong_key.send("254712345678", &text("x")).await,
        Err(ProviderError::Credentials(_))
    ));
    let wrong_base = SessionGateway::new(client.clone(), &format!("{base}/nope"), "main", SIM_KEY);
    assert!(matches!(
        wrong_base.send("254712345678", &text("x")).await,
        Err(ProviderError::Configuration(_))
    ));
    let nowhere = SessionGateway::new(client.clone(), "http://127.0.0.1:9", "main", SIM_KEY);
    assert!(matches!(
        nowhere.send("254712345678", &text("x")).await,
        Err(ProviderError::Unreachable(_))
    ));

    admin(&base, "/admin/sessions/main/ban", json!({})).await;
    let banned = gateway.send("254712345678", &text("x")).await.unwrap_err();
    assert!(matches!(banned, ProviderError::Restricted(_)), "{banned:?}");
    assert!(banned.pauses_sender());
    let status = gateway.session_status().await.unwrap();
    assert!(!status.connected);
    assert_eq!(status.detail, "BANNED");
    admin(&base, "/admin/sessions/main/unban", json!({})).await;

    let mut flaky = quick();
    flaky.rate_limit_share = 1.0;
    admin(
        &base,
        "/admin/config",
        serde_json::to_value(&flaky).unwrap(),
    )
    .await;
    let limited = gateway.send("254712345678", &text("x")).await.unwrap_err();
    assert_eq!(
        limited,
        ProviderError::RateLimited {
            retry_after: Some(Duration::from_secs(1))
        }
    );
    flaky.rate_limit_share = 0.0;
    flaky.fail_share = 0.5;
    admin(
        &base,
        "/admin/config",
        serde_json::to_value(&flaky).unwrap(),
    )
    .await;
    let mut outcomes = Vec::new();
    for _ in 0..4 {
        outcomes.push(gateway.send("254712345678", &text("x")).await.is_ok());
    }
    assert_eq!(
        outcomes.iter().filter(|ok| !**ok).count(),
        2,
        "{outcomes:?}"
    );
}

/// One request the Cloud API test server saw: `version/phone-number-id`, the Authorization
/// header, the body.
pub(crate) type Seen = (String, Option<String>, Value);

/// What the Cloud API test server saw.
#[derive(Clone, Default)]
pub(crate) struct Graph {
    pub(crate) requests: Arc<Mutex<Vec<Seen>>>,
}

async fn graph_send(
    State(graph): State<Graph>,
    Path((version, phone_id)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    graph.requests.lock().unwrap().push((
        format!("{version}/{phone_id}"),
        auth.clone(),
        body.clone(),
    ));
    if auth.as_deref() != Some("Bearer good-token") {
        return (
            StatusCode::UNAUTHORIZED,
            Json(
                json!({"error":{"message":"Invalid OAuth access token.","type":"OAuthException","code":190}}),
            ),
        );
    }
    if body["to"] == "254712345670" {
        return (
            StatusCode::BAD_REQUEST,
            Json(
                json!({"error":{"message":"(#131026) Message Undeliverable.","code":131026,
                "error_data":{"details":"Receiver is incapable of receiving this message"}}}),
            ),
        );
    }
    if body["to"] == "254799999999" {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error":{"message":"(#130429) Rate limit hit","code":130429}})),
        );
    }
    let well_formed = body["messaging_product"] == "whatsapp"
        && body["recipient_type"] == "individual"
        && body[body["type"].as_str().unwrap_or("none")].is_object()
            | body[body["type"].as_str().unwrap_or("none")].is_array();
    if !well_formed {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error":{"message":"bad shape","code":100}})),
        );
    }
    (
        StatusCode::OK,
        Json(
            json!({"messaging_product":"whatsapp","contacts":[{"input":body["to"],"wa_id":body["to"]}],
            "messages":[{"id": format!("wamid.{}", uuid::Uuid::new_v4().simple())}]}),
        ),
    )
}

async fn graph_number(Path((_, _)): Path<(String, String)>) -> Json<Value> {
    Json(json!({"display_phone_number":"+254 700 000 001","quality_rating":"GREEN","id":"111"}))
}

pub(crate) async fn graph() -> (String, Graph) {
    let state = Graph::default();
    let app = Router::new()
        .route("/{version}/{phone_id}/messages", post(graph_send))
        .route("/{version}/{phone_id}", get(graph_number))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind graph");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), state)
}

#[tokio::test]
async fn cloud_adapter_sends_every_kind_in_the_documented_shape() {
    let (base, seen) = graph().await;
    let client = shared::whatsapp::provider::http_client();
    let cloud = CloudApi::new(client.clone(), &base, "111", "good-token");
    let kinds = [
        text("Hello"),
        Content::Template {
            name: "seo_offer".into(),
            language: "en_US".into(),
            components: vec![json!({"type":"body","parameters":[{"type":"text","text":"Ana"}]})],
        },
        Content::Media {
            kind: MediaKind::Image,
            link: "https://files.example/a.jpg".into(),
            caption: Some("Menu".into()),
            filename: None,
        },
        Content::Location {
            latitude: -1.28,
            longitude: 36.82,
            name: Some("Office".into()),
            address: None,
        },
        Content::Contacts {
            cards: vec![shared::whatsapp::provider::ContactCard {
                formatted_name: "Ana".into(),
                phones: vec!["+254712345678".into()],
            }],
        },
    ];
    for content in &kinds {
        let sent = cloud.send("254712345678", content).await.unwrap();
        assert!(sent.provider_message_id.starts_with("wamid."));
    }
    let requests = seen.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), kinds.len());
    assert!(
        requests
            .iter()
            .all(|(path, auth, _)| path == "v21.0/111"
                && auth.as_deref() == Some("Bearer good-token"))
    );
    assert_eq!(requests[1].2["template"]["language"]["code"], "en_US");
    assert_eq!(requests[2].2["image"]["caption"], "Menu");
    assert_eq!(requests[3].2["location"]["latitude"], -1.28);

    let undeliverable = cloud.send("254712345670", &text("x")).await.unwrap_err();
    assert_eq!(
        undeliverable,
        ProviderError::Rejected {
            code: Some("131026".into()),
            message: "Receiver is incapable of receiving this message".into()
        }
    );
    assert!(matches!(
        cloud.send("254799999999", &text("x")).await,
        Err(ProviderError::RateLimited { .. })
    ));
    let expired = CloudApi::new(client.clone(), &base, "111", "old-token");
    assert!(matches!(
        expired.send("254712345678", &text("x")).await,
        Err(ProviderError::Credentials(_))
    ));
    let status = cloud.session_status().await.unwrap();
    assert!(status.connected && status.detail.contains("GREEN"));
    assert!(matches!(
        cloud.check_numbers(&["254712345678".into()]).await,
        Err(ProviderError::Unsupported(_))
    ));
}

/// Adds a gateway sender pointing at `sim`; returns (sender json, webhook secret).
pub(crate) async fn add_gateway_sender(browser: &Browser, ws: &str, sim: &str) -> (Value, String) {
    add_named_gateway_sender(browser, ws, sim, ("Main line", "+254 700 000 001", "main")).await
}

/// A gateway sender on the simulator `sim` named `(name, display number, session id)`: the
/// sender and its webhook secret.
pub(crate) async fn add_named_gateway_sender(
    browser: &Browser,
    ws: &str,
    sim: &str,
    (name, number, session): (&str, &str, &str),
) -> (Value, String) {
    let (status, created) = browser
        .call_json(
            "add_sender",
            json!({"workspace": ws, "input": {
                "name": name, "provider": "session_gateway",
                "display_number": number, "base_url": sim, "account_ref": session,
                "secret": SIM_KEY, "app_secret": "", "warmup": "new", "daily_cap": ""
            }}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "add_sender: {created}");
    (
        created["sender"].clone(),
        created["webhook_secret"].as_str().unwrap().to_owned(),
    )
}

/// A Cloud API sender "Official" (warmed, 100 a day) on the test Graph API at `graph_base`;
/// returns what `add_sender` answered (the sender and its webhook secret).
pub(crate) async fn add_cloud_sender(browser: &Browser, ws: &str, graph_base: &str) -> Value {
    let (status, created) = browser
        .call_json(
            "add_sender",
            json!({"workspace": ws, "input": {
                "name": "Official", "provider": "cloud_api",
                "display_number": "+254 700 000 001", "base_url": graph_base, "account_ref": "111",
                "secret": "good-token", "app_secret": "app-secret", "warmup": "warmed", "daily_cap": "100"
            }}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    created
}

async fn conversation(browser: &Browser, ws: &str, lead: &str) -> Vec<Value> {
    let (status, body) = browser
        .call("conversation", &[("workspace", ws), ("lead", lead)])
        .await;
    assert_eq!(status, StatusCode::OK, "conversation: {body}");
    body.as_array().unwrap().clone()
}

/// The first validation message of a server function's error.
fn first_message(body: &Value) -> String {
    body["Validation"][0]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("no validation message in {body}"))
        .to_owned()
}

async fn until<F, Fut>(what: &str, mut probe: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..100 {
        if probe().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn senders_send_receipts_replies_and_opt_outs(app: TestApp) {
    let sim = simulator(quick()).await;
    let (browser, ws) = app
        .user_with_workspace("Agency", "owner@wa.test", "wa-agency")
        .await;
    let (mboga, baraka, _) = imported_leads(&browser, "wa-agency", &ws).await;

    // A sender with a missing key and a bad number is refused field by field.
    let (status, refused) = browser
        .call_json(
            "add_sender",
            json!({"workspace": ws, "input": {"name": "", "provider": "session_gateway",
                "display_number": "12", "base_url": "ftp://x", "account_ref": "", "secret": "",
                "app_secret": "", "warmup": "new", "daily_cap": "0"}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = refused["Validation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    for field in [
        "name",
        "display_number",
        "base_url",
        "account_ref",
        "secret",
        "daily_cap",
    ] {
        assert!(fields.contains(&field), "{field} in {refused}");
    }

    let (sender, webhook_secret) = add_gateway_sender(&browser, &ws, &sim).await;
    let sender_id = sender["id"].as_str().unwrap().to_owned();
    assert_eq!(sender["connected"], true, "{sender}");
    assert_eq!(sender["webhook_registered"], true);
    assert_eq!(
        sender["daily_cap"], 30,
        "a new number gets the workspace's new-sender cap"
    );
    assert!(
        !sender.to_string().contains(SIM_KEY),
        "the key never goes back: {sender}"
    );

    // At rest: ciphertext only, and it opens with the key it was sealed with.
    let stored = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT secret_enc FROM senders".to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    let secret_enc: String = stored.try_get("", "secret_enc").unwrap();
    assert!(secret_enc.starts_with("v1:") && !secret_enc.contains(SIM_KEY));
    let key = shared::crypto::SecretBox::from_hex(TEST_SECRET_KEY).unwrap();
    assert_eq!(
        key.decrypt(&format!("sender:{sender_id}:secret"), &secret_enc)
            .unwrap(),
        SIM_KEY
    );

    // A test message reaches the simulator.
    let (status, said) = browser
        .call(
            "test_sender",
            &[
                ("workspace", &ws),
                ("sender", &sender_id),
                ("to", "+254 711 222 333"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{said}");
    assert!(
        delivered_to(&sim, "254711222333").await[0]["message"]
            .as_str()
            .unwrap()
            .contains("Test message")
    );

    // One-to-one: sent, then delivered and read by the simulator's signed webhooks.
    let (status, sent) = browser
        .call(
            "send_message",
            &[
                ("workspace", &ws),
                ("lead", &mboga),
                ("body", "Habari! Your site is live."),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "send: {sent}");
    assert_eq!(sent["status"], "sent");
    until("the read receipt", || async {
        conversation(&browser, &ws, &mboga).await[0]["status"] == "read"
    })
    .await;
    let message = &conversation(&browser, &ws, &mboga).await[0];
    assert!(message["delivered_at"].is_string() && message["read_at"].is_string());
    let (_, lead) = browser
        .call("load_lead", &[("workspace", &ws), ("lead", &mboga)])
        .await;
    assert_eq!(
        lead["stage"], "contacted",
        "a first message moves a new lead on"
    );

    // A bad signature is refused and changes nothing.
    let hook = format!("{}/webhooks/gateway/{sender_id}", app.base);
    let forged = json!({"event":"message.received","messageId":"forged","from":"254722000111","message":"STOP"});
    let response = reqwest::Client::new()
        .post(&hook)
        .header(
            "X-Webhook-Signature",
            shared::crypto::sign_sha256(b"wrong", forged.to_string().as_bytes()),
        )
        .body(forged.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = reqwest::Client::new()
        .post(&hook)
        .body(forged.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(conversation(&browser, &ws, &mboga).await.len(), 1);

    // A late `delivered` (out of order) and the same `read` twice change nothing.
    let provider_id = {
        let row = app
            .db
            .query_one_raw(Statement::from_string(
                app.db.get_database_backend(),
                "SELECT provider_message_id FROM messages".to_owned(),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<String>("", "provider_message_id").unwrap()
    };
    let signed_post = |event: Value| {
        let hook = hook.clone();
        let secret = webhook_secret.clone();
        async move {
            let body = event.to_string();
            reqwest::Client::new()
                .post(&hook)
                .header(
                    "X-Webhook-Signature",
                    shared::crypto::sign_sha256(secret.as_bytes(), body.as_bytes()),
                )
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    for status in ["delivered", "read", "read", "sent"] {
        let code = signed_post(
            json!({"event":"message.status","messageId":provider_id,"status":status,"timestamp":1}),
        )
        .await;
        assert_eq!(code, StatusCode::OK);
    }
    let after = &conversation(&browser, &ws, &mboga).await[0];
    assert_eq!(after["status"], "read");
    assert_eq!(
        after["read_at"], message["read_at"],
        "timestamps keep the first report"
    );
    // An unknown event is ignored, not an error.
    assert_eq!(
        signed_post(json!({"event":"presence.update","messageId":"p1"})).await,
        StatusCode::OK
    );

    // A reply lands on the timeline and moves the lead to "replied"; sent twice, stored once.
    let reply = json!({"event":"message.received","messageId":"in-1","from":"254722000111","pushName":"Wanjiku","message":"Sawa, tell me more"});
    for _ in 0..2 {
        assert_eq!(signed_post(reply.clone()).await, StatusCode::OK);
    }
    let messages = conversation(&browser, &ws, &mboga).await;
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert_eq!(messages[1]["inbound"], true);
    let (_, lead) = browser
        .call("load_lead", &[("workspace", &ws), ("lead", &mboga)])
        .await;
    assert_eq!(lead["stage"], "replied");
    assert!(
        lead["timeline"].to_string().contains("Sawa, tell me more"),
        "{lead}"
    );

    // "Stop." in any case opts the lead out; nothing is sent to them again.
    admin(
        &sim,
        "/admin/sessions/main/inbound",
        json!({"from":"254722000111","message":"Stop."}),
    )
    .await;
    until("the opt-out", || async {
        let (_, lead) = browser
            .call("load_lead", &[("workspace", &ws), ("lead", &mboga)])
            .await;
        lead["opted_out"] == true
    })
    .await;
    let (status, refused) = browser
        .call(
            "send_message",
            &[
                ("workspace", &ws),
                ("lead", &mboga),
                ("body", "One more offer"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(first_message(&refused).contains("opted out"), "{refused}");

    // Too long a message names the field and the limit.
    let long = "x".repeat(4097);
    let (status, refused) = browser
        .call(
            "send_message",
            &[("workspace", &ws), ("lead", &baraka), ("body", &long)],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(first_message(&refused).contains("4097"), "{refused}");

    // A send whose answer was lost in a crash ends as "unknown", never re-sent.
    app.db
        .execute_unprepared(&format!(
            "UPDATE messages SET status = 'sending' WHERE provider_message_id = '{provider_id}'"
        ))
        .await
        .unwrap();
    assert_eq!(
        shared::whatsapp::messages::settle_abandoned_sends(&app.db, chrono::Duration::zero())
            .await
            .unwrap(),
        1
    );
    let settled = conversation(&browser, &ws, &mboga).await;
    let ours: Vec<&Value> = settled.iter().filter(|m| m["inbound"] == false).collect();
    assert_eq!(ours.len(), 1, "{settled:?}");
    assert_eq!(ours[0]["status"], "unknown");

    // A banned session pauses the sender at its next send, and the owner is told.
    admin(&sim, "/admin/sessions/main/ban", json!({})).await;
    let (status, refused) = browser
        .call(
            "send_message",
            &[("workspace", &ws), ("lead", &baraka), ("body", "Hello")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(first_message(&refused).contains("paused"), "{refused}");
    let (_, listed) = browser.call("senders", &[("workspace", &ws)]).await;
    assert!(
        listed[0]["paused_reason"]
            .as_str()
            .unwrap()
            .contains("restricted"),
        "{listed}"
    );
    assert_eq!(listed[0]["recent_failures"], 1);
    // The lead page's reply box lists the paused sender as paused, with nothing else about it.
    let (status, choices) = browser.call("reply_choices", &[("workspace", &ws)]).await;
    assert_eq!(status, StatusCode::OK, "{choices}");
    let shown: Vec<Value> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            json!({
                "id": s["id"],
                "name": s["name"],
                "display_number": s["display_number"],
                "paused": !s["paused_reason"].is_null(),
            })
        })
        .collect();
    assert_eq!(choices["senders"], json!(shown), "{choices}");
    assert_eq!(choices["senders"][0]["paused"], true, "{choices}");
}
both_backends!(messaging, senders_send_receipts_replies_and_opt_outs);

async fn cloud_webhooks_verify_and_sign(app: TestApp) {
    let (graph_base, _) = graph().await;
    let (browser, ws) = app
        .user_with_workspace("Agency", "owner@cloud.test", "cloud")
        .await;
    let (mboga, _, _) = imported_leads(&browser, "cloud", &ws).await;
    let created = add_cloud_sender(&browser, &ws, &graph_base).await;
    let sender = created["sender"]["id"].as_str().unwrap().to_owned();
    let verify_token = created["webhook_secret"].as_str().unwrap().to_owned();
    assert_eq!(created["sender"]["daily_cap"], 100);
    assert_eq!(created["sender"]["webhook_registered"], false);

    let hook = format!("{}/webhooks/cloud/{sender}", app.base);
    let client = reqwest::Client::new();
    let verify = client
        .get(format!(
            "{hook}?hub.mode=subscribe&hub.verify_token={verify_token}&hub.challenge=12345"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(verify.status(), StatusCode::OK);
    assert_eq!(verify.text().await.unwrap(), "12345");
    let wrong = client
        .get(format!(
            "{hook}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=12345"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);

    let (status, sent) = browser
        .call(
            "send_message",
            &[
                ("workspace", &ws),
                ("lead", &mboga),
                ("body", "Hello from the Cloud API"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    let wamid: String = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT provider_message_id FROM messages".to_owned(),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get("", "provider_message_id")
        .unwrap();

    let envelope = |value: Value| {
        json!({"object":"whatsapp_business_account","entry":[{"id":"WABA","changes":[{"field":"messages","value":value}]}]})
            .to_string()
    };
    let failed = envelope(json!({"metadata":{"phone_number_id":"111"},
        "statuses":[{"id":wamid,"status":"failed","timestamp":"1700000100",
            "errors":[{"code":131047,"title":"Re-engagement message"}]}]}));
    // Unsigned and badly signed bodies are refused and change nothing.
    let unsigned = client
        .post(&hook)
        .body(failed.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), StatusCode::UNAUTHORIZED);
    let forged = client
        .post(&hook)
        .header(
            "X-Hub-Signature-256",
            shared::crypto::sign_sha256(b"not-the-app-secret", failed.as_bytes()),
        )
        .body(failed.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        conversation(&browser, &ws, &mboga).await[0]["status"],
        "sent"
    );

    let post = |body: String| {
        let client = client.clone();
        let hook = hook.clone();
        async move {
            client
                .post(&hook)
                .header(
                    "X-Hub-Signature-256",
                    shared::crypto::sign_sha256(b"app-secret", body.as_bytes()),
                )
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(post(failed).await, StatusCode::OK);
    let message = &conversation(&browser, &ws, &mboga).await[0];
    assert_eq!(message["status"], "failed");
    assert!(
        message["error"].as_str().unwrap().contains("131047"),
        "{message}"
    );

    let inbound = envelope(json!({"metadata":{"phone_number_id":"111"},
        "contacts":[{"profile":{"name":"Wanjiku"},"wa_id":"254722000111"}],
        "messages":[{"from":"254722000111","id":"wamid.IN1","timestamp":"1700000200","type":"text","text":{"body":"BAJA"}}]}));
    assert_eq!(post(inbound).await, StatusCode::OK);
    let (_, lead) = browser
        .call("load_lead", &[("workspace", &ws), ("lead", &mboga)])
        .await;
    assert_eq!(lead["opted_out"], true, "Spanish BAJA opts out");
    assert_eq!(lead["stage"], "replied");
}
both_backends!(cloud_webhooks, cloud_webhooks_verify_and_sign);

async fn other_workspaces_are_kept_out(app: TestApp) {
    let sim = simulator(quick()).await;
    let (owner, ws) = app
        .user_with_workspace("Agency", "owner@iso-wa.test", "iso-wa")
        .await;
    let (lead, _, _) = imported_leads(&owner, "iso-wa", &ws).await;
    let (sender, _) = add_gateway_sender(&owner, &ws, &sim).await;
    let sender = sender["id"].as_str().unwrap().to_owned();
    let (stranger, other_ws) = app
        .user_with_workspace("Rival", "owner@rival.test", "rival")
        .await;
    // With the stranger's own workspace id, the first workspace's ids are not found.
    for (name, form) in [
        (
            "refresh_sender",
            vec![
                ("workspace", other_ws.as_str()),
                ("sender", sender.as_str()),
            ],
        ),
        (
            "delete_sender",
            vec![
                ("workspace", other_ws.as_str()),
                ("sender", sender.as_str()),
            ],
        ),
        (
            "conversation",
            vec![("workspace", other_ws.as_str()), ("lead", lead.as_str())],
        ),
        (
            "send_message",
            vec![
                ("workspace", other_ws.as_str()),
                ("lead", lead.as_str()),
                ("body", "hi"),
            ],
        ),
    ] {
        let (status, body) = stranger.call(name, &form).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name}: {body}");
    }
    // With the first workspace's id, the stranger is not a member.
    for name in ["senders", "reply_choices", "opt_out_settings"] {
        let (status, body) = stranger.call(name, &[("workspace", ws.as_str())]).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name}: {body}");
    }
    let (_, mine) = stranger
        .call("senders", &[("workspace", other_ws.as_str())])
        .await;
    assert_eq!(mine, json!([]));
    // A webhook for a sender that does not exist is a 404.
    let response = reqwest::Client::new()
        .post(format!(
            "{}/webhooks/gateway/{}",
            app.base,
            uuid::Uuid::new_v4()
        ))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}
both_backends!(isolation, other_workspaces_are_kept_out);

async fn opt_out_settings_decide_and_confirm(app: TestApp) {
    let sim = simulator(quick()).await;
    let (browser, ws) = app
        .user_with_workspace("Agency", "owner@optout.test", "optout")
        .await;
    let (mboga, baraka, _) = imported_leads(&browser, "optout", &ws).await;
    add_gateway_sender(&browser, &ws, &sim).await;

    let (status, defaults) = browser
        .call("opt_out_settings", &[("workspace", &ws)])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        defaults["keywords"]
            .as_str()
            .unwrap()
            .contains("UNSUBSCRIBE")
    );

    let long = "x".repeat(41);
    let (status, refused) = browser
        .call_json(
            "update_opt_out_settings",
            json!({"workspace": ws, "form": {"keywords": format!("ok\n{long}\n!!!"), "reply": ""}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused["Validation"].as_array().unwrap().len(),
        2,
        "{refused}"
    );

    let (status, saved) = browser
        .call_json(
            "update_opt_out_settings",
            json!({"workspace": ws, "form": {"keywords": " Remove me \n\nHAPANA ", "reply": "Sawa, hatutakutumia tena."}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["keywords"], "Remove me\nHAPANA");

    // "STOP" is no longer a keyword here; "hapana!" is, and gets the confirmation.
    admin(
        &sim,
        "/admin/sessions/main/inbound",
        json!({"from":"254733123456","message":"STOP"}),
    )
    .await;
    admin(
        &sim,
        "/admin/sessions/main/inbound",
        json!({"from":"254722000111","message":"hapana!"}),
    )
    .await;
    until("the opt-out", || async {
        let (_, lead) = browser
            .call("load_lead", &[("workspace", &ws), ("lead", &mboga)])
            .await;
        lead["opted_out"] == true
    })
    .await;
    until("the confirmation", || async {
        !delivered_to(&sim, "254722000111").await.is_empty()
    })
    .await;
    assert_eq!(
        delivered_to(&sim, "254722000111").await[0]["message"],
        "Sawa, hatutakutumia tena."
    );
    // The inbox lists both conversations with their unread reply; opening one
    // on the lead page marks it read.
    let (status, inbox) = browser
        .call("inbox", &[("workspace", &ws), ("unread_only", "true")])
        .await;
    assert_eq!(status, StatusCode::OK, "{inbox}");
    let entries = inbox.as_array().unwrap();
    assert_eq!(entries.len(), 2, "{inbox}");
    let entry = |name: &str| {
        entries
            .iter()
            .find(|e| e["lead_name"] == name)
            .unwrap_or_else(|| panic!("{name} in {inbox}"))
            .clone()
    };
    let mama = entry("Mama Mboga Ltd");
    assert_eq!(mama["unread"], 1);
    assert_eq!(
        mama["last_inbound"], false,
        "the confirmation is the latest message"
    );
    assert_eq!(entry("Baraka Hardware")["last_body"], "STOP");
    let mboga_messages = conversation(&browser, &ws, &mboga).await;
    assert_eq!(
        mboga_messages.len(),
        2,
        "the reply and the stored confirmation"
    );
    let (_, unread) = browser
        .call("inbox", &[("workspace", &ws), ("unread_only", "true")])
        .await;
    assert_eq!(unread.as_array().unwrap().len(), 1, "{unread}");
    let (_, all) = browser
        .call("inbox", &[("workspace", &ws), ("unread_only", "false")])
        .await;
    assert_eq!(all.as_array().unwrap().len(), 2, "{all}");

    let (_, other) = browser
        .call("load_lead", &[("workspace", &ws), ("lead", &baraka)])
        .await;
    assert_eq!(other["opted_out"], false, "{other}");
    assert_eq!(other["stage"], "replied");

    // A member may send but not change the rules.
    let member = crate::common::join_as(
        &app,
        &browser,
        &ws,
        "Member",
        "member@optout.test",
        "member",
    )
    .await;
    let (status, _) = member
        .call_json(
            "update_opt_out_settings",
            json!({"workspace": ws, "form": {"keywords": "", "reply": ""}}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
both_backends!(opt_out_settings, opt_out_settings_decide_and_confirm);

async fn number_check_job(browser: &Browser, ws: &str, job: &str) -> Value {
    let mut last = Value::Null;
    for _ in 0..200 {
        let (status, body) = browser
            .call("number_check", &[("workspace", ws), ("job", job)])
            .await;
        assert_eq!(status, StatusCode::OK, "number_check: {body}");
        if ["done", "failed", "cancelled"].contains(&body["status"].as_str().unwrap_or("")) {
            return body;
        }
        last = body;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the number check did not finish: {last}");
}

async fn numbers_are_checked_in_batches_and_cached(app: TestApp) {
    let sim = simulator(quick()).await;
    let (browser, ws) = app
        .user_with_workspace("Agency", "owner@numbers.test", "numbers")
        .await;
    let csv =
        "Business,Phone\nAmani,+254722000111\nBaraka,+254733123456\nChai,+254711222330\nDuka,12\n";
    let (status, preview) = browser
        .upload_import("numbers", "n.csv", csv.as_bytes().to_vec())
        .await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    let queued = crate::imports::start(&browser, &ws, &preview, "skip").await;
    crate::imports::finished(&browser, &ws, queued["id"].as_str().unwrap()).await;
    let all = json!({"filter": crate::imports::empty_filter()});

    // Without a session-gateway sender there is nothing to ask.
    let (status, refused) = browser
        .call_json(
            "start_number_check",
            json!({"workspace": ws, "selection": all}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        first_message(&refused).contains("session-gateway sender"),
        "{refused}"
    );

    add_gateway_sender(&browser, &ws, &sim).await;
    let (status, job) = browser
        .call_json(
            "start_number_check",
            json!({"workspace": ws, "selection": all}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{job}");
    assert_eq!(
        job["total"], 3,
        "the lead without a valid phone is left out: {job}"
    );
    let done = number_check_job(&browser, &ws, job["id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(
        (
            done["on_whatsapp"].as_u64(),
            done["not_on_whatsapp"].as_u64()
        ),
        (Some(2), Some(1))
    );
    assert_eq!(done["cached"], 0);
    assert_eq!(done["sender_name"], "Main line");

    let listed = crate::imports::leads(&browser, &ws, crate::imports::empty_filter()).await;
    let status_of = |name: &str| {
        listed["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap()["whatsapp_status"]
            .clone()
    };
    assert_eq!(status_of("Amani"), "ON_WHATSAPP");
    assert_eq!(status_of("Chai"), "NOT_ON_WHATSAPP");
    assert_eq!(status_of("Duka"), "UNCHECKED");

    // Within 24 hours the same numbers come from the cache, without asking again.
    let (_, again) = browser
        .call_json(
            "start_number_check",
            json!({"workspace": ws, "selection": all}),
        )
        .await;
    let again = number_check_job(&browser, &ws, again["id"].as_str().unwrap()).await;
    assert_eq!(again["cached"], 3, "{again}");
    assert_eq!(again["on_whatsapp"], 2);

    // A banned session stops the check and pauses the sender.
    app.db
        .execute_unprepared("DELETE FROM number_checks")
        .await
        .unwrap();
    admin(&sim, "/admin/sessions/main/ban", json!({})).await;
    let (_, banned) = browser
        .call_json(
            "start_number_check",
            json!({"workspace": ws, "selection": all}),
        )
        .await;
    let banned = number_check_job(&browser, &ws, banned["id"].as_str().unwrap()).await;
    assert_eq!(banned["status"], "failed", "{banned}");
    assert!(
        banned["failure"].as_str().unwrap().contains("restricted"),
        "{banned}"
    );
    let (_, senders) = browser.call("senders", &[("workspace", &ws)]).await;
    assert!(senders[0]["paused_reason"].is_string(), "{senders}");
    let (_, active) = browser
        .call("active_number_check", &[("workspace", &ws)])
        .await;
    assert_eq!(active, Value::Null);

    // `leadloom check-numbers` runs the same job from the shell once the sender is back.
    admin(&sim, "/admin/sessions/main/unban", json!({})).await;
    let sender = senders[0]["id"].as_str().unwrap();
    let (status, _) = browser
        .call(
            "pause_sender",
            &[("workspace", &ws), ("sender", sender), ("paused", "false")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_leadloom"))
        .args(["check-numbers", "--workspace", "numbers", "--all"])
        .env("DATABASE_URL", &app.database_url)
        .env("LEADLOOM_SECRET_KEY", TEST_SECRET_KEY)
        .env("LEADLOOM_PROVIDER_ALLOW_NETS", "127.0.0.0/8")
        .env("LEADLOOM_NUMBER_CHECK_PAUSE_MS", "0")
        .env("RUST_LOG", "error")
        .output()
        .expect("run leadloom");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let summary: Value = serde_json::from_slice(&output.stdout).expect("JSON summary");
    assert_eq!(summary["status"], "done", "{summary}");
    assert_eq!(
        (summary["total"].as_u64(), summary["on_whatsapp"].as_u64()),
        (Some(3), Some(2))
    );
    assert!(stderr.contains("checking 3 numbers"), "{stderr}");
    // Nothing unchecked left: a scheduled run succeeds with nothing to do.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_leadloom"))
        .args(["check-numbers", "--workspace", "numbers"])
        .env("DATABASE_URL", &app.database_url)
        .env("LEADLOOM_SECRET_KEY", TEST_SECRET_KEY)
        .env("RUST_LOG", "error")
        .output()
        .expect("run leadloom");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: Value = serde_json::from_slice(&output.stdout).expect("JSON summary");
    assert_eq!(summary["total"], 0, "{summary}");
}
both_backends!(number_checks, numbers_are_checked_in_batches_and_cached);
