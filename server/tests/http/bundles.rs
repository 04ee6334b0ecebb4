//! Wasm chunk bundles (`GET /pkg/bundle/{list}`): the listed chunks of the site's package
//! directory, each framed with its name and length, smallest first, revalidated by ETag;
//! nothing else is served.

use crate::common::TestApp;
use reqwest::StatusCode;

/// The body the split loader reads: for each module, its name's length (one byte), the name,
/// the module's length (u32, little-endian) and its bytes.
fn framed(modules: &[(&str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, module) in modules {
        body.push(u8::try_from(name.len()).unwrap());
        body.extend_from_slice(name.as_bytes());
        body.extend_from_slice(&u32::try_from(module.len()).unwrap().to_le_bytes());
        body.extend_from_slice(module);
    }
    body
}

async fn bundles_serve_listed_chunks_only(app: TestApp) {
    let pkg = app.site_dir.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    let three: &[u8] = b"\0asm chunk three";
    let twelve: &[u8] = b"\0asm chunk twelve, a little longer";
    let route: &[u8] = b"\0asm the route's own module";
    std::fs::write(pkg.join("chunk_3.wasm"), three).unwrap();
    std::fs::write(pkg.join("chunk_12.wasm"), twelve).unwrap();
    std::fs::write(pkg.join("split___x_route_view_1.wasm"), route).unwrap();
    std::fs::write(pkg.join("leadloom.wasm"), b"\0asm main").unwrap();
    let browser = app.client();
    let url = "/pkg/bundle/c12.c3.split___x_route_view_1.wasm";

    let response = browser.get(url).await;
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "application/octet-stream");
    assert_eq!(headers["cache-control"], "no-cache");
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let body = response.bytes().await.unwrap();
    // Smallest first, whatever the list's order.
    let route_name = "split___x_route_view_1";
    assert_eq!(
        body.as_ref(),
        framed(&[("c3", three), (route_name, route), ("c12", twelve)]).as_slice()
    );

    // The browser revalidates: unchanged chunks are not sent again.
    let revalidate = || {
        browser
            .http
            .get(format!("{}{url}", browser.base))
            .header("If-None-Match", &etag)
            .send()
    };
    let again = revalidate().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(again.bytes().await.unwrap().is_empty());

    // A rebuild keeps the chunks' names: the same list then answers with the new bytes.
    let rebuilt: &[u8] = b"\0asm chunk three, rebuilt and now the longest";
    std::fs::write(pkg.join("chunk_3.wasm"), rebuilt).unwrap();
    let response = revalidate().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_ne!(response.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(
        response.bytes().await.unwrap().as_ref(),
        framed(&[(route_name, route), ("c12", twelve), ("c3", rebuilt)]).as_slice()
    );

    // A missing chunk, a name of another shape (the main module, a path), a repeated chunk.
    for refused in [
        "/pkg/bundle/c3.c99.wasm",
        "/pkg/bundle/leadloom.wasm",
        "/pkg/bundle/split_..%2Fpkg%2Fchunk_3.wasm",
        "/pkg/bundle/c3.c3.wasm",
        "/pkg/bundle/c3",
    ] {
        let response = browser.get(refused).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{refused}");
    }
}

both_backends!(wasm_bundles, bundles_serve_listed_chunks_only);
