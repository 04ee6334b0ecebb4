//! The lead page over HTTP: one lead with its timeline, editing (validation naming each field,
//! phone re-normalisation, a number another lead has), custom fields and tags, stage changes,
//! notes, conversion to a customer (linked both ways), deletion, a viewer's read-only access,
//! and the outcome flags: the appointment booked and the time of conversion.

use crate::common::{Browser, TestApp, error_kind};
use crate::imports::{empty_filter, finished, leads, start};
use reqwest::StatusCode;
use serde_json::{Value, json};

const LEADS_CSV: &str = "Business,Phone,Website,City,Country,Manager\n\
Mama Mboga Ltd,0722 000 111,www.mboga.co.ke,Nairobi,Kenya,Wanjiku\n\
Baraka Hardware,+254 733 123 456,,Mombasa,Kenya,Amara\n";

/// Imports `LEADS_CSV` into the workspace and returns its leads by name.
pub(crate) async fn imported_leads(
    browser: &Browser,
    slug: &str,
    ws: &str,
) -> (String, String, String) {
    let (status, preview) = browser
        .upload_import(slug, "shops.csv", LEADS_CSV.as_bytes().to_vec())
        .await;
    assert_eq!(status, StatusCode::OK, "upload: {preview}");
    let queued = start(browser, ws, &preview, "skip").await;
    let import = queued["id"].as_str().unwrap().to_owned();
    let done = finished(browser, ws, &import).await;
    assert_eq!(done["imported"], 2, "{done}");
    let listed = leads(browser, ws, empty_filter()).await;
    let id_of = |name: &str| {
        listed["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("no lead {name} in {listed}"))["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    (id_of("Mama Mboga Ltd"), id_of("Baraka Hardware"), import)
}

async fn load(browser: &Browser, ws: &str, lead: &str) -> (StatusCode, Value) {
    browser
        .call("load_lead", &[("workspace", ws), ("lead", lead)])
        .await
}

fn edit_form(lead: &Value) -> Value {
    let text = |key: &str| lead[key].as_str().unwrap_or("").to_owned();
    json!({
        "name": text("name"),
        "phone": lead["phone_raw"].as_str().or(lead["phone_e164"].as_str()).unwrap_or(""),
        "email": text("email"),
        "website": text("website"),
        "city": text("city"),
        "country": text("country"),
        "category": text("category"),
        "tags": lead["tags"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect::<Vec<_>>().join(", "),
        "notes": text("notes"),
        "custom": lead["custom"],
    })
}

async fn update(browser: &Browser, ws: &str, lead: &str, form: Value) -> (StatusCode, Value) {
    browser
        .call_json(
            "update_lead",
            json!({ "workspace": ws, "lead": lead, "form": form }),
        )
        .await
}

fn field_message(body: &Value, field: &str) -> String {
    body["Validation"]
        .as_array()
        .and_then(|errors| errors.iter().find(|e| e["field"] == field))
        .and_then(|e| e["message"].as_str())
        .unwrap_or_else(|| panic!("no error on {field} in {body}"))
        .to_owned()
}

async fn lead_page_shows_and_edits_a_lead(app: TestApp) {
    let (owner, ws) = app
        .user_with_workspace("Agency", "owner@lead.test", "lead-agency")
        .await;
    let (mboga, baraka, import) = imported_leads(&owner, "lead-agency", &ws).await;

    let (status, lead) = load(&owner, &ws, &mboga).await;
    assert_eq!(status, StatusCode::OK, "{lead}");
    assert_eq!(lead["phone_e164"], "+254722000111");
    assert_eq!(lead["phone_kind"], "mobile");
    assert_eq!(lead["website"], "www.mboga.co.ke");
    assert_eq!(
        lead["custom"],
        json!([{ "key": "Manager", "value": "Wanjiku" }])
    );
    assert_eq!(lead["import"][0], import.as_str());
    assert_eq!(lead["import"][1], "shops.csv");
    assert_eq!(lead["timeline"][0]["kind"], "imported");
    assert_eq!(lead["stage"], "new");
    assert_eq!(lead["customer"], Value::Null);

    // Every bad field is named at once, and nothing is saved.
    let mut form = edit_form(&lead);
    form["name"] = json!("  ");
    form["email"] = json!("not-an-email");
    form["phone"] = json!("12");
    form["custom"] = json!([{ "key": "", "value": "orphan" }]);
    form["tags"] = json!(format!("ok, {}", "t".repeat(61)));
    let (status, body) = update(&owner, &ws, &mboga, form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(field_message(&body, "name"), "Enter the business name.");
    assert!(field_message(&body, "email").contains("not-an-email"));
    assert!(field_message(&body, "phone").contains("\"12\""));
    assert!(field_message(&body, "custom").contains("needs a name"));
    assert!(field_message(&body, "tags").contains("longer than 60"));
    assert_eq!(load(&owner, &ws, &mboga).await.1["name"], "Mama Mboga Ltd");

    // A number another lead already has is refused on the phone field.
    let mut form = edit_form(&lead);
    form["phone"] = json!("0733 123 456");
    let (status, body) = update(&owner, &ws, &mboga, form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(field_message(&body, "phone").contains("Another lead"));

    // A valid edit: a new local number read with the lead's country, a new website, tags and
    // custom fields; what was learnt about the old number and site is reset.
    let mut form = edit_form(&lead);
    form["name"] = json!("Mama Mboga & Sons");
    form["phone"] = json!("0711 222 333");
    form["website"] = json!("HTTPS://Mboga.CO.KE/shop");
    form["tags"] = json!("vip, Nairobi; vip");
    form["custom"] = json!([
        { "key": "Manager", "value": "Achieng" },
        { "key": "Floor", "value": "2" },
        { "key": "", "value": "" }
    ]);
    let (status, edited) = update(&owner, &ws, &mboga, form).await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["name"], "Mama Mboga & Sons");
    assert_eq!(edited["phone_e164"], "+254711222333");
    assert_eq!(edited["phone_raw"], "0711 222 333");
    assert_eq!(edited["whatsapp_status"], "UNCHECKED");
    assert_eq!(edited["website_status"], "UNCHECKED");
    assert_eq!(edited["tags"], json!(["Nairobi", "vip"]));
    assert_eq!(
        edited["custom"],
        json!([{ "key": "Floor", "value": "2" }, { "key": "Manager", "value": "Achieng" }])
    );
    let entry = &edited["timeline"][0];
    assert_eq!(entry["kind"], "edited");
    assert_eq!(entry["actor"], "Agency");
    let detail = entry["detail"].as_str().unwrap();
    for field in ["name", "phone", "website", "custom fields", "tags"] {
        assert!(detail.contains(field), "{detail} names {field}");
    }
    assert!(!detail.contains("city"), "{detail}");
    // The list sees the edit, and the old number is free for another lead.
    let mut filter = empty_filter();
    filter["tag"] = json!("vip");
    let listed = leads(&owner, &ws, filter).await;
    assert_eq!(listed["total"], 1, "{listed}");
    let mut form = edit_form(&load(&owner, &ws, &baraka).await.1);
    form["phone"] = json!("+254 722 000 111");
    assert_eq!(update(&owner, &ws, &baraka, form).await.0, StatusCode::OK);

    // Saving without changes adds no timeline entry.
    let before = load(&owner, &ws, &mboga).await.1;
    let (status, after) = update(&owner, &ws, &mboga, edit_form(&before)).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["timeline"], before["timeline"]);
}
both_backends!(shows_and_edits, lead_page_shows_and_edits_a_lead);

async fn stages_notes_conversion_and_deletion(app: TestApp) {
    let (owner, ws) = app
        .user_with_workspace("Agency", "owner@convert.test", "convert")
        .await;
    let (mboga, _, _) = imported_leads(&owner, "convert", &ws).await;

    let (status, lead) = owner
        .call_json(
            "set_lead_stage",
            json!({ "workspace": ws, "lead": mboga, "stage": "qualified" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{lead}");
    assert_eq!(lead["stage"], "qualified");
    assert_eq!(lead["timeline"][0]["kind"], "stage_changed");
    assert_eq!(lead["timeline"][0]["detail"], "New → Qualified");
    let (status, body) = owner
        .call_json(
            "set_lead_stage",
            json!({ "workspace": ws, "lead": mboga, "stage": "won" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(field_message(&body, "form").contains("won"), "{body}");

    // Notes: an empty one is refused on its field; a real one shows its author.
    let (status, body) = owner
        .call(
            "add_lead_note",
            &[("workspace", &ws), ("lead", &mboga), ("body", "   ")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_message(&body, "body"), "Write the note first.");
    let (status, lead) = owner
        .call(
            "add_lead_note",
            &[
                ("workspace", &ws),
                ("lead", &mboga),
                ("body", "Called: wants a quote by Friday."),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{lead}");
    assert_eq!(
        lead["notes_log"][0]["body"],
        "Called: wants a quote by Friday."
    );
    assert_eq!(lead["notes_log"][0]["author"], "Agency");
    let note = lead["notes_log"][0]["id"].as_str().unwrap().to_owned();
    let (status, lead) = owner
        .call(
            "delete_lead_note",
            &[("workspace", &ws), ("lead", &mboga), ("note", &note)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{lead}");
    assert_eq!(lead["notes_log"], json!([]));
    let (status, _) = owner
        .call(
            "delete_lead_note",
            &[("workspace", &ws), ("lead", &mboga), ("note", &note)],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Converting makes a customer linked both ways and moves the lead to Converted; converting
    // again returns the same customer.
    let (status, customer) = owner
        .call("convert_lead", &[("workspace", &ws), ("lead", &mboga)])
        .await;
    assert_eq!(status, StatusCode::OK, "{customer}");
    assert_eq!(customer["name"], "Mama Mboga Ltd");
    assert_eq!(customer["phone_e164"], "+254722000111");
    assert_eq!(customer["lead"][0], mboga.as_str());
    assert_eq!(customer["created_by"], "Agency");
    let customer_id = customer["id"].as_str().unwrap().to_owned();
    let lead = load(&owner, &ws, &mboga).await.1;
    assert_eq!(lead["customer"][0], customer_id.as_str());
    assert_eq!(lead["stage"], "converted");
    let kinds: Vec<&str> = lead["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["converted", "stage_changed", "stage_changed", "imported"]
    );
    let again = owner
        .call("convert_lead", &[("workspace", &ws), ("lead", &mboga)])
        .await
        .1;
    assert_eq!(again["id"], customer_id.as_str());
    let list = owner.call("load_customers", &[("workspace", &ws)]).await.1;
    assert_eq!(list["total"], 1, "{list}");

    // The pages render on the server.
    let page = owner.get(&format!("/w/convert/leads/{mboga}")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Mama Mboga Ltd") && html.contains("Timeline"),
        "lead page"
    );
    let page = owner
        .get(&format!("/w/convert/customers/{customer_id}"))
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Lead: Mama Mboga Ltd"));
    assert_eq!(
        owner.get("/w/convert/leads/not-a-uuid").await.status(),
        StatusCode::NOT_FOUND
    );

    // Deleting the lead keeps the customer, whose link back becomes empty.
    let (status, _) = owner
        .call("delete_lead", &[("workspace", &ws), ("lead", &mboga)])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(load(&owner, &ws, &mboga).await.0, StatusCode::NOT_FOUND);
    let customer = owner
        .call(
            "load_customer",
            &[("workspace", &ws), ("customer", &customer_id)],
        )
        .await
        .1;
    assert_eq!(customer["lead"], Value::Null, "{customer}");
    assert_eq!(customer["name"], "Mama Mboga Ltd");
}
both_backends!(
    stages_notes_conversion,
    stages_notes_conversion_and_deletion
);

async fn viewers_read_but_do_not_change(app: TestApp) {
    let (owner, ws) = app
        .user_with_workspace("Owner", "owner@viewer-lead.test", "viewer-lead")
        .await;
    let (mboga, _, _) = imported_leads(&owner, "viewer-lead", &ws).await;
    let viewer =
        crate::common::join_as(&app, &owner, &ws, "Viv", "viv@viewer-lead.test", "viewer").await;

    let (status, lead) = load(&viewer, &ws, &mboga).await;
    assert_eq!(status, StatusCode::OK, "{lead}");
    let mut form = edit_form(&lead);
    form["name"] = json!("Renamed");
    let refused: [(StatusCode, Value); 5] = [
        update(&viewer, &ws, &mboga, form).await,
        viewer
            .call_json(
                "set_lead_stage",
                json!({ "workspace": ws, "lead": mboga, "stage": "lost" }),
            )
            .await,
        viewer
            .call(
                "add_lead_note",
                &[("workspace", &ws), ("lead", &mboga), ("body", "hi")],
            )
            .await,
        viewer
            .call("convert_lead", &[("workspace", &ws), ("lead", &mboga)])
            .await,
        viewer
            .call("delete_lead", &[("workspace", &ws), ("lead", &mboga)])
            .await,
    ];
    for (status, body) in refused {
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(error_kind(&body), "Forbidden");
    }
    let lead = load(&owner, &ws, &mboga).await.1;
    assert_eq!(lead["name"], "Mama Mboga Ltd");
    assert_eq!(lead["stage"], "new");
    assert_eq!(lead["notes_log"], json!([]));
}
both_backends!(viewers_read_only, viewers_read_but_do_not_change);

/// The leads of the workspace the filter (JSON, missing parts empty) matches, by name.
async fn names_matching(browser: &Browser, ws: &str, filter: Value) -> Vec<String> {
    let mut full = empty_filter();
    for (key, value) in filter.as_object().unwrap() {
        full[key] = value.clone();
    }
    let listed = leads(browser, ws, full).await;
    listed["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn set_appointment(
    browser: &Browser,
    ws: &str,
    lead: &str,
    at: Option<&str>,
) -> (StatusCode, Value) {
    browser
        .call_json(
            "set_lead_appointment",
            json!({ "workspace": ws, "lead": lead, "at": at }),
        )
        .await
}

async fn appointments_and_conversions(app: TestApp) {
    let (owner, ws) = app
        .user_with_workspace("Agency", "owner@outcomes.test", "outcomes")
        .await;
    let (mboga, baraka, _) = imported_leads(&owner, "outcomes", &ws).await;

    // Booking: stored to the minute, told on the timeline in the workspace's zone (Nairobi,
    // UTC+3), shown on the lead and its list row.
    let (status, lead) = set_appointment(&owner, &ws, &mboga, Some("2026-12-09T07:00:42Z")).await;
    assert_eq!(status, StatusCode::OK, "{lead}");
    assert_eq!(lead["engagement"]["appointment_at"], "2026-12-09T07:00:00Z");
    assert_eq!(lead["timeline"][0]["kind"], "appointment");
    assert_eq!(
        lead["timeline"][0]["detail"],
        "Booked for Wed 09 Dec 2026 10:00"
    );
    let (_, lead) = set_appointment(&owner, &ws, &mboga, Some("2026-12-10T12:30:00Z")).await;
    assert_eq!(
        lead["timeline"][0]["detail"],
        "Moved from Wed 09 Dec 2026 10:00 to Thu 10 Dec 2026 15:30"
    );
    // The same time again changes nothing.
    let (_, again) = set_appointment(&owner, &ws, &mboga, Some("2026-12-10T12:30:00Z")).await;
    assert_eq!(again["timeline"], lead["timeline"]);
    // A time years away is a typo, refused on its field; the booking stays.
    let (status, body) = set_appointment(&owner, &ws, &mboga, Some("2206-12-10T12:30:00Z")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        field_message(&body, "appointment").contains("5 years"),
        "{body}"
    );
    let (status, body) = owner
        .call_json(
            "set_lead_appointment",
            json!({ "workspace": ws, "lead": mboga, "at": "next tuesday" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let lead = load(&owner, &ws, &mboga).await.1;
    assert_eq!(lead["engagement"]["appointment_at"], "2026-12-10T12:30:00Z");

    // The flags filter the list, and segments keep them.
    assert_eq!(
        names_matching(&owner, &ws, json!({ "appointment": true })).await,
        ["Mama Mboga Ltd"]
    );
    assert_eq!(
        names_matching(&owner, &ws, json!({ "appointment": false })).await,
        ["Baraka Hardware"]
    );
    let (status, segment) = owner
        .call_json(
            "create_segment",
            json!({ "workspace": ws, "form": { "name": "Meetings", "filter": { "appointment": true } } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{segment}");
    let count_of = |list: &Value| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "Meetings")
            .map(|s| s["count"].clone())
    };
    let list = owner.call("segments", &[("workspace", &ws)]).await.1;
    assert_eq!(count_of(&list), Some(json!(1)), "{list}");

    // Converted: entering the stage sets the time, the lead page's stage buttons and the bulk
    // action alike; leaving it clears it.
    assert_eq!(lead["engagement"]["converted_at"], Value::Null);
    let (_, lead) = owner
        .call_json(
            "set_lead_stage",
            json!({ "workspace": ws, "lead": baraka, "stage": "converted" }),
        )
        .await;
    let converted_at = lead["engagement"]["converted_at"].clone();
    assert!(converted_at.is_string(), "{lead}");
    // Conversion to a customer keeps the time the lead entered the stage.
    owner
        .call("convert_lead", &[("workspace", &ws), ("lead", &baraka)])
        .await;
    let lead = load(&owner, &ws, &baraka).await.1;
    assert_eq!(lead["engagement"]["converted_at"], converted_at);
    assert_eq!(
        names_matching(&owner, &ws, json!({ "converted": true })).await,
        ["Baraka Hardware"]
    );
    let (_, lead) = owner
        .call_json(
            "set_lead_stage",
            json!({ "workspace": ws, "lead": baraka, "stage": "lost" }),
        )
        .await;
    assert_eq!(lead["engagement"]["converted_at"], Value::Null, "{lead}");
    let (status, done) = owner
        .call_json(
            "bulk_leads",
            json!({ "workspace": ws, "selection": { "ids": [mboga, baraka] }, "action": { "set_stage": "converted" } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(
        names_matching(&owner, &ws, json!({ "converted": true })).await,
        ["Baraka Hardware", "Mama Mboga Ltd"]
    );
    assert!(
        names_matching(&owner, &ws, json!({ "converted": false }))
            .await
            .is_empty()
    );

    // The export carries both, and its URL filters by them.
    let response = owner
        .get("/w/outcomes/leads/export/leads.csv?appointment=yes")
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let csv = response.text().await.unwrap();
    let mut lines = csv.trim_start_matches('\u{feff}').lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert!(lines.next().is_none(), "{csv}");
    let cell = |name: &str| row[header.iter().position(|h| *h == name).unwrap()];
    assert_eq!(cell("name"), "Mama Mboga Ltd");
    assert_eq!(cell("appointment_at"), "2026-12-10T12:30:00+00:00");
    assert!(cell("converted_at").starts_with("20"), "{csv}");
    let response = owner
        .get("/w/outcomes/leads/export/leads.csv?converted=soon")
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("converted"));

    // Cancelling clears the flag.
    let (_, lead) = set_appointment(&owner, &ws, &mboga, None).await;
    assert_eq!(lead["engagement"]["appointment_at"], Value::Null);
    assert_eq!(
        lead["timeline"][0]["detail"],
        "Cancelled (was Thu 10 Dec 2026 15:30)"
    );
    let list = owner.call("segments", &[("workspace", &ws)]).await.1;
    assert_eq!(count_of(&list), Some(json!(0)), "{list}");

    // A viewer reads the appointment but may not book one (other workspaces: isolation.rs).
    let viewer =
        crate::common::join_as(&app, &owner, &ws, "Viv", "viv@outcomes.test", "viewer").await;
    let (status, _) = set_appointment(&viewer, &ws, &mboga, Some("2026-12-11T08:00:00Z")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
both_backends!(
    appointments_and_conversions_flag_leads,
    appointments_and_conversions
);
