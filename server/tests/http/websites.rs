//! Website verification over HTTP, against real local sites: a check over the lead list's
//! filter stores each outcome with its evidence on the lead (status, results table, timeline,
//! social link), a running check is found again after a reload and can be cancelled, a second
//! one is refused while it runs, a job abandoned by a dead worker resumes without re-checking
//! what it stored, a viewer cannot start one, and `leadloom verify` runs the same job from the
//! shell.

use crate::common::{Browser, TestApp};
use crate::imports::{empty_filter, finished, leads, start};
use axum::Router;
use axum::response::Html;
use axum::routing::get;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

const PAGE: &str = "<!doctype html><html><head><title>Mboga Fresh Produce</title></head>\
<body><h1>Mboga Fresh Produce</h1><p>Fresh vegetables delivered across Nairobi every \
morning. Call us to order for your restaurant or home.</p></body></html>";

/// A local site: `/` is a real page, `/gone` is 404, `/slow` answers after 3 s.
async fn site() -> String {
    let app = Router::new()
        .route("/", get(|| async { Html(PAGE) }))
        .route(
            "/gone",
            get(|| async { (StatusCode::NOT_FOUND, Html("<h1>Not found</h1>")) }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(3)).await;
                Html(PAGE)
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind site");
    let addr = listener.local_addr().expect("site addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

/// Imports `csv` (name, phone, website) and waits for the import to finish.
async fn import(browser: &Browser, slug: &str, ws: &str, csv: &str) {
    let (status, preview) = browser
        .upload_import(slug, "sites.csv", csv.as_bytes().to_vec())
        .await;
    assert_eq!(status, StatusCode::OK, "upload: {preview}");
    let queued = start(browser, ws, &preview, "skip").await;
    let done = finished(browser, ws, queued["id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "completed", "{done}");
}

async fn start_check(browser: &Browser, ws: &str, scope: Value) -> (StatusCode, Value) {
    browser
        .call_json(
            "start_website_check",
            json!({ "workspace": ws, "scope": scope }),
        )
        .await
}

fn every_lead() -> Value {
    json!({ "selection": { "filter": empty_filter() } })
}

/// Polls the job until it has ended.
async fn ended(browser: &Browser, ws: &str, job: &str) -> Value {
    for _ in 0..300 {
        let (status, body) = browser
            .call("website_check", &[("workspace", ws), ("job", job)])
            .await;
        assert_eq!(status, StatusCode::OK, "website_check: {body}");
        if !["queued", "running"].contains(&body["status"].as_str().unwrap_or("")) {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("website check {job} did not end in 30 s");
}

fn lead_named<'a>(list: &'a Value, name: &str) -> &'a Value {
    list["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no lead {name} in {list}"))
}

async fn results(browser: &Browser, ws: &str, status: &[&str]) -> Value {
    let (code, body) = browser
        .call_json(
            "load_website_results",
            json!({ "workspace": ws, "query": { "status": status, "reason": null, "after": null } }),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "load_website_results: {body}");
    body
}

async fn a_check_labels_every_lead_with_evidence(app: TestApp) {
    let site = site().await;
    let (owner, ws) = app
        .user_with_workspace("Checker", "owner@verify.test", "checker")
        .await;
    let csv = format!(
        "Business,Phone,Website\n\
         Mboga Fresh,0722 000 111,{site}/\n\
         Gone Hardware,0722 000 222,{site}/gone\n\
         Placeholder Salon,0722 000 333,n/a\n\
         Social Cafe,0722 000 444,https://www.facebook.com/socialcafe\n\
         Mailbox Ltd,0722 000 555,info@mailbox.co.ke\n"
    );
    import(&owner, "checker", &ws, &csv).await;

    let (status, job) = start_check(&owner, &ws, every_lead()).await;
    assert_eq!(status, StatusCode::OK, "start: {job}");
    assert_eq!(job["total"], 5);
    assert_eq!(job["scope"], "every lead");
    let done = ended(&owner, &ws, job["id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["processed"], 5);
    assert_eq!(
        done["counts"],
        json!({ "working": 1, "not_working": 1, "no_website": 2, "error": 1 })
    );

    // The lead list shows (and filters by) each lead's new status.
    let list = leads(&owner, &ws, empty_filter()).await;
    for (name, status) in [
        ("Mboga Fresh", "WORKING"),
        ("Gone Hardware", "NOT_WORKING"),
        ("Placeholder Salon", "NO_WEBSITE"),
        ("Social Cafe", "NO_WEBSITE"),
        ("Mailbox Ltd", "ERROR"),
    ] {
        assert_eq!(lead_named(&list, name)["website_status"], status, "{name}");
    }
    let mut working_only = empty_filter();
    working_only["website_status"] = json!(["WORKING"]);
    let working = leads(&owner, &ws, working_only).await;
    assert_eq!(working["rows"].as_array().unwrap().len(), 1);

    // The results table keeps the evidence and the offer to pitch.
    let all = results(&owner, &ws, &[]).await;
    assert_eq!(all["rows"].as_array().unwrap().len(), 5);
    let row = |name: &str| {
        all["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("no row {name} in {all}"))
            .clone()
    };
    let live = row("Mboga Fresh");
    // The local site speaks plain HTTP only, which the evidence says.
    assert_eq!(live["check"]["status"], "WORKING");
    assert_eq!(live["check"]["reason"], "no_valid_https");
    // An explicit http:// address is fetched as given: HTTPS was never tried.
    assert_eq!(live["check"]["https_valid"], Value::Null);
    assert_eq!(live["check"]["http_status"], 200);
    assert_eq!(live["check"]["title"], "Mboga Fresh Produce");
    assert_eq!(live["check"]["final_url"], format!("{site}/"));
    assert_eq!(live["offer"], "seo_maintenance");
    let gone = row("Gone Hardware");
    assert_eq!(gone["check"]["reason"], "not_found");
    assert_eq!(gone["check"]["http_status"], 404);
    assert_eq!(gone["offer"], "web_design");
    // The import already turned "n/a" into an empty cell.
    assert_eq!(row("Placeholder Salon")["check"]["reason"], "empty");
    let social = row("Social Cafe");
    assert_eq!(social["check"]["reason"], "social_profile");
    assert_eq!(
        social["check"]["social_url"],
        "https://www.facebook.com/socialcafe"
    );
    assert_eq!(row("Mailbox Ltd")["check"]["reason"], "not_a_web_address");
    assert_eq!(row("Mailbox Ltd")["offer"], "review");
    let counts: Vec<(String, u64)> = serde_json::from_value(all["counts"].clone()).unwrap();
    assert!(counts.contains(&("WORKING".to_owned(), 1)), "{counts:?}");
    assert!(counts.contains(&("NO_WEBSITE".to_owned(), 2)), "{counts:?}");
    assert!(counts.contains(&("UNCHECKED".to_owned(), 0)), "{counts:?}");
    assert_eq!(all["job"]["id"], job["id"]);
    let broken = results(&owner, &ws, &["NOT_WORKING"]).await;
    assert_eq!(broken["rows"].as_array().unwrap().len(), 1);

    // The lead page shows the evidence, the social link and a timeline entry.
    let social_id = lead_named(&list, "Social Cafe")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, lead) = owner
        .call("load_lead", &[("workspace", &ws), ("lead", &social_id)])
        .await;
    assert_eq!(status, StatusCode::OK, "{lead}");
    assert_eq!(lead["social_url"], "https://www.facebook.com/socialcafe");
    assert_eq!(lead["website_check"]["reason"], "social_profile");
    let verified = lead["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "verified")
        .unwrap_or_else(|| panic!("no verified entry in {lead}"));
    assert_eq!(verified["detail"], "No website — Social profile only");

    // "Stale" now finds nothing: every lead was just checked.
    let (status, body) = start_check(&owner, &ws, json!({ "stale": { "days": 30 } })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body.to_string().contains("checked in the last 30 days"),
        "{body}"
    );
}

async fn a_running_check_is_found_again_and_can_be_cancelled(app: TestApp) {
    let site = site().await;
    let (owner, ws) = app
        .user_with_workspace("Slowpoke", "owner@slow.test", "slowpoke")
        .await;
    let csv: String = std::iter::once("Business,Phone,Website\n".to_owned())
        .chain((0..12).map(|i| format!("Shop {i},0722 100 {i:03},{site}/slow?shop={i}\n")))
        .collect();
    import(&owner, "slowpoke", &ws, &csv).await;

    let (status, job) = start_check(&owner, &ws, every_lead()).await;
    assert_eq!(status, StatusCode::OK, "start: {job}");
    let id = job["id"].as_str().unwrap().to_owned();

    // A page opened later (or reloaded) finds the running check.
    let (status, active) = owner
        .call("active_website_check", &[("workspace", &ws)])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(active["id"], id.as_str());

    // One check at a time per workspace.
    let (status, body) = start_check(&owner, &ws, every_lead()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("already running"), "{body}");

    let (status, body) = owner
        .call("cancel_website_check", &[("workspace", &ws), ("job", &id)])
        .await;
    assert_eq!(status, StatusCode::OK, "cancel: {body}");
    let done = ended(&owner, &ws, &id).await;
    assert_eq!(done["status"], "cancelled", "{done}");
    // 12 sites of 3 s with 4 at a time need 9 s; the cancel stopped it well before.
    assert!(done["processed"].as_u64().unwrap() < 12, "{done}");
    let (_, active) = owner
        .call("active_website_check", &[("workspace", &ws)])
        .await;
    assert_eq!(active, Value::Null);
    let (status, body) = owner
        .call("cancel_website_check", &[("workspace", &ws), ("job", &id)])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // A viewer may look but not start one.
    let viewer = crate::common::join_as(
        &app,
        &owner,
        &ws,
        "Vera Viewer",
        "viewer@slow.test",
        "viewer",
    )
    .await;
    let (status, body) = start_check(&viewer, &ws, every_lead()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _) = viewer
        .call("website_check", &[("workspace", &ws), ("job", &id)])
        .await;
    assert_eq!(status, StatusCode::OK);
}

async fn an_abandoned_check_resumes_where_it_stopped(app: TestApp) {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};
    use shared::db::entities::verify_job;
    use shared::websites::{CheckReason, CheckScope, WebsiteCheck, store};

    let site = site().await;
    let (owner, ws) = app
        .user_with_workspace("Phoenix", "owner@resume.test", "phoenix")
        .await;
    let csv: String = std::iter::once("Business,Phone,Website\n".to_owned())
        .chain((0..6).map(|i| format!("Shop {i},0722 200 {i:03},{site}/\n")))
        .collect();
    import(&owner, "phoenix", &ws, &csv).await;
    let workspace = shared::WorkspaceId(ws.parse().unwrap());

    // A job a worker claimed, stored one result for, then died with (its heartbeat went cold).
    let txn = app.db.begin().await.unwrap();
    let scope = CheckScope::Selection(shared::leads::LeadSelection::Filter(Default::default()));
    let (id, total) = store::create_job(&txn, workspace, None, &scope)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(total, 6);
    assert!(store::claim(&app.db, id, "dead-worker").await.unwrap());
    let job = store::job(&app.db, id).await.unwrap();
    let first = store::pending(&app.db, &job, None, 1).await.unwrap()[0].lead_id;
    let mut earlier = WebsiteCheck::without_network(CheckReason::Ok, None);
    earlier.title = Some("stored by the first worker".into());
    let txn = app.db.begin().await.unwrap();
    store::record(&txn, &job, &[(first, earlier)])
        .await
        .unwrap();
    txn.commit().await.unwrap();
    verify_job::Entity::update_many()
        .col_expr(
            verify_job::Column::HeartbeatAt,
            sea_orm::sea_query::Expr::val(chrono::Utc::now() - chrono::Duration::minutes(10)),
        )
        .filter(verify_job::Column::Id.eq(id))
        .exec(&app.db)
        .await
        .unwrap();

    // The running worker puts it back in the queue and finishes the other five.
    let done = ended(&owner, &ws, &id.to_string()).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["processed"], 6);
    assert_eq!(done["counts"]["working"], 6);
    let all = results(&owner, &ws, &[]).await;
    let rows = all["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 6);
    let titles: Vec<&str> = rows
        .iter()
        .map(|r| r["check"]["title"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        titles
            .iter()
            .filter(|t| **t == "stored by the first worker")
            .count(),
        1,
        "the stored result was not checked again: {titles:?}"
    );
    assert_eq!(
        titles
            .iter()
            .filter(|t| **t == "Mboga Fresh Produce")
            .count(),
        5
    );
}

both_backends!(
    check_labels_every_lead,
    a_check_labels_every_lead_with_evidence
);
both_backends!(
    running_check_reattaches_and_cancels,
    a_running_check_is_found_again_and_can_be_cancelled
);
both_backends!(
    abandoned_check_resumes,
    an_abandoned_check_resumes_where_it_stopped
);

async fn the_cli_verifies_a_workspace(app: TestApp) {
    use crate::imports::leadloom;
    let site = site().await;
    let (owner, ws) = app
        .user_with_workspace("Shell", "owner@shell.test", "shell")
        .await;
    let csv = format!(
        "Business,Phone,Website\n\
         Live Shop,0722 300 001,{site}/\n\
         Dead Shop,0722 300 002,{site}/gone\n\
         No Site Shop,0722 300 003,-\n"
    );
    import(&owner, "shell", &ws, &csv).await;

    // Loopback is refused unless allowed: the same rule as the web app's worker.
    let out = leadloom(&app, &["verify", "--workspace", "shell"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: Value = serde_json::from_slice(&out.stdout).expect("JSON summary");
    assert_eq!(summary["total"], 3, "{summary}");
    assert_eq!(summary["error"], 2, "loopback refused: {summary}");

    let out = leadloom(
        &app,
        &[
            "verify",
            "--workspace",
            "shell",
            "--allow-net",
            "127.0.0.0/8",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: Value = serde_json::from_slice(&out.stdout).expect("JSON summary");
    assert_eq!(
        (
            &summary["status"],
            &summary["checked"],
            &summary["working"],
            &summary["not_working"],
            &summary["no_website"]
        ),
        (&json!("done"), &json!(3), &json!(1), &json!(1), &json!(1)),
        "{summary}"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("3/3 (100%)"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The web app sees what the command stored.
    let working = results(&owner, &ws, &["WORKING"]).await;
    assert_eq!(working["rows"][0]["name"], "Live Shop", "{working}");

    // Nothing stale: a scheduled run succeeds and says so.
    let out = leadloom(
        &app,
        &["verify", "--workspace", "shell", "--stale-days", "30"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to check"));
    let summary: Value = serde_json::from_slice(&out.stdout).expect("JSON summary");
    assert_eq!(summary["total"], 0);

    let out = leadloom(&app, &["verify", "--workspace", "nope"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no workspace with the slug \"nope\""));
}

both_backends!(cli_verifies_a_workspace, the_cli_verifies_a_workspace);
