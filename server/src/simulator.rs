//! `leadloom simulate-gateway`: a real HTTP server that speaks the session-gateway dialect
//! (`shared::whatsapp::provider::gateway`), so the whole product runs with no WhatsApp account
//! and no internet — in development, the demo and the tests.
//!
//! * **Who is on WhatsApp** is decided by the number itself: a number whose last digit is `0`
//!   is not on WhatsApp; every other number is. Sends to a number that is not are refused
//!   (`422`), as a real gateway does when `skipValidation` is false.
//! * **Receipts**: after a send, `delivered` follows after `--delivery-delay-ms` and `read`
//!   after `--read-delay-ms` more, posted to the session's webhook (registered with
//!   `POST /api/sessions/{id}/webhook`) and signed `X-Webhook-Signature: sha256=<hmac>`.
//!   `--no-receipts` (`"receipts": false` in `POST /admin/config`) sends none, and no task is
//!   started per send: for load tests (`leadloom bench dispatch`), where nobody reads them.
//! * **Misbehaviour on demand**, by flags or `POST /admin/config`: latency, a share of sends
//!   that fail, a share answered `429`; `POST /admin/sessions/{id}/ban` bans a session (sends
//!   answer `403 session banned`, the status says `BANNED`), `…/unban` lifts it.
//! * **Media** sends are downloaded from their `url` first (a link that does not answer 2xx
//!   fails the send with `400`, as on a real gateway); the stored message notes the bytes,
//!   content type and SHA-256 that arrived.
//! * **What it "delivered"** is kept (the last 1,000 messages) and readable at
//!   `GET /admin/messages[?to=digits]`, and logged: one-time codes for phone verification
//!   are read there. `POST /admin/sessions/{id}/inbound {"from","message"}` makes a contact
//!   write to the session (a reply or an opt-out), posted to its webhook.
//! * **Counts**: every accepted send is counted per `(session, number)`, however many there
//!   are (a map of counters, a few dozen bytes a number, unlike the messages kept above).
//!   `GET /admin/stats` answers `{"sends": accepted sends, "numbers": distinct (session,
//!   number) pairs, "duplicates": accepted sends beyond the first per pair}`: a number that got
//!   the same campaign twice shows there, however long ago.
//!
//! Every endpoint wants the `X-API-Key` given by `--api-key`.

use axum::{
    Json, Router,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the simulator can be told to do; flags set it at start, `POST /admin/config` later.
#[derive(Clone, Debug, Serialize, Deserialize, clap::Args)]
pub struct Behaviour {
    /// Added to every answer, in milliseconds.
    #[arg(long, env = "LEADLOOM_SIMULATOR_LATENCY_MS", default_value_t = 0)]
    #[serde(default)]
    pub latency_ms: u64,
    /// Share of sends that fail (0.0–1.0), spread evenly and deterministically.
    #[arg(long, env = "LEADLOOM_SIMULATOR_FAIL_SHARE", default_value_t = 0.0)]
    #[serde(default)]
    pub fail_share: f64,
    /// Share of sends and checks answered `429 Too Many Requests` (0.0–1.0).
    #[arg(
        long,
        env = "LEADLOOM_SIMULATOR_RATE_LIMIT_SHARE",
        default_value_t = 0.0
    )]
    #[serde(default)]
    pub rate_limit_share: f64,
    /// Delay before the `delivered` webhook, in milliseconds.
    #[arg(
        long,
        env = "LEADLOOM_SIMULATOR_DELIVERY_DELAY_MS",
        default_value_t = 1500
    )]
    #[serde(default = "default_delivery")]
    pub delivery_delay_ms: u64,
    /// Delay between `delivered` and `read`, in milliseconds.
    #[arg(long, env = "LEADLOOM_SIMULATOR_READ_DELAY_MS", default_value_t = 3000)]
    #[serde(default = "default_read")]
    pub read_delay_ms: u64,
    /// Post delivery and read receipts (`--no-receipts`: none, and nothing scheduled per send).
    #[arg(long = "no-receipts", action = clap::ArgAction::SetFalse)]
    #[serde(default = "default_receipts")]
    pub receipts: bool,
}

