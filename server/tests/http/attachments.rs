//! Attachments on one-to-one sends: checked on upload (type by bytes, size, name), kept outside
//! the web root, fetched by the provider through a signed link that cannot be forged or reused
//! after it expires, downloadable by the workspace only, and removed when no message used them.

use crate::common::{Browser, TEST_SECRET_KEY, TestApp};
use crate::lead_page::imported_leads;
use crate::whatsapp::{SIM_KEY, add_gateway_sender, quick, simulator};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::Value;

fn pdf() -> Vec<u8> {
    let mut bytes = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n".to_vec();
    // Enough body to tell a whole download from a truncated one.
    bytes.extend(std::iter::repeat_n(b'x', 40_000));
    bytes.extend(b"\n%%EOF\n");
    bytes
}

fn png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    bytes.extend([0u8; 64]);
    bytes
}

/// The messages the simulator received for `digits`, newest first.
async fn received(sim: &str, digits: &str) -> Vec<Value> {
    reqwest::Client::new()
        .get(format!("{sim}/admin/messages?to={digits}"))
        .header("X-API-Key", SIM_KEY)
        .send()
        .await
        .expect("simulator")
        .json()
        .await
        .expect("json")
}

fn refusal(body: &Value) -> String {
    assert_eq!(body["detail"]["Validation"][0]["field"], "file", "{body}");
    body["detail"]["Validation"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn count(app: &TestApp, table: &str) -> i64 {
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get("", "n").unwrap()
}

async fn send(
    browser: &Browser,
    ws: &str,
    lead: &str,
    body: &str,
    attachment: &str,
) -> (StatusCode, Value) {
    let mut form = vec![("workspace", ws), ("lead", lead), ("body", body)];
    if !attachment.is_empty() {
        form.push(("attachment", attachment));
    }
    browser.call("send_message", &form).await
}

async fn attachments_are_checked_sent_and_kept_private(app: TestApp) {
    let sim = simulator(quick()).await;
    let (browser, ws) = app
        .user_with_workspace("Agency", "owner@attach.test", "attach")
        .await;
    let (lead, _, _) = imported_leads(&browser, "attach", &ws).await;
    add_gateway_sender(&browser, &ws, &sim).await;
    let upload = "/w/attach/attachments";

    // Refused, each with a message naming the file and the problem; nothing is stored.
    let cases: [(&str, Vec<u8>, &str); 6] = [
        ("setup.exe", b"MZ\x90\0\x03".to_vec(), "none of these"),
        (
            "invoice.pdf",
            b"MZ\x90\0 pretending".to_vec(),
            "not a real PDF",
        ),
        ("photo.pdf", png(), "really a PNG"),
        ("empty.pdf", Vec::new(), "empty"),
        (
            "big.pdf",
            [b"%PDF-1.4\n".as_slice(), &vec![b'x'; 5 * 1024 * 1024]].concat(),
            "at most 5 MB",
        ),
        (
            "huge.pdf",
            [b"%PDF-1.4\n".as_slice(), &vec![b'x'; 7 * 1024 * 1024]].concat(),
            "larger than 5 MB",
        ),
    ];
    for (name, bytes, expected) in cases {
        let (status, body) = browser.upload(upload, name, bytes).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
        let message = refusal(&body);
        assert!(message.contains(expected), "{name}: {message}");
    }
    assert_eq!(count(&app, "attachments").await, 0);

    // A cross-site upload is refused by the CSRF guard.
    let forged = reqwest::Client::new()
        .post(format!("{}{upload}", app.base))
        .header("Origin", "https://evil.example")
        .multipart(reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(pdf()).file_name("x.pdf"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    // A real PDF with a hostile name is kept under a clean one, outside the web root.
    let document = pdf();
    let (status, stored) = browser
        .upload(upload, "../../Propuesta Año<2026>.pdf", document.clone())
        .await;
    assert_eq!(status, StatusCode::OK, "{stored}");
    assert_eq!(stored["file_name"], "Propuesta Año_2026.pdf");
    assert_eq!(stored["content_type"], "application/pdf");
    assert_eq!(stored["size_bytes"], document.len());
    let id = stored["id"].as_str().unwrap().to_owned();
    let on_disk = app.attachments_dir.join(&ws).join(&id);
    assert_eq!(std::fs::read(&on_disk).unwrap(), document);

    // Neither a message nor a file: refused, naming the field.
    let (status, body) = send(&browser, &ws, &lead, "  ", "").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.to_string()
            .contains("Write a message or attach a file")
    );
    let (status, body) = send(
        &browser,
        &ws,
        &lead,
        "hi",
        &uuid::Uuid::new_v4().to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["Validation"][0]["field"], "attachment", "{body}");

    // Sent with a caption: the gateway downloads exactly the stored bytes by the signed link.
    let (status, message) = send(&browser, &ws, &lead, "Our proposal", &id).await;
    assert_eq!(status, StatusCode::OK, "{message}");
    assert_eq!(message["attachment_name"], "Propuesta Año_2026.pdf");
    assert_eq!(message["attachment_type"], "application/pdf");
    let got = received(&sim, "254722000111").await;
    let media = &got.first().expect("a message")["media"];
    assert_eq!(got[0]["message"], "Our proposal");
    assert_eq!(media["type"], "document");
    assert_eq!(media["filename"], "Propuesta Año_2026.pdf");
    assert_eq!(media["fetchedBytes"], document.len());
    assert_eq!(media["fetchedContentType"], "application/pdf");
    assert_eq!(media["sha256"], shared::crypto::sha256_hex(&document));
    let link = media["url"].as_str().unwrap().to_owned();
    assert!(
        link.starts_with(&format!("{}/media/{id}/", app.base)),
        "{link}"
    );

    // The link answers only as signed and before it expires.
    let anonymous = reqwest::Client::new();
    assert_eq!(
        anonymous.get(&link).send().await.unwrap().status(),
        StatusCode::OK
    );
    let mut parts: Vec<&str> = link.rsplitn(3, '/').collect();
    let forged_signature = "0".repeat(64);
    parts[1] = &forged_signature;
    let forged: String = parts.into_iter().rev().collect::<Vec<_>>().join("/");
    assert_eq!(
        anonymous.get(&forged).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let key = shared::crypto::SecretBox::from_hex(TEST_SECRET_KEY).unwrap();
    let past = chrono::Utc::now().timestamp() - 60;
    let expired_signature = key.sign_link(&format!("attachment:{id}:{past}"));
    let expired = format!("{}/media/{id}/{past}/{expired_signature}/x.pdf", app.base);
    assert_eq!(
        anonymous.get(&expired).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );

    // The workspace downloads it from the conversation, as a download that never runs as a page.
    let message_id = message["id"].as_str().unwrap();
    let download = browser
        .get(&format!("/w/attach/messages/{message_id}/attachment"))
        .await;
    assert_eq!(download.status(), StatusCode::OK);
    let headers = download.headers().clone();
    assert_eq!(headers["content-type"], "application/pdf");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("filename*=UTF-8''Propuesta%20A%C3%B1o_2026.pdf")
    );
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
    assert_eq!(
        download.bytes().await.unwrap().as_ref(),
        document.as_slice()
    );

    // A picture with no caption goes as an image.
    let (_, picture) = browser.upload(upload, "Shop front.PNG", png()).await;
    let (status, sent) = send(&browser, &ws, &lead, "", picture["id"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    let got = received(&sim, "254722000111").await;
    assert_eq!(got[0]["media"]["type"], "image");
    assert_eq!(got[0]["media"]["filename"], "Shop front.png");

    // Another workspace sees none of it, and cannot lend its uploads to this one.
    let (stranger, other_ws) = app
        .user_with_workspace("Rival", "owner@rival-attach.test", "rival-attach")
        .await;
    let peek = stranger
        .get(&format!("/w/attach/messages/{message_id}/attachment"))
        .await;
    assert_eq!(peek.status(), StatusCode::NOT_FOUND);
    let peek = stranger
        .get(&format!("/w/rival-attach/messages/{message_id}/attachment"))
        .await;
    assert_eq!(peek.status(), StatusCode::NOT_FOUND);
    let (status, _) = stranger.upload(upload, "x.pdf", pdf()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, theirs) = stranger
        .upload("/w/rival-attach/attachments", "theirs.pdf", pdf())
        .await;
    let (status, body) = send(&browser, &ws, &lead, "hi", theirs["id"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["Validation"][0]["field"], "attachment", "{body}");
    let _ = other_ws;

    // Uploads nobody sent are removed after a day, files included; sent ones stay.
    let (_, abandoned) = browser.upload(upload, "draft.pdf", pdf()).await;
    let abandoned = abandoned["id"].as_str().unwrap().to_owned();
    let removed = shared::whatsapp::attachments::remove_unused(
        &app.db,
        &app.attachments_dir,
        chrono::Utc::now() + chrono::Duration::hours(25),
    )
    .await
    .unwrap();
    assert_eq!(removed, 2, "this workspace's draft and the rival's");
    assert!(!app.attachments_dir.join(&ws).join(&abandoned).exists());
    assert!(on_disk.exists(), "a sent attachment stays");
    let download = browser
        .get(&format!("/w/attach/messages/{message_id}/attachment"))
        .await;
    assert_eq!(download.status(), StatusCode::OK);
}
both_backends!(sending, attachments_are_checked_sent_and_kept_private);
