//! Accounts over real HTTP on SQLite and PostgreSQL: registration rules, sign-in with session
//! rotation and throttling, sign-out, profile and password changes, cookie attributes.

use crate::common::{Browser, PASSWORD, TestApp, error_kind};
use reqwest::StatusCode;

fn session_cookie(browser_response: &reqwest::Response) -> Option<String> {
    browser_response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("leadloom_session="))
        .map(str::to_owned)
}

async fn raw_login(
    app: &TestApp,
    browser: &Browser,
    email: &str,
    password: &str,
) -> reqwest::Response {
    browser
        .http
        .post(format!("{}/api/login", app.base))
        .header("Origin", &app.base)
        .form(&[("email", email), ("password", password), ("next", "")])
        .send()
        .await
        .unwrap()
}

async fn registration_rules(app: TestApp) {
    let first = app.client();
    first.register("Ann Admin", "Ann@Example.com").await;
    let (status, me) = first.call("whoami", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        me["email"], "ann@example.com",
        "emails are stored lower-cased"
    );
    assert_eq!(
        me["is_platform_admin"], true,
        "the first account is the platform admin"
    );

    let second = app.client();
    second.register("Bob", "bob@example.com").await;
    assert_eq!(
        second.call("whoami", &[]).await.1["is_platform_admin"],
        false
    );

    // Duplicate e-mail, weak password, missing name: each names its field; nothing is stored.
    let third = app.client();
    let (status, body) = third
        .call(
            "register",
            &[
                ("name", "Ann Again"),
                ("email", "ANN@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["Validation"][0]["field"], "email");
    assert!(
        body["Validation"][0]["message"]
            .as_str()
            .unwrap()
            .contains("already exists")
    );

    let (status, body) = third
        .call(
            "register",
            &[
                ("name", "Cy"),
                ("email", "cy@example.com"),
                ("password", "password123"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["Validation"][0]["field"], "password");
    assert!(
        body["Validation"][0]["message"]
            .as_str()
            .unwrap()
            .contains("too weak")
    );

    let long_name = "x".repeat(500);
    let (status, body) = third
        .call(
            "register",
            &[
                ("name", &long_name),
                ("email", "not-an-email"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<_> = body["Validation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "email", "password"]);
    assert_eq!(
        third.call("whoami", &[]).await.1,
        serde_json::Value::Null,
        "not signed in"
    );
    let (_, cy) = third.login("cy@example.com", PASSWORD).await;
    assert_eq!(
        error_kind(&cy),
        "InvalidCredentials",
        "nothing was stored for cy"
    );
}
both_backends!(registration, registration_rules);

async fn sign_in_rotates_session_and_sign_out_ends_it(app: TestApp) {
    let browser = app.client();
    let registered = browser
        .http
        .post(format!("{}/api/register", app.base))
        .header("Origin", &app.base)
        .form(&[
            ("name", "Dee"),
            ("email", "dee@example.com"),
            ("password", PASSWORD),
            ("next", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), StatusCode::OK);
    let first = session_cookie(&registered).expect("registration signs in");
    assert!(first.contains("HttpOnly"), "{first}");
    assert!(first.contains("SameSite=Lax"), "{first}");
    assert!(!first.contains("Secure"), "plain http in tests: {first}");

    // Signing in again on the same browser must not keep the old session id (no fixation).
    let again = raw_login(&app, &browser, "dee@example.com", PASSWORD).await;
    assert_eq!(again.status(), StatusCode::OK);
    let second = session_cookie(&again).expect("a session cookie is set at sign-in");
    assert_ne!(
        first.split(';').next(),
        second.split(';').next(),
        "session id rotated"
    );
    assert_eq!(
        browser.call("whoami", &[]).await.1["email"],
        "dee@example.com"
    );

    // The old id no longer opens anything.
    let stale = reqwest::Client::new()
        .post(format!("{}/api/whoami", app.base))
        .header("Cookie", first.split(';').next().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(crate::common::json(stale).await.1, serde_json::Value::Null);

    let (status, _) = browser.call("logout", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(browser.call("whoami", &[]).await.1, serde_json::Value::Null);
    let wrong = raw_login(&app, &browser, "dee@example.com", "wrong-password-here").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
}
both_backends!(sessions, sign_in_rotates_session_and_sign_out_ends_it);

async fn sign_in_is_throttled_per_account(app: TestApp) {
    let browser = app.client();
    browser.register("Eve", "eve@example.com").await;
    let attacker = app.client();
    for _ in 0..5 {
        let (status, body) = attacker.login("eve@example.com", "not-the-password").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(error_kind(&body), "InvalidCredentials");
    }
    let (status, body) = attacker.login("eve@example.com", PASSWORD).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits: {body}"
    );
    let message = body["TooManyRequests"]["message"].as_str().unwrap();
    assert!(
        message.contains("this account") && message.contains("minute"),
        "{message}"
    );
    // Another account from the same address is still fine (the per-address limit is higher).
    let other = app.client();
    other.register("Fay", "fay@example.com").await;
    other.call("logout", &[]).await;
    assert_eq!(
        other.login("fay@example.com", PASSWORD).await.0,
        StatusCode::OK
    );
}
both_backends!(throttling, sign_in_is_throttled_per_account);

async fn profile_and_password(app: TestApp) {
    let browser = app.client();
    browser.register("Gus", "gus@example.com").await;
    let (status, body) = browser
        .call(
            "update_profile",
            &[
                ("name", "Gus Grant"),
                ("email", "gus@example.com"),
                ("phone", "call me"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["Validation"][0]["field"], "phone");
    let (status, _) = browser
        .call(
            "update_profile",
            &[
                ("name", "Gus Grant"),
                ("email", "gus@example.com"),
                ("phone", "+254 712 345 678"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let me = browser.call("whoami", &[]).await.1;
    assert_eq!(me["name"], "Gus Grant");
    assert_eq!(me["phone"], "+254 712 345 678");

    let (status, body) = browser
        .call(
            "change_password",
            &[
                ("current_password", "wrong"),
                ("new_password", "amber-glacier-lantern-77"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["Validation"][0]["field"], "current_password");
    let (status, _) = browser
        .call(
            "change_password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "amber-glacier-lantern-77"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    browser.call("logout", &[]).await;
    assert_eq!(
        browser.login("gus@example.com", PASSWORD).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        browser
            .login("gus@example.com", "amber-glacier-lantern-77")
            .await
            .0,
        StatusCode::OK
    );
}
both_backends!(profile, profile_and_password);

async fn sign_in_is_throttled_per_address(app: TestApp) {
    // Twenty failures across different accounts from one address close it for everyone.
    let attacker = app.client();
    for i in 0..20 {
        let (status, _) = attacker
            .login(&format!("guess{i}@example.com"), "not-the-password")
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, body) = attacker
        .login("guess99@example.com", "not-the-password")
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let message = body["TooManyRequests"]["message"].as_str().unwrap();
    assert!(message.contains("your network address"), "{message}");
}
both_backends!(address_throttling, sign_in_is_throttled_per_address);
