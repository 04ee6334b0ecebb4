//! The CSRF guard for every state-changing request, server functions and form posts alike.
//!
//! Mechanism (the one Go 1.25's `http.CrossOriginProtection` and OWASP's "verifying origin
//! with standard headers" describe): a request whose method is not GET, HEAD or OPTIONS is
//! refused with 403 when the browser says it is cross-site — `Sec-Fetch-Site` other than
//! `same-origin` or `none` — or, for browsers that don't send `Sec-Fetch-Site`, when its
//! `Origin` is neither this host nor the configured public origin. Requests with neither
//! header are not from a browser (browsers send `Origin` on every cross-origin POST), so they
//! carry no ambient cookies to abuse. Session cookies are also `SameSite=Lax`.

use axum::{
    extract::{Request, State},
    http::{HeaderMap, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::AppState;

pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if is_safe(request.method()) || is_same_origin(request.headers(), &state.public_origin) {
        return next.run(request).await;
    }
    tracing::warn!(path = %request.uri().path(), "refused a cross-site request");
    (
        StatusCode::FORBIDDEN,
        "Cross-site request refused. Reload the page and try again.",
    )
        .into_response()
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether the request comes from this site (or not from a browser at all).
pub fn is_same_origin(headers: &HeaderMap, public_origin: &str) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.to_str(), Ok("same-origin" | "none"));
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    if origin.eq_ignore_ascii_case(public_origin) {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin.split_once("://").map(|(_, rest)| rest);
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn fetch_metadata_decides_when_present() {
        let public = "https://app.example.com";
        assert!(is_same_origin(
            &headers(&[("sec-fetch-site", "same-origin")]),
            public
        ));
        assert!(is_same_origin(
            &headers(&[("sec-fetch-site", "none")]),
            public
        ));
        assert!(!is_same_origin(
            &headers(&[("sec-fetch-site", "cross-site")]),
            public
        ));
        assert!(!is_same_origin(
            &headers(&[
                ("sec-fetch-site", "same-site"),
                ("origin", "https://app.example.com")
            ]),
            public
        ));
    }

    #[test]
    fn origin_must_match_host_or_public_origin() {
        let public = "https://app.example.com";
        assert!(is_same_origin(
            &headers(&[
                ("origin", "http://127.0.0.1:3000"),
                ("host", "127.0.0.1:3000")
            ]),
            public
        ));
        assert!(is_same_origin(
            &headers(&[
                ("origin", "https://app.example.com"),
                ("host", "10.0.0.5:3000")
            ]),
            public
        ));
        assert!(!is_same_origin(
            &headers(&[
                ("origin", "https://evil.example"),
                ("host", "127.0.0.1:3000")
            ]),
            public
        ));
        assert!(!is_same_origin(
            &headers(&[("origin", "null"), ("host", "127.0.0.1:3000")]),
            public
        ));
        assert!(is_same_origin(
            &headers(&[("host", "127.0.0.1:3000")]),
            public
        ));
    }
}
