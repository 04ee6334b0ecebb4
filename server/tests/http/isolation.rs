//! Tenant isolation: a member of workspace A asks for every route that exists with workspace
//! B's ids and slug, and gets 404 every time — pages, server functions and plain routes. Every
//! later capability adds its routes here.

use crate::common::TestApp;
use reqwest::StatusCode;

async fn member_of_a_sees_nothing_of_b(app: TestApp) {
    let (owner_b, ws_b) = app
        .user_with_workspace("Bravo", "b@iso.test", "bravo")
        .await;
    let (a, ws_a) = app
        .user_with_workspace("Alpha", "a@iso.test", "alpha")
        .await;

    // Pages under /w/{slug}: server-rendered with a real 404 status.
    for path in [
        "/w/bravo",
        "/w/bravo/members",
        "/w/bravo/settings",
        "/w/bravo/audit",
        "/w/bravo/account",
        "/w/bravo/leads",
        "/w/bravo/imports",
        "/w/bravo/websites",
        "/w/bravo/senders",
        "/w/bravo/inbox",
        "/w/bravo/campaigns",
        "/w/bravo/templates",
        "/w/bravo/analytics",
        "/w/bravo/logo",
    ] {
        let response = a.get(path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "GET {path}");
        // The same page of A's own workspace works (A has no logo yet, so that one is 404 too).
        let own = a.get(&path.replace("bravo", "alpha")).await.status();
        if path.ends_with("/logo") {
            assert_eq!(own, StatusCode::NOT_FOUND, "A has no logo");
        } else {
            assert_eq!(own, StatusCode::OK, "own {path} works");
        }
    }

    // Plain POST routes (logo and spreadsheet uploads) with B's slug.
    let response = a
        .upload_logo("bravo", b"\x89PNG\r\n\x1a\nxx".to_vec(), "l.png")
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let (status, body) = a
        .upload_import(
            "bravo",
            "leads.csv",
            b"name,phone\nA,+254722000111\n".to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "upload to B: {body}");

    // B's import (real ids), asked for by A through every route that takes an import.
    let b_browser = &owner_b;
    let (status, b_preview) = b_browser
        .upload_import(
            "bravo",
            "leads.csv",
            b"name,phone\nA,+254722000111\n".to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{b_preview}");
    let b_import = b_preview["import_id"].as_str().unwrap().to_owned();
    for path in [
        format!("/w/bravo/imports/{b_import}"),
        format!("/w/bravo/imports/{b_import}/report.csv"),
        "/w/bravo/leads/export/leads.csv".to_owned(),
        "/w/bravo/leads/export/leads.xlsx".to_owned(),
        "/w/bravo/leads/export/with_website.csv".to_owned(),
        "/w/bravo/leads/export/without_website.csv".to_owned(),
    ] {
        assert_eq!(
            a.get(&path).await.status(),
            StatusCode::NOT_FOUND,
            "GET {path}"
        );
    }
    // A's workspace id with B's import id: still nothing.
    for name in [
        "import_status",
        "load_import_preview",
        "load_import_report",
        "cancel_import",
    ] {
        let (status, body) = a
            .call(name, &[("workspace", &ws_a), ("import", &b_import)])
            .await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{name} with A's workspace and B's import: {body}"
        );
    }
    for (name, body) in [
        (
            "confirm_import",
            serde_json::json!({"workspace": ws_a, "import": b_import, "form": {
                "columns": b_preview["columns"], "default_country": "KE", "on_duplicate": "skip"}}),
        ),
        (
            "confirm_import",
            serde_json::json!({"workspace": ws_b, "import": b_import, "form": {
                "columns": b_preview["columns"], "default_country": "KE", "on_duplicate": "skip"}}),
        ),
        (
            "load_analytics",
            serde_json::json!({"workspace": ws_b, "query": {"from": "2026-01-01",
                "to": "2026-01-31", "campaign": null, "sender": null}}),
        ),
        (
            "leads",
            serde_json::json!({"workspace": ws_b, "filter": {
                "search": null, "website_status": [], "whatsapp_status": [], "stage": [],
                "country": null, "city": null, "category": null, "tag": null, "import_id": null,
                "opted_out": null, "created_from": null, "created_to": null},
                "sort": "newest", "after": null}),
        ),
    ] {
        let (status, response) = a.call_json(name, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name}: {response}");
    }

    // Every tenant-scoped server function with B's workspace id.
    let nobody = uuid::Uuid::now_v7().to_string();
    let calls: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("load_shell", vec![("slug", "bravo")]),
        ("dashboard", vec![("workspace", &ws_b)]),
        ("dashboard_senders", vec![("workspace", &ws_b)]),
        ("load_settings", vec![("workspace", &ws_b)]),
        ("members", vec![("workspace", &ws_b)]),
        (
            "change_role",
            vec![("workspace", &ws_b), ("user", &nobody), ("role", "admin")],
        ),
        (
            "remove_member",
            vec![("workspace", &ws_b), ("user", &nobody)],
        ),
        ("invitations", vec![("workspace", &ws_b)]),
        (
            "invite",
            vec![
                ("workspace", &ws_b),
                ("email", "x@iso.test"),
                ("role", "member"),
            ],
        ),
        (
            "revoke_invitation",
            vec![("workspace", &ws_b), ("invitation", &nobody)],
        ),
        ("audit_log", vec![("workspace", &ws_b)]),
        ("notifications", vec![("workspace", &ws_b)]),
        ("unread_notifications", vec![("workspace", &ws_b)]),
        ("mark_notifications_read", vec![("workspace", &ws_b)]),
        ("set_plan", vec![("slug", "bravo"), ("plan", "pro")]),
        ("imports", vec![("workspace", &ws_b)]),
        (
            "import_status",
            vec![("workspace", &ws_b), ("import", &b_import)],
        ),
        (
            "load_import_preview",
            vec![("workspace", &ws_b), ("import", &b_import)],
        ),
        (
            "import_choose_sheet",
            vec![
                ("workspace", &ws_b),
                ("import", &b_import),
                ("sheet", "Sheet1"),
            ],
        ),
        (
            "load_import_report",
            vec![("workspace", &ws_b), ("import", &b_import)],
        ),
        (
            "cancel_import",
            vec![("workspace", &ws_b), ("import", &b_import)],
        ),
    ];
    for (name, form) in &calls {
        let (status, body) = a.call(name, form).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name} with B's ids: {body}");
    }
    let (status, body) = a
        .call_raw("save_settings", format!("workspace={ws_b}&form[name]=x&form[slug]=x&form[timezone]=UTC&form[brand_colour]=%23000000&form[default_country]=KE&form[daily_limit_new_sender]=1&form[daily_limit_warmed_sender]=1&form[working_hours_start]=09:00&form[working_hours_end]=10:00&form[working_days][0]=0"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "save_settings: {body}");

    // The lead and customer pages: B imports a lead and converts it; A asks for them with B's
    // workspace id and with its own.
    let queued = crate::imports::start(&owner_b, &ws_b, &b_preview, "skip").await;
    let done = crate::imports::finished(&owner_b, &ws_b, queued["id"].as_str().unwrap()).await;
    assert_eq!(done["imported"], 1, "{done}");
    let b_leads = crate::imports::leads(&owner_b, &ws_b, crate::imports::empty_filter()).await;
    let b_lead = b_leads["rows"][0]["id"].as_str().unwrap().to_owned();
    let (status, b_customer) = owner_b
        .call("convert_lead", &[("workspace", &ws_b), ("lead", &b_lead)])
        .await;
    assert_eq!(status, StatusCode::OK, "{b_customer}");
    let b_customer = b_customer["id"].as_str().unwrap().to_owned();
    for path in [
        format!("/w/bravo/leads/{b_lead}"),
        format!("/w/alpha/leads/{b_lead}"),
        "/w/bravo/customers".to_owned(),
        format!("/w/bravo/customers/{b_customer}"),
        format!("/w/alpha/customers/{b_customer}"),
    ] {
        assert_eq!(
            a.get(&path).await.status(),
            StatusCode::NOT_FOUND,
            "GET {path}"
        );
    }
    assert_eq!(a.get("/w/alpha/customers").await.status(), StatusCode::OK);
    for ws in [&ws_a, &ws_b] {
        let lead_calls: Vec<(&str, Vec<(&str, &str)>)> = vec![
            ("load_lead", vec![("workspace", ws), ("lead", &b_lead)]),
            (
                "add_lead_note",
                vec![("workspace", ws), ("lead", &b_lead), ("body", "x")],
            ),
            (
                "delete_lead_note",
                vec![("workspace", ws), ("lead", &b_lead), ("note", &nobody)],
            ),
            ("convert_lead", vec![("workspace", ws), ("lead", &b_lead)]),
            ("delete_lead", vec![("workspace", ws), ("lead", &b_lead)]),
            (
                "load_customer",
                vec![("workspace", ws), ("customer", &b_customer)],
            ),
        ];
        for (name, form) in &lead_calls {
            let (status, body) = a.call(name, form).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{name} on {ws}: {body}");
        }
        for (name, body) in [
            (
                "update_lead",
                serde_json::json!({"workspace": ws, "lead": b_lead, "form": {
                    "name": "x", "phone": "", "email": "", "website": "", "city": "",
                    "country": "", "category": "", "tags": "", "notes": "", "custom": []}}),
            ),
            (
                "set_lead_stage",
                serde_json::json!({"workspace": ws, "lead": b_lead, "stage": "lost"}),
            ),
            (
                "set_lead_appointment",
                serde_json::json!({"workspace": ws, "lead": b_lead, "at": "2026-12-09T07:00:00Z"}),
            ),
        ] {
            let (status, response) = a.call_json(name, body).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{name} on {ws}: {response}");
        }
    }
    let (status, body) = a.call("load_customers", &[("workspace", &ws_b)]).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "load_customers: {body}");

    // WhatsApp: B's sender (its gateway is down, which does not stop it being saved) and B's
    // lead's conversation, asked for by A with either workspace's id.
    let (status, b_sender) = owner_b
        .call_json(
            "add_sender",
            serde_json::json!({"workspace": ws_b, "input": {
                "name": "B line", "provider": "session_gateway", "display_number": "+254700000002",
                "base_url": "http://127.0.0.1:9", "account_ref": "b", "secret": "b-key",
                "app_secret": "", "warmup": "new", "daily_cap": ""}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{b_sender}");
    let b_sender = b_sender["sender"]["id"].as_str().unwrap().to_owned();
    for ws in [&ws_a, &ws_b] {
        let calls: Vec<(&str, Vec<(&str, &str)>)> = vec![
            (
                "refresh_sender",
                vec![("workspace", ws), ("sender", &b_sender)],
            ),
            (
                "delete_sender",
                vec![("workspace", ws), ("sender", &b_sender)],
            ),
            (
                "pause_sender",
                vec![("workspace", ws), ("sender", &b_sender), ("paused", "true")],
            ),
            (
                "test_sender",
                vec![
                    ("workspace", ws),
                    ("sender", &b_sender),
                    ("to", "+254711222333"),
                ],
            ),
            ("conversation", vec![("workspace", ws), ("lead", &b_lead)]),
            (
                "send_message",
                vec![
                    ("workspace", ws),
                    ("lead", &b_lead),
                    ("sender", &b_sender),
                    ("body", "x"),
                ],
            ),
        ];
        for (name, form) in &calls {
            let (status, body) = a.call(name, form).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{name} on {ws}: {body}");
        }
        let (status, body) = a
            .call_json(
                "update_sender",
                serde_json::json!({"workspace": ws, "sender": b_sender, "input": {
                    "name": "x", "provider": "session_gateway", "display_number": "+254700000003",
                    "base_url": "http://127.0.0.1:9", "account_ref": "x", "secret": "",
                    "app_secret": "", "warmup": "new", "daily_cap": ""}}),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "update_sender on {ws}: {body}"
        );
    }
    for (name, form) in [
        ("senders", vec![("workspace", ws_b.as_str())]),
        ("reply_choices", vec![("workspace", ws_b.as_str())]),
        (
            "inbox",
            vec![("workspace", ws_b.as_str()), ("unread_only", "false")],
        ),
        ("opt_out_settings", vec![("workspace", ws_b.as_str())]),
    ] {
        let (status, body) = a.call(name, &form).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name}: {body}");
    }
    let (status, body) = a
        .call_json(
            "start_number_check",
            serde_json::json!({"workspace": ws_b, "selection": {"filter": crate::imports::empty_filter()}}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "start_number_check: {body}");
    let nobody_job = uuid::Uuid::new_v4().to_string();
    for (name, form) in [
        ("active_number_check", vec![("workspace", ws_b.as_str())]),
        (
            "number_check",
            vec![("workspace", ws_a.as_str()), ("job", nobody_job.as_str())],
        ),
        (
            "cancel_number_check",
            vec![("workspace", ws_b.as_str()), ("job", nobody_job.as_str())],
        ),
    ] {
        let (status, body) = a.call(name, &form).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name}: {body}");
    }
    let (status, body) = a
        .call_json(
            "update_opt_out_settings",
            serde_json::json!({"workspace": ws_b, "form": {"keywords": "", "reply": ""}}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "update_opt_out_settings: {body}"
    );
    let (_, b_senders) = owner_b.call("senders", &[("workspace", &ws_b)]).await;
    assert_eq!(
        b_senders[0]["name"], "B line",
        "A changed nothing: {b_senders}"
    );
    assert!(b_senders[0]["paused_reason"].is_null(), "{b_senders}");
    let b_lead_now = owner_b
        .call("load_lead", &[("workspace", &ws_b), ("lead", &b_lead)])
        .await;
    assert_eq!(b_lead_now.0, StatusCode::OK);
    assert_eq!(b_lead_now.1["name"], "A", "B's lead is untouched");
    assert_eq!(b_lead_now.1["notes_log"], serde_json::json!([]));
    // Leads and segments: B has a lead and a segment; A reaches neither with B's workspace, nor
    // with A's own workspace and B's ids.
    crate::leads::import(
        &owner_b,
        "bravo",
        &ws_b,
        "name,phone\nBravo Lead,+254722000999\n",
    )
    .await;
    // B now has two leads (the converted one above and this one).
    let b_leads = crate::imports::leads(&owner_b, &ws_b, crate::imports::empty_filter()).await;
    let bravo_lead = |leads: &serde_json::Value| {
        leads["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == "Bravo Lead")
            .cloned()
            .unwrap_or_else(|| panic!("no Bravo Lead in {leads}"))
    };
    let b_lead = bravo_lead(&b_leads)["id"].as_str().unwrap().to_owned();
    let (status, b_segment) = owner_b
        .call_json(
            "create_segment",
            serde_json::json!({"workspace": ws_b, "form": {"name": "B's", "filter": {}}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{b_segment}");
    let b_segment = b_segment["id"].as_str().unwrap().to_owned();
    let by_id = serde_json::json!({ "ids": [b_lead] });
    let everything = serde_json::json!({ "filter": {} });
    for (name, body) in [
        (
            "bulk_leads",
            serde_json::json!({"workspace": ws_b, "selection": by_id, "action": "delete"}),
        ),
        (
            "bulk_leads",
            serde_json::json!({"workspace": ws_b, "selection": everything, "action": {"tag": "x"}}),
        ),
        (
            "create_segment",
            serde_json::json!({"workspace": ws_b, "form": {"name": "x", "filter": {}}}),
        ),
        (
            "update_segment",
            serde_json::json!({"workspace": ws_b, "segment": b_segment, "form": {"name": "x", "filter": {}}}),
        ),
        (
            "update_segment",
            serde_json::json!({"workspace": ws_a, "segment": b_segment, "form": {"name": "x", "filter": {}}}),
        ),
    ] {
        let (status, response) = a.call_json(name, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name}: {response}");
    }
    for form in [
        vec![("workspace", ws_b.as_str())],
        vec![
            ("workspace", ws_b.as_str()),
            ("segment", b_segment.as_str()),
        ],
        vec![
            ("workspace", ws_a.as_str()),
            ("segment", b_segment.as_str()),
        ],
    ] {
        let name = if form.len() == 1 {
            "segments"
        } else {
            "delete_segment"
        };
        let (status, body) = a.call(name, &form).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name} {form:?}: {body}");
    }
    for workspace in [&ws_b, &ws_a] {
        let form = [
            ("workspace", workspace.as_str()),
            ("segment", b_segment.as_str()),
            ("name", "x"),
        ];
        let (status, body) = a.call("rename_segment", &form).await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "rename_segment {form:?}: {body}"
        );
    }
    // B's lead ids under A's own workspace match nothing of B's.
    for action in [
        serde_json::json!("delete"),
        serde_json::json!({"tag": "stolen"}),
        serde_json::json!({"set_stage": "lost"}),
    ] {
        let (status, outcome) = a
            .call_json(
                "bulk_leads",
                serde_json::json!({"workspace": ws_a, "selection": by_id, "action": action}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{outcome}");
        assert_eq!(outcome["changed"], 0, "{action}");
    }
    let export = a
        .http
        .post(format!("{}/w/bravo/leads/export/leads.csv", app.base))
        .header("Origin", &app.base)
        .form(&[("ids", b_lead.as_str())])
        .send()
        .await
        .expect("export");
    assert_eq!(export.status(), StatusCode::NOT_FOUND, "POST export to B");
    let export = a
        .http
        .post(format!("{}/w/alpha/leads/export/leads.csv", app.base))
        .header("Origin", &app.base)
        .form(&[("ids", b_lead.as_str())])
        .send()
        .await
        .expect("export");
    assert_eq!(export.status(), StatusCode::OK);
    let csv = export.text().await.unwrap();
    assert!(!csv.contains("Bravo Lead"), "B's lead in A's export: {csv}");
    let b_after = crate::imports::leads(&owner_b, &ws_b, crate::imports::empty_filter()).await;
    assert_eq!(b_after["total"], 2);
    assert_eq!(bravo_lead(&b_after)["stage"], "new");
    assert_eq!(bravo_lead(&b_after)["tags"], serde_json::json!([]));
    let (_, b_segments) = owner_b.call("segments", &[("workspace", &ws_b)]).await;
    assert_eq!(b_segments[0]["name"], "B's");

    // Website checks: B runs one; A reaches neither the job nor the results, and B's lead ids
    // under A's own workspace give A nothing to check.
    let (status, b_job) = owner_b
        .call_json(
            "start_website_check",
            serde_json::json!({"workspace": ws_b, "scope": {"selection": {"filter": {}}}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{b_job}");
    let b_job = b_job["id"].as_str().unwrap().to_owned();
    for (name, form) in [
        (
            "website_check",
            vec![("workspace", ws_b.as_str()), ("job", b_job.as_str())],
        ),
        (
            "website_check",
            vec![("workspace", ws_a.as_str()), ("job", b_job.as_str())],
        ),
        (
            "cancel_website_check",
            vec![("workspace", ws_b.as_str()), ("job", b_job.as_str())],
        ),
        (
            "cancel_website_check",
            vec![("workspace", ws_a.as_str()), ("job", b_job.as_str())],
        ),
        ("active_website_check", vec![("workspace", ws_b.as_str())]),
    ] {
        let (status, body) = a.call(name, &form).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name} {form:?}: {body}");
    }
    for (name, body) in [
        (
            "start_website_check",
            serde_json::json!({"workspace": ws_b, "scope": {"stale": {"days": 0}}}),
        ),
        (
            "load_website_results",
            serde_json::json!({"workspace": ws_b, "query": {"status": [], "reason": null, "after": null}}),
        ),
    ] {
        let (status, response) = a.call_json(name, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name}: {response}");
    }
    let (status, response) = a
        .call_json(
            "start_website_check",
            serde_json::json!({"workspace": ws_a, "scope": {"selection": by_id}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{response}");
    let (_, a_results) = a
        .call_json(
            "load_website_results",
            serde_json::json!({"workspace": ws_a, "query": {"status": [], "reason": null, "after": null}}),
        )
        .await;
    assert_eq!(a_results["rows"], serde_json::json!([]), "{a_results}");
    let (status, b_check) = owner_b
        .call("website_check", &[("workspace", &ws_b), ("job", &b_job)])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        b_check["cancel_requested"], false,
        "A could not cancel B's check"
    );

    // Campaigns and templates: B's campaign (paused, so resuming it would show) asked for by A
    // with B's workspace id, or with A's own workspace id and B's ids — 404 each time, and B's
    // campaign stays as it was.
    let b_form = crate::campaigns::form(
        "Bravo offer",
        &b_sender,
        "Hi {name}",
        crate::campaigns::burst(),
    );
    let b_campaign = crate::campaigns::call(
        &owner_b,
        "create_campaign",
        serde_json::json!({"workspace": ws_b, "form": b_form}),
    )
    .await;
    let b_campaign = b_campaign["id"].as_str().unwrap().to_owned();
    crate::campaigns::exec(
        &app,
        "UPDATE campaigns SET status = 'paused' WHERE name = 'Bravo offer'",
    )
    .await;
    for ws in [&ws_a, &ws_b] {
        let (status, body) = a
            .call(
                "load_campaign_live",
                &[("workspace", ws), ("campaign", &b_campaign)],
            )
            .await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "load_campaign_live on {ws}: {body}"
        );
        let (status, body) = a
            .call(
                "resume_campaign",
                &[("workspace", ws), ("campaign", &b_campaign)],
            )
            .await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "resume_campaign on {ws}: {body}"
        );
        let (status, body) = a
            .call_json(
                "retry_failed_campaign",
                serde_json::json!({"workspace": ws, "campaign": b_campaign, "include_unknown": true}),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "retry_failed_campaign on {ws}: {body}"
        );
    }
    for path in [
        format!("/w/bravo/campaigns/{b_campaign}"),
        format!("/w/bravo/campaigns/{b_campaign}/edit"),
        format!("/w/alpha/campaigns/{b_campaign}"),
        format!("/w/alpha/campaigns/{b_campaign}/edit"),
    ] {
        let response = a.get(&path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "GET {path}");
        let html = response.text().await.unwrap();
        assert!(
            !html.contains("Bravo offer"),
            "GET {path} shows B's campaign"
        );
    }
    // The wizard's and the template editor's calls with B's workspace id; the analytics page
    // with A's own workspace and B's sender or campaign.
    let b_numbers = "+254711222333";
    for (name, body) in [
        (
            "count_campaign_audience",
            serde_json::json!({"workspace": ws_b, "audience": b_form["audience"]}),
        ),
        (
            "preview_campaign_variant",
            serde_json::json!({"workspace": ws_b, "form": b_form, "variant": 0}),
        ),
        (
            "review_campaign",
            serde_json::json!({"workspace": ws_b, "form": b_form}),
        ),
        (
            "test_send_campaign",
            serde_json::json!({"workspace": ws_b, "form": b_form, "variant": 0, "numbers": b_numbers}),
        ),
        (
            "preview_template",
            serde_json::json!({"workspace": ws_b, "body": "Hi {name}", "attachment": null, "lead": null}),
        ),
        (
            "preview_template",
            serde_json::json!({"workspace": ws_a, "body": "Hi {name}", "attachment": null, "lead": b_lead}),
        ),
        (
            "load_analytics",
            serde_json::json!({"workspace": ws_a, "query": {"from": "2026-01-01",
                "to": "2026-01-31", "campaign": null, "sender": b_sender}}),
        ),
        (
            "load_analytics",
            serde_json::json!({"workspace": ws_a, "query": {"from": "2026-01-01",
                "to": "2026-01-31", "campaign": b_campaign, "sender": null}}),
        ),
    ] {
        let (status, response) = a.call_json(name, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name}: {response}");
        assert!(
            !response.to_string().contains("Bravo"),
            "{name} leaks: {response}"
        );
    }
    let (status, body) = a.call("template_variables", &[("workspace", &ws_b)]).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "template_variables: {body}");
    let (status, body) = a.call("new_campaign_form", &[("workspace", &ws_b)]).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "new_campaign_form: {body}");
    // B's lead, segment and sender inside A's own forms: answered from A's data alone (A has
    // no lead, so nothing to count or render), and nothing goes out from B's number.
    let mut a_form = crate::campaigns::form(
        "Alpha offer",
        &b_sender,
        "Hi {name|there}",
        crate::campaigns::burst(),
    );
    a_form["audience"] = serde_json::json!({"source": {"kind": "leads", "value": [b_lead]}});
    let (status, count) = a
        .call_json(
            "count_campaign_audience",
            serde_json::json!({"workspace": ws_a, "audience": a_form["audience"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{count}");
    assert_eq!(
        (&count["matched"], &count["eligible"]),
        (&serde_json::json!(0), &serde_json::json!(0)),
        "{count}"
    );
    let (status, refused) = a
        .call_json(
            "count_campaign_audience",
            serde_json::json!({"workspace": ws_a, "audience": {"source": {"kind": "segment", "value": b_segment}}}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "B's segment: {refused}"
    );
    let (status, preview) = a
        .call_json(
            "preview_campaign_variant",
            serde_json::json!({"workspace": ws_a, "form": a_form, "variant": 0}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    assert!(preview["lead_name"].is_null(), "{preview}");
    assert_eq!(preview["text"], "Hi there", "{preview}");
    let (status, review) = a
        .call_json(
            "review_campaign",
            serde_json::json!({"workspace": ws_a, "form": a_form}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{review}");
    assert_eq!(review["audience"]["eligible"], 0, "{review}");
    assert!(!review.to_string().contains("B line"), "{review}");
    let (status, refused) = a
        .call_json(
            "test_send_campaign",
            serde_json::json!({"workspace": ws_a, "form": a_form, "variant": 0, "numbers": b_numbers}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "B's sender: {refused}"
    );
    let (status, b_now) = owner_b
        .call(
            "load_campaign",
            &[("workspace", &ws_b), ("campaign", &b_campaign)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{b_now}");
    assert_eq!(
        b_now["state"]["status"], "paused",
        "A changed B's campaign: {b_now}"
    );
    assert_eq!(b_now["state"]["counts"]["total"], 0, "{b_now}");
    let (_, b_senders) = owner_b.call("senders", &[("workspace", &ws_b)]).await;
    assert_eq!(b_senders[0]["sent_today"], 0, "{b_senders}");

    // A's own workspace still answers, and B's data is untouched.
    assert_eq!(
        a.call("dashboard", &[("workspace", &ws_a)]).await.0,
        StatusCode::OK
    );
    let a_members = a.call("members", &[("workspace", &ws_a)]).await.1;
    assert_eq!(a_members.as_array().unwrap().len(), 1);
    // B's draft import is still there for B.
    let (status, _) = owner_b
        .call(
            "import_status",
            &[("workspace", &ws_b), ("import", &b_import)],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}
both_backends!(tenant_isolation, member_of_a_sees_nothing_of_b);
