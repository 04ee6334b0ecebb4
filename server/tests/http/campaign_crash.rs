//! A worker killed mid-campaign (PostgreSQL only: several processes on one database). Two
//! `leadloom worker` processes send a burst campaign to a gateway simulator that answers each
//! send after 50 ms, so sends are in flight; the one holding a sender's lease with recipients
//! `sending` is killed with SIGKILL and started again. When the campaign completes, the
//! simulator's counts and the database agree: every recipient is `sent` with exactly one
//! message at the simulator, or `unknown` (the dead worker may or may not have sent it) or
//! `failed` — none twice, none silently lost, none left pending or sending.

use crate::common::{
    Backend, Browser, SIMULATOR_KEY, TEST_SECRET_KEY, TestApp, quick_simulator, start_simulator,
};
use crate::imports::{finished, start};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const LEADS: usize = 400;

/// The worker processes; killed (and reaped) however the test ends, panics included.
struct Workers {
    children: Vec<(String, Child)>,
    attachments: tempfile::TempDir,
}

impl Workers {
    fn spawn(&mut self, name: &str, database_url: &str) {
        let child = Command::new(env!("CARGO_BIN_EXE_leadloom"))
            .args(["worker", "--database-url", database_url])
            // The lease holder is `{HOSTNAME}-{pid}-{random}`: the name tells the workers apart.
            .env("HOSTNAME", name)
            .env("LEADLOOM_PROVIDER_ALLOW_NETS", "127.0.0.0/8")
            .env("LEADLOOM_SECRET_KEY", TEST_SECRET_KEY)
            .env("LEADLOOM_ATTACHMENTS_DIR", self.attachments.path())
            .env("LEADLOOM_PLATFORM_WHATSAPP_URL", "none")
            .env(
                "RUST_LOG",
                std::env::var("LEADLOOM_CRASH_TEST_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .env_remove("DATABASE_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("start leadloom worker");
        self.children.push((name.to_owned(), child));
    }

    /// SIGKILL (what `Child::kill` sends on unix) to the worker of that pid; returns its name.
    fn kill(&mut self, pid: u32) -> String {
        let index = self
            .children
            .iter()
            .position(|(_, c)| c.id() == pid)
            .unwrap_or_else(|| panic!("no worker with pid {pid}"));
        let (name, mut child) = self.children.remove(index);
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        name
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        for (_, child) in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

async fn call(browser: &Browser, name: &str, body: Value) -> Value {
    let (status, answer) = browser.call_json(name, body).await;
    assert_eq!(status, StatusCode::OK, "{name}: {answer}");
    answer
}

async fn rows(app: &TestApp, sql: &str) -> Vec<sea_orm::QueryResult> {
    app.db
        .query_all_raw(Statement::from_string(
            app.db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn simulator_get(sim: &str, path: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{sim}{path}"))
        .header("X-API-Key", SIMULATOR_KEY)
        .send()
        .await
        .expect("simulator")
        .json()
        .await
        .expect("json")
}

/// The worker (pid) holding a lease of a sender that has recipients `sending` right now.
async fn victim(app: &TestApp, campaign: &str) -> Option<(u32, i64)> {
    let found = rows(
        app,
        &format!(
            "SELECT l.holder, COUNT(*) AS n FROM campaign_recipients r \
             JOIN sender_leases l ON l.sender_id = r.sender_id \
             WHERE r.campaign_id = '{campaign}' AND r.state = 'sending' AND l.holder IS NOT NULL \
             GROUP BY l.holder ORDER BY n DESC"
        ),
    )
    .await;
    let row = found.first()?;
    let holder: String = row.try_get("", "holder").ok()?;
    let n: i64 = row.try_get("", "n").ok()?;
    // `{name}-{pid}-{random}`
    let pid = holder.rsplit('-').nth(1)?.parse().ok()?;
    Some((pid, n))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_campaign_sends_nothing_twice_and_loses_nothing() {
    let Some(app) = TestApp::spawn_without_dispatcher(Backend::Postgres).await else {
        return;
    };
    let started = Instant::now();
    let sim = start_simulator(server::simulator::Behaviour {
        latency_ms: 50,
        ..quick_simulator()
    })
    .await;
    let (browser, ws) = app
        .user_with_workspace("Crash", "owner@crash.test", "crash")
        .await;
    // Two senders and 400 leads: beyond the free plan.
    rows(
        &app,
        &format!("UPDATE workspaces SET plan_code = 'enterprise' WHERE id = '{ws}'"),
    )
    .await;

    // Distinct numbers, none ending in 0 (the simulator's "not on WhatsApp").
    let mut csv = String::from("name,phone,city\n");
    for (i, n) in (1..).filter(|n| n % 10 != 0).take(LEADS).enumerate() {
        csv.push_str(&format!("Shop {i},+2547220{n:05},Nairobi\n"));
    }
    let (status, preview) = browser
        .upload_import("crash", "leads.csv", csv.into_bytes())
        .await;
    assert_eq!(status, StatusCode::OK, "upload: {preview}");
    let queued = start(&browser, &ws, &preview, "skip").await;
    let import = finished(&browser, &ws, queued["id"].as_str().unwrap()).await;
    assert_eq!(import["status"], "completed", "{import}");

    let mut senders = Vec::new();
    for n in 1..=2 {
        let created = call(
            &browser,
            "add_sender",
            json!({"workspace": ws, "input": {
                "name": format!("Line {n}"), "provider": "session_gateway",
                "display_number": format!("+254 700 000 00{n}"), "base_url": sim,
                "account_ref": format!("line{n}"), "secret": SIMULATOR_KEY, "app_secret": "",
                "warmup": "warmed", "daily_cap": ""
            }}),
        )
        .await;
        senders.push(created["sender"]["id"].as_str().unwrap().to_owned());
    }

    let id = crate::campaigns::new_draft(&browser, &ws).await;
    let form = json!({
        "name": "Crash burst",
        "kind": "one_time",
        "audience": {"source": {"kind": "filter", "value": {}}},
        "variants": [{"label": "A", "body": "Hi {name}!", "weight": 50}],
        "strategy": {"order": "burst", "respect_daily_cap": false, "working_hours": null,
                     "max_retries": 0, "skip_sender_after_failures": null},
        "sender_ids": senders,
    });
    let launched = call(
        &browser,
        "launch_campaign",
        json!({"workspace": ws, "campaign": id, "form": form}),
    )
    .await;
    assert_eq!(launched["state"]["status"], "running", "{launched}");
    assert_eq!(launched["state"]["counts"]["total"], LEADS, "{launched}");

    // Nobody in this process sends: the two workers do.
    let mut workers = Workers {
        children: Vec::new(),
        attachments: tempfile::tempdir().expect("attachments dir"),
    };
    workers.spawn("w1", &app.database_url);
    workers.spawn("w2", &app.database_url);

    // Once the simulator has taken some sends, kill a worker with recipients in flight: some
    // of its batch reached the simulator, the rest not yet.
    // Generous: two fresh processes start beside the rest of the suite on two cores (30 s was
    // once not enough in CI); the campaign itself takes a few seconds once they run.
    let wait = Duration::from_secs(120);
    let deadline = Instant::now() + wait;
    let (pid, in_flight) = loop {
        let sending = simulator_get(&sim, "/admin/stats").await["sends"].as_u64() > Some(0);
        if sending && let Some(found) = victim(&app, &id).await {
            break found;
        }
        if Instant::now() >= deadline {
            // The counters tell "no worker started" from "they finished before one was caught".
            let (_, campaign) = browser
                .call("load_campaign", &[("workspace", &ws), ("campaign", &id)])
                .await;
            let stats = simulator_get(&sim, "/admin/stats").await;
            panic!(
                "no worker was caught sending in {wait:?}; counts {}, simulator {stats}",
                campaign["state"]["counts"]
            );
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    };
    let killed = workers.kill(pid);
    let at_kill = simulator_get(&sim, "/admin/stats").await;
    eprintln!(
        "killed {killed} (pid {pid}) with {in_flight} recipients sending; simulator then: {at_kill}"
    );
    workers.spawn(&killed, &app.database_url);

    // The dead worker's lease expires (15 s), a live worker takes the sender over, settles
    // what was in flight as unknown, and the campaign completes.
    let deadline = Instant::now() + Duration::from_secs(90);
    let done = loop {
        let (status, body) = browser
            .call("load_campaign", &[("workspace", &ws), ("campaign", &id)])
            .await;
        assert_eq!(status, StatusCode::OK, "load_campaign: {body}");
        if body["state"]["status"] == "completed" {
            break body;
        }
        assert!(
            Instant::now() < deadline,
            "the campaign did not complete in 90 s: {body}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    drop(workers);

    // The simulator: no number got the campaign twice.
    let stats = simulator_get(&sim, "/admin/stats").await;
    assert_eq!(stats["duplicates"], 0, "{stats}");
    let kept = simulator_get(&sim, "/admin/messages").await;
    let kept = kept.as_array().expect("messages");
    assert_eq!(
        kept.len() as u64,
        stats["sends"].as_u64().unwrap(),
        "{stats}"
    );
    let mut at_simulator: HashMap<String, u32> = HashMap::new();
    for message in kept {
        *at_simulator
            .entry(message["to"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }

    // The database: every recipient settled, and `sent` only with exactly one message there.
    let recipients = rows(
        &app,
        &format!(
            "SELECT r.state, l.phone_e164 FROM campaign_recipients r \
             JOIN leads l ON l.id = r.lead_id WHERE r.campaign_id = '{id}'"
        ),
    )
    .await;
    assert_eq!(recipients.len(), LEADS);
    let mut states: HashMap<String, u64> = HashMap::new();
    let mut reached = 0;
    let mut unknown_reached = 0;
    for row in &recipients {
        let state: String = row.try_get("", "state").unwrap();
        let phone: String = row.try_get("", "phone_e164").unwrap();
        let digits = phone.trim_start_matches('+').to_owned();
        let messages = at_simulator.remove(&digits).unwrap_or(0);
        reached += u64::from(messages);
        match state.as_str() {
            "sent" => assert_eq!(messages, 1, "{phone} is sent with {messages} messages"),
            "unknown" | "failed" => {
                assert!(messages <= 1, "{phone}: {messages} messages");
                unknown_reached += messages;
            }
            other => panic!("{phone} left {other}"),
        }
        *states.entry(state).or_default() += 1;
    }
    assert!(
        at_simulator.is_empty(),
        "messages to numbers that are no recipient: {at_simulator:?}"
    );
    let count = |s: &str| states.get(s).copied().unwrap_or(0);
    assert_eq!(
        count("sent") + count("unknown") + count("failed"),
        LEADS as u64,
        "{states:?}"
    );
    assert_eq!(reached, stats["sends"].as_u64().unwrap());
    assert_eq!(done["state"]["counts"]["sent"], count("sent"), "{done}");
    assert_eq!(
        done["state"]["counts"]["unknown"],
        count("unknown"),
        "{done}"
    );
    // No message row is left `sending` either.
    let stuck = rows(
        &app,
        &format!(
            "SELECT COUNT(*) AS n FROM messages WHERE campaign_id = '{id}' AND status = 'sending'"
        ),
    )
    .await;
    assert_eq!(stuck[0].try_get::<i64>("", "n").unwrap(), 0);
    eprintln!(
        "crash test: {states:?} ({unknown_reached} of the unknown did reach the simulator), \
         simulator {stats}, {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
