//! Test harness: a real `leadloom` router on a real TCP port, over a fresh database per test —
//! an SQLite file in a temp dir, or a new PostgreSQL database that is dropped afterwards — and
//! a cookie-keeping HTTP client that behaves like a same-origin browser.

#![allow(dead_code)]

use leptos::config::LeptosOptions;
use migrations::{Migrator, MigratorTrait};
use reqwest::{Client, Response, StatusCode};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::Value;
use server::AppState;
use server::http::router::{RouterOptions, router};
use shared::services::{Services, Settings};
use std::net::SocketAddr;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs a test body against both SQLite and PostgreSQL.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:path) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(app) =
                    $crate::common::TestApp::spawn($crate::common::Backend::Sqlite).await
                {
                    $body(app).await;
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) =
                    $crate::common::TestApp::spawn($crate::common::Backend::Postgres).await
                {
                    $body(app).await;
                }
            }
        }
    };
}

pub struct TestApp {
    pub base: String,
    /// The test database's URL, for running the `leadloom` binary against it.
    pub database_url: String,
    pub db: DatabaseConnection,
    pub backend: Backend,
    /// This test's attachments directory (removed at the end).
    pub attachments_dir: std::path::PathBuf,
    /// This test's site root (static files; empty until a test writes to it).
    pub site_dir: std::path::PathBuf,
    /// The app's precompressed site files, filled when a test asks (`compress_site`).
    pub precompressed: server::http::precompressed::Precompressed,
    /// A gateway simulator of its own that the app sends one-time phone codes through
    /// (session [`PLATFORM_SESSION`], key [`SIMULATOR_KEY`]).
    pub platform_gateway: String,
    _guard: DbGuard,
    _files: tempfile::TempDir,
}

/// Drops the per-test PostgreSQL database, or removes the SQLite directory, at the end.
struct DbGuard {
    admin_url: Option<String>,
    name: String,
    _dir: Option<tempfile::TempDir>,
}

impl Drop for DbGuard {
    fn drop(&mut self) {
        let Some(admin_url) = self.admin_url.clone() else {
            return;
        };
        let name = self.name.clone();
        // Dropping needs async; do it on a small runtime of its own so it works from Drop.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let admin = Database::connect(&admin_url).await.ok()?;
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await
                    .ok()
            })
        })
        .join();
    }
}