fn default_receipts() -> bool {
    true
}

fn default_delivery() -> u64 {
    1500
}

fn default_read() -> u64 {
    3000
}

#[derive(Debug, clap::Args)]
pub struct SimulatorArgs {
    /// Address to listen on.
    #[arg(long, env = "LEADLOOM_SIMULATOR_BIND", default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// Port to listen on.
    #[arg(long, env = "LEADLOOM_SIMULATOR_PORT", default_value_t = 3100)]
    pub port: u16,
    /// The API key clients must send as `X-API-Key`.
    #[arg(
        long,
        env = "LEADLOOM_SIMULATOR_API_KEY",
        default_value = "simulator-key"
    )]
    pub api_key: String,
    #[command(flatten)]
    pub behaviour: Behaviour,
}

/// The rule: a number ending in 0 is not on WhatsApp.
pub fn on_whatsapp(digits: &str) -> bool {
    !digits.ends_with('0') && digits.len() >= 7
}

#[derive(Clone, Debug, Serialize)]
struct Delivered {
    session: String,
    to: String,
    message: String,
    media: Option<Value>,
    message_id: String,
    at: chrono::DateTime<chrono::Utc>,
}

#[derive(Clone, Debug)]
struct Webhook {
    url: String,
    secret: String,
}

struct Inner {
    behaviour: Behaviour,
    banned: HashSet<String>,
    webhooks: HashMap<String, Webhook>,
    delivered: VecDeque<Delivered>,
    /// Send calls (for the failure and rate-limit shares), accepted or not.
    sends: u64,
    calls: u64,
    /// Accepted sends per session, then per number (digits).
    accepted: HashMap<String, HashMap<String, u32>>,
    stats: Stats,
}

/// What `GET /admin/stats` answers: accepted sends, the distinct `(session, number)` pairs they
/// went to, and how many were a second (third, …) send to the same pair.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub sends: u64,
    pub numbers: u64,
    pub duplicates: u64,
}

impl Inner {
    fn count_accepted(&mut self, session: &str, to: &str) {
        // Looked up before inserting, so the session and number are copied once per pair only.
        if !self.accepted.contains_key(session) {
            self.accepted.insert(session.to_owned(), HashMap::new());
        }
        let Some(per_session) = self.accepted.get_mut(session) else {
            return;
        };
        if !per_session.contains_key(to) {
            per_session.insert(to.to_owned(), 0);
        }
        let Some(count) = per_session.get_mut(to) else {
            return;
        };
        *count += 1;
        self.stats.sends += 1;
        if *count == 1 {
            self.stats.numbers += 1;
        } else {
            self.stats.duplicates += 1;
        }
    }
}

#[derive(Clone)]
pub struct Simulator {
    api_key: Arc<str>,
    inner: Arc<Mutex<Inner>>,
    client: reqwest::Client,
}

/// Whether call number `n` (1-based) of a stream falls in `share`: spread evenly, so a share of
/// 0.25 fails calls 4, 8, 12, …, and the same run always behaves the same.
fn falls_in(n: u64, share: f64) -> bool {
    let share = share.clamp(0.0, 1.0);
    (n as f64 * share).floor() > ((n - 1) as f64 * share).floor()
}

impl Simulator {
    pub fn new(api_key: &str, behaviour: Behaviour) -> Self {
        Self {
            api_key: api_key.into(),
            inner: Arc::new(Mutex::new(Inner {
                behaviour,
                banned: HashSet::new(),
                webhooks: HashMap::new(),
                delivered: VecDeque::new(),
                sends: 0,
                calls: 0,
                accepted: HashMap::new(),
                stats: Stats::default(),
            })),
            client: shared::whatsapp::provider::http_client(),
        }
    }

