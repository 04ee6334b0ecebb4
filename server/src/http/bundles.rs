//! Wasm chunk bundles: the chunks of the split release wasm that one page load asks for, sent as
//! one response, so a page that needs 300 chunks makes one request and is compressed as one body.
//!
//! `cargo leptos build --split` cuts the wasm into hundreds of small modules (one per set of
//! lazy routes that share the code). Fetched one by one, each is gzipped on its own, which costs
//! a page 10–24 % of its chunks' compressed size, and each is a request. The release build
//! rewrites the split loader (`.ci/bundle-chunks.mjs`) to ask this route for every chunk one load
//! needs at once: `GET /pkg/bundle/c12.c407.split___leads_route_view_1006.wasm` lists them,
//! `c12` standing for `chunk_12`. The body is, for each listed module, its name as listed (one
//! byte of length, then the name), its length (four bytes, little-endian) and its bytes. The
//! modules go smallest first: small chunks compress better next to each other than scattered
//! between large ones (1–3 KiB less per page than in the list's order). The route only reads
//! `.wasm` files of the site's package directory, by names of the two shapes the splitter writes.

use super::precompressed;
use crate::state::AppState;
use axum::{
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use std::collections::HashSet;
use std::path::{Path as FsPath, PathBuf};

/// More modules than the largest page loads (about 400); a longer list is not a page's.
const MAX_MODULES: usize = 2_000;

/// One module a bundle's path names: its name in the path (`c12`) and its file's stem
/// (`chunk_12`).
#[derive(Debug, PartialEq, Eq)]
pub struct Listed {
    pub token: String,
    pub stem: String,
}

/// The modules a bundle's path names, or `None` when it is not a list of chunk names.
pub fn parse_list(list: &str) -> Option<Vec<Listed>> {
    let list = list.strip_suffix(".wasm")?;
    let mut seen = HashSet::new();
    let mut modules = Vec::new();
    for token in list.split('.') {
        let stem = if let Some(number) = token.strip_prefix('c') {
            let valid = !number.is_empty()
                && number.len() <= 6
                && number.bytes().all(|b| b.is_ascii_digit());
            valid.then(|| format!("chunk_{number}"))?
        } else {
            let valid = token.starts_with("split_")
                && token.len() <= 200
                && token
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_');
            valid.then(|| token.to_string())?
        };
        if !seen.insert(token) || seen.len() > MAX_MODULES {
            return None;
        }
        modules.push(Listed {
            token: token.to_string(),
            stem,
        });
    }
    Some(modules)
}

/// The framed modules, smallest first, or `None` when one of them is not in `dir`.
pub fn read_bundle(dir: &FsPath, modules: &[Listed]) -> std::io::Result<Option<Vec<u8>>> {
    let mut read = Vec::with_capacity(modules.len());
    for module in modules {
        match std::fs::read(dir.join(format!("{}.wasm", module.stem))) {
            Ok(bytes) => read.push((module.token.as_str(), bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        }
    }
    read.sort_by(|(a, x), (b, y)| x.len().cmp(&y.len()).then(a.cmp(b)));
    let mut body = Vec::with_capacity(read.iter().map(|(t, b)| 5 + t.len() + b.len()).sum());
    for (token, bytes) in read {
        // Tokens are at most 200 bytes (`parse_list`); a chunk over 4 GiB is not a chunk.
        let (Ok(token_length), Ok(length)) =
            (u8::try_from(token.len()), u32::try_from(bytes.len()))
        else {
            return Ok(None);
        };
        body.push(token_length);
        body.extend_from_slice(token.as_bytes());
        body.extend_from_slice(&length.to_le_bytes());
        body.extend_from_slice(&bytes);
    }
    Ok(Some(body))
}

/// `GET /pkg/bundle/{list}`: the listed chunks in one body, revalidated by its ETag (the chunk
/// files keep their names from one build to the next, so the browser must ask again); as
/// Zopfli's gzip once it is ready (`precompressed.rs`).
pub async fn serve(
    State(state): State<AppState>,
    Path(list): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(modules) = parse_list(&list) else {
        return (StatusCode::NOT_FOUND, "Not a list of wasm chunks.").into_response();
    };
    let options = &state.leptos_options;
    let dir = PathBuf::from(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    // Reading the chunks and hashing the body (its ETag and precompressed key) block: off the
    // runtime's threads.
    let read = move || {
        read_bundle(&dir, &modules)
            .map(|body| body.map(|body| (precompressed::body_key(&body), body)))
    };
    let (key, body) = match tokio::task::spawn_blocking(read).await {
        Ok(Ok(Some(read))) => read,
        Ok(Ok(None)) => {
            return (StatusCode::NOT_FOUND, "No such wasm chunk.").into_response();
        }
        Ok(Err(e)) => {
            tracing::error!(error = %e, "reading wasm chunks failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
        Err(e) => {
            tracing::error!(error = %e, "reading wasm chunks stopped");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let (etag, gzip_etag) = precompressed::etags(&key);
    if precompressed::accepts_gzip(&headers)
        && let Some(gz) = state.precompressed.get(&key)
    {
        return precompressed::gzip_response(&headers, gz, "application/octet-stream", &gzip_etag);
    }
    let mut response = if precompressed::matches(&headers, &etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        body.into_response()
    };
    let out = response.headers_mut();
    out.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        out.insert(header::ETAG, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::parse_list;

    #[test]
    fn lists_name_chunks_and_splits() {
        let stems: Vec<_> = parse_list("c12.c7.split___leads_route_view_1006.wasm")
            .unwrap()
            .into_iter()
            .map(|m| (m.token, m.stem))
            .collect();
        assert_eq!(
            stems,
            [
                ("c12", "chunk_12"),
                ("c7", "chunk_7"),
                (
                    "split___leads_route_view_1006",
                    "split___leads_route_view_1006"
                ),
            ]
            .map(|(t, s)| (t.to_string(), s.to_string()))
        );
    }

    #[test]
    fn anything_else_is_refused() {
        for list in [
            "c12",
            ".wasm",
            "c.wasm",
            "c12x.wasm",
            "c1234567.wasm",
            "c1.c1.wasm",
            "leadloom.wasm",
            "split_../x.wasm",
            "split_a-b.wasm",
            "c1..c2.wasm",
        ] {
            assert_eq!(parse_list(list), None, "{list}");
        }
    }
}
