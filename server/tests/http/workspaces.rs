//! Workspaces over real HTTP on SQLite and PostgreSQL: onboarding, settings (with audit),
//! roles enforced on the server, invitations with the plan's member limit, the last owner.

use crate::common::{TestApp, error_kind};
use reqwest::StatusCode;
use serde_json::{Value, json};

pub(crate) fn settings_form(workspace: &str, overrides: &[(&str, &str)]) -> String {
    let mut fields = vec![
        ("workspace", workspace.to_owned()),
        ("form[name]", "Acme Agency".to_owned()),
        ("form[slug]", "acme".to_owned()),
        ("form[timezone]", "Africa/Nairobi".to_owned()),
        ("form[brand_colour]", "#112233".to_owned()),
        ("form[default_country]", "KE".to_owned()),
        ("form[daily_limit_new_sender]", "25".to_owned()),
        ("form[daily_limit_warmed_sender]", "80".to_owned()),
        ("form[working_hours_start]", "08:30".to_owned()),
        ("form[working_hours_end]", "17:00".to_owned()),
    ];
    for (k, v) in overrides {
        if let Some(f) = fields.iter_mut().find(|(key, _)| key == k) {
            f.1 = (*v).to_owned();
        }
    }
    let mut body: Vec<String> = fields
        .into_iter()
        .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(&v)))
        .collect();
    for day in [0, 1, 2, 3, 4] {
        body.push(format!(
            "{}={day}",
            urlencode(&format!("form[working_days][{day}]"))
        ));
    }
    body.join("&")
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn onboarding_and_settings(app: TestApp) {
    let (owner, ws) = app
        .user_with_workspace("Acme Agency", "owner@acme.test", "acme")
        .await;
    let me = owner.call("whoami", &[]).await.1;
    assert_eq!(me["home_slug"], "acme");
    assert_eq!(me["workspaces"][0]["role"], "owner");

    // A taken slug and a bad time zone are field errors on the right step.
    let other = app.client();
    other.register("Other", "other@acme.test").await;
    let (status, body) = other.call("check_slug", &[("slug", "ACME")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["Validation"][0]["field"], "slug");
    let (status, body) = other
        .call(
            "create_workspace",
            &[
                ("name", "X"),
                ("slug", "other-ws"),
                ("timezone", "Mars/Base"),
                ("use_case", "agency"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["Validation"][0]["field"], "timezone");

    let (status, settings) = owner.call("load_settings", &[("workspace", &ws)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(settings["timezone"], "Africa/Nairobi");
    assert_eq!(settings["default_country"], "KE");
    assert_eq!(settings["working_hours_start"], "09:00");
    assert_eq!(settings["plan"]["name"], "Free");

    // Bad input: every field named, nothing stored.
    let bad = settings_form(
        &ws,
        &[
            ("form[brand_colour]", "blue"),
            ("form[working_hours_end]", "07:00"),
            ("form[daily_limit_new_sender]", "0"),
        ],
    );
    let (status, body) = owner.call_raw("save_settings", bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let fields: Vec<_> = body["Validation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        fields.contains(&"brand_colour".to_owned())
            && fields.contains(&"working_hours_end".to_owned())
            && fields.contains(&"daily_limit_new_sender".to_owned()),
        "{fields:?}"
    );
    assert_eq!(
        owner.call("load_settings", &[("workspace", &ws)]).await.1,
        settings
    );

    let (status, saved) = owner
        .call_raw("save_settings", settings_form(&ws, &[]))
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["working_hours_start"], "08:30");
    assert_eq!(saved["daily_limit_warmed_sender"], 80);
    assert_eq!(saved["working_days"], 0b11111);
    assert_eq!(saved["brand_colour"], "#112233");

    let (status, log) = owner.call("audit_log", &[("workspace", &ws)]).await;
    assert_eq!(status, StatusCode::OK);
    let actions: Vec<_> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"settings_updated")
            && actions.contains(&"workspace_created")
            && actions.contains(&"sign_in"),
        "{actions:?}"
    );
    let entry = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "settings_updated")
        .unwrap();
    assert!(
        entry["detail"]
            .as_str()
            .unwrap()
            .contains("working hours: 09:00–18:00 → 08:30–17:00"),
        "{entry}"
    );
    assert_eq!(entry["ip"], "127.0.0.1");
}
both_backends!(settings, onboarding_and_settings);

async fn invitations_roles_and_plan_limits(app: TestApp) {
    let (owner, ws) = app
        .user_with_workspace("Owner", "owner@limits.test", "limits")
        .await;
    // No SMTP here: pages do not offer e-mail (the campaign wizard's notification box).
    let (status, shell) = owner.call("load_shell", &[("slug", "limits")]).await;
    assert_eq!(status, StatusCode::OK, "{shell}");
    assert_eq!(shell["email_enabled"], false, "{shell}");

    let (status, created) = owner
        .call(
            "invite",
            &[
                ("workspace", &ws),
                ("email", "Viv@limits.test"),
                ("role", "viewer"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    assert_eq!(
        created["emailed"], false,
        "no SMTP configured: the link is shown"
    );
    let link = created["link"].as_str().unwrap().to_owned();
    let token = link.rsplit('/').next().unwrap().to_owned();
    assert!(link.starts_with(&app.base));

    // The Free plan allows 2 members including pending invitations.
    let (status, body) = owner
        .call(
            "invite",
            &[
                ("workspace", &ws),
                ("email", "third@limits.test"),
                ("role", "member"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let message = body["PlanLimit"]["message"].as_str().unwrap();
    assert!(
        message.contains("Free plan") && message.contains("2 members"),
        "{message}"
    );

    // The wrong account cannot use the link; the invited one can.
    let stranger = app.client();
    stranger.register("Stranger", "stranger@limits.test").await;
    let (status, body) = stranger
        .call("accept_invitation", &[("token", &token)])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let viewer = app.client();
    viewer.register("Viv", "viv@limits.test").await;
    let (status, preview) = viewer
        .call("preview_invitation", &[("token", &token)])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(preview["role"], "viewer");
    assert_eq!(
        viewer
            .call("accept_invitation", &[("token", &token)])
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        viewer
            .call("accept_invitation", &[("token", &token)])
            .await
            .0,
        StatusCode::FORBIDDEN,
        "links work once"
    );

    // The owner hears about it: the bell's count, then its list.
    let in_ws = [("workspace", ws.as_str())];
    let unread = || owner.call("unread_notifications", &in_ws);
    assert_eq!(unread().await, (StatusCode::OK, json!(1)));
    // The layout's shell carries the same count, so the bell shows it as the page renders.
    let (_, shell) = owner.call("load_shell", &[("slug", "limits")]).await;
    assert_eq!(shell["unread_notifications"], 1, "{shell}");
    let feed = owner.call("notifications", &[("workspace", &ws)]).await.1;
    assert_eq!(feed["unread"], 1);
    assert!(
        feed["items"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Viv joined")
    );
    // The viewer's own bell is not the owner's.
    assert_eq!(
        viewer
            .call("unread_notifications", &[("workspace", &ws)])
            .await,
        (StatusCode::OK, json!(0))
    );
    // Marking read clears the count and keeps the list.
    assert_eq!(
        owner
            .call("mark_notifications_read", &[("workspace", &ws)])
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(unread().await, (StatusCode::OK, json!(0)));
    let feed = owner.call("notifications", &[("workspace", &ws)]).await.1;
    assert_eq!(
        (feed["unread"].clone(), feed["items"][0]["read"].clone()),
        (json!(0), json!(true))
    );

    // Viewers see the workspace but cannot change it, invite, or read the audit log.
    assert_eq!(
        viewer.call("dashboard", &[("workspace", &ws)]).await.0,
        StatusCode::OK
    );
    let (status, body) = viewer
        .call_raw("save_settings", settings_form(&ws, &[]))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        body["Forbidden"].as_str().unwrap().contains("Viewer"),
        "{body}"
    );
    assert_eq!(
        viewer
            .call(
                "invite",
                &[
                    ("workspace", &ws),
                    ("email", "x@limits.test"),
                    ("role", "member")
                ]
            )
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        viewer.call("audit_log", &[("workspace", &ws)]).await.0,
        StatusCode::FORBIDDEN
    );

    // The last owner cannot be demoted; promoting the viewer then allows it.
    let owner_id = owner.call("whoami", &[]).await.1["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let viewer_id = viewer.call("whoami", &[]).await.1["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, body) = owner
        .call(
            "change_role",
            &[("workspace", &ws), ("user", &owner_id), ("role", "admin")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        owner
            .call(
                "change_role",
                &[("workspace", &ws), ("user", &viewer_id), ("role", "owner")]
            )
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        owner
            .call(
                "change_role",
                &[("workspace", &ws), ("user", &owner_id), ("role", "admin")]
            )
            .await
            .0,
        StatusCode::OK
    );
    let members: Value = viewer.call("members", &[("workspace", &ws)]).await.1;
    let roles: Vec<_> = members
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["email"].as_str().unwrap(), m["role"].as_str().unwrap()))
        .collect();
    assert!(
        roles.contains(&("owner@limits.test", "admin"))
            && roles.contains(&("viv@limits.test", "owner")),
        "{roles:?}"
    );

    // The platform admin (first account) moves the workspace to Pro; now a third fits.
    assert_eq!(
        owner
            .call("set_plan", &[("slug", "limits"), ("plan", "pro")])
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        viewer
            .call("set_plan", &[("slug", "limits"), ("plan", "enterprise")])
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (status, _) = viewer
        .call(
            "invite",
            &[
                ("workspace", &ws),
                ("email", "third@limits.test"),
                ("role", "member"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = viewer
        .call(
            "invite",
            &[
                ("workspace", &ws),
                ("email", "third@limits.test"),
                ("role", "member"),
            ],
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a second pending invitation: {body}"
    );
    assert_eq!(error_kind(&body), "Validation");
}
both_backends!(invitations, invitations_roles_and_plan_limits);

async fn invitation_is_emailed_when_smtp_is_configured(backend: crate::common::Backend) {
    let (url, inbox) = crate::common::smtp_sink().await;
    let mailer = shared::mail::Mailer::new(&url, "LeadLoom <no-reply@leadloom.test>").unwrap();
    let Some(app) = TestApp::spawn_with(backend, Some(mailer)).await else {
        return;
    };
    let (owner, ws) = app
        .user_with_workspace("Mailer Co", "owner@mail.test", "mailer-co")
        .await;
    // Pages offer e-mail (the campaign wizard's notification box) only when it would go out.
    let (status, shell) = owner.call("load_shell", &[("slug", "mailer-co")]).await;
    assert_eq!(status, StatusCode::OK, "{shell}");
    assert_eq!(shell["email_enabled"], true, "{shell}");
    let (status, created) = owner
        .call(
            "invite",
            &[
                ("workspace", &ws),
                ("email", "new@mail.test"),
                ("role", "member"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    assert_eq!(created["emailed"], true);
    let inbox = inbox.lock().await;
    assert_eq!(inbox.len(), 1);
    // Undo quoted-printable soft line breaks, as a mail client would.
    let message = &inbox[0].replace("=\n", "");
    assert!(message.contains("To: new@mail.test"), "{message}");
    assert!(
        message.contains("Subject: Join Mailer Co on LeadLoom"),
        "{message}"
    );
    assert!(
        message.contains(created["link"].as_str().unwrap()),
        "the link is in the mail: {message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invitation_email_sqlite() {
    invitation_is_emailed_when_smtp_is_configured(crate::common::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invitation_email_postgres() {
    invitation_is_emailed_when_smtp_is_configured(crate::common::Backend::Postgres).await;
}

async fn logo_upload_is_type_and_size_checked(app: TestApp) {
    let (owner, _ws) = app
        .user_with_workspace("Logo Co", "owner@logo.test", "logo-co")
        .await;
    let svg = owner
        .upload_logo(
            "logo-co",
            b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>".to_vec(),
            "logo.png",
        )
        .await;
    assert_eq!(svg.status(), StatusCode::SEE_OTHER);
    let location = svg.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("/w/logo-co/settings?logo_error=") && location.contains("PNG"),
        "{location}"
    );
    assert_eq!(
        owner.get("/w/logo-co/logo").await.status(),
        StatusCode::NOT_FOUND,
        "nothing stored"
    );

    let too_big = owner
        .upload_logo("logo-co", vec![0x89; 400 * 1024], "big.png")
        .await;
    assert_ne!(too_big.status(), StatusCode::OK);
    assert_eq!(
        owner.get("/w/logo-co/logo").await.status(),
        StatusCode::NOT_FOUND,
        "nothing stored"
    );

    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&[0u8; 64]);
    let ok = owner.upload_logo("logo-co", png.clone(), "logo.png").await;
    assert_eq!(ok.headers()["location"], "/w/logo-co/settings?logo=saved");
    let served = owner.get("/w/logo-co/logo").await;
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.headers()["content-type"], "image/png");
    assert_eq!(served.bytes().await.unwrap().to_vec(), png);
}
both_backends!(logo, logo_upload_is_type_and_size_checked);