    /// The counts `GET /admin/stats` answers.
    pub fn stats(&self) -> Stats {
        self.lock().stats
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the state half-written in a way that
        // matters to a simulator; keep serving.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn router(self) -> Router {
        Router::new()
            .route("/api/sessions/{session}/send", post(send))
            .route("/api/sessions/{session}/status", get(status))
            .route("/api/sessions/{session}/webhook", post(register_webhook))
            .route("/api/number-checker/check", post(check))
            .route("/admin/config", get(show_config).post(set_config))
            .route("/admin/messages", get(messages))
            .route("/admin/stats", get(stats))
            .route("/admin/sessions/{session}/ban", post(ban))
            .route("/admin/sessions/{session}/unban", post(unban))
            .route("/admin/sessions/{session}/inbound", post(inbound))
            .route_layer(axum::middleware::from_fn_with_state(self.clone(), admit))
            .route("/healthz", get(|| async { "ok" }))
            .with_state(self)
    }

    /// Posts `event` to the session's webhook, signed; does nothing when none is registered.
    async fn post_webhook(&self, session: &str, event: Value) {
        let Some(hook) = self.lock().webhooks.get(session).cloned() else {
            return;
        };
        let body = event.to_string();
        let signature = shared::crypto::sign_sha256(hook.secret.as_bytes(), body.as_bytes());
        let result = self
            .client
            .post(&hook.url)
            .header("Content-Type", "application/json")
            .header("X-Webhook-Signature", signature)
            .body(body)
            .send()
            .await;
        match result {
            Ok(response) if response.status().is_success() => {}
            Ok(response) => tracing::warn!(status = %response.status(), "webhook refused"),
            Err(error) => tracing::warn!(%error, "webhook not delivered"),
        }
    }
}

/// Every endpoint but `/healthz`: waits the configured latency, then refuses a wrong key.
async fn admit(
    State(sim): State<Simulator>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let latency = sim.lock().behaviour.latency_ms;
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let key = request
        .headers()
        .get("x-api-key")
        .and_then(|v| v.to_str().ok());
    if key == Some(&*sim.api_key) {
        next.run(request).await
    } else {
        refuse(StatusCode::UNAUTHORIZED, "invalid API key")
    }
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"success": false, "error": message}))).into_response()
}

#[derive(Deserialize)]
struct SendBody {
    to: String,
    #[serde(default)]
    message: String,
    media: Option<Value>,
    #[serde(default, rename = "skipValidation")]
    skip_validation: bool,
}

async fn send(
    State(sim): State<Simulator>,
    Path(session): Path<String>,
    Json(body): Json<SendBody>,
) -> Response {
    let to = shared::whatsapp::provider::digits(&body.to);
    let (banned, rate_limited, failed, behaviour) = {
        let mut inner = sim.lock();
        inner.sends += 1;
        let n = inner.sends;
        (
            inner.banned.contains(&session),
            falls_in(n, inner.behaviour.rate_limit_share),
            falls_in(n, inner.behaviour.fail_share),
            inner.behaviour.clone(),
        )
    };
    if banned {
        return refuse(StatusCode::FORBIDDEN, "session banned");
    }
    if rate_limited {
        let mut response = refuse(StatusCode::TOO_MANY_REQUESTS, "rate limit exceeded");
        response
            .headers_mut()
            .insert("Retry-After", axum::http::HeaderValue::from_static("1"));
        return response;
    }
    if failed {
        return refuse(StatusCode::INTERNAL_SERVER_ERROR, "simulated send failure");
    }
    if !body.skip_validation && !on_whatsapp(&to) {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "number is not registered on WhatsApp",
        );
    }
    let media = match body.media {
        Some(media) => match fetch_media(&sim.client, media).await {
            Ok(media) => Some(media),
            Err(reason) => return refuse(StatusCode::BAD_REQUEST, &reason),
        },
        None => None,
    };
    let message_id = format!("sim_{}", uuid::Uuid::new_v4().simple());
    let delivered = Delivered {
        session: session.clone(),
        to: to.clone(),
        message: body.message.clone(),
        media,
        message_id: message_id.clone(),
        at: chrono::Utc::now(),
    };
    tracing::info!(session, to, message = %body.message, message_id, "simulator delivered");
    {
        let mut inner = sim.lock();
        inner.count_accepted(&session, &to);
        if inner.delivered.len() >= 1000 {
            inner.delivered.pop_front();
        }
        inner.delivered.push_back(delivered);
    }
    if !behaviour.receipts {
        return Json(json!({"success": true, "messageId": message_id})).into_response();
    }
    let receipts = sim.clone();
    let id = message_id.clone();
    tokio::spawn(async move {
        for (delay, status) in [
            (behaviour.delivery_delay_ms, "delivered"),
            (behaviour.read_delay_ms, "read"),
        ] {
            tokio::time::sleep(Duration::from_millis(delay)).await;
            receipts
                .post_webhook(
                    &session,
                    json!({
                        "event": "message.status",
                        "sessionId": session,
                        "messageId": id,
                        "status": status,
                        "timestamp": chrono::Utc::now().timestamp(),
                    }),
                )
                .await;
        }
    });
    Json(json!({"success": true, "messageId": message_id})).into_response()
}

