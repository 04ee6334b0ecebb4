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

fn gunzip(gz: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut body = Vec::new();
    flate2::read::GzDecoder::new(gz)
        .read_to_end(&mut body)
        .unwrap();
    body
}

/// The shell files and bundles compressed once with Zopfli go to browsers that take gzip, with
/// an ETag of their own; a file rebuilt since is compressed on the fly instead, never stale.
async fn precompressed_site_files_are_served_as_gzip(app: TestApp) {
    let pkg = app.site_dir.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    let main: Vec<u8> = b"\0asm"
        .iter()
        .copied()
        .chain((0..20_000u32).flat_map(|i| (i % 97).to_le_bytes()))
        .collect();
    std::fs::write(pkg.join("leadloom.wasm"), &main).unwrap();
    std::fs::write(
        pkg.join("leadloom.js"),
        "export function hydrate() {}\n".repeat(50),
    )
    .unwrap();
    std::fs::write(pkg.join("chunk_3.wasm"), b"\0asm chunk three").unwrap();
    std::fs::write(pkg.join("split___x_route_view_1.wasm"), b"\0asm route").unwrap();
    std::fs::write(
        pkg.join("__wasm_split_manifest.json"),
        r#"{"__x_route_view_1": ["bundle/c3.split___x_route_view_1"]}"#,
    )
    .unwrap();
    let ready = app.precompressed.compress_site(&pkg, "leadloom");
    assert_eq!(ready, (3, 0), "the wasm, the script and the route's bundle");

    let browser = app.client();
    let get = |path: &'static str, accept: &'static str| {
        browser
            .http
            .get(format!("{}{path}", browser.base))
            .header("Accept-Encoding", accept)
            .send()
    };
    for (path, content_type, plain) in [
        ("/pkg/leadloom.wasm", "application/wasm", main.clone()),
        (
            "/pkg/leadloom.js",
            "text/javascript",
            "export function hydrate() {}\n".repeat(50).into_bytes(),
        ),
        (
            "/pkg/bundle/c3.split___x_route_view_1.wasm",
            "application/octet-stream",
            framed(&[
                ("split___x_route_view_1", b"\0asm route"),
                ("c3", b"\0asm chunk three"),
            ]),
        ),
    ] {
        let response = get(path, "gzip, deflate, br").await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let headers = response.headers().clone();
        assert_eq!(headers["content-encoding"], "gzip", "{path}");
        assert_eq!(headers["content-type"], content_type, "{path}");
        let etag = headers["etag"].to_str().unwrap().to_owned();
        assert!(etag.ends_with("-gz\""), "{path}: {etag}");
        assert_eq!(gunzip(&response.bytes().await.unwrap()), plain, "{path}");

        // Revalidated by its own tag.
        let again = browser
            .http
            .get(format!("{}{path}", browser.base))
            .header("Accept-Encoding", "gzip")
            .header("If-None-Match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");

        // A browser that does not take gzip gets the plain bytes.
        let plain_response = get(path, "identity").await.unwrap();
        assert!(
            plain_response.headers().get("content-encoding").is_none(),
            "{path}"
        );
        assert_eq!(
            plain_response.bytes().await.unwrap().as_ref(),
            plain.as_slice(),
            "{path}"
        );
    }

    // Rebuilt since: not the precompressed body (its tag is the new content's), still gzip.
    let rebuilt: Vec<u8> = main.iter().rev().copied().collect();
    std::fs::write(pkg.join("leadloom.wasm"), &rebuilt).unwrap();
    let response = get("/pkg/leadloom.wasm", "gzip").await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let etag = response
        .headers()
        .get("etag")
        .map(|t| t.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert!(!etag.ends_with("-gz\""), "{etag}");
    let body = response.bytes().await.unwrap();
    assert_eq!(gunzip(&body), rebuilt);
}

both_backends!(
    precompressed_site_files,
    precompressed_site_files_are_served_as_gzip
);
