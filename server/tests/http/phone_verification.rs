//! Phone verification by one-time code: the code travels over the app's own gateway (a
//! simulator per test), is read back from what the simulator "delivered", and is checked with
//! its expiry, tries, resend pacing and hourly cap — on SQLite and PostgreSQL.

use crate::common::{Browser, PLATFORM_SESSION, SIMULATOR_KEY, TestApp};
use chrono::Utc;
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::Value;
use shared::db::entities::phone_verification;

/// The latest code the platform gateway sent to `digits`.
async fn latest_code(app: &TestApp, digits: &str) -> String {
    let messages: Vec<Value> = reqwest::Client::new()
        .get(format!(
            "{}/admin/messages?to={digits}",
            app.platform_gateway
        ))
        .header("X-API-Key", SIMULATOR_KEY)
        .send()
        .await
        .expect("simulator")
        .json()
        .await
        .expect("json");
    let text = messages
        .first()
        .and_then(|m| m["message"].as_str())
        .expect("a code was delivered")
        .to_owned();
    assert!(text.contains("LeadLoom verification code"), "{text}");
    text.chars().take_while(char::is_ascii_digit).collect()
}

async fn set_phone(browser: &Browser, phone: &str) {
    let (status, body) = browser
        .call(
            "update_profile",
            &[
                ("name", "Ana"),
                ("email", "ana@example.com"),
                ("phone", phone),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

fn message(body: &Value) -> String {
    body["Validation"][0]["message"]
        .as_str()
        .or_else(|| body["TooManyRequests"]["message"].as_str())
        .unwrap_or_default()
        .to_owned()
}

/// A code that is not `code`.
fn wrong(code: &str) -> String {
    let n: u32 = code.parse().expect("digits");
    format!("{:06}", (n + 1) % 1_000_000)
}

/// Moves the stored code's clock back, as if `minutes` had passed.
async fn age_code(app: &TestApp, browser_user: uuid::Uuid, minutes: i64) {
    let row = phone_verification::Entity::find_by_id(browser_user)
        .one(&app.db)
        .await
        .expect("query")
        .expect("a code row");
    let ago = chrono::Duration::minutes(minutes);
    let mut active = row.clone().into_active_model();
    active.expires_at = Set(row.expires_at - ago);
    active.last_sent_at = Set(row.last_sent_at - ago);
    active.update(&app.db).await.expect("age the code");
}

async fn user_id(browser: &Browser) -> uuid::Uuid {
    let me = browser.call("whoami", &[]).await.1;
    me["id"].as_str().expect("id").parse().expect("uuid")
}

async fn a_code_verifies_the_phone(app: TestApp) {
    let browser = app.client();
    browser.register("Ana", "ana@example.com").await;
    let (status, body) = browser.call("send_phone_code", &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["Validation"][0]["field"], "phone");
    assert!(message(&body).contains("Add your phone"), "{body}");

    // Without a country code the gateway could not know where to send it.
    set_phone(&browser, "0712 345 678").await;
    let (status, body) = browser.call("send_phone_code", &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message(&body).contains("country code"), "{body}");

    set_phone(&browser, "+254 712 345 678").await;
    let state = browser.call("load_phone_verification", &[]).await.1;
    assert_eq!(state["verified"], false);
    assert!(state["pending"].is_null());
    let (status, state) = browser.call("send_phone_code", &[]).await;
    assert_eq!(status, StatusCode::OK, "{state}");
    assert_eq!(state["pending"]["sent_to"], "+254712345678");
    assert_eq!(state["pending"]["tries_left"], 5);
    let expires = state["pending"]["expires_in_secs"].as_u64().unwrap();
    assert!((590..=600).contains(&expires), "{state}");
    assert!(state["resend_in_secs"].as_u64().unwrap() >= 55, "{state}");
    let code = latest_code(&app, "254712345678").await;
    assert_eq!(code.len(), 6);

    // Only a keyed hash is stored.
    let id = user_id(&browser).await;
    let row = phone_verification::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(row.code_hash, code);
    assert!(!row.code_hash.contains(&code));

    // Asking again at once is refused with the wait.
    let (status, body) = browser.call("send_phone_code", &[]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(message(&body).contains("seconds"), "{body}");

    // Malformed input costs no try; a wrong code costs one and says how many remain.
    let (status, body) = browser
        .call("confirm_phone_code", &[("code", "12345")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(message(&body), "Enter the 6-digit code from WhatsApp.");
    let (_, body) = browser
        .call("confirm_phone_code", &[("code", &wrong(&code))])
        .await;
    assert_eq!(body["Validation"][0]["field"], "code");
    assert_eq!(message(&body), "That code is not right — 4 tries left.");
    let state = browser.call("load_phone_verification", &[]).await.1;
    assert_eq!(state["pending"]["tries_left"], 4);

    // The right code, pasted with a space, verifies the phone.
    let pasted = format!("{} {}", &code[..3], &code[3..]);
    let (status, body) = browser
        .call("confirm_phone_code", &[("code", &pasted)])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let me = browser.call("whoami", &[]).await.1;
    assert_eq!(me["phone_verified"], true);
    assert_eq!(me["phone"], "+254712345678");
    assert!(
        phone_verification::Entity::find_by_id(id)
            .one(&app.db)
            .await
            .unwrap()
            .is_none(),
        "a used code is gone"
    );
    let (status, body) = browser.call("send_phone_code", &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(message(&body), "Your phone is already verified.");

    // The same number retyped stays verified; another number does not.
    set_phone(&browser, "+254 712 345678").await;
    assert_eq!(browser.call("whoami", &[]).await.1["phone_verified"], true);
    set_phone(&browser, "+254 722 000 111").await;
    assert_eq!(browser.call("whoami", &[]).await.1["phone_verified"], false);

    // Signed out, nothing is sent.
    let stranger = app.client();
    let (status, _) = stranger.call("send_phone_code", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
both_backends!(code_verifies_the_phone, a_code_verifies_the_phone);

async fn tries_expiry_and_pacing(app: TestApp) {
    let browser = app.client();
    browser.register("Ana", "ana@example.com").await;
    set_phone(&browser, "+254 712 345 678").await;
    let id = user_id(&browser).await;
    assert_eq!(browser.call("send_phone_code", &[]).await.0, StatusCode::OK);
    let code = latest_code(&app, "254712345678").await;

    // Eight guesses at once: exactly five are compared, however they interleave.
    let guesses = (0..8).map(|_| {
        let browser = &browser;
        let guess = wrong(&code);
        async move {
            browser
                .call("confirm_phone_code", &[("code", &guess)])
                .await
        }
    });
    let answers = futures::future::join_all(guesses).await;
    let compared = answers
        .iter()
        .filter(|(_, body)| message(body).starts_with("That code is not right"))
        .count();
    let refused = answers
        .iter()
        .filter(|(_, body)| message(body) == "No tries left — send a new code.")
        .count();
    assert_eq!((compared, refused), (5, 3), "{answers:?}");
    // Even the right code is refused now.
    let (_, body) = browser.call("confirm_phone_code", &[("code", &code)]).await;
    assert_eq!(message(&body), "No tries left — send a new code.");
    let state = browser.call("load_phone_verification", &[]).await.1;
    assert!(state["pending"].is_null(), "{state}");

    // A minute later a new code may be sent; it expires after ten minutes.
    age_code(&app, id, 2).await;
    assert_eq!(browser.call("send_phone_code", &[]).await.0, StatusCode::OK);
    let second = latest_code(&app, "254712345678").await;
    age_code(&app, id, 11).await;
    let (_, body) = browser
        .call("confirm_phone_code", &[("code", &second)])
        .await;
    assert_eq!(message(&body), "This code has expired — send a new code.");

    // At most five codes an hour.
    for _ in 0..3 {
        assert_eq!(browser.call("send_phone_code", &[]).await.0, StatusCode::OK);
        age_code(&app, id, 2).await;
    }
    let (status, body) = browser.call("send_phone_code", &[]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(message(&body).contains("5 codes within an hour"), "{body}");
    let row = phone_verification::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.sends_in_window, 5);
    // An hour after the first, the window starts again.
    let mut active = row.clone().into_active_model();
    active.window_started_at = Set(Utc::now() - chrono::Duration::minutes(61));
    active.update(&app.db).await.unwrap();
    assert_eq!(browser.call("send_phone_code", &[]).await.0, StatusCode::OK);
    let code = latest_code(&app, "254712345678").await;
    assert_eq!(
        browser
            .call("confirm_phone_code", &[("code", &code)])
            .await
            .0,
        StatusCode::OK
    );
}
both_backends!(tries_expiry_and_pacing_hold, tries_expiry_and_pacing);

async fn gateway_failures_cost_nothing(app: TestApp) {
    let browser = app.client();
    browser.register("Ana", "ana@example.com").await;
    set_phone(&browser, "+254 712 345 678").await;
    let admin = |path: &str| {
        reqwest::Client::new()
            .post(format!(
                "{}/admin/sessions/{PLATFORM_SESSION}/{path}",
                app.platform_gateway
            ))
            .header("X-API-Key", SIMULATOR_KEY)
            .send()
    };
    assert!(admin("ban").await.unwrap().status().is_success());
    let (status, body) = browser.call("send_phone_code", &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["Validation"][0]["field"], "phone");
    assert!(
        message(&body).contains("could not be sent over WhatsApp"),
        "{body}"
    );
    assert!(!message(&body).contains(SIMULATOR_KEY));
    // Nothing was stored, so no cooldown: once the gateway sends again, so does the code.
    assert!(admin("unban").await.unwrap().status().is_success());
    let (status, body) = browser.call("send_phone_code", &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Changing the number does not reset the pacing (or anyone could be sent codes at will).
    let id = user_id(&browser).await;
    set_phone(&browser, "+254 712 345 670").await;
    let (status, body) = browser.call("send_phone_code", &[]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let state = browser.call("load_phone_verification", &[]).await.1;
    assert!(
        state["pending"].is_null(),
        "the old code stopped working: {state}"
    );
    // A number that is not on WhatsApp (the simulator: last digit 0) cannot get a code.
    age_code(&app, id, 2).await;
    let (status, body) = browser.call("send_phone_code", &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(message(&body).contains("not registered"), "{body}");
}
both_backends!(
    gateway_failures_cost_nothing_hold,
    gateway_failures_cost_nothing
);