/// Downloads a send's media from its `url`, as a real gateway does before it sends, and notes
/// what arrived (`fetchedBytes`, `fetchedContentType`, `sha256`) so tests can compare.
async fn fetch_media(client: &reqwest::Client, mut media: Value) -> Result<Value, String> {
    let url = media
        .get("url")
        .and_then(Value::as_str)
        .ok_or("media needs a url")?
        .to_owned();
    let response = client
        .get(&url)
        .timeout(Duration::from_secs(15))
        .send()
        .await
        .map_err(|error| format!("could not download the media: {error}"))?;
    if !response.status().is_success() {
        return Err(format!(
            "could not download the media: the link answered {}",
            response.status()
        ));
    }
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = response
        .bytes()
        .await
        .map_err(|error| format!("could not download the media: {error}"))?;
    if let Some(fields) = media.as_object_mut() {
        fields.insert("fetchedBytes".into(), json!(bytes.len()));
        fields.insert("fetchedContentType".into(), json!(content_type));
        fields.insert("sha256".into(), json!(shared::crypto::sha256_hex(&bytes)));
    }
    Ok(media)
}

#[derive(Deserialize)]
struct CheckBody {
    numbers: Vec<String>,
    #[serde(default, rename = "sessionId")]
    session_id: Option<String>,
}

async fn check(State(sim): State<Simulator>, Json(body): Json<CheckBody>) -> Response {
    if body.numbers.len() > shared::whatsapp::provider::MAX_NUMBERS_PER_CHECK {
        return refuse(StatusCode::BAD_REQUEST, "at most 100 numbers per call");
    }
    let (banned, rate_limited) = {
        let mut inner = sim.lock();
        inner.calls += 1;
        (
            body.session_id
                .as_ref()
                .is_some_and(|session| inner.banned.contains(session)),
            falls_in(inner.calls, inner.behaviour.rate_limit_share),
        )
    };
    if banned {
        return refuse(StatusCode::FORBIDDEN, "session banned");
    }
    if rate_limited {
        return refuse(StatusCode::TOO_MANY_REQUESTS, "rate limit exceeded");
    }
    let results: Vec<Value> = body
        .numbers
        .iter()
        .map(|number| {
            let digits = shared::whatsapp::provider::digits(number);
            json!({"number": digits, "isValid": on_whatsapp(&digits)})
        })
        .collect();
    Json(json!({"success": true, "results": results})).into_response()
}

async fn status(State(sim): State<Simulator>, Path(session): Path<String>) -> Response {
    let banned = sim.lock().banned.contains(&session);
    let status = if banned { "BANNED" } else { "CONNECTED" };
    Json(json!({"sessionId": session, "status": status})).into_response()
}

