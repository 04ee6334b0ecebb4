//! Cross-cutting behaviour over real HTTP: health check, request ids, security headers, gzip, the
//! CSRF guard on server functions and form posts, 404 pages, and signed-out redirects.

use crate::common::TestApp;
use reqwest::StatusCode;

async fn plumbing(app: TestApp) {
    let browser = app.client();
    let health = browser.get("/healthz").await;
    assert_eq!(health.status(), StatusCode::OK);
    assert!(
        health.headers().contains_key("x-request-id"),
        "every response has a request id"
    );
    assert_eq!(health.headers()["x-content-type-options"], "nosniff");
    assert_eq!(
        health.json::<serde_json::Value>().await.unwrap()["database"],
        "ok"
    );

    let missing = browser.get("/no/such/page").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(missing.text().await.unwrap().contains("Page not found"));

    // Signed out, a workspace page sends you to sign in and back.
    let page = browser.get("/w/anything/settings").await;
    let status = page.status();
    let headers = format!("{:?}", page.headers());
    assert!(
        status.is_redirection(),
        "{status} {headers} {}",
        page.text().await.unwrap_or_default()
    );
    assert_eq!(
        page.headers()["location"],
        "/login?next=/w/anything/settings"
    );
    assert_eq!(browser.get("/login").await.status(), StatusCode::OK);

    // Browsers that accept gzip get it; clients that do not ask get plain bytes.
    let zipped = browser
        .http
        .get(format!("{}/login", browser.base))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    let plain = browser.get("/login").await;
    assert!(!plain.headers().contains_key("content-encoding"));
}
both_backends!(http_plumbing, plumbing);

async fn cross_site_requests_are_refused(app: TestApp) {
    let victim = app.client();
    victim.register("Vic", "vic@csrf.test").await;
    for headers in [
        vec![("Origin", "https://evil.example")],
        vec![("Sec-Fetch-Site", "cross-site")],
        vec![
            ("Sec-Fetch-Site", "same-site"),
            ("Origin", "https://sub.evil.example"),
        ],
    ] {
        let mut request = victim
            .http
            .post(format!("{}/api/update_profile", app.base))
            .form(&[
                ("name", "Hacked"),
                ("email", "evil@evil.example"),
                ("phone", ""),
            ]);
        for (k, v) in &headers {
            request = request.header(*k, *v);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{headers:?}");
    }
    let me = victim.call("whoami", &[]).await.1;
    assert_eq!(me["name"], "Vic", "nothing changed");
    assert_eq!(me["email"], "vic@csrf.test");
}
both_backends!(csrf, cross_site_requests_are_refused);
