//! The lead list's actions over HTTP, on both backends: bulk tag, untag, set stage and delete
//! on ticked leads and on a whole filter (counts checked through the `leads` server function
//! and the tables), stage events, validation messages naming their field, exports of exactly
//! a selection, roles that may not change leads, and segments with live counts.

use crate::common::{Browser, TestApp};
use crate::imports::{empty_filter, finished, leads, start};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use shared::db::entities::{lead_event, lead_tag};
use std::collections::HashMap;

/// Six leads in three cities, two categories.
const LEADS_CSV: &str = "name,phone,city,category\n\
Amani Bakery,+254722000001,Nairobi,Bakery\n\
Baraka Hardware,+254722000002,Nairobi,Hardware\n\
Chai Corner,+254722000003,Nairobi,Cafe\n\
Duka La Mama,+254722000004,Mombasa,Bakery\n\
Embe Salon,+254722000005,Mombasa,Salon\n\
Fundi Motors,+254722000006,Arusha,Garage\n";

/// Imports `csv` into the workspace and waits for the job to finish.
pub(crate) async fn import(browser: &Browser, slug: &str, workspace: &str, csv: &str) {
    let (status, preview) = browser
        .upload_import(slug, "leads.csv", csv.as_bytes().to_vec())
        .await;
    assert_eq!(status, StatusCode::OK, "upload: {preview}");
    start(browser, workspace, &preview, "skip").await;
    let done = finished(
        browser,
        workspace,
        preview["import_id"].as_str().expect("import id"),
    )
    .await;
    assert_eq!(done["status"], "completed", "{done}");
}

fn filter(overrides: Value) -> Value {
    let mut filter = empty_filter();
    for (key, value) in overrides.as_object().expect("object") {
        filter[key] = value.clone();
    }
    filter
}