#[derive(Deserialize)]
struct WebhookBody {
    url: String,
    secret: String,
}

async fn register_webhook(
    State(sim): State<Simulator>,
    Path(session): Path<String>,
    Json(body): Json<WebhookBody>,
) -> Response {
    if !(body.url.starts_with("http://") || body.url.starts_with("https://")) {
        return refuse(StatusCode::BAD_REQUEST, "url must be http(s)");
    }
    sim.lock().webhooks.insert(
        session,
        Webhook {
            url: body.url,
            secret: body.secret,
        },
    );
    Json(json!({"success": true})).into_response()
}

async fn show_config(State(sim): State<Simulator>) -> Response {
    Json(sim.lock().behaviour.clone()).into_response()
}

async fn set_config(State(sim): State<Simulator>, Json(behaviour): Json<Behaviour>) -> Response {
    tracing::info!(?behaviour, "simulator behaviour changed");
    sim.lock().behaviour = behaviour.clone();
    Json(behaviour).into_response()
}

#[derive(Deserialize)]
struct MessagesQuery {
    to: Option<String>,
}

async fn messages(State(sim): State<Simulator>, Query(query): Query<MessagesQuery>) -> Response {
    let to = query.to.map(|to| shared::whatsapp::provider::digits(&to));
    let list: Vec<Delivered> = sim
        .lock()
        .delivered
        .iter()
        .rev()
        .filter(|m| to.as_ref().is_none_or(|to| &m.to == to))
        .cloned()
        .collect();
    Json(list).into_response()
}

async fn stats(State(sim): State<Simulator>) -> Response {
    Json(sim.stats()).into_response()
}

async fn ban(State(sim): State<Simulator>, Path(session): Path<String>) -> Response {
    tracing::info!(session, "simulator banned the session");
    sim.lock().banned.insert(session);
    Json(json!({"success": true})).into_response()
}

async fn unban(State(sim): State<Simulator>, Path(session): Path<String>) -> Response {
    sim.lock().banned.remove(&session);
    Json(json!({"success": true})).into_response()
}

#[derive(Deserialize)]
struct InboundBody {
    from: String,
    message: String,
    #[serde(default, rename = "pushName")]
    push_name: Option<String>,
}

async fn inbound(
    State(sim): State<Simulator>,
    Path(session): Path<String>,
    Json(body): Json<InboundBody>,
) -> Response {
    if !sim.lock().webhooks.contains_key(&session) {
        return refuse(
            StatusCode::NOT_FOUND,
            "no webhook registered for this session",
        );
    }
    let message_id = format!("sim_in_{}", uuid::Uuid::new_v4().simple());
    sim.post_webhook(
        &session,
        json!({
            "event": "message.received",
            "sessionId": session,
            "messageId": message_id,
            "from": shared::whatsapp::provider::digits(&body.from),
            "pushName": body.push_name,
            "message": body.message,
            "timestamp": chrono::Utc::now().timestamp(),
        }),
    )
    .await;
    Json(json!({"success": true, "messageId": message_id})).into_response()
}

