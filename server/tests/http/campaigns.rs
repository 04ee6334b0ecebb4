//! Campaigns through the router against the gateway simulator, on SQLite and PostgreSQL: a
//! draft saved and checked (audience exclusions counted one by one, template typos named,
//! preview for a real lead), launched and sent by the in-process dispatcher to completion with
//! receipts; pause, resume and cancel taking effect; opted-out leads never messaged; failures
//! retried, auto-pausing the campaign, and "retry failed" (a message that failed after it went
//! included); the page's rates and failure reasons; the plan's messages a day; the live event
//! stream; other workspaces kept out; pins and cards after their text; recurring runs leaving
//! `unknown` recipients alone; completion and cancellation notifications; templates' usage
//! counts from campaign and one-to-one sends; the workspace's working hours as a new
//! campaign's; test sends of files, pins and cards, within the sender's daily cap.

use crate::common::{Browser, TestApp};
use crate::imports::{finished, start};
use crate::whatsapp::{
    SIM_KEY, add_cloud_sender, add_gateway_sender, add_named_gateway_sender, admin, quick,
    simulator,
};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use shared::campaigns::CampaignRates;
use std::time::Duration;

/// Six leads: three reachable, one that will opt out, one without a valid phone, one not on
/// WhatsApp (its number ends in 0, as the simulator decides).
pub(crate) const LEADS_CSV: &str = "name,phone,city,category\n\
Amani Bakery,+254722000001,Nairobi,Bakery\n\
Baraka Hardware,+254722000002,Mombasa,Hardware\n\
Chai Corner,+254722000003,,Cafe\n\
Duka Moja,+254722000004,Kisumu,Shop\n\
Ellie Salon,12,Nakuru,Salon\n\
Faraja Books,+254722000010,Eldoret,Books\n";

/// The two leads the small campaign tests message.
const TWO_LEADS: &str = "name,phone\nAmani Bakery,+254722000001\nBaraka Hardware,+254722000002\n";

/// A workspace `slug` owned by `email`, with [`TWO_LEADS`] imported and a gateway sender on
/// the simulator `sim`: the browser, the workspace's id and the sender's id.
async fn two_leads_and_a_sender(
    app: &TestApp,
    sim: &str,
    email: &str,
    slug: &str,
) -> (Browser, String, String) {
    let (browser, ws) = app.user_with_workspace("Agency", email, slug).await;
    import(&browser, slug, &ws, TWO_LEADS).await;
    let (sender, _) = add_gateway_sender(&browser, &ws, sim).await;
    let sender = sender["id"].as_str().unwrap().to_owned();
    (browser, ws, sender)
}

/// A start time an hour ahead, for campaigns the test runs by hand.
fn in_an_hour() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339()
}

pub(crate) async fn import(browser: &Browser, slug: &str, ws: &str, csv: &str) {
    let (status, preview) = browser
        .upload_import(slug, "leads.csv", csv.as_bytes().to_vec())
        .await;
    assert_eq!(status, StatusCode::OK, "upload: {preview}");
    let queued = start(browser, ws, &preview, "skip").await;
    finished(browser, ws, queued["id"].as_str().unwrap()).await;
}