fn postgres_admin_url() -> String {
    std::env::var("LEADLOOM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

fn with_database(url: &str, name: &str) -> String {
    match url.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => format!("{url}/{name}"),
    }
}

impl TestApp {
    /// A fresh app, or `None` when PostgreSQL is wanted but unreachable outside CI.
    pub async fn spawn(backend: Backend) -> Option<Self> {
        Self::spawn_with(backend, None).await
    }

    /// A fresh app that sends e-mail through `mailer`.
    pub async fn spawn_with(
        backend: Backend,
        mailer: Option<shared::mail::Mailer>,
    ) -> Option<Self> {
        Self::spawn_inner(backend, mailer, true).await
    }

    /// A fresh app whose campaigns are sent by nobody in this process: the test runs
    /// `leadloom worker` processes for that.
    pub async fn spawn_without_dispatcher(backend: Backend) -> Option<Self> {
        Self::spawn_inner(backend, None, false).await
    }

    async fn spawn_inner(
        backend: Backend,
        mailer: Option<shared::mail::Mailer>,
        dispatcher: bool,
    ) -> Option<Self> {
        let unique = uuid::Uuid::new_v4().simple().to_string();
        let (url, guard) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}/test.db?mode=rwc", dir.path().display());
                (
                    url,
                    DbGuard {
                        admin_url: None,
                        name: String::new(),
                        _dir: Some(dir),
                    },
                )
            }
            Backend::Postgres => {
                let admin_url = postgres_admin_url();
                let admin = match Database::connect(&admin_url).await {
                    Ok(db) => db,
                    Err(e) => {
                        if std::env::var("CI").is_ok_and(|v| v == "true") {
                            panic!(
                                "PostgreSQL is required under CI but {admin_url} is unreachable: {e}"
                            );
                        }
                        eprintln!(
                            "\n!!!!! SKIPPING PostgreSQL test: {admin_url} unreachable ({e}) !!!!!\n"
                        );
                        return None;
                    }
                };
                let name = format!("leadloom_test_{unique}");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("create test database");
                let url = with_database(&admin_url, &name);
                (
                    url,
                    DbGuard {
                        admin_url: Some(admin_url),
                        name,
                        _dir: None,
                    },
                )
            }
        };
        let db = shared::db::connect(&url).await.expect("connect");
        Migrator::up(&db, None).await.expect("migrate");

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let base = format!("http://{addr}");
        let files = tempfile::tempdir().expect("attachments dir");
        let site_dir = files.path().join("site");
        let leptos_options = LeptosOptions::builder()
            .output_name("leadloom")
            .site_root(site_dir.display().to_string())
            .site_addr(addr)
            .build();
        let import_wakeup = Arc::new(tokio::sync::Notify::new());
        let verify_wakeup = Arc::new(tokio::sync::Notify::new());
        let platform_gateway = start_simulator(quick_simulator()).await;
        let attachments_dir = files.path().join("attachments");
        let state = AppState {
            leptos_options,
            services: Services {
                db: db.clone(),
                mailer,
                settings: Arc::new(Settings {
                    public_url: base.clone(),
                    invitation_ttl_days: 7,
                    max_import_bytes: TEST_MAX_IMPORT_BYTES,
                    attachments_dir: attachments_dir.clone(),
                }),
                import_wakeup: import_wakeup.clone(),
                verify_wakeup: verify_wakeup.clone(),
                whatsapp: Arc::new(test_channel().with_platform(
                    shared::whatsapp::channel::PlatformGateway {
                        base_url: platform_gateway.clone(),
                        session: PLATFORM_SESSION.into(),
                        api_key: SIMULATOR_KEY.into(),
                    },
                )),
            },
            trust_proxy: false,
            public_origin: base.clone(),
            precompressed: Default::default(),
        };
        let precompressed = state.precompressed.clone();
        let services = state.services.clone();
        let app = router(
            state,
            RouterOptions {
                secure_cookies: false,
                session_idle_days: 14,
                max_body_bytes: 2 * 1024 * 1024,
                max_import_bytes: TEST_MAX_IMPORT_BYTES,
            },
        );
        if dispatcher {
            let campaign_wakeup = services.whatsapp.campaign_wakeup.clone();
            tokio::spawn(
                shared::campaigns::dispatcher::Dispatcher::new(services.clone())
                    .run(campaign_wakeup),
            );
        }
        tokio::spawn(server::worker::run_number_checks(services));
        tokio::spawn(server::worker::run_imports(db.clone(), import_wakeup));
        tokio::spawn(server::worker::run_verifications(
            db.clone(),
            shared::websites::engine::Verifier::new(test_engine_config()).expect("verifier"),
            verify_wakeup,
        ));
        tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .expect("serve");
        });
        Some(Self {
            base,
            database_url: url.clone(),
            db,
            backend,
            attachments_dir,
            site_dir,
            precompressed,
            platform_gateway,
            _guard: guard,
            _files: files,
        })
    }

    /// A browser-like client with its own cookie jar.
    pub fn client(&self) -> Browser {
        Browser {
            base: self.base.clone(),
            http: Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                // A request that never answers fails its test in two minutes instead of
                // holding the whole run until CI's limit (one did, once, on the lead page).
                .timeout(std::time::Duration::from_secs(120))
                .build()
                .expect("client"),
        }
    }

    /// Registers a user (signed in on the returned browser) and creates a workspace for them.
    pub async fn user_with_workspace(
        &self,
        name: &str,
        email: &str,
        slug: &str,
    ) -> (Browser, String) {
        let browser = self.client();
        browser.register(name, email).await;
        let ws = browser
            .call(
                "create_workspace",
                &[
                    ("name", name),
                    ("slug", slug),
                    ("timezone", "Africa/Nairobi"),
                    ("use_case", "agency"),
                ],
            )
            .await;
        assert_eq!(ws.0, StatusCode::OK, "create workspace: {}", ws.1);
        (
            browser,
            ws.1["id"].as_str().expect("workspace id").to_owned(),
        )
    }
}