/// Serves until the process is stopped.
pub async fn run(args: SimulatorArgs) -> anyhow::Result<()> {
    let address = SocketAddr::new(args.host, args.port);
    let listener = tokio::net::TcpListener::bind(address).await?;
    tracing::info!(%address, "WhatsApp gateway simulator listening");
    axum::serve(
        listener,
        Simulator::new(&args.api_key, args.behaviour).router(),
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_are_spread_evenly_and_deterministically() {
        let failed: Vec<u64> = (1..=12).filter(|n| falls_in(*n, 0.25)).collect();
        assert_eq!(failed, vec![4, 8, 12]);
        assert!((1..=50).all(|n| !falls_in(n, 0.0)));
        assert!((1..=50).all(|n| falls_in(n, 1.0)));
    }

    fn quiet() -> Behaviour {
        Behaviour {
            latency_ms: 0,
            fail_share: 0.0,
            rate_limit_share: 0.0,
            delivery_delay_ms: 0,
            read_delay_ms: 0,
            receipts: false,
        }
    }

    async fn call(app: &Router, method: &str, path: &str, key: &str, body: Value) -> (u16, Value) {
        use tower::ServiceExt;
        let request = axum::http::Request::builder()
            .method(method)
            .uri(path)
            .header("x-api-key", key)
            .header("content-type", "application/json")
            .body(axum::body::Body::from(body.to_string()))
            .expect("request");
        let response = app.clone().oneshot(request).await.expect("answer");
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .expect("body");
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    #[tokio::test]
    async fn stats_count_every_accepted_send_per_session_and_number() {
        let sim = Simulator::new("k", quiet());
        let app = sim.clone().router();
        let send = |session: &'static str, to: &'static str| {
            let app = app.clone();
            async move {
                call(
                    &app,
                    "POST",
                    &format!("/api/sessions/{session}/send"),
                    "k",
                    json!({"to": to, "message": "hi"}),
                )
                .await
                .0
            }
        };
        assert_eq!(send("a", "+254 712 000001").await, 200);
        assert_eq!(send("a", "254712000001").await, 200); // the same number: a duplicate
        assert_eq!(send("a", "254712000002").await, 200);
        assert_eq!(send("b", "254712000001").await, 200); // another session: not a duplicate
        assert_eq!(send("a", "254712000010").await, 422); // refused: not counted
        assert_eq!(send("a", "254712000001").await, 200);

        let (status, stats) = call(&app, "GET", "/admin/stats", "k", Value::Null).await;
        assert_eq!(status, 200);
        assert_eq!(stats, json!({"sends": 5, "numbers": 3, "duplicates": 2}));
        assert_eq!(
            sim.stats(),
            Stats {
                sends: 5,
                numbers: 3,
                duplicates: 2
            }
        );
        // Like every endpoint, it wants the key.
        assert_eq!(
            call(&app, "GET", "/admin/stats", "wrong", Value::Null)
                .await
                .0,
            401
        );
    }

    #[tokio::test]
    async fn counts_outlive_the_kept_messages() {
        let sim = Simulator::new("k", quiet());
        let app = sim.clone().router();
        for n in 0..1_500u32 {
            let to = format!("2547{:08}", n * 10 + 1);
            let (status, _) = call(
                &app,
                "POST",
                "/api/sessions/s/send",
                "k",
                json!({"to": to, "message": "hi"}),
            )
            .await;
            assert_eq!(status, 200);
        }
        // The first number again, long after its message left the kept 1,000.
        call(
            &app,
            "POST",
            "/api/sessions/s/send",
            "k",
            json!({"to": "254700000001", "message": "again"}),
        )
        .await;
        assert_eq!(sim.lock().delivered.len(), 1000);
        assert_eq!(
            sim.stats(),
            Stats {
                sends: 1_501,
                numbers: 1_500,
                duplicates: 1
            }
        );
    }

    #[test]
    fn receipts_are_on_unless_turned_off() {
        let behaviour: Behaviour = serde_json::from_str("{}").expect("defaults");
        assert!(behaviour.receipts);
        let off: Behaviour = serde_json::from_str(r#"{"receipts": false}"#).expect("off");
        assert!(!off.receipts);
        #[derive(clap::Parser)]
        struct Flags {
            #[command(flatten)]
            behaviour: Behaviour,
        }
        use clap::Parser;
        assert!(Flags::parse_from(["x"]).behaviour.receipts);
        assert!(!Flags::parse_from(["x", "--no-receipts"]).behaviour.receipts);
    }

    #[test]
    fn numbers_ending_in_zero_are_not_on_whatsapp() {
        assert!(on_whatsapp("254712345678"));
        assert!(!on_whatsapp("254712345670"));
        assert!(!on_whatsapp("12"));
    }
}
