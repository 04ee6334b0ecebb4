//! The dashboard's analytics through the router, on SQLite and PostgreSQL: zeros for a new
//! workspace, then a real campaign over the simulator (sends, receipts, a reply that opts out,
//! a message from a stranger) plus two messages seeded either side of the workspace's local
//! midnight, each number checked against one computed by hand; a paced campaign shows on the
//! WhatsApp panel with its next send, also when the panel is asked for alone (as the open
//! dashboard follows it). The analytics page's hours and its templates-and-variants table over
//! messages seeded at known times either side of local midnight; the same midnight edges west
//! of UTC (Los Angeles, across the end of summer time) on the line chart, the heat map and a
//! campaign's timeline.

use crate::campaigns::{LEADS_CSV, burst, call, create_and_launch, exec, form, import, until};
use crate::common::{Browser, TestApp};
use crate::whatsapp::{add_gateway_sender, admin, quick, simulator};
use chrono::{DateTime, Datelike, Duration, FixedOffset, TimeZone, Utc, Weekday};
use reqwest::StatusCode;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
    Statement,
};
use serde_json::{Value, json};
use shared::db::entities::{campaign_recipient, lead, message};
use uuid::Uuid;

async fn dashboard(browser: &Browser, ws: &str) -> Value {
    let (status, body) = browser.call("dashboard", &[("workspace", ws)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["analytics"].clone()
}

/// Polls the dashboard until `done` holds (receipts and replies arrive by webhook).
async fn dashboard_until(
    browser: &Browser,
    ws: &str,
    what: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let mut last = Value::Null;
    for _ in 0..300 {
        last = dashboard(browser, ws).await;
        if done(&last) {
            return last;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}: {last}");
}

/// An outbound message sent at `at` that got no receipt.
async fn seed_sent(app: &TestApp, ws: Uuid, lead: Uuid, at: DateTime<Utc>) {
    seed(app, ws, lead, Seed::out(at)).await;
}

/// A message to seed: outbound unless `inbound`, from a campaign or a template, with receipts.
#[derive(Clone, Copy, Default)]
struct Seed {
    at: Option<DateTime<Utc>>,
    inbound: bool,
    campaign: Option<Uuid>,
    template: Option<Uuid>,
    /// The campaign variant the message was written from, as the dispatcher records it.
    variant: Option<i32>,
    delivered: bool,
    read: bool,
}

impl Seed {
    fn out(at: DateTime<Utc>) -> Self {
        Self {
            at: Some(at),
            ..Self::default()
        }
    }

    fn reply(at: DateTime<Utc>) -> Self {
        Self {
            inbound: true,
            ..Self::out(at)
        }
    }
}

/// A burst campaign "Offer" from `sender` with two variants split evenly: "Short" and "Long".
fn short_and_long(sender: &Value) -> Value {
    let mut offer = form(
        "Offer",
        sender["id"].as_str().unwrap(),
        "Hi {name}",
        burst(),
    );
    offer["variants"] = json!([
        {"label": "Short", "body": "Hi {name}", "weight": 50},
        {"label": "Long", "body": "Hello {name}, we build websites.", "weight": 50},
    ]);
    offer
}

async fn seed(app: &TestApp, ws: Uuid, lead: Uuid, seed: Seed) -> Uuid {
    let at = seed.at.expect("a seeded message has a time");
    let id = Uuid::now_v7();
    let status = match (seed.inbound, seed.read, seed.delivered) {
        (true, _, _) => "received",
        (false, true, _) => "read",
        (false, false, true) => "delivered",
        _ => "sent",
    };
    message::ActiveModel {
        id: Set(id),
        workspace_id: Set(ws),
        lead_id: Set(Some(lead)),
        sender_id: Set(None),
        direction: Set(if seed.inbound { "in" } else { "out" }.into()),
        peer_phone: Set("254722000002".into()),
        body: Set("Seeded".into()),
        attachment_path: Set(None),
        attachment_name: Set(None),
        attachment_type: Set(None),
        provider_message_id: Set(None),
        status: Set(status.into()),
        error_code: Set(None),
        error_text: Set(None),
        campaign_id: Set(seed.campaign),
        template_id: Set(seed.template),
        variant: Set(seed.variant),
        created_at: Set(at),
        sent_at: Set((!seed.inbound).then_some(at)),
        delivered_at: Set(seed.delivered.then(|| at + Duration::seconds(5))),
        read_at: Set(seed.read.then(|| at + Duration::seconds(60))),
        failed_at: Set(None),
        seen_at: Set(None),
        replied_at: Set(None),
    }
    .insert(&app.db)
    .await
    .expect("seed a message");
    // As the webhook does for a reply: the lead's earlier messages are answered.
    if seed.inbound {
        shared::whatsapp::messages::mark_replied(&app.db, shared::WorkspaceId(ws), lead, at)
            .await
            .expect("attribute the reply");
    }
    id
}

async fn the_dashboard_counts_what_happened(app: TestApp) {
    let sim = simulator(quick()).await;
    let (browser, ws) = app
        .user_with_workspace("Agency", "owner@dash.test", "dash")
        .await;

    // A new workspace: every number is a real zero.
    let empty = dashboard(&browser, &ws).await;
    assert_eq!(empty["leads"]["total"], 0, "{empty}");
    assert_eq!(empty["sent"], json!({"today": 0, "week": 0, "month": 0}));
    assert_eq!(empty["rates"]["sent"], 0);
    assert_eq!(empty["running_campaigns"], 0);
    assert_eq!(empty["senders"], json!([]));
    assert_eq!(empty["recent_replies"], json!([]));

    // Six leads: two with a working site, one broken, one without; two known on WhatsApp;
    // Faraja not on WhatsApp and Ellie's phone invalid, so four are messaged.
    import(&browser, "dash", &ws, LEADS_CSV).await;
    for sql in [
        "UPDATE leads SET website_status = 'WORKING' WHERE name IN ('Amani Bakery', 'Baraka Hardware')",
        "UPDATE leads SET website_status = 'NOT_WORKING' WHERE name = 'Chai Corner'",
        "UPDATE leads SET website_status = 'NO_WEBSITE' WHERE name = 'Duka Moja'",
        "UPDATE leads SET website_status = 'UNCHECKED' WHERE name IN ('Ellie Salon', 'Faraja Books')",
        "UPDATE leads SET whatsapp_status = 'ON_WHATSAPP' WHERE name IN ('Amani Bakery', 'Baraka Hardware')",
        "UPDATE leads SET whatsapp_status = 'NOT_ON_WHATSAPP' WHERE name = 'Faraja Books'",
    ] {
        exec(&app, sql).await;
    }
    let (sender, _) = add_gateway_sender(&browser, &ws, &sim).await;
    let sender = sender["id"].as_str().unwrap().to_owned();
    let offer = form("Offer", &sender, "Hi {name}", burst());
    let id = create_and_launch(&browser, &ws, &offer).await;
    until(&browser, &ws, &id, "read receipts", |c| {
        c["state"]["status"] == "completed" && c["state"]["counts"]["read"] == 4
    })
    .await;

    // Amani writes back "STOP" (a reply and an opt-out); a stranger writes too.
    admin(
        &sim,
        "/admin/sessions/main/inbound",
        json!({"from": "254722000001", "message": "STOP"}),
    )
    .await;
    admin(
        &sim,
        "/admin/sessions/main/inbound",
        json!({"from": "254733999999", "message": "Who is this?"}),
    )
    .await;
    dashboard_until(&browser, &ws, "both replies", |d| {
        d["recent_replies"].as_array().is_some_and(|r| r.len() == 2)
            && d["rates"]["leads_opted_out"] == 1
    })
    .await;

    // Baraka got two more messages, without receipts: one at 23:30 yesterday and one at 00:01
    // today, Nairobi time (UTC+3 all year).
    let nairobi = FixedOffset::east_opt(3 * 3600).unwrap();
    let today = Utc::now().with_timezone(&nairobi).date_naive();
    let midnight = nairobi
        .from_local_datetime(&today.and_hms_opt(0, 0, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc);
    let workspace = Uuid::parse_str(&ws).unwrap();
    let baraka = lead::Entity::find()
        .filter(lead::Column::WorkspaceId.eq(workspace))
        .filter(lead::Column::Name.eq("Baraka Hardware"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    seed_sent(&app, workspace, baraka, midnight - Duration::minutes(30)).await;
    seed_sent(&app, workspace, baraka, midnight + Duration::minutes(1)).await;

    let d = dashboard(&browser, &ws).await;
    assert_eq!(
        d["leads"],
        json!({"total": 6, "working_site": 2, "no_working_site": 2, "on_whatsapp": 2}),
        "{d}"
    );
    // Today: the four campaign messages and the one after midnight; yesterday's 23:30 belongs
    // to this week unless today is Monday, to this month unless today is the 1st.
    let yesterday_this_week = u64::from(today.weekday() != Weekday::Mon);
    let yesterday_this_month = u64::from(today.day() != 1);
    assert_eq!(
        d["sent"],
        json!({"today": 5, "week": 5 + yesterday_this_week, "month": 5 + yesterday_this_month}),
        "{d}"
    );
    // Six sent, four delivered and read; four leads messaged, Amani replied and opted out
    // (the stranger is no lead of ours).
    assert_eq!(
        d["rates"],
        json!({"sent": 6, "delivered": 4, "read": 4, "leads_messaged": 4,
               "leads_replied": 1, "leads_opted_out": 1}),
        "{d}"
    );
    assert_eq!(d["running_campaigns"], 0);
    let replies = d["recent_replies"].as_array().unwrap();
    assert_eq!(replies[0]["body"], "Who is this?", "{d}");
    assert!(replies[0]["lead_id"].is_null());
    assert_eq!(replies[1]["body"], "STOP");
    assert_eq!(replies[1]["lead_name"], "Amani Bakery");
    let line = &d["senders"][0];
    assert_eq!(line["name"], "Main line", "{d}");
    assert_eq!(line["sent_today"], 4);
    assert!(line["campaign"].is_null(), "{d}");
    assert!(line["next_send_at"].is_null(), "{d}");

    exec(
        &app,
        "UPDATE leads SET stage = 'converted' WHERE name = 'Ellie Salon'",
    )
    .await;
    // The analytics page's report for yesterday and today, local days.
    let yesterday = today.pred_opt().unwrap();
    let query = |campaign: Value, sender: Value| {
        json!({"workspace": ws, "query": {"from": yesterday, "to": today,
            "campaign": campaign, "sender": sender}})
    };
    let (status, report) = browser
        .call_json("load_analytics", query(Value::Null, Value::Null))
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let days = report["days"].as_array().unwrap();
    assert_eq!(days.len(), 2, "{report}");
    assert_eq!(
        days[0],
        json!({"day": yesterday, "sent": 1, "delivered": 0, "read": 0, "replied": 0}),
        "{report}"
    );
    assert_eq!(
        days[1],
        json!({"day": today, "sent": 5, "delivered": 4, "read": 4, "replied": 1}),
        "{report}"
    );
    // Each message once, at its furthest step: Amani's was answered, three were read, the two
    // seeded ones got no receipt.
    assert_eq!(
        report["outcomes"],
        json!({"replied": 1, "read": 3, "delivered": 0, "sent": 2, "failed": 0}),
        "{report}"
    );
    // The funnel of the six leads added today (Ellie became a customer by phone).
    assert_eq!(
        report["funnel"],
        json!({"imported": 6, "website_checked": 4, "on_whatsapp": 2, "messaged": 4,
               "delivered": 4, "read": 4, "replied": 1, "converted": 1}),
        "{report}"
    );
    assert_eq!(report["campaigns"].as_array().unwrap().len(), 1);
    assert_eq!(report["campaigns"][0]["name"], "Offer");
    assert_eq!(
        report["campaigns"][0]["outcomes"],
        json!({"replied": 1, "read": 3, "delivered": 0, "sent": 0, "failed": 0})
    );
    // One campaign's or one sender's messages only (the seeded ones have neither).
    let (_, by_campaign) = browser
        .call_json("load_analytics", query(json!(id), Value::Null))
        .await;
    assert_eq!(by_campaign["days"][0]["sent"], 0, "{by_campaign}");
    assert_eq!(by_campaign["days"][1]["sent"], 4);
    assert_eq!(by_campaign["days"][1]["replied"], 1);
    assert_eq!(by_campaign["outcomes"]["sent"], 0);
    let (_, by_sender) = browser
        .call_json("load_analytics", query(Value::Null, json!(sender)))
        .await;
    assert_eq!(by_sender["days"][1]["sent"], 4, "{by_sender}");
    // A range the wrong way round names the field; another workspace's campaign is not found.
    let (status, refused) = browser
        .call_json(
            "load_analytics",
            json!({"workspace": ws, "query": {"from": today, "to": yesterday,
                "campaign": null, "sender": null}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["Validation"][0]["field"], "to", "{refused}");
    let (rival, rival_ws) = app
        .user_with_workspace("Rival", "rival@dash.test", "dash-rival")
        .await;
    let (status, _) = rival
        .call_json(
            "load_analytics",
            json!({"workspace": rival_ws, "query": {"from": yesterday, "to": today,
                "campaign": id, "sender": null}}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = rival
        .call_json("load_analytics", query(Value::Null, Value::Null))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A paced campaign running: counted, and on the panel with when it sends next.
    let paced = json!({"order": "sequential", "delay_min_s": 120, "delay_max_s": 120,
        "cooldown_every": null, "respect_daily_cap": true, "working_hours": null,
        "max_retries": 0});
    let follow_up = form("Follow-up", &sender, "Any news, {name}?", paced);
    let second = create_and_launch(&browser, &ws, &follow_up).await;
    let d = dashboard_until(&browser, &ws, "the paced campaign's first send", |d| {
        d["senders"][0]["next_send_at"].is_string()
    })
    .await;
    assert_eq!(d["running_campaigns"], 1, "{d}");
    let line = &d["senders"][0];
    assert_eq!(line["campaign"], "Follow-up", "{d}");
    assert_eq!(line["sent_today"], 5);
    let next: DateTime<Utc> = line["next_send_at"].as_str().unwrap().parse().unwrap();
    let wait = next - Utc::now();
    assert!(
        wait > Duration::seconds(60) && wait <= Duration::seconds(120),
        "next send in {wait}"
    );
    // The panel alone, as the open dashboard asks for it every few seconds: the same lines.
    let (status, panel) = browser
        .call("dashboard_senders", &[("workspace", &ws)])
        .await;
    assert_eq!(status, StatusCode::OK, "{panel}");
    assert_eq!(panel, d["senders"], "{panel}");
    call(
        &browser,
        "cancel_campaign",
        json!({"workspace": ws, "campaign": second}),
    )
    .await;
}
crate::both_backends!(dashboard_counts, the_dashboard_counts_what_happened);

crate::both_backends!(
    hours_templates_and_variants_are_counted_by_hand,
    hours_templates_and_variants_are_counted_by_hand
);

/// Messages seeded in November 2026 (Nairobi is UTC+3 all year): a campaign with variants
/// "Short" and "Long", one-to-one messages from two templates, replies, and messages either
/// side of the range's first local midnight.
async fn hours_templates_and_variants_are_counted_by_hand(app: TestApp) {
    let sim = simulator(quick()).await;
    let (browser, ws) = app
        .user_with_workspace("Ana", "ana@ab.test", "ab-test")
        .await;
    let csv = format!("{LEADS_CSV}Gamma Garage,+254722000011,Nakuru,Garage\n");
    import(&browser, "ab-test", &ws, &csv).await;
    let ws_id: Uuid = ws.parse().unwrap();
    let leads = leads_by_first_word(&app, &ws).await;
    let (sender, _) = add_gateway_sender(&browser, &ws, &sim).await;
    let offer = short_and_long(&sender);
    let draft = call(
        &browser,
        "create_campaign",
        json!({"workspace": ws, "form": offer}),
    )
    .await;
    let campaign: Uuid = draft["id"].as_str().unwrap().parse().unwrap();
    let mut templates = Vec::new();
    for name in ["Intro", "Follow-up"] {
        let created = call(
            &browser,
            "create_template",
            json!({"workspace": ws, "form": {"name": name, "category": "custom",
                "body": "Hi {name}", "attachment": null}}),
        )
        .await;
        templates.push(created["id"].as_str().unwrap().parse::<Uuid>().unwrap());
    }
    let at = |day: u32, hour: u32, minute: u32| {
        Utc.with_ymd_and_hms(2026, 11, day, hour, minute, 0)
            .unwrap()
    };
    let mut position = 0;
    // A campaign message to `lead` with variant `variant`, linked as the recipient's message
    // (of the campaign's first run, or its second for a lead messaged twice).
    let mut from_campaign = async |lead: &str, variant: i32, message: Seed| {
        let id = seed(
            &app,
            ws_id,
            leads[lead],
            Seed {
                campaign: Some(campaign),
                variant: Some(variant),
                ..message
            },
        )
        .await;
        position += 1;
        campaign_recipient::ActiveModel {
            campaign_id: Set(campaign),
            position: Set(position),
            workspace_id: Set(ws_id),
            run: Set(if position > 4 { 2 } else { 1 }),
            lead_id: Set(leads[lead]),
            variant: Set(variant),
            state: Set("sent".into()),
            attempts: Set(1),
            next_attempt_at: Set(None),
            sender_id: Set(None),
            message_id: Set(Some(id)),
            error_code: Set(None),
            error_text: Set(None),
            updated_at: Set(message.at.unwrap()),
            // The receipts are the message's, copied by the triggers.
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .expect("link a recipient");
    };
    let delivered = |at| Seed {
        delivered: true,
        ..Seed::out(at)
    };
    let read = |at| Seed {
        delivered: true,
        read: true,
        ..Seed::out(at)
    };
    // Monday 23:30 local (20:30 UTC), answered half an hour later.
    from_campaign("Amani", 0, read(at(2, 20, 30))).await;
    // Tuesday 00:30 local, though still Monday in UTC.
    from_campaign("Baraka", 0, delivered(at(2, 21, 30))).await;
    // Tuesday 10:10 and 10:50 local: one answered.
    from_campaign("Chai", 1, read(at(3, 7, 10))).await;
    from_campaign("Duka", 1, Seed::out(at(3, 7, 50))).await;
    // Saturday 31 October 23:59 local: before the range.
    from_campaign(
        "Amani",
        0,
        Seed::out(Utc.with_ymd_and_hms(2026, 10, 31, 20, 59, 0).unwrap()),
    )
    .await;
    let (intro, follow_up) = (Some(templates[0]), Some(templates[1]));
    // Wednesday 09:00 and 09:05 local from "Intro", one answered; Thursday 09:00 from
    // "Follow-up"; Sunday 1 November 00:00 local without a template.
    for (lead, message) in [
        (
            "Faraja",
            Seed {
                template: intro,
                ..delivered(at(4, 6, 0))
            },
        ),
        (
            "Ellie",
            Seed {
                template: intro,
                ..read(at(4, 6, 5))
            },
        ),
        (
            "Ellie",
            Seed {
                template: follow_up,
                ..Seed::out(at(5, 6, 0))
            },
        ),
        (
            "Baraka",
            Seed::out(Utc.with_ymd_and_hms(2026, 10, 31, 21, 0, 0).unwrap()),
        ),
    ] {
        seed(&app, ws_id, leads[lead], message).await;
    }
    for (lead, reply) in [
        ("Amani", at(2, 21, 0)),
        ("Chai", at(3, 8, 0)),
        ("Faraja", at(4, 6, 30)),
    ] {
        seed(&app, ws_id, leads[lead], Seed::reply(reply)).await;
    }

    let query = |campaign: Value| {
        json!({"workspace": ws, "query": {"from": "2026-11-01", "to": "2026-11-30",
            "campaign": campaign, "sender": null}})
    };
    let all = call(&browser, "load_analytics", query(Value::Null)).await;
    let slot = |weekday: u8, hour: u8, sent: u64, replied: u64| json!({"weekday": weekday, "hour": hour, "sent": sent, "replied": replied});
    assert_eq!(
        all["send_times"],
        json!([
            slot(0, 23, 1, 1),
            slot(1, 0, 1, 0),
            slot(1, 10, 2, 1),
            slot(2, 9, 2, 1),
            slot(3, 9, 1, 0),
            slot(6, 0, 1, 0),
        ]),
        "{all}"
    );
    let row = |label: &str, sent: u64, delivered: u64, read: u64, replied: u64| json!({"label": label, "reach": {"sent": sent, "delivered": delivered, "read": read, "replied": replied}});
    assert_eq!(
        all["variants"],
        json!([
            {"name": "Offer", "campaign": campaign, "rows": [
                row("Short", 2, 2, 1, 1),
                row("Long", 2, 1, 1, 1),
            ], "delivery": "TooFew", "read": "TooFew", "reply": "TooFew"},
            {"name": "One-to-one messages", "campaign": null, "rows": [
                row("Intro", 2, 2, 1, 1),
                row("Follow-up", 1, 0, 0, 0),
            ], "delivery": "TooFew", "read": "TooFew", "reply": "TooFew"},
        ]),
        "{all}"
    );
    // One campaign: its hours and its variants only.
    let one = call(&browser, "load_analytics", query(json!(campaign))).await;
    assert_eq!(
        one["send_times"],
        json!([slot(0, 23, 1, 1), slot(1, 0, 1, 0), slot(1, 10, 2, 1)]),
        "{one}"
    );
    assert_eq!(one["variants"].as_array().unwrap().len(), 1, "{one}");
    assert_eq!(one["variants"][0]["name"], "Offer");

    // The same messages are each lead's engagement: filters and the list's columns.
    seed(
        &app,
        ws_id,
        leads["Duka"],
        Seed::out(Utc::now() - Duration::days(1)),
    )
    .await;
    let names = async |filter: Value| {
        let page = call(
            &browser,
            "leads",
            json!({"workspace": ws, "filter": filter, "sort": "name", "after": null}),
        )
        .await;
        let rows = page["rows"].as_array().unwrap().clone();
        let names: Vec<String> = rows
            .iter()
            .map(|r| {
                r["name"]
                    .as_str()
                    .unwrap()
                    .split(' ')
                    .next()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        (names, rows)
    };
    assert_eq!(names(json!({"messaged": false})).await.0, ["Gamma"]);
    assert_eq!(
        names(json!({"replied": true})).await.0,
        ["Amani", "Chai", "Faraja"]
    );
    assert_eq!(
        names(json!({"messaged": true, "replied": false})).await.0,
        ["Baraka", "Duka", "Ellie"]
    );
    // Not messaged in a week: everyone but Duka, messaged yesterday; Gamma never was.
    assert_eq!(
        names(json!({"quiet_days": 7})).await.0,
        ["Amani", "Baraka", "Chai", "Ellie", "Faraja", "Gamma"]
    );
    let (_, rows) = names(json!({})).await;
    assert_eq!(
        rows[0]["engagement"],
        json!({"messages_sent": 2, "last_contacted_at": "2026-11-02T20:30:00Z",
               "last_reply_at": "2026-11-02T21:00:00Z", "appointment_at": null,
               "converted_at": null}),
        "{rows:?}"
    );
    assert_eq!(rows[3]["engagement"]["messages_sent"], 2, "Duka: {rows:?}");
    assert_eq!(
        rows[6]["engagement"],
        json!({"messages_sent": 0, "last_contacted_at": null, "last_reply_at": null,
               "appointment_at": null, "converted_at": null})
    );
}

crate::both_backends!(
    a_zone_west_of_utc_counts_late_evenings_locally,
    a_zone_west_of_utc_counts_late_evenings_locally
);

/// The same edges in a workspace west of UTC (America/Los_Angeles), where a late evening is
/// already the next day in UTC and November begins with the end of summer time (Sunday 1
/// November 2026: 02:00 PDT, UTC−7, goes back to 01:00 PST, UTC−8; the day has 25 hours).
/// The line chart's days, the heat map's weekdays and hours and a campaign's timeline all
/// count each message on its local day, whatever UTC says; hand-computed below.
async fn a_zone_west_of_utc_counts_late_evenings_locally(app: TestApp) {
    let sim = simulator(quick()).await;
    let browser = app.client();
    browser.register("Lu", "lu@west.test").await;
    let (status, created) = browser
        .call(
            "create_workspace",
            &[
                ("name", "West"),
                ("slug", "west"),
                ("timezone", "America/Los_Angeles"),
                ("use_case", "agency"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let ws = created["id"].as_str().unwrap().to_owned();
    import(&browser, "west", &ws, LEADS_CSV).await;
    let ws_id: Uuid = ws.parse().unwrap();
    let leads = leads_by_first_word(&app, &ws).await;
    let (sender, _) = add_gateway_sender(&browser, &ws, &sim).await;
    let draft = call(
        &browser,
        "create_campaign",
        json!({"workspace": ws, "form": short_and_long(&sender)}),
    )
    .await;
    let campaign: Uuid = draft["id"].as_str().unwrap().parse().unwrap();
    let utc = |month: u32, day: u32, hour: u32, minute: u32| {
        Utc.with_ymd_and_hms(2026, month, day, hour, minute, 0)
            .unwrap()
    };
    let from_campaign = |message: Seed| Seed {
        campaign: Some(campaign),
        variant: Some(0),
        ..message
    };
    for (lead, message) in [
        // Saturday 31 October 23:30 PDT: before the range, though 1 November in UTC.
        ("Duka", Seed::out(utc(11, 1, 6, 30))),
        // Sunday 1 November 01:30 PST, the second 01:30 of that night (09:30 UTC).
        ("Ellie", Seed::out(utc(11, 1, 9, 30))),
        // Monday 2 November 23:30 PST (Tuesday 07:30 UTC): delivered and read that minute.
        (
            "Amani",
            from_campaign(Seed {
                delivered: true,
                read: true,
                ..Seed::out(utc(11, 3, 7, 30))
            }),
        ),
        // Tuesday 3 November 00:30 PST (08:30 UTC): delivered.
        (
            "Baraka",
            from_campaign(Seed {
                delivered: true,
                ..Seed::out(utc(11, 3, 8, 30))
            }),
        ),
        // Monday 30 November 23:30 PST: the range's last day, though December in UTC.
        ("Chai", from_campaign(Seed::out(utc(12, 1, 7, 30)))),
        // Tuesday 1 December 00:10 PST: after the range.
        ("Faraja", Seed::out(utc(12, 1, 8, 10))),
        // Amani answers on Tuesday 3 November at 00:10 PST (08:10 UTC).
        ("Amani", Seed::reply(utc(11, 3, 8, 10))),
    ] {
        seed(&app, ws_id, leads[lead], message).await;
    }

    let query = |campaign: Value| {
        json!({"workspace": ws, "query": {"from": "2026-11-01", "to": "2026-11-30",
            "campaign": campaign, "sender": null}})
    };
    let all = call(&browser, "load_analytics", query(Value::Null)).await;
    // The line chart: thirty local days; sends, receipts and the answer on their local days.
    let days = all["days"].as_array().unwrap();
    assert_eq!(days.len(), 30, "{all}");
    let busy: Vec<&Value> = days
        .iter()
        .filter(|d| {
            ["sent", "delivered", "read", "replied"]
                .iter()
                .any(|k| d[k] != 0)
        })
        .collect();
    let day = |day: &str, sent: u64, delivered: u64, read: u64, replied: u64| json!({"day": day, "sent": sent, "delivered": delivered, "read": read, "replied": replied});
    assert_eq!(
        busy,
        [
            &day("2026-11-01", 1, 0, 0, 0),
            &day("2026-11-02", 1, 1, 1, 0),
            &day("2026-11-03", 1, 1, 0, 1),
            &day("2026-11-30", 1, 0, 0, 0),
        ],
        "{all}"
    );
    // The heat map: both 23:30 sends on Monday at 23:00 (one answered), Tuesday 00:00, and the
    // repeated 01:00 hour of Sunday once.
    let slot = |weekday: u8, hour: u8, sent: u64, replied: u64| json!({"weekday": weekday, "hour": hour, "sent": sent, "replied": replied});
    assert_eq!(
        all["send_times"],
        json!([slot(0, 23, 2, 1), slot(1, 0, 1, 0), slot(6, 1, 1, 0)]),
        "{all}"
    );
    let one = call(&browser, "load_analytics", query(json!(campaign))).await;
    assert_eq!(
        one["send_times"],
        json!([slot(0, 23, 2, 1), slot(1, 0, 1, 0)]),
        "{one}"
    );

    // The campaign's timeline spans four weeks, so by local day: from Monday 2 November to
    // Monday 30 November, every day there (in UTC it would run from the 3rd to 1 December).
    let activity = call(
        &browser,
        "load_campaign_activity",
        json!({"workspace": ws, "campaign": campaign}),
    )
    .await;
    let timeline = &activity["timeline"];
    assert_eq!(timeline["hourly"], false, "{activity}");
    let points = timeline["points"].as_array().unwrap();
    assert_eq!(points.len(), 29, "{activity}");
    let point = |label: &str, sent: u64, delivered: u64, read: u64| json!({"label": label, "sent": sent, "delivered": delivered, "read": read});
    assert_eq!(
        (&points[0], &points[1], &points[2], &points[28]),
        (
            &point("Mon 2 Nov", 1, 1, 1),
            &point("Tue 3 Nov", 1, 1, 0),
            &point("Wed 4 Nov", 0, 0, 0),
            &point("Mon 30 Nov", 1, 0, 0),
        ),
        "{activity}"
    );
}

crate::both_backends!(the_rollup_stays_exact, the_rollup_stays_exact);

/// The sum of `column` over every row of `message_stats` (the test's database holds one
/// workspace with messages).
async fn rollup_total(app: &TestApp, column: &str) -> i64 {
    let sql = format!("SELECT CAST(COALESCE(SUM({column}), 0) AS BIGINT) AS n FROM message_stats");
    let row = app
        .db
        .query_one_raw(Statement::from_string(app.db.get_database_backend(), sql))
        .await
        .expect("sum the rollup")
        .expect("a row");
    row.try_get("", "n").expect("a number")
}

/// `message_stats` is kept by triggers on `messages`: after a real campaign over the
/// simulator (two variants, read receipts, a reply attributed by the webhook) and the other
/// ways rows change — a late failure, a receipt taken back over several rows in one
/// statement, a message moved to another variant, one deleted, an update touching no counted
/// column, a one-to-one message inserted directly — every count equals the same count
/// recomputed from `messages`. Then one rollup row is corrupted, and the check must say so.
async fn the_rollup_stays_exact(app: TestApp) {
    let sim = simulator(quick()).await;
    let (browser, ws) = app
        .user_with_workspace("Agency", "owner@rollup.test", "rollup")
        .await;
    import(&browser, "rollup", &ws, LEADS_CSV).await;
    let (sender, _) = add_gateway_sender(&browser, &ws, &sim).await;
    let offer = short_and_long(&sender);
    let id = create_and_launch(&browser, &ws, &offer).await;
    // Four messages read; Ellie's phone is invalid, so hers fails.
    until(&browser, &ws, &id, "read receipts", |c| {
        c["state"]["status"] == "completed"
            && c["state"]["counts"]["read"] == 4
            && c["state"]["counts"]["failed"] == 1
    })
    .await;
    admin(
        &sim,
        "/admin/sessions/main/inbound",
        json!({"from": "254722000001", "message": "Tell me more"}),
    )
    .await;
    let workspace: Uuid = ws.parse().unwrap();
    let outbound = || {
        message::Entity::find()
            .filter(message::Column::WorkspaceId.eq(workspace))
            .filter(message::Column::Direction.eq("out"))
    };
    for _ in 0..300 {
        let answered = outbound()
            .filter(message::Column::RepliedAt.is_not_null())
            .count(&app.db)
            .await
            .unwrap();
        if answered == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let check = || shared::analytics::rollup::check(&app.db, shared::WorkspaceId(workspace));
    let check_leads =
        || shared::analytics::rollup::check_leads(&app.db, shared::WorkspaceId(workspace));
    assert_eq!(check().await.unwrap(), vec![], "after the campaign");
    assert_eq!(
        check_leads().await.unwrap(),
        vec![],
        "leads after the campaign"
    );
    let sent = outbound()
        .filter(message::Column::ReadAt.is_not_null())
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(sent.len(), 4);
    assert!(
        sent.iter().all(|m| m.variant.is_some()),
        "the dispatcher records each message's variant: {sent:?}"
    );
    assert_eq!(rollup_total(&app, "sent").await, 4);
    assert_eq!(rollup_total(&app, "reads").await, 4);
    assert_eq!(rollup_total(&app, "answered").await, 1);

    let unanswered: Vec<&message::Model> = sent.iter().filter(|m| m.replied_at.is_none()).collect();
    // The provider gives up on one after all.
    let mut failed: message::ActiveModel = unanswered[0].clone().into();
    failed.status = Set("failed".into());
    failed.failed_at = Set(Some(Utc::now()));
    failed.delivered_at = Set(None);
    failed.read_at = Set(None);
    failed.update(&app.db).await.unwrap();
    // Another moves to the other variant, a third is deleted.
    let mut moved: message::ActiveModel = unanswered[1].clone().into();
    moved.variant = Set(Some(1 - unanswered[1].variant.unwrap_or(0)));
    moved.update(&app.db).await.unwrap();
    message::Entity::delete_by_id(unanswered[2].id)
        .exec(&app.db)
        .await
        .unwrap();
    // Several rows in one statement: read receipts taken back, and a column nothing counts.
    exec(
        &app,
        "UPDATE messages SET read_at = NULL, status = 'delivered' \
         WHERE direction = 'out' AND status = 'read' AND replied_at IS NULL",
    )
    .await;
    exec(&app, "UPDATE messages SET seen_at = created_at").await;
    let lead = sent[0].lead_id.unwrap();
    seed(
        &app,
        workspace,
        lead,
        Seed::out(Utc::now() - Duration::days(3)),
    )
    .await;
    seed(&app, workspace, lead, Seed::reply(Utc::now())).await;
    // The lead's latest reply and its latest send taken away (the columns they held are
    // recomputed), and a message moved to another lead in one statement.
    let later = seed(
        &app,
        workspace,
        lead,
        Seed::reply(Utc::now() + Duration::minutes(1)),
    )
    .await;
    let latest = seed(
        &app,
        workspace,
        lead,
        Seed::out(Utc::now() + Duration::minutes(2)),
    )
    .await;
    message::Entity::delete_by_id(later)
        .exec(&app.db)
        .await
        .unwrap();
    message::Entity::delete_many()
        .filter(message::Column::Id.is_in([latest]))
        .exec(&app.db)
        .await
        .unwrap();
    let other = sent[1].lead_id.unwrap();
    let mut moved_lead: message::ActiveModel = sent[0].clone().into();
    moved_lead.lead_id = Set(Some(other));
    moved_lead.update(&app.db).await.unwrap();
    assert_eq!(check().await.unwrap(), vec![], "after the edits");
    assert_eq!(
        check_leads().await.unwrap(),
        vec![],
        "leads after the edits"
    );
    let columns = lead::Entity::find_by_id(lead)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(
        columns.last_reply_at.is_some_and(|at| at <= Utc::now())
            && columns.last_contacted_at.is_some_and(|at| at <= Utc::now()),
        "the deleted reply and send no longer count: {columns:?}"
    );
    // Three of the campaign's four left and the one inserted; only Amani's still read.
    assert_eq!(rollup_total(&app, "sent").await, 4);
    assert_eq!(rollup_total(&app, "reads").await, 1);
    let failures = outbound()
        .filter(message::Column::Status.eq("failed"))
        .count(&app.db)
        .await
        .unwrap();
    assert!(failures >= 1);
    assert_eq!(
        rollup_total(&app, "created_failed").await,
        i64::try_from(failures).unwrap()
    );

    // The check is no formality: a count off by one is found.
    exec(
        &app,
        "UPDATE message_stats SET answered = answered + 1 WHERE answered > 0",
    )
    .await;
    let off = check().await.unwrap();
    assert!(!off.is_empty());
    for (key, rollup, recomputed) in &off {
        let mut fixed = *rollup;
        fixed.answered -= 1;
        assert_eq!(fixed, *recomputed, "{key}");
    }
    assert_eq!(
        check_leads().await.unwrap(),
        vec![],
        "leads before corruption"
    );
    exec(
        &app,
        "UPDATE leads SET messages_read = messages_read + 1, last_reply_at = NULL \
         WHERE messages_received > 0",
    )
    .await;
    let off = check_leads().await.unwrap();
    assert!(
        off.iter().any(|(_, column, ..)| column == "messages_read")
            && off.iter().any(|(_, column, ..)| column == "last_reply_at"),
        "{off:?}"
    );
}

/// The workspace's leads by the first word of their name ("Amani Bakery" → "Amani").
async fn leads_by_first_word(app: &TestApp, ws: &str) -> std::collections::HashMap<String, Uuid> {
    let ws_id: Uuid = ws.parse().unwrap();
    lead::Entity::find()
        .filter(lead::Column::WorkspaceId.eq(ws_id))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|l| (l.name.split(' ').next().unwrap().to_owned(), l.id))
        .collect()
}