pub(crate) async fn exec(app: &TestApp, sql: &str) {
    app.db
        .execute_raw(Statement::from_string(
            app.db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// A strategy that sends as fast as the provider takes it, at any hour.
pub(crate) fn burst() -> Value {
    json!({"order": "burst", "respect_daily_cap": false, "working_hours": null,
           "max_retries": 0, "skip_sender_after_failures": null})
}

pub(crate) fn form(name: &str, sender: &str, body: &str, strategy: Value) -> Value {
    json!({
        "name": name,
        "kind": "one_time",
        "audience": {"source": {"kind": "filter", "value": {}}},
        "variants": [{"label": "A", "body": body, "weight": 50}],
        "strategy": strategy,
        "sender_ids": [sender],
    })
}

/// Server functions whose arguments are plain values take a form, like the others of the app.
const FORM_ENCODED: [&str; 9] = [
    "load_campaigns",
    "new_campaign_form",
    "load_campaign",
    "load_campaign_live",
    "load_campaign_activity",
    "delete_campaign",
    "pause_campaign",
    "resume_campaign",
    "cancel_campaign",
];

/// Calls a campaign server function with `body`'s fields, as the page does.
async fn send(browser: &Browser, name: &str, body: Value) -> (StatusCode, Value) {
    if FORM_ENCODED.contains(&name) {
        let pairs: Vec<(String, String)> = body
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect();
        let pairs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        browser.call(name, &pairs).await
    } else {
        browser.call_json(name, body).await
    }
}

pub(crate) async fn call(browser: &Browser, name: &str, body: Value) -> Value {
    let (status, answer) = send(browser, name, body).await;
    assert_eq!(status, StatusCode::OK, "{name}: {answer}");
    answer
}

/// Starts an empty draft, as the wizard's first "Next" does, and returns its id.
pub(crate) async fn new_draft(browser: &Browser, ws: &str) -> String {
    let draft = call(
        browser,
        "create_campaign",
        json!({"workspace": ws, "form": {"name": ""}}),
    )
    .await;
    assert_eq!(draft["state"]["status"], "draft", "{draft}");
    draft["id"].as_str().unwrap().to_owned()
}

/// Saves `form` as a new campaign and launches it; returns its id.
pub(crate) async fn create_and_launch(browser: &Browser, ws: &str, form: &Value) -> String {
    let draft = call(
        browser,
        "create_campaign",
        json!({"workspace": ws, "form": form}),
    )
    .await;
    let id = draft["id"].as_str().unwrap().to_owned();
    call(
        browser,
        "launch_campaign",
        json!({"workspace": ws, "campaign": id, "form": form}),
    )
    .await;
    id
}

pub(crate) async fn campaign(browser: &Browser, ws: &str, id: &str) -> Value {
    call(
        browser,
        "load_campaign",
        json!({"workspace": ws, "campaign": id}),
    )
    .await
}

/// Polls the campaign until `done` holds (the dispatcher works in the background).
pub(crate) async fn until(
    browser: &Browser,
    ws: &str,
    id: &str,
    what: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let mut last = Value::Null;
    for _ in 0..300 {
        last = campaign(browser, ws, id).await;
        if done(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}: {last}");
}

async fn delivered(sim: &str) -> Vec<Value> {
    reqwest::Client::new()
        .get(format!("{sim}/admin/messages"))
        .header("X-API-Key", SIM_KEY)
        .send()
        .await
        .expect("simulator")
        .json()
        .await
        .expect("json")
}

fn fields(body: &Value) -> Vec<String> {
    body["Validation"]
        .as_array()
        .unwrap_or_else(|| panic!("no validation in {body}"))
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_campaign_goes_from_draft_to_completed(app: TestApp) {
    let sim = simulator(quick()).await;
    let (browser, ws) = app
        .user_with_workspace("Agency", "owner@campaign.test", "camp")
        .await;
    import(&browser, "camp", &ws, LEADS_CSV).await;
    exec(
        &app,
        "UPDATE leads SET opted_out = true WHERE name = 'Duka Moja'",
    )
    .await;
    exec(
        &app,
        "UPDATE leads SET whatsapp_status = 'NOT_ON_WHATSAPP' WHERE name = 'Faraja Books'",
    )
    .await;
    let (sender, _) = add_gateway_sender(&browser, &ws, &sim).await;
    let sender = sender["id"].as_str().unwrap().to_owned();

    // A draft keeps whatever the wizard has so far.
    let id = new_draft(&browser, &ws).await;
    let mut form = form(
        "Spring offer",
        &sender,
        "Hi {name|there}, from {city|your town}!",
        burst(),
    );

    // Exclusions are counted one by one.
    let count = call(
        &browser,
        "count_campaign_audience",
        json!({"workspace": ws, "audience": form["audience"]}),
    )
    .await;
    assert_eq!(count["matched"], 6, "{count}");
    assert_eq!(count["eligible"], 3, "{count}");
    assert_eq!(count["opted_out"], 1, "{count}");
    assert_eq!(count["invalid_phone"], 1, "{count}");
    assert_eq!(count["not_on_whatsapp"], 1, "{count}");

    // The wizard's filter narrows by what happened with a lead too, and a filter the wizard
    // could not have built is refused with the field named, not run.
    exec(
        &app,
        "UPDATE leads SET converted_at = CURRENT_TIMESTAMP WHERE name = 'Amani Bakery'",
    )
    .await;
    let converted = call(
        &browser,
        "count_campaign_audience",
        json!({"workspace": ws, "audience": {"source": {"kind": "filter", "value": {"converted": true}}}}),
    )
    .await;
    assert_eq!(converted["matched"], 1, "{converted}");
    assert_eq!(converted["eligible"], 1, "{converted}");
    let not_converted = call(
        &browser,
        "count_campaign_audience",
        json!({"workspace": ws, "audience": {"source": {"kind": "filter", "value": {"converted": false, "quiet_days": 30}}}}),
    )
    .await;
    assert_eq!(not_converted["matched"], 5, "{not_converted}");
    exec(&app, "UPDATE leads SET converted_at = NULL").await;
    let (status, refused) = browser
        .call_json(
            "count_campaign_audience",
            json!({"workspace": ws, "audience": {"source": {"kind": "filter", "value": {"quiet_days": 4_000_000_000u32}}}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(fields(&refused), ["audience"], "{refused}");

    // The preview renders for a real recipient.
    let preview = call(
        &browser,
        "preview_campaign_variant",
        json!({"workspace": ws, "form": form, "variant": 0}),
    )
    .await;
    assert_eq!(preview["lead_name"], "Amani Bakery", "{preview}");
    assert_eq!(preview["text"], "Hi Amani Bakery, from Nairobi!");

    // A typo in a variable and a missing sender are named before anything is sent.
    let mut broken = form.clone();
    broken["variants"][0]["body"] = json!("Hello {nmae}");
    broken["sender_ids"] = json!([]);
    let (status, refused) = browser
        .call_json(
            "launch_campaign",
            json!({"workspace": ws, "campaign": id, "form": broken}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let mut named = fields(&refused);
    named.sort();
    assert_eq!(named, ["sender_ids", "variants.0"], "{refused}");
    assert!(refused.to_string().contains("name"), "{refused}");

    // The review estimates from the strategy and the senders' caps.
    let review = call(
        &browser,
        "review_campaign",
        json!({"workspace": ws, "form": form}),
    )
    .await;
    assert_eq!(review["audience"]["eligible"], 3);
    assert!(review["estimate"]["finishes"].is_object(), "{review}");

    form["tags"] = json!(["spring"]);
    let launched = call(
        &browser,
        "launch_campaign",
        json!({"workspace": ws, "campaign": id, "form": form}),
    )
    .await;
    assert_eq!(launched["state"]["status"], "running", "{launched}");
    assert_eq!(launched["state"]["counts"]["total"], 3, "{launched}");
    let done = until(&browser, &ws, &id, "completion", |c| {
        c["state"]["status"] == "completed"
    })
    .await;
    assert_eq!(done["state"]["counts"]["sent"], 3, "{done}");
    assert_eq!(done["state"]["counts"]["pending"], 0);
    assert!(done["state"]["completed_at"].is_string());

    // One message per reachable lead, rendered for each; none to the excluded.
    let messages = delivered(&sim).await;
    let mut to: Vec<&str> = messages.iter().map(|m| m["to"].as_str().unwrap()).collect();
    to.sort_unstable();
    assert_eq!(to, ["254722000001", "254722000002", "254722000003"]);
    assert!(
        messages
            .iter()
            .any(|m| m["message"] == "Hi Chai Corner, from your town!"),
        "{messages:?}"
    );

    // Receipts come back through the webhooks and count on the campaign.
    let read = until(&browser, &ws, &id, "read receipts", |c| {
        c["state"]["counts"]["read"] == 3
    })
    .await;
    assert_eq!(read["state"]["counts"]["delivered"], 3);

    // The report: one line per recipient, with the times the receipts brought; Amani's reply
    // after the message is its replied_at.
    admin(
        &sim,
        "/admin/sessions/main/inbound",
        json!({"from": "254722000001", "message": "Tell me more"}),
    )
    .await;
    let mut report = String::new();
    for _ in 0..100 {
        let response = browser
            .get(&format!("/w/camp/campaigns/{id}/report.csv"))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()["content-disposition"],
            "attachment; filename=\"campaign_report.csv\""
        );
        report = response.text().await.unwrap();
        let replied = report
            .lines()
            .find(|l| l.starts_with("Amani Bakery,"))
            .is_some_and(|l| l.split(',').nth(8).is_some_and(|c| !c.is_empty()));
        if replied {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The campaign counts the lead who answered, once.
    let answered = until(&browser, &ws, &id, "the reply", |c| {
        c["state"]["counts"]["replied"] == 1
    })
    .await;
    assert_eq!(answered["state"]["counts"]["read"], 3, "{answered}");
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(
        lines[0],
        "lead,phone,variant,state,delivery,sent_at,delivered_at,read_at,replied_at,error"
    );
    assert_eq!(lines.len(), 4, "{report}");
    for line in &lines[1..] {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells.len(), 10, "{line}");
        assert_eq!(cells[2..5], ["A", "sent", "read"], "{line}");
        for at in &cells[5..8] {
            assert!(
                at.parse::<chrono::DateTime<chrono::Utc>>().is_ok(),
                "{line}"
            );
        }
        let replied = line.starts_with("Amani Bakery,+254722000001,");
        assert_eq!(cells[8].is_empty(), !replied, "{line}");
        assert!(cells[9].is_empty(), "{line}");
    }

    // The page's charts: each message at its furthest step (Amani's answered, the others
    // read), and the sends on an hourly timeline in the workspace's zone.
    let activity = call(
        &browser,
        "load_campaign_activity",
        json!({"workspace": ws, "campaign": id}),
    )
    .await;
    assert_eq!(
        activity["outcomes"],
        json!({"replied": 1, "read": 2, "delivered": 0, "sent": 0, "failed": 0}),
        "{activity}"
    );
    // A one-time campaign has one run: its three recipients, sent, read, one answered.
    let dto = campaign(&browser, &ws, &id).await;
    // The live page's view of it: the same state, and of the form only what the page names.
    let live = call(
        &browser,
        "load_campaign_live",
        json!({"workspace": ws, "campaign": id}),
    )
    .await;
    assert_eq!(live["id"], dto["id"], "{live}");
    assert_eq!(live["state"], dto["state"], "{live}");
    assert_eq!(live["name"], dto["form"]["name"], "{live}");
    assert_eq!(live["kind"], dto["form"]["kind"], "{live}");
    assert_eq!(live["tags"], dto["form"]["tags"], "{live}");
    assert!(live.get("form").is_none(), "{live}");
    let runs = dto["state"]["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "{dto}");
    assert_eq!(
        (
            &runs[0]["run"],
            &runs[0]["recipients"],
            &runs[0]["sent"],
            &runs[0]["read"],
            &runs[0]["replied"],
            &runs[0]["open"]
        ),
        (
            &json!(1),
            &json!(3),
            &json!(3),
            &json!(3),
            &json!(1),
            &json!(0)
        ),
        "{dto}"
    );
    assert!(runs[0]["first_sent_at"].is_string(), "{dto}");
    let timeline = &activity["timeline"];
    assert_eq!(timeline["hourly"], true, "{activity}");
    let points = timeline["points"].as_array().unwrap();
    let total = |key: &str| points.iter().map(|p| p[key].as_u64().unwrap()).sum::<u64>();
    assert_eq!(
        (total("sent"), total("delivered"), total("read")),
        (3, 3, 3),
        "{activity}"
    );
    // The sends were seconds ago: this hour in Nairobi (UTC+3), or the one before if an hour
    // began meanwhile.
    let nairobi_hour = |ago: i64| {
        (chrono::Utc::now() + chrono::Duration::hours(3 - ago))
            .format("%a %H:00")
            .to_string()
    };
    let labels: Vec<&str> = points
        .iter()
        .map(|p| p["label"].as_str().unwrap())
        .collect();
    let last = labels.last().copied().unwrap_or_default();
    assert!(
        labels.len() <= 2 && (last == nairobi_hour(0) || last == nairobi_hour(1)),
        "{labels:?} should end at {}",
        nairobi_hour(0)
    );

    let page = call(
        &browser,
        "load_campaign_recipients",
        json!({"workspace": ws, "campaign": id, "state": null, "after": null}),
    )
    .await;
    let rows = page["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert!(
        rows.iter()
            .all(|r| r["state"] == "sent" && r["attempts"] == 1),
        "{page}"
    );
    assert!(rows.iter().all(|r| r["sender_name"] == "Main line"));

    // The leads moved to "contacted"; launched campaigns are no longer drafts. The list reads
    // every campaign's counters in one query: each has its page's, a new draft none.
    let draft = new_draft(&browser, &ws).await;
    let list = call(&browser, "load_campaigns", json!({"workspace": ws})).await;
    assert_eq!(list.as_array().map(Vec::len), Some(2), "{list}");
    assert_eq!(
        (&list[0]["id"], &list[0]["status"]),
        (&json!(draft), &json!("draft"))
    );
    assert_eq!(list[0]["counts"]["total"], 0, "{list}");
    assert_eq!(
        (&list[1]["id"], &list[1]["status"]),
        (&json!(id), &json!("completed"))
    );
    assert_eq!(list[1]["counts"]["total"], 3, "{list}");
    assert_eq!(
        list[1]["counts"],
        campaign(&browser, &ws, &id).await["state"]["counts"]
    );
    let (status, _) = browser
        .call_json(
            "save_campaign",
            json!({"workspace": ws, "campaign": id, "form": form}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, refused) = browser
        .call_json(
            "retry_failed_campaign",
            json!({"workspace": ws, "campaign": id, "include_unknown": false}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");

    // The live page's stream starts with the campaign as it is.
    let mut events = browser.get(&format!("/w/camp/campaigns/{id}/events")).await;
    assert_eq!(events.status(), StatusCode::OK);
    assert_eq!(
        events.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    let first = events.chunk().await.unwrap().unwrap();
    let first = String::from_utf8_lossy(&first);
    assert!(first.starts_with("data: {"), "{first}");
    assert!(first.contains("\"completed\""), "{first}");
    // The page's view of the campaign: named, without the wizard's form.
    assert!(first.contains("\"name\":"), "{first}");
    assert!(!first.contains("\"audience\""), "{first}");

    // The page's rates come from the campaign's live counters, every run together, over the
    // recipients sent, and agree with the runs table. Receipts can be lost:
    // Amani's message has none but was answered (delivered), Baraka's has only its read
    // receipt (delivered and read), Chai's none at all (sent only).
    let by_lead = |name: &str| format!("lead_id = (SELECT id FROM leads WHERE name = '{name}')");
    for sql in [
        format!(
            "UPDATE messages SET delivered_at = NULL, read_at = NULL, status = 'sent' WHERE {}",
            by_lead("Amani Bakery")
        ),
        format!(
            "UPDATE messages SET delivered_at = NULL WHERE {}",
            by_lead("Baraka Hardware")
        ),
        format!(
            "UPDATE messages SET delivered_at = NULL, read_at = NULL, status = 'sent' WHERE {}",
            by_lead("Chai Corner")
        ),
    ] {
        exec(&app, &sql).await;
    }
    let shown = campaign(&browser, &ws, &id).await;
    let counts = &shown["state"]["counts"];
    assert_eq!(
        [
            &counts["sent"],
            &counts["delivered"],
            &counts["read"],
            &counts["replied"]
        ],
        [3, 2, 1, 1],
        "{shown}"
    );
    // 2 of 3 delivered = 66.7 % → 67 %; 1 of 3 read and answered = 33 %.
    let rates = CampaignRates::of_counts(&serde_json::from_value(counts.clone()).unwrap());
    assert_eq!(
        (rates.delivery_rate, rates.read_rate, rates.reply_rate),
        (Some(67), Some(33), Some(33))
    );
    assert_eq!(shown["state"]["runs"][0]["delivered"], 2, "{shown}");

    // A message that failed after it went (the provider's failed receipt, on the message):
    // the page gives the same reason as the report, lists it among the failed messages, and
    // "retry failed" sends it again as a new message.
    exec(
        &app,
        &format!(
            "UPDATE messages SET status = 'failed', failed_at = CURRENT_TIMESTAMP, \
             error_code = '131026', error_text = 'Message undeliverable' WHERE {}",
            by_lead("Chai Corner")
        ),
    )
    .await;
    let failed = campaign(&browser, &ws, &id).await;
    assert_eq!(
        (
            &failed["state"]["counts"]["failed"],
            &failed["state"]["counts"]["undelivered"]
        ),
        (&json!(0), &json!(1)),
        "{failed}"
    );
    let listed = call(
        &browser,
        "load_campaign_recipients",
        json!({"workspace": ws, "campaign": id, "state": "failed", "after": null}),
    )
    .await;
    let rows = listed["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{listed}");
    assert_eq!(
        (&rows[0]["lead_name"], &rows[0]["state"], &rows[0]["error"]),
        (
            &json!("Chai Corner"),
            &json!("sent"),
            &json!("Message undeliverable")
        ),
        "{listed}"
    );
    let report = browser
        .get(&format!("/w/camp/campaigns/{id}/report.csv"))
        .await
        .text()
        .await
        .unwrap();
    let everyone = call(
        &browser,
        "load_campaign_recipients",
        json!({"workspace": ws, "campaign": id, "state": null, "after": null}),
    )
    .await;
    for row in everyone["rows"].as_array().unwrap() {
        let name = row["lead_name"].as_str().unwrap();
        let line = report
            .lines()
            .find(|l| l.starts_with(&format!("{name},")))
            .unwrap_or_else(|| panic!("{name} not in {report}"));
        let reason = line.rsplit(',').next().unwrap_or_default();
        assert_eq!(
            row["error"].as_str().unwrap_or_default(),
            reason,
            "{name}: page {row} / report {line}"
        );
    }
    call(
        &browser,
        "retry_failed_campaign",
        json!({"workspace": ws, "campaign": id, "include_unknown": false}),
    )
    .await;
    let again = until(&browser, &ws, &id, "the resend", |c| {
        c["state"]["status"] == "completed" && c["state"]["counts"]["undelivered"] == 0
    })
    .await;
    assert_eq!(again["state"]["counts"]["sent"], 3, "{again}");
    let to_chai = delivered(&sim)
        .await
        .iter()
        .filter(|m| m["to"] == "254722000003")
        .count();
    assert_eq!(to_chai, 2, "Chai's message went again, once");
    assert_tally_matches_rows(&app, &id).await;
}
crate::both_backends!(draft_to_completed, a_campaign_goes_from_draft_to_completed);

/// The rollup's counters and runs (`store::tally`, kept by triggers) agree with the recipient
/// rows themselves, counted here one by one.
async fn assert_tally_matches_rows(app: &TestApp, id: &str) {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use shared::db::entities::{campaign, campaign_recipient};
    use std::collections::BTreeMap;
    let id = uuid::Uuid::parse_str(id).unwrap();
    // Both reads in one snapshot: receipts may still be arriving.
    let snapshot = shared::db::begin_snapshot(&app.db).await.unwrap();
    let model = campaign::Entity::find_by_id(id)
        .one(&snapshot)
        .await
        .unwrap()
        .unwrap();
    let tally =
        shared::campaigns::store::tally(&snapshot, shared::WorkspaceId(model.workspace_id), id)
            .await
            .unwrap();
    let rows = campaign_recipient::Entity::find()
        .filter(campaign_recipient::Column::CampaignId.eq(id))
        .all(&snapshot)
        .await
        .unwrap();
    snapshot.commit().await.unwrap();
    // Per run: recipients, sent, failed, skipped, delivered, read, replied.
    let mut runs: BTreeMap<i32, [u64; 7]> = BTreeMap::new();
    let (mut pending, mut sending, mut undelivered) = (0, 0, 0);
    for r in &rows {
        let run = runs.entry(r.run).or_default();
        let sent = r.state == "sent";
        for (i, yes) in [
            true,
            sent,
            r.state == "failed",
            r.state == "skipped",
            sent && r.message_delivered,
            sent && r.message_read,
            sent && r.message_replied,
        ]
        .into_iter()
        .enumerate()
        {
            run[i] += u64::from(yes);
        }
        pending += u64::from(r.state == "pending");
        sending += u64::from(r.state == "sending");
        undelivered += u64::from(sent && r.message_failed);
    }
    let expected: Vec<(u32, [u64; 7])> = runs
        .into_iter()
        .rev()
        .map(|(run, n)| (u32::try_from(run).unwrap(), n))
        .collect();
    let got: Vec<(u32, [u64; 7])> = tally
        .runs
        .iter()
        .map(|r| {
            (
                r.run,
                [
                    r.recipients,
                    r.sent,
                    r.failed,
                    r.skipped,
                    r.delivered,
                    r.read,
                    r.replied,
                ],
            )
        })
        .collect();
    assert_eq!(got, expected, "runs from the rollup vs the rows");
    assert_eq!(
        (
            tally.counts.pending,
            tally.counts.sending,
            tally.counts.undelivered
        ),
        (pending, sending, undelivered),
        "counters from the rollup vs the rows"
    );
}

/// Makes a scheduled campaign's next run due now, as the clock would.
async fn run_due_now(app: &TestApp, id: &str) {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    use shared::db::entities::campaign;
    let due = chrono::Utc::now() - chrono::Duration::minutes(1);
    campaign::Entity::update_many()
        .col_expr(campaign::Column::NextRunAt, Expr::value(due))
        .filter(campaign::Column::Id.eq(uuid::Uuid::parse_str(id).unwrap()))
        .exec(&app.db)
        .await
        .unwrap();
}

async fn a_recurring_campaign_runs_again_for_new_leads(app: TestApp) {
    let sim = simulator(quick()).await;
    let (browser, ws, sender) = two_leads_and_a_sender(&app, &sim, "owner@runs.test", "runs").await;
    let id = new_draft(&browser, &ws).await;
    let mut form = form("Daily hello", &sender, "Hi {name|there}!", burst());
    form["kind"] = json!("recurring_daily");
    form["start_at"] = json!(in_an_hour());
    let launched = call(
        &browser,
        "launch_campaign",
        json!({"workspace": ws, "campaign": id, "form": form}),
    )
    .await;
    assert_eq!(launched["state"]["status"], "scheduled", "{launched}");
    assert_eq!(launched["state"]["run"], 0, "{launched}");

    // The first run: both leads; then it waits for tomorrow's.
    run_due_now(&app, &id).await;
    let first = until(&browser, &ws, &id, "the first run", |c| {
        c["state"]["run"] == 1 && c["state"]["status"] == "scheduled"
    })
    .await;
    assert_eq!(first["state"]["counts"]["sent"], 2, "{first}");
    assert!(first["state"]["next_run_at"].is_string(), "{first}");

    // A lead imported since; the second run messages only it.
    import(
        &browser,
        "runs",
        &ws,
        "name,phone\nChai Corner,+254722000003\n",
    )
    .await;
    run_due_now(&app, &id).await;
    let second = until(&browser, &ws, &id, "the second run", |c| {
        c["state"]["run"] == 2 && c["state"]["status"] == "scheduled"
    })
    .await;
    assert_eq!(second["state"]["counts"]["sent"], 3, "{second}");
    let to: Vec<String> = delivered(&sim)
        .await
        .iter()
        .map(|m| m["to"].as_str().unwrap().to_owned())
        .collect();
    let mut sorted = to.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        ["254722000001", "254722000002", "254722000003"],
        "{to:?}"
    );

    // Each run with its own counts, the latest first.
    let dto = campaign(&browser, &ws, &id).await;
    let runs = dto["state"]["runs"].as_array().unwrap();
    let summary: Vec<(u64, u64, u64, u64)> = runs
        .iter()
        .map(|r| {
            let n = |k: &str| r[k].as_u64().unwrap();
            (n("run"), n("recipients"), n("sent"), n("open"))
        })
        .collect();
    assert_eq!(summary, [(2, 1, 1, 0), (1, 2, 2, 0)], "{dto}");
    let at = |run: &Value, key: &str| -> chrono::DateTime<chrono::Utc> {
        run[key].as_str().unwrap().parse().unwrap()
    };
    for run in runs {
        assert!(at(run, "first_sent_at") <= at(run, "last_sent_at"), "{run}");
    }
    assert!(
        at(&runs[1], "last_sent_at") <= at(&runs[0], "first_sent_at"),
        "{dto}"
    );
    assert_tally_matches_rows(&app, &id).await;
}

crate::both_backends!(
    recurring_runs,
    a_recurring_campaign_runs_again_for_new_leads
);

async fn pause_resume_cancel_and_opt_outs(app: TestApp) {
    let sim = simulator(quick()).await;
    let (browser, ws) = app
        .user_with_workspace("Agency", "owner@pause.test", "pause")
        .await;
    import(&browser, "pause", &ws, LEADS_CSV).await;
    let (sender, _) = add_gateway_sender(&browser, &ws, &sim).await;
    let sender = sender["id"].as_str().unwrap().to_owned();
    // Paced: one message a second, so there is time to pause between them.
    let paced = json!({"order": "sequential", "delay_min_s": 1, "delay_max_s": 1,
        "cooldown_every": null, "respect_daily_cap": true, "working_hours": null,
        "max_retries": 0});
    let form = form("Paced", &sender, "Hello {name}", paced);
    let id = create_and_launch(&browser, &ws, &form).await;
    until(&browser, &ws, &id, "the first send", |c| {
        c["state"]["counts"]["sent"] == 1
    })
    .await;
    let paused = call(
        &browser,
        "pause_campaign",
        json!({"workspace": ws, "campaign": id}),
    )
    .await;
    assert_eq!(paused["state"]["status"], "paused");
    assert!(
        paused["state"]["paused_reason"]
            .as_str()
            .unwrap()
            .contains("Agency"),
        "{paused}"
    );
    // Nothing more goes while paused (at most the send already in flight).
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let still = campaign(&browser, &ws, &id).await;
    let sent_while_paused = still["state"]["counts"]["sent"].as_u64().unwrap();
    assert!(sent_while_paused <= 2, "{still}");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        campaign(&browser, &ws, &id).await["state"]["counts"]["sent"],
        sent_while_paused
    );

    // A lead that opts out meanwhile is skipped, never messaged.
    exec(
        &app,
        "UPDATE leads SET opted_out = true WHERE name = 'Chai Corner'",
    )
    .await;
    let resumed = call(
        &browser,
        "resume_campaign",
        json!({"workspace": ws, "campaign": id}),
    )
    .await;
    assert_eq!(resumed["state"]["status"], "running");
    let done = until(&browser, &ws, &id, "completion", |c| {
        c["state"]["status"] == "completed"
    })
    .await;
    assert_eq!(done["state"]["counts"]["skipped"], 1, "{done}");
    assert_eq!(done["state"]["counts"]["sent"], 3, "{done}");
    let to: Vec<String> = delivered(&sim)
        .await
        .iter()
        .map(|m| m["to"].as_str().unwrap().to_owned())
        .collect();
    assert!(!to.contains(&"254722000003".to_owned()), "{to:?}");
    assert_eq!(to.len(), 3, "one message per lead: {to:?}");

    // Cancelling leaves nobody pending.
    let second = call(
        &browser,
        "create_campaign",
        json!({"workspace": ws, "form": form}),
    )
    .await;
    let second_id = second["id"].as_str().unwrap().to_owned();
    let mut slow = form.clone();
    slow["strategy"]["delay_min_s"] = json!(60);
    slow["strategy"]["delay_max_s"] = json!(60);
    slow["audience"]["skip_contacted_within_days"] = json!(null);
    call(
        &browser,
        "launch_campaign",
        json!({"workspace": ws, "campaign": second_id, "form": slow}),
    )
    .await;
    let cancelled = call(
        &browser,
        "cancel_campaign",
        json!({"workspace": ws, "campaign": second_id}),
    )
    .await;
    assert_eq!(cancelled["state"]["status"], "cancelled");
    let after = until(&browser, &ws, &second_id, "nothing in flight", |c| {
        c["state"]["counts"]["sending"] == 0
    })
    .await;
    assert_eq!(after["state"]["counts"]["pending"], 0, "{after}");
    assert!(
        after["state"]["counts"]["skipped"].as_u64().unwrap() >= 2,
        "{after}"
    );
    let (status, _) = send(
        &browser,
        "resume_campaign",
        json!({"workspace": ws, "campaign": second_id}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_tally_matches_rows(&app, &second_id).await;
}
crate::both_backends!(pause_resume_cancel, pause_resume_cancel_and_opt_outs);

async fn failures_pause_the_campaign_and_can_be_retried(app: TestApp) {
    let mut behaviour = quick();
    behaviour.fail_share = 1.0;
    let sim = simulator(behaviour).await;
    let (browser, ws) = app
        .user_with_workspace("Agency", "owner@fail.test", "fail")
        .await;
    import(&browser, "fail", &ws, LEADS_CSV).await;
    let (sender, _) = add_gateway_sender(&browser, &ws, &sim).await;
    let sender = sender["id"].as_str().unwrap().to_owned();
    // Every send fails (five leads, nothing excluded here): 5 of a window of 10 is past 25 %.
    let mut strategy = burst();
    strategy["failure_window"] = json!(10);
    let form = form("Flaky", &sender, "Hello {name}", strategy);
    let id = create_and_launch(&browser, &ws, &form).await;
    let paused = until(&browser, &ws, &id, "the auto-pause", |c| {
        c["state"]["status"] == "paused"
    })
    .await;
    assert!(
        paused["state"]["paused_reason"]
            .as_str()
            .unwrap()
            .contains("failed"),
        "{paused}"
    );
    assert_eq!(paused["state"]["counts"]["failed"], 5, "{paused}");
    let page = call(
        &browser,
        "load_campaign_recipients",
        json!({"workspace": ws, "campaign": id, "state": "failed", "after": null}),
    )
    .await;
    assert!(
        page["rows"][0]["error"]
            .as_str()
            .unwrap()
            .contains("simulated send failure"),
        "{page}"
    );

    // The provider recovers; the failed messages go again, once each.
    reqwest::Client::new()
        .post(format!("{sim}/admin/config"))
        .header("X-API-Key", SIM_KEY)
        .json(&quick())
        .send()
        .await
        .unwrap();
    call(
        &browser,
        "retry_failed_campaign",
        json!({"workspace": ws, "campaign": id, "include_unknown": false}),
    )
    .await;
    call(
        &browser,
        "resume_campaign",
        json!({"workspace": ws, "campaign": id}),
    )
    .await;
    let done = until(&browser, &ws, &id, "completion", |c| {
        c["state"]["status"] == "completed"
    })
    .await;
    // Faraja's number ends in 0: the simulator says it is not on WhatsApp, so it fails again.
    assert_eq!(done["state"]["counts"]["sent"], 4, "{done}");
    assert_eq!(done["state"]["counts"]["failed"], 1, "{done}");
    assert_eq!(delivered(&sim).await.len(), 4);
}
crate::both_backends!(
    failures_and_retries,
    failures_pause_the_campaign_and_can_be_retried
);

/// The plan's "messages a day" is the workspace's: a campaign stops at it and says why, a
/// one-to-one send is refused naming the plan, and raising the limit lets the campaign finish.
async fn the_plan_limit_holds_across_campaigns_and_one_to_one_sends(app: TestApp) {
    let sim = simulator(quick()).await;
    let (browser, ws) = app
        .user_with_workspace("Agency", "owner@plan.test", "plan")
        .await;
    // Each test has its own database, so the plan table is this test's to change.
    exec(
        &app,
        "UPDATE plans SET max_messages_per_day = 3 WHERE code = 'free'",
    )
    .await;
    import(&browser, "plan", &ws, LEADS_CSV).await;
    let (sender, _) = add_gateway_sender(&browser, &ws, &sim).await;
    let sender = sender["id"].as_str().unwrap().to_owned();
    let form = form("Capped", &sender, "Hello {name}", burst());
    // The review's estimate knows the plan: three today, the other two tomorrow.
    let review = call(
        &browser,
        "review_campaign",
        json!({"workspace": ws, "form": form}),
    )
    .await;
    assert_eq!(review["audience"]["eligible"], 5, "{review}");
    assert_eq!(
        review["estimate"]["finishes"]["sending_days"], 2,
        "{review}"
    );
    let id = create_and_launch(&browser, &ws, &form).await;
    // The notice can show while the third message is still being recorded: wait for both.
    let held = until(&browser, &ws, &id, "the plan notice", |c| {
        c["state"]["plan_notice"].is_string() && c["state"]["counts"]["sent"] == 3
    })
    .await;
    assert_eq!(held["state"]["status"], "running", "{held}");
    assert_eq!(held["state"]["counts"]["sent"], 3, "{held}");
    assert_eq!(held["state"]["counts"]["pending"], 2, "{held}");
    assert!(
        held["state"]["plan_notice"]
            .as_str()
            .unwrap()
            .contains("Free plan allows 3 a day"),
        "{held}"
    );
    // Nothing more goes while it waits.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(delivered(&sim).await.len(), 3);

    let pending = call(
        &browser,
        "load_campaign_recipients",
        json!({"workspace": ws, "campaign": id, "state": "pending", "after": null}),
    )
    .await;
    let lead = pending["rows"][0]["lead_id"].as_str().unwrap().to_owned();
    let (status, refused) = browser
        .call(
            "send_message",
            &[
                ("workspace", &ws),
                ("lead", &lead),
                ("body", "Just one more"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert!(
        refused
            .to_string()
            .contains("Free plan allows 3 messages a day"),
        "{refused}"
    );

    // An upgrade (here: a higher limit) lets it go on within a few seconds.
    exec(
        &app,
        "UPDATE plans SET max_messages_per_day = 50 WHERE code = 'free'",
    )
    .await;
    let done = until(&browser, &ws, &id, "completion", |c| {
        c["state"]["status"] == "completed"
    })
    .await;
    assert_eq!(done["state"]["counts"]["sent"], 4, "{done}");
    assert_eq!(done["state"]["counts"]["failed"], 1, "{done}");
    assert!(done["state"]["plan_notice"].is_null(), "{done}");
    assert_eq!(delivered(&sim).await.len(), 4);
}
crate::both_backends!(
    plan_daily_limit,
    the_plan_limit_holds_across_campaigns_and_one_to_one_sends
);

async fn other_workspaces_and_viewers_are_kept_out(app: TestApp) {
    let sim = simulator(quick()).await;
    let (owner, ws) = app
        .user_with_workspace("Agency", "owner@iso.test", "iso-a")
        .await;
    let (sender, _) = add_gateway_sender(&owner, &ws, &sim).await;
    let form = form("Mine", sender["id"].as_str().unwrap(), "Hi", burst());
    let draft = call(
        &owner,
        "create_campaign",
        json!({"workspace": ws, "form": form}),
    )
    .await;
    let id = draft["id"].as_str().unwrap().to_owned();

    let (other, other_ws) = app
        .user_with_workspace("Rival", "rival@iso.test", "iso-b")
        .await;
    for (name, body) in [
        ("load_campaign", json!({"workspace": ws, "campaign": id})),
        (
            "load_campaign",
            json!({"workspace": other_ws, "campaign": id}),
        ),
        (
            "save_campaign",
            json!({"workspace": other_ws, "campaign": id, "form": form}),
        ),
        (
            "launch_campaign",
            json!({"workspace": other_ws, "campaign": id, "form": form}),
        ),
        (
            "pause_campaign",
            json!({"workspace": other_ws, "campaign": id}),
        ),
        (
            "cancel_campaign",
            json!({"workspace": other_ws, "campaign": id}),
        ),
        (
            "delete_campaign",
            json!({"workspace": other_ws, "campaign": id}),
        ),
        (
            "load_campaign_recipients",
            json!({"workspace": other_ws, "campaign": id, "state": null, "after": null}),
        ),
        (
            "load_campaign_live",
            json!({"workspace": ws, "campaign": id}),
        ),
        (
            "load_campaign_live",
            json!({"workspace": other_ws, "campaign": id}),
        ),
        (
            "load_campaign_activity",
            json!({"workspace": ws, "campaign": id}),
        ),
        (
            "load_campaign_activity",
            json!({"workspace": other_ws, "campaign": id}),
        ),
    ] {
        let (status, body) = send(&other, name, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name}: {body}");
    }
    let events = other.get(&format!("/w/iso-a/campaigns/{id}/events")).await;
    assert_eq!(events.status(), StatusCode::NOT_FOUND);
    let events = other.get(&format!("/w/iso-b/campaigns/{id}/events")).await;
    assert_eq!(events.status(), StatusCode::NOT_FOUND);
    for slug in ["iso-a", "iso-b"] {
        let report = other
            .get(&format!("/w/{slug}/campaigns/{id}/report.csv"))
            .await;
        assert_eq!(report.status(), StatusCode::NOT_FOUND, "{slug}");
    }
    let list = call(&other, "load_campaigns", json!({"workspace": other_ws})).await;
    assert_eq!(list, json!([]));

    // A viewer reads but cannot create, launch or pause.
    let viewer = crate::common::join_as(&app, &owner, &ws, "Vera", "vera@iso.test", "viewer").await;
    campaign(&viewer, &ws, &id).await;
    for (name, body) in [
        ("create_campaign", json!({"workspace": ws, "form": form})),
        (
            "launch_campaign",
            json!({"workspace": ws, "campaign": id, "form": form}),
        ),
        ("pause_campaign", json!({"workspace": ws, "campaign": id})),
    ] {
        let (status, body) = send(&viewer, name, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}: {body}");
    }
    // Nor download its phone numbers.
    let report = viewer
        .get(&format!("/w/iso-a/campaigns/{id}/report.csv"))
        .await;
    assert_eq!(report.status(), StatusCode::FORBIDDEN);
    call(
        &owner,
        "delete_campaign",
        json!({"workspace": ws, "campaign": id}),
    )
    .await;
}
crate::both_backends!(
    campaign_isolation,
    other_workspaces_and_viewers_are_kept_out
);

/// Rows of a raw query, for the tables no server function shows whole.
async fn rows(app: &TestApp, sql: &str) -> Vec<sea_orm::QueryResult> {
    app.db
        .query_all_raw(Statement::from_string(
            app.db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// A burst campaign whose one variant is a location pin after the text "Hi {name}, we are
/// here:".
fn pin_form(sender: &str) -> Value {
    let mut pin = form("Visit us", sender, "Hi {name}, we are here:", burst());
    pin["variants"][0]["extra"] = json!({"kind": "location", "latitude": -1.28,
        "longitude": 36.82, "name": "Office", "address": "Moi Avenue"});
    pin
}

/// A location pin or a contact card carries no text: the rendered text goes first as a
/// message of its own, then the pin or card; both are stored and on the lead's timeline, and
/// the recipient points at the pin or card. With no text, only the card goes.
async fn a_pin_or_card_goes_after_its_text(app: TestApp) {
    let (graph_base, seen) = crate::whatsapp::graph().await;
    let (browser, ws) = app
        .user_with_workspace("Agency", "owner@pin.test", "pin")
        .await;
    import(&browser, "pin", &ws, TWO_LEADS).await;
    let created = add_cloud_sender(&browser, &ws, &graph_base).await;
    let sender = created["sender"]["id"].as_str().unwrap().to_owned();

    let mut pin = pin_form(&sender);
    let starter = template_named(&browser, &ws, "Site live: care and SEO").await;
    pin["variants"][0]["template_id"] = json!(starter);
    let id = create_and_launch(&browser, &ws, &pin).await;
    let done = until(&browser, &ws, &id, "completion", |c| {
        c["state"]["status"] == "completed"
    })
    .await;
    assert_eq!(done["state"]["counts"]["sent"], 2, "{done}");

    // Each lead got the text, then the pin, once each.
    let requests: Vec<Value> = seen
        .requests
        .lock()
        .unwrap()
        .iter()
        .map(|(_, _, body)| body.clone())
        .collect();
    assert_eq!(requests.len(), 4, "{requests:?}");
    for (to, name) in [
        ("254722000001", "Amani Bakery"),
        ("254722000002", "Baraka Hardware"),
    ] {
        let mine: Vec<&Value> = requests.iter().filter(|b| b["to"] == to).collect();
        let kinds: Vec<&str> = mine.iter().map(|b| b["type"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["text", "location"], "{mine:?}");
        assert_eq!(
            mine[0]["text"]["body"],
            format!("Hi {name}, we are here:"),
            "{mine:?}"
        );
        assert_eq!(mine[1]["location"]["name"], "Office", "{mine:?}");
    }

    // Both messages stored as sent with the provider's ids; the recipient points at the pin.
    let messages = rows(
        &app,
        "SELECT body, status, provider_message_id FROM messages WHERE direction = 'out' \
         ORDER BY body",
    )
    .await;
    let messages: Vec<(String, String, Option<String>)> = messages
        .iter()
        .map(|r| {
            (
                r.try_get("", "body").unwrap(),
                r.try_get("", "status").unwrap(),
                r.try_get("", "provider_message_id").unwrap(),
            )
        })
        .collect();
    assert_eq!(messages.len(), 4, "{messages:?}");
    assert!(
        messages.iter().all(|(_, status, id)| status == "sent"
            && id.as_deref().is_some_and(|i| i.starts_with("wamid."))),
        "{messages:?}"
    );
    let bodies: Vec<&str> = messages.iter().map(|(b, _, _)| b.as_str()).collect();
    assert_eq!(
        bodies,
        [
            "Hi Amani Bakery, we are here:",
            "Hi Baraka Hardware, we are here:",
            "Location: Office, Moi Avenue",
            "Location: Office, Moi Avenue",
        ]
    );
    // The template wrote the texts, not the pins: only the texts are its uses.
    let from_template = rows(
        &app,
        "SELECT body FROM messages WHERE template_id IS NOT NULL ORDER BY body",
    )
    .await;
    let from_template: Vec<String> = from_template
        .iter()
        .map(|r| r.try_get("", "body").unwrap())
        .collect();
    assert_eq!(
        from_template,
        [
            "Hi Amani Bakery, we are here:",
            "Hi Baraka Hardware, we are here:"
        ]
    );
    assert_eq!(uses(&browser, &ws, &starter).await, 2);
    let linked = rows(
        &app,
        "SELECT r.state, m.body FROM campaign_recipients r JOIN messages m ON m.id = r.message_id",
    )
    .await;
    assert_eq!(linked.len(), 2);
    for row in &linked {
        assert_eq!(row.try_get::<String>("", "state").unwrap(), "sent");
        assert_eq!(
            row.try_get::<String>("", "body").unwrap(),
            "Location: Office, Moi Avenue"
        );
    }
    // Two "messaged" entries per lead on the timeline, one move to "contacted".
    let events = rows(
        &app,
        "SELECT kind, COUNT(*) AS n FROM lead_events WHERE kind IN ('messaged', 'stage_changed') \
         GROUP BY kind ORDER BY kind",
    )
    .await;
    let events: Vec<(String, i64)> = events
        .iter()
        .map(|r| (r.try_get("", "kind").unwrap(), r.try_get("", "n").unwrap()))
        .collect();
    assert_eq!(
        events,
        [("messaged".to_owned(), 4), ("stage_changed".to_owned(), 2)],
        "{events:?}"
    );

    // A worker that died after the claim, before the provider answered: whoever takes the
    // sender over marks the text and the pin `unknown`, so neither is sent again on its own.
    exec(&app, "UPDATE campaign_recipients SET state = 'sending'").await;
    exec(
        &app,
        "UPDATE messages SET status = 'sending' WHERE direction = 'out'",
    )
    .await;
    let settled = shared::campaigns::store::settle_abandoned(
        &app.db,
        uuid::Uuid::parse_str(&sender).unwrap(),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(settled, 2);
    let states = rows(
        &app,
        "SELECT status, COUNT(*) AS n FROM messages WHERE direction = 'out' GROUP BY status",
    )
    .await;
    let states: Vec<(String, i64)> = states
        .iter()
        .map(|r| {
            (
                r.try_get("", "status").unwrap(),
                r.try_get("", "n").unwrap(),
            )
        })
        .collect();
    assert_eq!(states, [("unknown".to_owned(), 4)], "{states:?}");

    // A card with no text is the card alone.
    let mut card = form("Our number", &sender, "", burst());
    card["variants"][0]["extra"] =
        json!({"kind": "contact", "name": "Ana", "phone": "+254700000001"});
    let id = create_and_launch(&browser, &ws, &card).await;
    let done = until(&browser, &ws, &id, "completion", |c| {
        c["state"]["status"] == "completed"
    })
    .await;
    assert_eq!(done["state"]["counts"]["sent"], 2, "{done}");
    let requests = seen.requests.lock().unwrap().clone();
    let kinds: Vec<&str> = requests[4..]
        .iter()
        .map(|(_, _, b)| b["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["contacts", "contacts"], "{requests:?}");

    // A test send sends what the campaign does: the text, marked, then the pin; a card
    // without text alone.
    for (variant_form, kinds) in [(&pin, vec!["text", "location"]), (&card, vec!["contacts"])] {
        let before = seen.requests.lock().unwrap().len();
        let answer = call(
            &browser,
            "test_send_campaign",
            json!({"workspace": ws, "form": variant_form, "variant": 0, "numbers": "+254722000009"}),
        )
        .await;
        assert_eq!(answer, "Test sent from Official to +254722000009.");
        let requests = seen.requests.lock().unwrap().clone();
        let sent: Vec<&Value> = requests[before..].iter().map(|(_, _, b)| b).collect();
        let sent_kinds: Vec<&str> = sent.iter().map(|b| b["type"].as_str().unwrap()).collect();
        assert_eq!(sent_kinds, kinds, "{sent:?}");
        assert!(sent.iter().all(|b| b["to"] == "254722000009"), "{sent:?}");
        if kinds[0] == "text" {
            let text = sent[0]["text"]["body"].as_str().unwrap();
            assert!(
                text.starts_with("[Test] Hi ") && text.ends_with(", we are here:"),
                "{text}"
            );
            assert_eq!(sent[1]["location"]["name"], "Office", "{sent:?}");
        }
    }
    // Test sends are not campaign messages: no row, no use of the template.
    assert_eq!(uses(&browser, &ws, &starter).await, 2);
}
crate::both_backends!(pin_after_text, a_pin_or_card_goes_after_its_text);

/// A pin whose text is refused: the pin is never tried (the lead would get a pin with no
/// words), the recipient fails with the provider's reason and points at the text, and the
/// pin's row is gone.
async fn a_pin_whose_text_fails_is_not_sent(app: TestApp) {
    let (graph_base, seen) = crate::whatsapp::graph().await;
    let (browser, ws) = app
        .user_with_workspace("Agency", "owner@pinfail.test", "pinfail")
        .await;
    // The test Graph API refuses this number as undeliverable.
    import(
        &browser,
        "pinfail",
        &ws,
        "name,phone\nZawadi Cafe,+254712345670\n",
    )
    .await;
    let created = add_cloud_sender(&browser, &ws, &graph_base).await;
    let sender = created["sender"]["id"].as_str().unwrap().to_owned();
    let pin = pin_form(&sender);
    let id = create_and_launch(&browser, &ws, &pin).await;
    let done = until(&browser, &ws, &id, "completion", |c| {
        c["state"]["status"] == "completed"
    })
    .await;
    assert_eq!(
        (
            &done["state"]["counts"]["failed"],
            &done["state"]["counts"]["sent"]
        ),
        (&json!(1), &json!(0)),
        "{done}"
    );
    let kinds: Vec<String> = seen
        .requests
        .lock()
        .unwrap()
        .iter()
        .map(|(_, _, b)| b["type"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(kinds, ["text"], "only the text was tried");
    let linked = rows(
        &app,
        "SELECT r.state, r.error_text, m.body, m.status FROM campaign_recipients r \
         JOIN messages m ON m.id = r.message_id",
    )
    .await;
    assert_eq!(linked.len(), 1);
    let row = &linked[0];
    assert_eq!(row.try_get::<String>("", "state").unwrap(), "failed");
    assert_eq!(row.try_get::<String>("", "status").unwrap(), "failed");
    assert_eq!(
        row.try_get::<String>("", "body").unwrap(),
        "Hi Zawadi Cafe, we are here:"
    );
    let error: Option<String> = row.try_get("", "error_text").unwrap();
    assert!(
        error
            .as_deref()
            .is_some_and(|e| e.contains("incapable") || e.contains("Undeliverable")),
        "{error:?}"
    );
    let outbound = rows(
        &app,
        "SELECT COUNT(*) AS n FROM messages WHERE direction = 'out'",
    )
    .await;
    assert_eq!(
        outbound[0].try_get::<i64>("", "n").unwrap(),
        1,
        "the pin's row is gone"
    );
    assert_tally_matches_rows(&app, &id).await;
}
crate::both_backends!(pin_text_fails, a_pin_whose_text_fails_is_not_sent);

/// "Senders take turns": a number whose gateway answers in 400 ms and one that answers at once
/// share the list evenly, where each sending as fast as it can would leave the slow one a
/// message or two.
async fn senders_take_turns_whatever_their_speed(app: TestApp) {
    let fast = simulator(quick()).await;
    let slow = simulator(server::simulator::Behaviour {
        latency_ms: 400,
        ..quick()
    })
    .await;
    let (browser, ws) = app
        .user_with_workspace("Agency", "owner@turns.test", "turns")
        .await;
    let csv: String = std::iter::once("name,phone\n".to_owned())
        .chain((1..=8).map(|i| format!("Lead {i},+2547220000{i:02}\n")))
        .collect();
    import(&browser, "turns", &ws, &csv).await;
    // Two numbers need a plan above Free.
    exec(
        &app,
        "UPDATE workspaces SET plan_code = 'pro' WHERE slug = 'turns'",
    )
    .await;
    let (first, _) = add_gateway_sender(&browser, &ws, &fast).await;
    let (second, _) = add_named_gateway_sender(
        &browser,
        &ws,
        &slow,
        ("Second line", "+254 700 000 002", "second"),
    )
    .await;
    let strategy = json!({"order": "round_robin", "delay_min_s": 0, "delay_max_s": 0,
        "cooldown_every": null, "respect_daily_cap": false, "working_hours": null,
        "max_retries": 0, "skip_sender_after_failures": null});
    let mut turns = form(
        "Turns",
        first["id"].as_str().unwrap(),
        "Hi {name}",
        strategy,
    );
    turns["sender_ids"] = json!([first["id"], second["id"]]);
    let id = create_and_launch(&browser, &ws, &turns).await;
    let done = until(&browser, &ws, &id, "completion", |c| {
        c["state"]["status"] == "completed"
    })
    .await;
    assert_eq!(done["state"]["counts"]["sent"], 8, "{done}");
    assert_eq!(
        (delivered(&fast).await.len(), delivered(&slow).await.len()),
        (4, 4)
    );
}
crate::both_backends!(senders_take_turns, senders_take_turns_whatever_their_speed);

/// A send left in flight by a worker that died, in a campaign cancelled since: no running
/// campaign needs its sender any more, yet the dispatcher takes the dead worker's expired
/// lease over, marks the send `unknown` (WhatsApp may have it) and lets the lease go.
async fn a_dead_workers_send_is_settled_after_a_cancel(app: TestApp) {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    use shared::db::entities::sender_lease;
    let sim = simulator(quick()).await;
    let (browser, ws, sender) =
        two_leads_and_a_sender(&app, &sim, "owner@stale.test", "stale").await;
    let id = create_and_launch(&browser, &ws, &form("Hello", &sender, "Hi!", burst())).await;
    // Once the receipts are in, nothing but the dispatcher moves the rows.
    until(&browser, &ws, &id, "completion and receipts", |c| {
        c["state"]["status"] == "completed" && c["state"]["counts"]["read"] == 2
    })
    .await;
    let baraka = "lead_id IN (SELECT id FROM leads WHERE name = 'Baraka Hardware')";
    exec(
        &app,
        &format!("UPDATE campaign_recipients SET state = 'sending' WHERE {baraka}"),
    )
    .await;
    exec(
        &app,
        &format!("UPDATE messages SET status = 'sending' WHERE direction = 'out' AND {baraka}"),
    )
    .await;
    exec(&app, "UPDATE campaigns SET status = 'cancelled'").await;
    let sender = uuid::Uuid::parse_str(&sender).unwrap();
    sender_lease::Entity::update_many()
        .col_expr(sender_lease::Column::Holder, Expr::value("dead-worker"))
        .col_expr(
            sender_lease::Column::ExpiresAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::seconds(30)),
        )
        .filter(sender_lease::Column::SenderId.eq(sender))
        .exec(&app.db)
        .await
        .unwrap();

    let settled = until(&browser, &ws, &id, "the stale send settled", |c| {
        c["state"]["counts"]["unknown"] == 1
    })
    .await;
    assert_eq!(settled["state"]["counts"]["sending"], 0, "{settled}");
    assert_eq!(settled["state"]["counts"]["sent"], 1, "{settled}");
    let statuses = rows(
        &app,
        &format!("SELECT status FROM messages WHERE direction = 'out' AND {baraka}"),
    )
    .await;
    assert_eq!(statuses.len(), 1);
    assert_eq!(
        statuses[0].try_get::<String>("", "status").unwrap(),
        "unknown"
    );
    let lease = sender_lease::Entity::find_by_id(sender)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(lease.holder, None, "the lease is let go once settled");
    // Nothing was sent again: one message for each of the two leads.
    assert_eq!(delivered(&sim).await.len(), 2);
}
crate::both_backends!(
    stale_send_settled,
    a_dead_workers_send_is_settled_after_a_cancel
);

/// The id of the workspace's template called `name`.
async fn template_named(browser: &Browser, ws: &str, name: &str) -> String {
    let (status, list) = browser.call("templates", &[("workspace", ws)]).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no template {name}: {list}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The usage count the template list shows for template `id`.
async fn uses(browser: &Browser, ws: &str, id: &str) -> u64 {
    let (status, list) = browser.call("templates", &[("workspace", ws)]).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .unwrap_or_else(|| panic!("no template {id}: {list}"))["usage_count"]
        .as_u64()
        .unwrap()
}

/// A template's usage count is every message sent from it: a one-to-one send and each
/// message of a campaign whose variant started from it. A variant naming another workspace's
/// template is saved without it. The analytics rollup stays exact.
async fn a_template_counts_its_one_to_one_and_campaign_sends(app: TestApp) {
    let sim = simulator(quick()).await;
    let (browser, ws, sender) = two_leads_and_a_sender(&app, &sim, "owner@uses.test", "uses").await;
    let starter = template_named(&browser, &ws, "Site live: care and SEO").await;
    let other_starter = template_named(&browser, &ws, "No working site: web design").await;
    assert_eq!(uses(&browser, &ws, &starter).await, 0);

    let lead = rows(&app, "SELECT id FROM leads ORDER BY name").await[0]
        .try_get::<uuid::Uuid>("", "id")
        .unwrap()
        .to_string();
    let (status, sent) = browser
        .call(
            "send_message",
            &[
                ("workspace", &ws),
                ("lead", &lead),
                ("body", "Hello from the template"),
                ("template", &starter),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_eq!(uses(&browser, &ws, &starter).await, 1);

    // Another workspace's template is dropped when the draft is saved.
    let (stranger, theirs_ws) = app
        .user_with_workspace("Other", "other@uses.test", "uses-other")
        .await;
    let theirs = template_named(&stranger, &theirs_ws, "Site live: care and SEO").await;
    let mut campaign_form = form("From a template", &sender, "Hi {name|there}!", burst());
    campaign_form["variants"][0]["template_id"] = json!(theirs);
    let draft = call(
        &browser,
        "create_campaign",
        json!({"workspace": ws, "form": campaign_form}),
    )
    .await;
    assert!(
        draft["form"]["variants"][0]["template_id"].is_null(),
        "{draft}"
    );
    campaign_form["variants"][0]["template_id"] = json!(starter);
    let saved = call(
        &browser,
        "save_campaign",
        json!({"workspace": ws, "campaign": draft["id"], "form": campaign_form}),
    )
    .await;
    assert_eq!(
        saved["form"]["variants"][0]["template_id"],
        starter.as_str()
    );

    // Both leads get a message from it: three uses in all, none for the other template.
    let id = create_and_launch(&browser, &ws, &campaign_form).await;
    let done = until(&browser, &ws, &id, "completion", |c| {
        c["state"]["status"] == "completed"
    })
    .await;
    assert_eq!(done["state"]["counts"]["sent"], 2, "{done}");
    assert_eq!(uses(&browser, &ws, &starter).await, 3);
    assert_eq!(uses(&browser, &ws, &other_starter).await, 0);
    assert_eq!(uses(&stranger, &theirs_ws, &theirs).await, 0);
    let campaign_rows = rows(
        &app,
        "SELECT template_id FROM messages WHERE campaign_id IS NOT NULL",
    )
    .await;
    assert_eq!(campaign_rows.len(), 2);
    for row in &campaign_rows {
        let template: Option<uuid::Uuid> = row.try_get("", "template_id").unwrap();
        assert_eq!(template.map(|t| t.to_string()), Some(starter.clone()));
    }
    // The rollup the counts (and the analytics' variant table) read is exact.
    let workspace = shared::WorkspaceId(uuid::Uuid::parse_str(&ws).unwrap());
    let drift = shared::analytics::rollup::check(&app.db, workspace)
        .await
        .unwrap();
    assert!(drift.is_empty(), "{drift:?}");

    // Editing the template keeps its count.
    let (status, edited) = browser
        .call_json(
            "update_template",
            json!({"workspace": ws, "template": starter, "form": {"name": "Site live v2",
                "category": "promotional", "body": "Hello {name|there}", "attachment": null}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["usage_count"], 3);
}
crate::both_backends!(
    template_uses,
    a_template_counts_its_one_to_one_and_campaign_sends
);

/// A new campaign sends within the workspace's working hours and days (its settings), and the
/// form the wizard starts from says so.
async fn a_new_campaign_starts_from_the_workspace_hours(app: TestApp) {
    let (browser, ws) = app
        .user_with_workspace("Agency", "owner@hours.test", "hours")
        .await;
    let fresh = call(&browser, "new_campaign_form", json!({"workspace": ws})).await;
    assert_eq!(
        fresh["strategy"]["working_hours"],
        json!({"start": "09:00:00", "end": "18:00:00", "days": 0b11_1111}),
        "{fresh}"
    );
    assert_eq!(fresh["variants"].as_array().unwrap().len(), 1, "{fresh}");

    // 08:30–17:00, Monday to Friday.
    let (status, saved) = browser
        .call_raw(
            "save_settings",
            crate::workspaces::settings_form(
                &ws,
                &[("form[slug]", "hours"), ("form[name]", "Agency")],
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let fresh = call(&browser, "new_campaign_form", json!({"workspace": ws})).await;
    let hours = json!({"start": "08:30:00", "end": "17:00:00", "days": 0b1_1111});
    assert_eq!(fresh["strategy"]["working_hours"], hours, "{fresh}");
    // A draft made from it keeps them.
    let draft = call(
        &browser,
        "create_campaign",
        json!({"workspace": ws, "form": fresh}),
    )
    .await;
    assert_eq!(draft["form"]["strategy"]["working_hours"], hours, "{draft}");
}
crate::both_backends!(
    workspace_hours,
    a_new_campaign_starts_from_the_workspace_hours
);

/// What the (only) sender has counted today.
async fn sent_today(app: &TestApp) -> i32 {
    rows(app, "SELECT sent_today FROM senders").await[0]
        .try_get::<i32>("", "sent_today")
        .unwrap()
}

/// A test send sends the variant's file with the text as its caption, from the campaign's
/// sender, and each number takes a slot of that sender's daily cap: a test that would pass
/// the cap is refused whole, naming the sender.
async fn a_test_send_sends_the_file_and_counts_against_the_cap(app: TestApp) {
    let sim = simulator(quick()).await;
    let (browser, ws, sender) =
        two_leads_and_a_sender(&app, &sim, "owner@testsend.test", "testsend").await;
    exec(&app, "UPDATE senders SET daily_cap = 3").await;
    let mut pdf = b"%PDF-1.4\n".to_vec();
    pdf.extend([b'x'; 2000]);
    let (status, file) = browser
        .upload("/w/testsend/attachments", "brochure.pdf", pdf)
        .await;
    assert_eq!(status, StatusCode::OK, "{file}");
    let mut with_file = form(
        "Brochure",
        &sender,
        "Hi {name|there}, our brochure",
        burst(),
    );
    with_file["variants"][0]["attachment"] = file["id"].clone();

    let test = |numbers: &'static str| json!({"workspace": ws, "form": with_file, "variant": 0, "numbers": numbers});
    let answer = call(
        &browser,
        "test_send_campaign",
        test("+254722000007, +254722000008"),
    )
    .await;
    assert_eq!(
        answer,
        "Test sent from Main line to +254722000007, +254722000008."
    );
    let got = delivered(&sim).await;
    assert_eq!(got.len(), 2, "{got:?}");
    for message in &got {
        let caption = message["message"].as_str().unwrap();
        assert!(
            caption.starts_with("[Test] Hi ") && caption.ends_with(", our brochure"),
            "{message}"
        );
        assert_eq!(message["media"]["fetchedBytes"], 2009, "{message}");
    }
    assert_eq!(sent_today(&app).await, 2);

    // One slot left: a test to two numbers is refused whole, naming the sender.
    let (status, refused) = send(
        &browser,
        "test_send_campaign",
        test("+254722000005, +254722000006"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(fields(&refused), ["test_numbers"]);
    let message = refused["Validation"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("Main line has 1 of its 3 messages left today"),
        "{message}"
    );
    assert_eq!(delivered(&sim).await.len(), 2);
    assert_eq!(sent_today(&app).await, 2);
    // Before the Strategy step names the senders, the workspace's first number sends it.
    with_file["sender_ids"] = json!([]);
    let answer = call(
        &browser,
        "test_send_campaign",
        json!({"workspace": ws, "form": with_file, "variant": 0, "numbers": "+254722000005"}),
    )
    .await;
    assert_eq!(answer, "Test sent from Main line to +254722000005.");
    assert_eq!(delivered(&sim).await.len(), 3);
    assert_eq!(sent_today(&app).await, 3);
}
crate::both_backends!(
    test_send_cap,
    a_test_send_sends_the_file_and_counts_against_the_cap
);

/// A recipient whose send ended `unknown` (WhatsApp may have it) is not messaged again by the
/// campaign's next run, as one that was sent is not.
async fn a_recurring_run_leaves_unknown_recipients_alone(app: TestApp) {
    let sim = simulator(quick()).await;
    let (browser, ws, sender) =
        two_leads_and_a_sender(&app, &sim, "owner@unknown.test", "unknown").await;
    let mut form = form("Daily hello", &sender, "Hi {name|there}!", burst());
    form["kind"] = json!("recurring_daily");
    form["start_at"] = json!(in_an_hour());
    let id = create_and_launch(&browser, &ws, &form).await;
    run_due_now(&app, &id).await;
    until(&browser, &ws, &id, "the first run", |c| {
        c["state"]["run"] == 1 && c["state"]["status"] == "scheduled"
    })
    .await;
    // As a take-over leaves a send whose worker died mid-call.
    exec(
        &app,
        "UPDATE campaign_recipients SET state = 'unknown' WHERE lead_id IN \
         (SELECT id FROM leads WHERE name = 'Baraka Hardware')",
    )
    .await;
    run_due_now(&app, &id).await;
    let second = until(&browser, &ws, &id, "the second run", |c| {
        c["state"]["run"] == 2 && c["state"]["status"] == "scheduled"
    })
    .await;
    assert_eq!(second["state"]["counts"]["unknown"], 1, "{second}");
    let mut to: Vec<String> = delivered(&sim)
        .await
        .iter()
        .map(|m| m["to"].as_str().unwrap().to_owned())
        .collect();
    to.sort_unstable();
    assert_eq!(to, ["254722000001", "254722000002"], "one message each");
    let page = call(
        &browser,
        "load_campaign_recipients",
        json!({"workspace": ws, "campaign": id, "state": null, "after": null}),
    )
    .await;
    assert_eq!(page["rows"].as_array().unwrap().len(), 2, "{page}");
}
crate::both_backends!(
    recurring_unknown,
    a_recurring_run_leaves_unknown_recipients_alone
);

/// What the test's webhook receiver saw: the signature header and the body.
type Hits = std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>;

/// A webhook receiver on loopback that keeps every POST.
async fn webhook_receiver() -> (String, Hits) {
    use axum::routing::post;
    let hits = Hits::default();
    let keep = hits.clone();
    let app = axum::Router::new().route(
        "/hook",
        post(move |headers: axum::http::HeaderMap, body: String| {
            let keep = keep.clone();
            async move {
                let signature = headers
                    .get("x-leadloom-signature")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                keep.lock().unwrap().push((signature, body));
                StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind webhook");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/hook"), hits)
}

/// Points a campaign's webhook at `url` in its stored form. The form takes only https://
/// addresses; the test's receiver speaks plain HTTP on loopback.
async fn point_webhook_at(app: &TestApp, id: &str, url: &str) {
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    use shared::db::entities::campaign;
    let model = campaign::Entity::find_by_id(uuid::Uuid::parse_str(id).unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut form: Value = serde_json::from_str(&model.form).unwrap();
    form["notify"]["webhook_url"] = json!(url);
    let mut active: campaign::ActiveModel = model.into();
    active.form = Set(form.to_string());
    active.update(&app.db).await.unwrap();
}

/// A campaign that completes rings the bell and calls its webhook, signed with its key; a
/// cancelled one rings the bell too.
async fn completion_and_cancellation_notify(app: TestApp) {
    let sim = simulator(quick()).await;
    let (hook, hits) = webhook_receiver().await;
    let (browser, ws, sender) =
        two_leads_and_a_sender(&app, &sim, "owner@notify.test", "notify").await;
    let mut form = form("Tell me", &sender, "Hi {name}", burst());
    form["kind"] = json!("scheduled");
    form["start_at"] = json!(in_an_hour());
    form["notify"] = json!({"email": false, "webhook_url": "https://hooks.example/leadloom"});
    let id = create_and_launch(&browser, &ws, &form).await;
    point_webhook_at(&app, &id, &hook).await;
    run_due_now(&app, &id).await;
    let done = until(&browser, &ws, &id, "completion", |c| {
        c["state"]["status"] == "completed"
    })
    .await;
    let key = done["state"]["webhook_key"].as_str().unwrap().to_owned();

    let mut waited = 0;
    while hits.lock().unwrap().is_empty() && waited < 100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += 1;
    }
    let hits = hits.lock().unwrap().clone();
    assert_eq!(hits.len(), 1, "{hits:?}");
    let (signature, body) = &hits[0];
    assert_eq!(
        signature,
        &shared::crypto::sign_sha256(key.as_bytes(), body.as_bytes())
    );
    assert_ne!(
        signature,
        &shared::crypto::sign_sha256(b"another key", body.as_bytes())
    );
    let payload: Value = serde_json::from_str(body).unwrap();
    assert_eq!(payload["campaign_id"], id.as_str(), "{payload}");
    assert_eq!(payload["status"], "completed", "{payload}");
    assert!(
        payload["message"]
            .as_str()
            .unwrap()
            .contains("completed: 2 sent"),
        "{payload}"
    );
    let feed = browser.call("notifications", &[("workspace", &ws)]).await.1;
    let items = feed["items"].as_array().unwrap();
    assert!(
        items.iter().any(|n| n["message"]
            .as_str()
            .unwrap()
            .contains("“Tell me” completed: 2 sent")
            && n["link"] == format!("/w/notify/campaigns/{id}")),
        "{feed}"
    );

    // Cancelling rings the bell as well.
    let mut later = form.clone();
    later["name"] = json!("Never mind");
    later["notify"] = json!({"email": false, "webhook_url": null});
    let second = create_and_launch(&browser, &ws, &later).await;
    call(
        &browser,
        "cancel_campaign",
        json!({"workspace": ws, "campaign": second}),
    )
    .await;
    let feed = browser.call("notifications", &[("workspace", &ws)]).await.1;
    assert!(
        feed["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["message"] == "Campaign “Never mind” was cancelled."),
        "{feed}"
    );
}
crate::both_backends!(notifications, completion_and_cancellation_notify);

/// A campaign that asked for e-mail tells its managers by e-mail when it completes, with the
/// campaign page's address, when SMTP is configured.
async fn completion_is_emailed(backend: crate::common::Backend) {
    let (url, inbox) = crate::common::smtp_sink().await;
    let mailer = shared::mail::Mailer::new(&url, "LeadLoom <no-reply@leadloom.test>").unwrap();
    let Some(app) = TestApp::spawn_with(backend, Some(mailer)).await else {
        return;
    };
    let sim = simulator(quick()).await;
    let (browser, ws, sender) =
        two_leads_and_a_sender(&app, &sim, "owner@mailed.test", "mailed").await;
    let mut form = form("Mailed", &sender, "Hi {name|there}!", burst());
    form["notify"] = json!({"email": true, "webhook_url": null});
    let id = create_and_launch(&browser, &ws, &form).await;
    until(&browser, &ws, &id, "completion", |c| {
        c["state"]["status"] == "completed"
    })
    .await;
    let mut mails = Vec::new();
    for _ in 0..50 {
        mails = inbox.lock().await.clone();
        if !mails.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(mails.len(), 1, "{mails:?}");
    // Undo quoted-printable soft line breaks, as a mail client would.
    let mail = mails[0].replace("=\n", "");
    assert!(mail.contains("To: owner@mailed.test"), "{mail}");
    assert!(mail.contains("Subject: LeadLoom: Mailed"), "{mail}");
    assert!(mail.contains("completed: 2 sent."), "{mail}");
    assert!(
        mail.contains(&format!("/w/mailed/campaigns/{id}")),
        "the campaign's address: {mail}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completion_email_sqlite() {
    completion_is_emailed(crate::common::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completion_email_postgres() {
    completion_is_emailed(crate::common::Backend::Postgres).await;
}