/// Invites `email` to the workspace with `role` (by `owner`) and returns that person's browser,
/// registered and joined.
pub async fn join_as(
    app: &TestApp,
    owner: &Browser,
    workspace: &str,
    name: &str,
    email: &str,
    role: &str,
) -> Browser {
    let (status, invited) = owner
        .call(
            "invite",
            &[("workspace", workspace), ("email", email), ("role", role)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "invite: {invited}");
    let token = invited["link"]
        .as_str()
        .and_then(|link| link.rsplit('/').next())
        .expect("invitation link")
        .to_owned();
    let member = app.client();
    member.register(name, email).await;
    let (status, body) = member.call("accept_invitation", &[("token", &token)]).await;
    assert_eq!(status, StatusCode::OK, "accept_invitation: {body}");
    member
}

/// The verification engine as tests use it: loopback allowed (the test sites run there), short
/// timeouts so a slow site costs little, a few checks at a time.
pub fn test_engine_config() -> shared::websites::engine::EngineConfig {
    shared::websites::engine::EngineConfig {
        concurrency: 4,
        per_host: 4,
        connect_timeout: std::time::Duration::from_secs(2),
        timeout: std::time::Duration::from_secs(5),
        allow_nets: vec!["127.0.0.0/8".parse().expect("loopback network")],
        ..shared::websites::engine::EngineConfig::default()
    }
}

/// Imports in tests accept up to 2 MB, so the too-large path is cheap to exercise.
/// The WhatsApp channel for tests: a fixed key (so tests can decrypt what they stored) and
/// loopback allowed, where the simulator and the Cloud API test server listen.
pub fn test_channel() -> shared::whatsapp::channel::Channel {
    shared::whatsapp::channel::Channel::new(
        shared::crypto::SecretBox::from_hex(TEST_SECRET_KEY).expect("test key"),
        vec!["127.0.0.0/8".parse().expect("loopback")],
    )
    .with_check_pause(std::time::Duration::ZERO)
}

/// The API key of every simulator the tests start.
pub const SIMULATOR_KEY: &str = "sim-key";
/// The session the app's own one-time codes go out on.
pub const PLATFORM_SESSION: &str = "platform";

/// Simulator behaviour for tests: no latency or failures, receipts within 50 ms.
pub fn quick_simulator() -> server::simulator::Behaviour {
    server::simulator::Behaviour {
        latency_ms: 0,
        fail_share: 0.0,
        rate_limit_share: 0.0,
        delivery_delay_ms: 50,
        read_delay_ms: 50,
        receipts: true,
    }
}

/// A gateway simulator on a free port; returns its base URL.
pub async fn start_simulator(behaviour: server::simulator::Behaviour) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind simulator");
    let addr = listener.local_addr().expect("addr");
    let app = server::simulator::Simulator::new(SIMULATOR_KEY, behaviour).router();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

/// The key the test servers encrypt credentials with.
pub const TEST_SECRET_KEY: &str =
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

pub const TEST_MAX_IMPORT_BYTES: usize = 2 * 1024 * 1024;

pub const PASSWORD: &str = "violet-tractor-sunrise-42";

pub struct Browser {
    pub base: String,
    pub http: Client,
}

impl Browser {
    /// A same-origin POST to server function `name`, as the hydrated page sends it.
    fn api_post(&self, name: &str) -> reqwest::RequestBuilder {
        self.http
            .post(format!("{}/api/{name}", self.base))
            .header("Origin", &self.base)
            .header("Sec-Fetch-Site", "same-origin")
    }

    /// POSTs a server function (form-encoded, as an `ActionForm` does) from this site.
    pub async fn call(&self, name: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
        json(
            self.api_post(name)
                .form(form)
                .send()
                .await
                .expect("request"),
        )
        .await
    }

    /// POSTs a server function with a hand-built body (serde_qs style nested keys).
    pub async fn call_raw(&self, name: &str, body: String) -> (StatusCode, Value) {
        let request = self
            .api_post(name)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body);
        json(request.send().await.expect("request")).await
    }

    /// Uploads `bytes` as workspace `slug`'s logo through the settings form.
    pub async fn upload_logo(
        &self,
        slug: &str,
        bytes: Vec<u8>,
        file_name: &'static str,
    ) -> Response {
        let form = reqwest::multipart::Form::new().part(
            "logo",
            reqwest::multipart::Part::bytes(bytes).file_name(file_name),
        );
        self.http
            .post(format!("{}/w/{slug}/settings/logo", self.base))
            .header("Origin", &self.base)
            .multipart(form)
            .send()
            .await
            .expect("request")
    }

    /// POSTs a server function that takes JSON (`input = Json`), as the hydrated page does.
    pub async fn call_json(&self, name: &str, body: Value) -> (StatusCode, Value) {
        json(
            self.api_post(name)
                .json(&body)
                .send()
                .await
                .expect("request"),
        )
        .await
    }

    /// Uploads a spreadsheet to workspace `slug`'s import, as the import page does.
    pub async fn upload_import(
        &self,
        slug: &str,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> (StatusCode, Value) {
        self.upload(&format!("/w/{slug}/imports/upload"), file_name, bytes)
            .await
    }

    /// POSTs `bytes` as the multipart field `file` to `path` from this site, as the hydrated
    /// pages' uploads do.
    pub async fn upload(&self, path: &str, file_name: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned()),
        );
        json(
            self.http
                .post(format!("{}{path}", self.base))
                .header("Origin", &self.base)
                .header("Sec-Fetch-Site", "same-origin")
                .multipart(form)
                .send()
                .await
                .expect("request"),
        )
        .await
    }

    /// A page load, as a browser asks for it.
    pub async fn get(&self, path: &str) -> Response {
        self.http
            .get(format!("{}{path}", self.base))
            .header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
            .send()
            .await
            .expect("request")
    }

    pub async fn register(&self, name: &str, email: &str) {
        let (status, body) = self
            .call(
                "register",
                &[
                    ("name", name),
                    ("email", email),
                    ("password", PASSWORD),
                    ("next", ""),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "register {email}: {body}");
    }

    pub async fn login(&self, email: &str, password: &str) -> (StatusCode, Value) {
        self.call(
            "login",
            &[("email", email), ("password", password), ("next", "")],
        )
        .await
    }
}

pub async fn json(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, value)
}

/// The `AppError` variant name inside a server function's error body, e.g. `"NotFound"`.
pub fn error_kind(body: &Value) -> String {
    match body {
        Value::String(s) => s.clone(),
        Value::Object(map) => map.keys().next().cloned().unwrap_or_default(),
        other => other.to_string(),
    }
}

/// A minimal SMTP server on loopback that accepts every message and keeps its DATA, so the
/// real lettre transport can be tested end to end.
pub async fn smtp_sink() -> (String, Arc<tokio::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind smtp");
    let url = format!("smtp://{}", listener.local_addr().expect("addr"));
    let inbox = Arc::new(tokio::sync::Mutex::new(Vec::new()));
    let store = inbox.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 sink ESMTP\r\n").await;
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(body) = data.as_mut() {
                        if line == "." {
                            store.lock().await.push(std::mem::take(body));
                            data = None;
                            let _ = write.write_all(b"250 queued\r\n").await;
                        } else {
                            body.push_str(&line);
                            body.push('\n');
                        }
                        continue;
                    }
                    let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 sink\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            break;
                        }
                        _ => b"250 OK\r\n",
                    };
                    let _ = write.write_all(reply).await;
                }
            });
        }
    });
    (url, inbox)
}