/// The ids of the workspace's leads by name.
async fn ids_by_name(browser: &Browser, workspace: &str) -> HashMap<String, String> {
    leads(browser, workspace, empty_filter()).await["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_owned(),
                r["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn total(browser: &Browser, workspace: &str, overrides: Value) -> u64 {
    leads(browser, workspace, filter(overrides)).await["total"]
        .as_u64()
        .expect("total")
}

async fn bulk(
    browser: &Browser,
    workspace: &str,
    selection: Value,
    action: Value,
) -> (StatusCode, Value) {
    browser
        .call_json(
            "bulk_leads",
            json!({ "workspace": workspace, "selection": selection, "action": action }),
        )
        .await
}

/// A bulk action that must succeed; returns how many leads changed.
async fn changed(browser: &Browser, workspace: &str, selection: Value, action: Value) -> u64 {
    let (status, body) = bulk(browser, workspace, selection, action).await;
    assert_eq!(status, StatusCode::OK, "bulk_leads: {body}");
    body["changed"].as_u64().expect("changed")
}

/// The field a 422 names.
fn invalid_field(status: StatusCode, body: &Value) -> String {
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    body["Validation"][0]["field"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// `stage_changed` events, of one lead or of all, with this detail when given.
async fn stage_events(app: &TestApp, lead: Option<&str>, detail: Option<&str>) -> u64 {
    let mut query = lead_event::Entity::find().filter(lead_event::Column::Kind.eq("stage_changed"));
    if let Some(lead) = lead {
        query = query.filter(lead_event::Column::LeadId.eq(uuid::Uuid::parse_str(lead).unwrap()));
    }
    if let Some(detail) = detail {
        query = query.filter(lead_event::Column::Detail.eq(detail));
    }
    query.count(&app.db).await.expect("count events")
}

/// The segments' names and live counts, as the list shows them.
async fn segment_counts(browser: &Browser, workspace: &str) -> Vec<(String, u64)> {
    let (status, list) = browser.call("segments", &[("workspace", workspace)]).await;
    assert_eq!(status, StatusCode::OK, "segments: {list}");
    list.as_array()
        .expect("a list")
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_owned(),
                s["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

async fn bulk_actions_on_selections_and_filters(app: TestApp) {
    let (owner, ws) = app
        .user_with_workspace("Owner", "owner@bulk.test", "bulk")
        .await;
    import(&owner, "bulk", &ws, LEADS_CSV).await;
    let ids = ids_by_name(&owner, &ws).await;
    assert_eq!(ids.len(), 6);
    let pick = |names: &[&str]| json!({ "ids": names.iter().map(|n| ids[*n].clone()).collect::<Vec<_>>() });
    let nairobi = json!({ "filter": filter(json!({ "city": "nairobi" })) });

    // Tag two ticked leads, then every Nairobi lead; leads that already have the tag don't count.
    let two = pick(&["Amani Bakery", "Duka La Mama"]);
    assert_eq!(
        changed(&owner, &ws, two.clone(), json!({ "tag": " vip " })).await,
        2
    );
    assert_eq!(
        changed(&owner, &ws, two.clone(), json!({ "tag": "vip" })).await,
        0
    );
    assert_eq!(total(&owner, &ws, json!({ "tag": "vip" })).await, 2);
    assert_eq!(
        changed(&owner, &ws, nairobi.clone(), json!({ "tag": "vip" })).await,
        2
    );
    assert_eq!(total(&owner, &ws, json!({ "tag": "vip" })).await, 4);
    let row = &leads(&owner, &ws, filter(json!({ "search": "Amani" }))).await["rows"][0];
    assert_eq!(row["tags"], json!(["vip"]), "trimmed before storing");

    // Untag on a filter: only leads that had it count.
    let all = json!({ "filter": empty_filter() });
    assert_eq!(
        changed(&owner, &ws, all.clone(), json!({ "untag": "vip" })).await,
        4
    );
    assert_eq!(total(&owner, &ws, json!({ "tag": "vip" })).await, 0);

    // Set stage on ticked leads, then on a filter; each move writes a stage_changed event.
    assert_eq!(
        changed(
            &owner,
            &ws,
            two.clone(),
            json!({ "set_stage": "qualified" })
        )
        .await,
        2
    );
    assert_eq!(
        changed(
            &owner,
            &ws,
            two.clone(),
            json!({ "set_stage": "qualified" })
        )
        .await,
        0,
        "already there"
    );
    assert_eq!(
        total(&owner, &ws, json!({ "stage": ["qualified"] })).await,
        2
    );
    assert_eq!(
        changed(
            &owner,
            &ws,
            nairobi.clone(),
            json!({ "set_stage": "contacted" })
        )
        .await,
        3
    );
    assert_eq!(
        total(&owner, &ws, json!({ "stage": ["contacted"] })).await,
        3
    );
    assert_eq!(
        total(&owner, &ws, json!({ "stage": ["qualified"] })).await,
        1
    );
    let amani = &ids["Amani Bakery"];
    let duka = &ids["Duka La Mama"];
    assert_eq!(
        stage_events(&app, Some(duka), Some("new → qualified")).await,
        1
    );
    assert_eq!(
        stage_events(&app, Some(amani), Some("qualified → contacted")).await,
        1
    );
    assert_eq!(stage_events(&app, None, None).await, 5);

    // Bad input is refused with the field named, and changes nothing.
    let (status, body) = bulk(&owner, &ws, two.clone(), json!({ "tag": "   " })).await;
    assert_eq!(invalid_field(status, &body), "tag");
    let (status, body) = bulk(&owner, &ws, two.clone(), json!({ "tag": "x".repeat(61) })).await;
    assert_eq!(invalid_field(status, &body), "tag");
    let (status, body) = bulk(&owner, &ws, json!({ "ids": [] }), json!("delete")).await;
    assert_eq!(invalid_field(status, &body), "selection");
    let (status, body) = bulk(&owner, &ws, two.clone(), json!({ "set_stage": "won" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(total(&owner, &ws, json!({})).await, 6);

    // Exports: a selection exports exactly its leads; a filter exports what it matches.
    let export = owner
        .http
        .post(format!("{}/w/bulk/leads/export/leads.csv", app.base))
        .header("Origin", &app.base)
        .form(&[(
            "ids",
            format!("{},{}", ids["Chai Corner"], ids["Fundi Motors"]),
        )])
        .send()
        .await
        .expect("export");
    assert_eq!(export.status(), StatusCode::OK);
    let csv = export.text().await.unwrap();
    assert_eq!(csv.lines().count(), 3, "header and two leads: {csv}");
    assert!(csv.contains("Chai Corner") && csv.contains("Fundi Motors"));
    for form in [vec![], vec![("ids", "not-an-id".to_owned())]] {
        let refused = owner
            .http
            .post(format!("{}/w/bulk/leads/export/leads.csv", app.base))
            .header("Origin", &app.base)
            .form(&form)
            .send()
            .await
            .expect("export");
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = refused.text().await.unwrap();
        assert!(body.contains("selection") || body.contains("ids"), "{body}");
    }
    let response = owner
        .get("/w/bulk/leads/export/leads.csv?city=Mombasa&stage=new,qualified")
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let csv = response.text().await.unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(csv.contains("Duka La Mama") && csv.contains("Embe Salon"));
    let response = owner
        .get("/w/bulk/leads/export/leads.csv?created_from=yesterday")
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("created_from"));

    // Delete ticked leads, then a filter; their tags and events go with them.
    changed(
        &owner,
        &ws,
        pick(&["Amani Bakery"]),
        json!({ "tag": "gone" }),
    )
    .await;
    assert_eq!(total(&owner, &ws, json!({ "tag": "gone" })).await, 1);
    assert_eq!(
        changed(&owner, &ws, pick(&["Amani Bakery"]), json!("delete")).await,
        1
    );
    let amani_id = uuid::Uuid::parse_str(amani).unwrap();
    let tags_left = lead_tag::Entity::find()
        .filter(lead_tag::Column::LeadId.eq(amani_id))
        .count(&app.db)
        .await
        .unwrap();
    let events_left = lead_event::Entity::find()
        .filter(lead_event::Column::LeadId.eq(amani_id))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!((tags_left, events_left), (0, 0), "cascaded with the lead");
    let mombasa = json!({ "filter": filter(json!({ "city": "Mombasa" })) });
    assert_eq!(changed(&owner, &ws, mombasa, json!("delete")).await, 2);
    assert_eq!(total(&owner, &ws, json!({})).await, 3);

    // One audit entry per action.
    let (status, audit) = owner.call("audit_log", &[("workspace", &ws)]).await;
    assert_eq!(status, StatusCode::OK);
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(actions.iter().filter(|a| **a == "leads_deleted").count(), 2);
    assert!(actions.contains(&"leads_tagged") && actions.contains(&"lead_stages_changed"));
    let deleted = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "leads_deleted")
        .unwrap();
    assert!(
        deleted["detail"]
            .as_str()
            .unwrap()
            .contains("city \"Mombasa\""),
        "{deleted}"
    );
}
both_backends!(bulk_actions, bulk_actions_on_selections_and_filters);

async fn viewers_cannot_change_leads(app: TestApp) {
    let (owner, ws) = app
        .user_with_workspace("Owner", "owner@viewer.test", "viewing")
        .await;
    import(&owner, "viewing", &ws, LEADS_CSV).await;
    let (status, created) = owner
        .call(
            "invite",
            &[
                ("workspace", &ws),
                ("email", "viv@viewer.test"),
                ("role", "viewer"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let token = created["link"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let viewer = app.client();
    viewer.register("Viv", "viv@viewer.test").await;
    assert_eq!(
        viewer
            .call("accept_invitation", &[("token", &token)])
            .await
            .0,
        StatusCode::OK
    );
    let ids: Vec<String> = ids_by_name(&viewer, &ws).await.into_values().collect();
    assert_eq!(ids.len(), 6, "viewers read the list");

    for action in [
        json!({ "tag": "x" }),
        json!({ "untag": "x" }),
        json!({ "set_stage": "lost" }),
        json!("delete"),
    ] {
        let (status, body) = bulk(&viewer, &ws, json!({ "ids": ids }), action.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{action}: {body}");
    }
    let (status, body) = viewer
        .call_json(
            "create_segment",
            json!({ "workspace": ws, "form": { "name": "Mine", "filter": empty_filter() } }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, segment) = owner
        .call_json(
            "create_segment",
            json!({ "workspace": ws, "form": { "name": "All", "filter": empty_filter() } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{segment}");
    let id = segment["id"].as_str().unwrap();
    let (status, list) = viewer.call("segments", &[("workspace", &ws)]).await;
    assert_eq!(status, StatusCode::OK, "viewers read segments");
    assert_eq!(list[0]["count"], 6);
    let (status, _) = viewer
        .call_json(
            "update_segment",
            json!({ "workspace": ws, "segment": id, "form": { "name": "Renamed", "filter": empty_filter() } }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = viewer
        .call(
            "rename_segment",
            &[("workspace", &ws), ("segment", id), ("name", "Renamed")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = viewer
        .call("delete_segment", &[("workspace", &ws), ("segment", id)])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let export = viewer
        .http
        .post(format!("{}/w/viewing/leads/export/leads.csv", app.base))
        .header("Origin", &app.base)
        .form(&[("ids", ids.join(","))])
        .send()
        .await
        .expect("export");
    assert_eq!(export.status(), StatusCode::FORBIDDEN);
    assert_eq!(total(&owner, &ws, json!({})).await, 6, "nothing changed");
}
both_backends!(viewer_refused, viewers_cannot_change_leads);

async fn segments_keep_live_counts(app: TestApp) {
    let (owner, ws) = app
        .user_with_workspace("Owner", "owner@segments.test", "segments")
        .await;
    import(&owner, "segments", &ws, LEADS_CSV).await;
    let create = |name: &str, filter: Value| {
        owner.call_json(
            "create_segment",
            json!({ "workspace": ws, "form": { "name": name, "filter": filter } }),
        )
    };
    let (status, nairobi) = create(" Nairobi ", filter(json!({ "city": "Nairobi" }))).await;
    assert_eq!(status, StatusCode::OK, "{nairobi}");
    assert_eq!(nairobi["name"], "Nairobi");
    assert_eq!(nairobi["count"], 3);
    let (status, body) = create("Nairobi", empty_filter()).await;
    assert_eq!(invalid_field(status, &body), "name");
    let (status, body) = create("  ", empty_filter()).await;
    assert_eq!(invalid_field(status, &body), "name");
    let (status, bakeries) = create("Bakeries", filter(json!({ "category": "bakery" }))).await;
    assert_eq!(status, StatusCode::OK, "{bakeries}");

    assert_eq!(
        segment_counts(&owner, &ws).await,
        vec![("Bakeries".to_owned(), 2), ("Nairobi".to_owned(), 3)]
    );

    // The page renders the filtered list, the lead links and the segments on the server; a
    // bad parameter is a message naming it, not an error page.
    let amani = ids_by_name(&owner, &ws).await["Amani Bakery"].clone();
    let page = owner.get("/w/segments/leads?city=Nairobi").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&format!("/w/segments/leads/{amani}")),
        "lead link"
    );
    assert!(!html.contains("Embe Salon"), "filtered on the server");
    assert!(
        html.contains("Bakeries") && html.contains("3 leads"),
        "segments and count"
    );
    let page = owner.get("/w/segments/leads?created_from=soon").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("Give the date as YYYY-MM-DD")
    );

    // Counts are live: a bulk delete shows at once.
    assert_eq!(
        changed(&owner, &ws, json!({ "ids": [amani] }), json!("delete")).await,
        1
    );
    assert_eq!(
        segment_counts(&owner, &ws).await,
        vec![("Bakeries".to_owned(), 1), ("Nairobi".to_owned(), 2)]
    );

    // Rename (the filter kept), change the filter, refuse a taken name.
    let id = nairobi["id"].as_str().unwrap();
    let update = |name: &str, filter: Value| {
        owner.call_json(
            "update_segment",
            json!({ "workspace": ws, "segment": id, "form": { "name": name, "filter": filter } }),
        )
    };
    let (status, renamed) = update("Capital", nairobi["filter"].clone()).await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    assert_eq!(
        (renamed["name"].as_str(), renamed["count"].as_u64()),
        (Some("Capital"), Some(2))
    );
    let (status, body) = update("Bakeries", nairobi["filter"].clone()).await;
    assert_eq!(invalid_field(status, &body), "name");
    let (status, coast) = update("Coast", filter(json!({ "city": "Mombasa" }))).await;
    assert_eq!(status, StatusCode::OK, "{coast}");
    assert_eq!(coast["count"], 2);

    // The list carries each filter as the lead list's parameters and in words; renaming alone
    // (the list's "Rename") keeps the filter.
    let rename = async |name: &str| {
        owner
            .call(
                "rename_segment",
                &[("workspace", ws.as_str()), ("segment", id), ("name", name)],
            )
            .await
    };
    assert_eq!(rename(" Coastal ").await.0, StatusCode::OK);
    let (_, list) = owner.call("segments", &[("workspace", &ws)]).await;
    let coastal = list
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no renamed segment in {list}"));
    assert_eq!(
        (&coastal["name"], &coastal["count"], &coastal["query"]),
        (&json!("Coastal"), &json!(2), &json!("city=Mombasa")),
        "{list}"
    );
    assert!(
        coastal["summary"].as_str().unwrap().contains("Mombasa"),
        "{list}"
    );
    assert!(coastal.get("filter").is_none(), "{list}");
    let (status, body) = rename("Bakeries").await;
    assert_eq!(invalid_field(status, &body), "name");
    let (status, body) = rename("  ").await;
    assert_eq!(invalid_field(status, &body), "name");

    // Delete; a second delete finds nothing.
    let (status, _) = owner
        .call("delete_segment", &[("workspace", &ws), ("segment", id)])
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = owner
        .call("delete_segment", &[("workspace", &ws), ("segment", id)])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        segment_counts(&owner, &ws).await,
        vec![("Bakeries".to_owned(), 1)]
    );
}
both_backends!(segments, segments_keep_live_counts);

/// Every lead id of the workspace, page by page. The first page counts the matches; later
/// pages (given a cursor) do not count again.
async fn all_ids(browser: &Browser, workspace: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut after = Value::Null;
    let mut total = None;
    loop {
        let (status, page) = browser
            .call_json(
                "leads",
                json!({ "workspace": workspace, "filter": empty_filter(), "sort": "oldest", "after": after }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        if after.is_null() {
            total = page["total"].as_u64();
        } else {
            assert!(
                page["total"].is_null(),
                "a later page counted again: {page}"
            );
        }
        ids.extend(
            page["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap().to_owned()),
        );
        if page["next"].is_null() {
            assert_eq!(total, Some(ids.len() as u64), "the first page's count");
            return ids;
        }
        after = page["next"].clone();
    }
}

async fn large_selections_work_in_chunks(app: TestApp) {
    let (owner, ws) = app
        .user_with_workspace("Owner", "owner@large.test", "large")
        .await;
    // 2,500 leads (past the Free plan's 1,000, so the platform admin — the first account —
    // moves the workspace to Pro): more than two chunks of 1,000, as ids or as a filter.
    let (status, body) = owner
        .call("set_plan", &[("slug", "large"), ("plan", "pro")])
        .await;
    assert_eq!(status, StatusCode::OK, "set_plan: {body}");
    let mut csv = String::from("name,phone,city\n");
    for i in 0..2_500 {
        let city = if i % 2 == 0 { "Even" } else { "Odd" };
        csv.push_str(&format!("Lead {i:04},+2547220{i:05},{city}\n"));
    }
    import(&owner, "large", &ws, &csv).await;
    let ids = all_ids(&owner, &ws).await;
    assert_eq!(ids.len(), 2_500);

    let by_id = json!({ "ids": ids });
    assert_eq!(
        changed(&owner, &ws, by_id.clone(), json!({ "tag": "bulk" })).await,
        2_500
    );
    assert_eq!(total(&owner, &ws, json!({ "tag": "bulk" })).await, 2_500);
    let all = json!({ "filter": empty_filter() });
    assert_eq!(
        changed(
            &owner,
            &ws,
            all.clone(),
            json!({ "set_stage": "contacted" })
        )
        .await,
        2_500
    );
    assert_eq!(
        stage_events(&app, None, Some("new → contacted")).await,
        2_500
    );
    assert_eq!(
        changed(
            &owner,
            &ws,
            by_id.clone(),
            json!({ "set_stage": "replied" })
        )
        .await,
        2_500
    );
    assert_eq!(
        total(&owner, &ws, json!({ "stage": ["replied"] })).await,
        2_500
    );
    let odd = json!({ "filter": filter(json!({ "city": "Odd" })) });
    assert_eq!(
        changed(&owner, &ws, odd.clone(), json!({ "untag": "bulk" })).await,
        1_250
    );
    assert_eq!(changed(&owner, &ws, odd, json!("delete")).await, 1_250);
    assert_eq!(changed(&owner, &ws, by_id, json!("delete")).await, 1_250);
    assert_eq!(total(&owner, &ws, json!({})).await, 0);
}
both_backends!(large_selections, large_selections_work_in_chunks);
