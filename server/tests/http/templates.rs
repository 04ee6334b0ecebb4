//! Templates: the starters every workspace gets, saving with every rule named by field
//! (unknown variables with a suggestion), custom fields as variables, rendering for a real lead
//! (fallbacks, spintax), attachments, usage counts from sends, roles, and isolation.

use crate::common::{TestApp, join_as};
use crate::lead_page::imported_leads;
use crate::whatsapp::{SIM_KEY, add_gateway_sender, quick, simulator};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn list(browser: &crate::common::Browser, ws: &str) -> Vec<Value> {
    let (status, body) = browser.call("templates", &[("workspace", ws)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array().expect("list").clone()
}

fn field_errors(body: &Value) -> Vec<(String, String)> {
    body["Validation"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap_or_default().to_owned(),
                        e["message"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn templates_are_written_rendered_and_counted(app: TestApp) {
    let (owner, ws) = app
        .user_with_workspace("Agency", "owner@templates.test", "tpl")
        .await;

    // Every workspace starts with the two classic pitches.
    let starters = list(&owner, &ws).await;
    let names: Vec<&str> = starters
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["No working site: web design", "Site live: care and SEO"]
    );
    assert!(starters.iter().all(|t| t["usage_count"] == 0));

    let (mboga, _, _) = imported_leads(&owner, "tpl", &ws).await;
    // The import's extra column is a variable now.
    let (_, vars) = owner
        .call("template_variables", &[("workspace", &ws)])
        .await;
    assert_eq!(vars["custom"], json!(["Manager"]));

    // Every problem is named by its field; an unknown variable gets a suggestion.
    let (status, body) = owner
        .call_json(
            "create_template",
            json!({"workspace": ws, "form": {"name": "", "category": "spam", "body": "Hi {manger}!", "attachment": null}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let errors = field_errors(&body);
    assert_eq!(errors.len(), 3, "{body}");
    assert_eq!(
        errors[0],
        ("name".into(), "Give the template a name.".into())
    );
    assert_eq!(errors[1].0, "category");
    assert_eq!(
        errors[2],
        (
            "body".into(),
            "There is no variable {manger}: did you mean {manager}?".into()
        )
    );
    let (_, body) = owner
        .call_json(
            "create_template",
            json!({"workspace": ws, "form": {"name": "Long", "category": "custom", "body": "x".repeat(4097), "attachment": null}}),
        )
        .await;
    assert!(field_errors(&body)[0].1.contains("at most 4096"), "{body}");

    // A real PDF, attached to the template.
    let mut pdf = b"%PDF-1.4\n".to_vec();
    pdf.extend([b'x'; 2000]);
    let (status, file) = owner
        .upload("/w/tpl/attachments", "brochure.pdf", pdf)
        .await;
    assert_eq!(status, StatusCode::OK, "{file}");
    let body_text =
        "{Hi|Hello} {manager|there}, is {website|your site} still {city|local}? {Thanks|Asante}!";
    let (status, saved) = owner
        .call_json(
            "create_template",
            json!({"workspace": ws, "form": {"name": "Check-in", "category": "follow_up", "body": body_text, "attachment": file["id"]}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["category"], "follow_up");
    assert_eq!(saved["attachment"]["file_name"], "brochure.pdf");
    let id = saved["id"].as_str().unwrap().to_owned();
    // Names are unique within the workspace.
    let (_, body) = owner
        .call_json(
            "create_template",
            json!({"workspace": ws, "form": {"name": "Check-in", "category": "custom", "body": "Hi", "attachment": null}}),
        )
        .await;
    assert_eq!(
        field_errors(&body),
        [(
            "name".into(),
            "Another template already has this name.".into()
        )]
    );

    // Rendered for a real lead: its fields, its custom field, one spintax option each.
    let (status, rendered) = owner
        .call(
            "render_template",
            &[("workspace", &ws), ("template", &id), ("lead", &mboga)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rendered}");
    let text = rendered["text"].as_str().unwrap();
    assert!(
        text.starts_with("Hi Wanjiku, ") || text.starts_with("Hello Wanjiku, "),
        "{text}"
    );
    assert!(text.contains("is www.mboga.co.ke still Nairobi?"), "{text}");
    assert!(
        text.ends_with("Thanks!") || text.ends_with("Asante!"),
        "{text}"
    );
    assert_eq!(rendered["missing"], json!([]));
    assert_eq!(rendered["attachment"]["file_name"], "brochure.pdf");
    // The editor's preview names what a lead lacks when there is no fallback.
    let (status, preview) = owner
        .call_json(
            "preview_template",
            json!({"workspace": ws, "body": "Hi {name}, we love {category}!", "attachment": null, "lead": mboga}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    assert_eq!(preview["text"], "Hi Mama Mboga Ltd, we love !");
    assert_eq!(preview["missing"], json!(["category"]));
    assert_eq!(preview["lead_name"], "Mama Mboga Ltd");

    // Sending from a template counts a use.
    let sim = simulator(quick()).await;
    add_gateway_sender(&owner, &ws, &sim).await;
    let (status, sent) = owner
        .call(
            "send_message",
            &[
                ("workspace", &ws),
                ("lead", &mboga),
                ("body", text),
                ("attachment", file["id"].as_str().unwrap()),
                ("template", &id),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    let delivered: Vec<Value> = reqwest::Client::new()
        .get(format!("{sim}/admin/messages?to=254722000111"))
        .header("X-API-Key", SIM_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(delivered[0]["message"], text);
    assert_eq!(delivered[0]["media"]["fetchedBytes"], 2009);
    let check_in = list(&owner, &ws)
        .await
        .into_iter()
        .find(|t| t["id"] == id.as_str())
        .unwrap();
    assert_eq!(check_in["usage_count"], 1);

    // Edit and delete; a viewer may read and render but not change.
    let (status, edited) = owner
        .call_json(
            "update_template",
            json!({"workspace": ws, "template": id, "form": {"name": "Check-in v2", "category": "reminder", "body": "Hello {name}", "attachment": null}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["name"], "Check-in v2");
    assert!(edited["attachment"].is_null());
    assert_eq!(edited["usage_count"], 1);
    let viewer = join_as(&app, &owner, &ws, "Vic", "vic@templates.test", "viewer").await;
    assert_eq!(list(&viewer, &ws).await.len(), 3);
    // The lead page's reply box gets each template's id and name, and nothing else.
    let (status, choices) = viewer.call("reply_choices", &[("workspace", &ws)]).await;
    assert_eq!(status, StatusCode::OK, "{choices}");
    let named: Vec<Value> = list(&viewer, &ws)
        .await
        .iter()
        .map(|t| json!({"id": t["id"], "name": t["name"]}))
        .collect();
    assert_eq!(choices["templates"], json!(named), "{choices}");
    let (status, _) = viewer
        .call("delete_template", &[("workspace", &ws), ("template", &id)])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = owner
        .call("delete_template", &[("workspace", &ws), ("template", &id)])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list(&owner, &ws).await.len(), 2);

    // Another workspace sees none of it and cannot use it.
    let (stranger, other) = app
        .user_with_workspace("Other", "other@templates.test", "other")
        .await;
    let theirs = list(&stranger, &other).await;
    assert!(
        theirs
            .iter()
            .all(|t| !starters.iter().any(|s| s["id"] == t["id"]))
    );
    let starter = starters[0]["id"].as_str().unwrap();
    for (name, form) in [
        ("templates", vec![("workspace", ws.as_str())]),
        ("reply_choices", vec![("workspace", ws.as_str())]),
        (
            "render_template",
            vec![
                ("workspace", other.as_str()),
                ("template", starter),
                ("lead", &mboga),
            ],
        ),
        (
            "delete_template",
            vec![("workspace", other.as_str()), ("template", starter)],
        ),
    ] {
        let (status, body) = stranger.call(name, &form).await;
        assert!(
            status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN,
            "{name}: {status} {body}"
        );
    }
    let (status, _) = stranger
        .call_json(
            "update_template",
            json!({"workspace": other, "template": starter, "form": {"name": "Mine", "category": "custom", "body": "Hi", "attachment": null}}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(list(&owner, &ws).await.len(), 2);
}
both_backends!(templates, templates_are_written_rendered_and_counted);
