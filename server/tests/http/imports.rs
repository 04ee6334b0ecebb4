//! Imports end to end over HTTP: upload → preview with the detected mapping → start → the
//! background job → progress, report and leads; bad files that change nothing; duplicate
//! policies; mappings reused for the same headers; exports; and the `leadloom` CLI.

use crate::common::{Browser, TestApp, error_kind};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

/// A messy CSV as agencies send them: a title line, Portuguese/Swahili headers, local and
/// international numbers, a duplicate, a broken number, a blank row and a formula-like name.
const MESSY_CSV: &str = "Lista de clientes – feira 2026\n\
\n\
Nome da Empresa;Simu;Web Address;Barua pepe;Cidade;Gerente\n\
Mama Mboga Ltd;0722 000 111;WWW.Mboga.co.ke;Info@Mboga.co.ke;Nairobi;Wanjiku\n\
Baraka Hardware;+254 733 123 456;n/a;;Mombasa;Amara\n\
;;;;;\n\
MAMA MBOGA LTD;0722000111;;;Nairobi;Wanjiku\n\
Kilima Salon;12345;-;;Arusha;Amara\n\
=HYPERLINK(\"http://evil\");0712 345 678;;;Kisumu;Tiago\n";

pub(crate) async fn start(
    browser: &Browser,
    workspace: &str,
    preview: &Value,
    policy: &str,
) -> Value {
    let (status, body) = browser
        .call_json(
            "confirm_import",
            json!({
                "workspace": workspace,
                "import": preview["import_id"],
                "form": {
                    "columns": preview["columns"],
                    "default_country": "KE",
                    "on_duplicate": policy,
                }
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "confirm_import: {body}");
    body
}

/// Polls the import until it has finished (the worker runs it in the background).
pub(crate) async fn finished(browser: &Browser, workspace: &str, import: &str) -> Value {
    for _ in 0..200 {
        let (status, body) = browser
            .call(
                "import_status",
                &[("workspace", workspace), ("import", import)],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "import_status: {body}");
        if ["completed", "failed", "cancelled"].contains(&body["status"].as_str().unwrap_or("")) {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("import {import} did not finish in 20 s");
}

fn target_of(preview: &Value, header: &str) -> Value {
    preview["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .find(|c| c["header"] == header)
        .unwrap_or_else(|| panic!("no column {header} in {preview}"))["target"]
        .clone()
}

pub(crate) async fn leads(browser: &Browser, workspace: &str, filter: Value) -> Value {
    let (status, body) = browser
        .call_json(
            "leads",
            json!({ "workspace": workspace, "filter": filter, "sort": "name", "after": null }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "leads: {body}");
    body
}

pub(crate) fn empty_filter() -> Value {
    json!({
        "search": null, "website_status": [], "whatsapp_status": [], "stage": [],
        "country": null, "city": null, "category": null, "tag": null, "import_id": null,
        "opted_out": null, "created_from": null, "created_to": null
    })
}

async fn upload_preview_import_and_report(app: TestApp) {
    let (browser, ws) = app
        .user_with_workspace("Agency", "owner@imports.test", "agency")
        .await;
    let (status, preview) = browser
        .upload_import("agency", "feira.csv", MESSY_CSV.as_bytes().to_vec())
        .await;
    assert_eq!(status, StatusCode::OK, "upload: {preview}");
    // The header sits below a title block; columns are recognised in Portuguese and Swahili.
    assert_eq!(preview["header_row"], 3);
    assert_eq!(
        target_of(&preview, "Nome da Empresa"),
        json!({"kind": "field", "value": "name"})
    );
    assert_eq!(
        target_of(&preview, "Simu"),
        json!({"kind": "field", "value": "phone"})
    );
    assert_eq!(
        target_of(&preview, "Web Address"),
        json!({"kind": "field", "value": "website"})
    );
    assert_eq!(
        target_of(&preview, "Barua pepe"),
        json!({"kind": "field", "value": "email"})
    );
    assert_eq!(
        target_of(&preview, "Cidade"),
        json!({"kind": "field", "value": "city"})
    );
    assert_eq!(target_of(&preview, "Gerente"), json!({"kind": "custom"}));
    // The blank row is not shown, but it is counted.
    assert_eq!(preview["rows"].as_array().unwrap().len(), 5);
    assert_eq!(preview["rows"][0]["number"], 4);
    assert_eq!(preview["total_rows"], 6);
    // Nothing is imported before the user confirms.
    let listed = leads(&browser, &ws, empty_filter()).await;
    assert_eq!(listed["total"], 0);

    let queued = start(&browser, &ws, &preview, "skip").await;
    let import = queued["id"].as_str().unwrap().to_owned();
    let done = finished(&browser, &ws, &import).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["total_rows"], 6);
    assert_eq!(done["processed_rows"], 6);
    assert_eq!(done["imported"], 4, "{done}");
    assert_eq!(done["duplicates"], 1, "{done}");
    assert_eq!(done["invalid"], 1, "the broken number is flagged: {done}");
    assert_eq!(done["blank"], 1, "{done}");

    let (status, report) = browser
        .call(
            "load_import_report",
            &[("workspace", &ws), ("import", &import)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let errors = report["errors"].as_array().unwrap();
    let rows: Vec<u64> = errors.iter().map(|e| e["row"].as_u64().unwrap()).collect();
    assert_eq!(rows, vec![7, 8], "{report}");
    assert!(
        errors[0]["reason"]
            .as_str()
            .unwrap()
            .contains("duplicate of row 4"),
        "{report}"
    );
    assert!(
        errors[1]["reason"].as_str().unwrap().contains("\"12345\""),
        "{report}"
    );
    assert_eq!(report["mapping"]["phone"], "Simu");
    assert_eq!(report["header_row"], 3);

    let csv = browser
        .get(&format!("/w/agency/imports/{import}/report.csv"))
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with("row,reason\r\n7,"), "{csv}");

    // The leads: E.164 phones, cleaned websites and emails, flagged phone kept.
    let listed = leads(&browser, &ws, empty_filter()).await;
    assert_eq!(listed["total"], 4);
    let rows = listed["rows"].as_array().unwrap();
    let by_name = |name: &str| {
        rows.iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("{name} missing from {listed}"))
            .clone()
    };
    let mboga = by_name("Mama Mboga Ltd");
    assert_eq!(mboga["phone"], "+254722000111");
    assert_eq!(mboga["website"], "www.mboga.co.ke");
    assert_eq!(mboga["email"], "info@mboga.co.ke");
    assert_eq!(mboga["website_status"], "UNCHECKED");
    assert_eq!(by_name("Baraka Hardware")["website"], Value::Null);
    let kilima = by_name("Kilima Salon");
    assert_eq!(kilima["phone"], "12345");
    assert!(kilima["phone_error"].is_string());
    // Stored exactly as typed…
    assert_eq!(
        by_name("=HYPERLINK(\"http://evil\")")["phone"],
        "+254712345678"
    );

    // …and neutralised on the way out.
    let export = browser.get("/w/agency/leads/export/leads.csv").await;
    assert_eq!(export.status(), StatusCode::OK);
    let export = export.text().await.unwrap();
    assert!(
        export.contains("\"'=HYPERLINK(\"\"http://evil\"\")\""),
        "{export}"
    );
    assert!(export.contains("+254722000111"), "{export}");
    assert!(
        export.lines().next().unwrap().ends_with(",Gerente"),
        "custom field column: {export}"
    );
    // Nothing is verified yet: the one-click website exports have headers only.
    let with_site = browser.get("/w/agency/leads/export/with_website.csv").await;
    assert_eq!(with_site.text().await.unwrap().lines().count(), 1);

    // Searching and filtering by import.
    let mut filter = empty_filter();
    filter["search"] = json!("baraka");
    assert_eq!(leads(&browser, &ws, filter).await["total"], 1);
    let mut filter = empty_filter();
    filter["import_id"] = json!(import);
    assert_eq!(leads(&browser, &ws, filter).await["total"], 4);

    // The imports list shows it.
    let (_, list) = browser.call("imports", &[("workspace", &ws)]).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["imported"], 4);
}
both_backends!(upload_preview_import, upload_preview_import_and_report);

async fn bad_files_change_nothing(app: TestApp) {
    let (browser, ws) = app
        .user_with_workspace("Agency", "owner@bad.test", "bad")
        .await;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("leads.xlsx", b"name,phone\nA,1\n".to_vec(), "xlsx"),
        ("leads.csv", Vec::new(), "empty"),
        ("leads.pdf", b"%PDF-1.7".to_vec(), ".csv, .tsv"),
        ("huge.csv", vec![b'a'; 3 * 1024 * 1024], "MB"),
    ];
    for (name, bytes, expected) in cases {
        let (status, body) = browser.upload_import("bad", name, bytes).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
        assert!(
            body["detail"]["Validation"][0]["field"] == "file",
            "{name}: {body}"
        );
        let message = body["error"].as_str().unwrap_or_default();
        assert!(message.contains(expected), "{name}: {message}");
    }
    let (_, list) = browser.call("imports", &[("workspace", &ws)]).await;
    assert_eq!(list.as_array().unwrap().len(), 0, "nothing stored: {list}");
    assert_eq!(leads(&browser, &ws, empty_filter()).await["total"], 0);
}
both_backends!(bad_files, bad_files_change_nothing);

async fn duplicates_follow_the_policy_and_mappings_are_reused(app: TestApp) {
    let (browser, ws) = app
        .user_with_workspace("Agency", "owner@dup.test", "dup")
        .await;
    let first = "Business,Phone,City\nSol Bakery,+254722000111,\n";
    let (_, preview) = browser
        .upload_import("dup", "a.csv", first.as_bytes().to_vec())
        .await;
    // The user keeps City as a custom field instead of the city: the choice is remembered.
    let mut preview = preview;
    for column in preview["columns"].as_array_mut().unwrap() {
        if column["header"] == "City" {
            column["target"] = json!({"kind": "custom"});
        }
    }
    let queued = start(&browser, &ws, &preview, "skip").await;
    let done = finished(&browser, &ws, queued["id"].as_str().unwrap()).await;
    assert_eq!(done["imported"], 1, "{done}");

    let second = "Business,Phone,City\nSol Bakery & Café,0722 000 111,Nairobi\nNew Shop,+254733000222,Kisumu\n";
    let (_, preview) = browser
        .upload_import("dup", "b.csv", second.as_bytes().to_vec())
        .await;
    assert_eq!(preview["mapping_reused"], true, "{preview}");
    assert_eq!(target_of(&preview, "City"), json!({"kind": "custom"}));
    let queued = start(&browser, &ws, &preview, "overwrite").await;
    let done = finished(&browser, &ws, queued["id"].as_str().unwrap()).await;
    assert_eq!(
        (done["imported"].clone(), done["updated"].clone()),
        (json!(1), json!(1)),
        "{done}"
    );
    let mut filter = empty_filter();
    filter["search"] = json!("722000111");
    let found = leads(&browser, &ws, filter).await;
    assert_eq!(found["total"], 1);
    assert_eq!(found["rows"][0]["name"], "Sol Bakery & Café");

    // A confirmed mapping that maps two columns to one field is refused, naming both.
    let (_, preview) = browser
        .upload_import("dup", "c.csv", second.as_bytes().to_vec())
        .await;
    let mut columns = preview["columns"].clone();
    columns[2]["target"] = json!({"kind": "field", "value": "phone"});
    let (status, body) = browser
        .call_json(
            "confirm_import",
            json!({"workspace": ws, "import": preview["import_id"], "form": {
                "columns": columns, "default_country": "KE", "on_duplicate": "skip"}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_kind(&body), "Validation", "{body}");
    assert!(
        body.to_string().contains(r#"\"Phone\" and \"City\""#),
        "{body}"
    );
    // Discarding the draft removes it.
    let (status, _) = browser
        .call(
            "cancel_import",
            &[
                ("workspace", &ws),
                ("import", preview["import_id"].as_str().unwrap()),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = browser
        .call(
            "import_status",
            &[
                ("workspace", &ws),
                ("import", preview["import_id"].as_str().unwrap()),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
both_backends!(
    duplicates_and_saved_mappings,
    duplicates_follow_the_policy_and_mappings_are_reused
);

pub(crate) fn leadloom(app: &TestApp, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_leadloom"))
        .args(args)
        .env("DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "error")
        .output()
        .expect("run leadloom")
}

async fn the_cli_imports_and_exports(app: TestApp) {
    let out = leadloom(
        &app,
        &[
            "workspace",
            "create",
            "--name",
            "CLI Agency",
            "--slug",
            "cli",
            "--owner-email",
            "ops@cli.test",
            "--timezone",
            "Africa/Nairobi",
            "--country",
            "KE",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("password"));

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("leads.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (col, header) in ["Company", "Tel No.", "Site", "Ville"].iter().enumerate() {
        sheet.write_string(0, col as u16, *header).unwrap();
    }
    sheet.write_string(1, 0, "Jiko Café").unwrap();
    sheet.write_number(1, 1, 254_712_345_678.0).unwrap();
    sheet.write_string(1, 2, "jiko.co.ke").unwrap();
    sheet.write_string(1, 3, "Nairobi").unwrap();
    sheet.write_string(2, 0, "Umoja Pharmacy").unwrap();
    sheet.write_string(2, 1, "0733 000 111").unwrap();
    sheet.write_string(2, 3, "Nakuru").unwrap();
    book.save(&file).unwrap();

    let out = leadloom(
        &app,
        &[
            "import",
            "--workspace",
            "cli",
            file.to_str().unwrap(),
            "--map",
            "city=Ville",
            "--json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(
        report,
        json!({"imported": 2, "updated": 0, "duplicates": 0, "invalid": 0, "blank": 0,
               "mapping": {"name": "Company", "phone": "Tel No.", "website": "Site", "city": "Ville"},
               "header_row": 1, "errors": []})
    );
    // Importing again: both rows are duplicates now.
    let out = leadloom(
        &app,
        &[
            "import",
            "--workspace",
            "cli",
            file.to_str().unwrap(),
            "--json",
        ],
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(report["duplicates"], 2, "{report}");

    // A wrong --map names the file's columns.
    let out = leadloom(
        &app,
        &[
            "import",
            "--workspace",
            "cli",
            file.to_str().unwrap(),
            "--map",
            "phone=Fax",
        ],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("\"Fax\"") && stderr.contains("Tel No."),
        "{stderr}"
    );

    let export = dir.path().join("out.xlsx");
    let out = leadloom(
        &app,
        &[
            "leads",
            "export",
            "--workspace",
            "cli",
            "--out",
            export.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = shared::leads::read_table(
        &std::fs::read(&export).unwrap(),
        "out.xlsx",
        &shared::leads::ReadOptions::default(),
    )
    .expect("export reads back");
    assert_eq!(table.rows.len(), 3);
    assert_eq!(table.rows[0].cells[1], "phone");
    let phones: Vec<&str> = table.rows[1..]
        .iter()
        .map(|r| r.cells[1].as_str())
        .collect();
    assert!(
        phones.contains(&"+254712345678") && phones.contains(&"+254733000111"),
        "{phones:?}"
    );
}
both_backends!(cli_import_export, the_cli_imports_and_exports);
