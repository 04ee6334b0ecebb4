//! The site's wasm, scripts and styles compressed once with Zopfli and served as gzip to the
//! browsers that take it.
//!
//! What a page downloads is mostly wasm (docs/benchmarks.md, "Wasm bundle size"). Compressed on
//! the fly for each response, it goes out at the compression layer's default level. Zopfli
//! writes the same gzip format 4–5 % smaller than `gzip -9`, at a cost far too high for one
//! request (a second or two of CPU for a page's chunks) and negligible once per file. So after
//! start, one thread of its own compresses, one body at a time, the shell every page loads
//! (`{name}.wasm`, `.js`, `.css`, the split loader) and, from the split manifest, the bundle of
//! chunks each lazy route and function asks for first (`bundles.rs`). Until a body is ready, and
//! for anything else, the compression layer does as before.
//!
//! Bodies are found by what they contain (a SHA-256 of the uncompressed bytes), never by name: a
//! bundle rebuilt while the server runs is simply not found, and is compressed on the fly, so a
//! stale body is never served. A shell file is matched by the size and modification time it had
//! when it was compressed (one `stat` per request rather than reading and hashing it): a rebuilt
//! file has another, and goes through the compression layer.

use axum::{
    body::Body,
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::num::NonZeroU64;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

/// The first 16 bytes of a body's SHA-256: its key here and its ETag.
pub type BodyKey = [u8; 16];

pub fn body_key(body: &[u8]) -> BodyKey {
    let mut key = [0; 16];
    key.copy_from_slice(&Sha256::digest(body)[..16]);
    key
}

/// The ETag of a body (`"<hex>"`) and of its gzip (`"<hex>-gz"`): two representations, two tags.
pub fn etags(key: &BodyKey) -> (String, String) {
    let hex = hex::encode(key);
    (format!("\"{hex}\""), format!("\"{hex}-gz\""))
}

/// Zopfli's iterations per block. Measured on the shell's wasm (docs/benchmarks.md): one
/// iteration already takes 3.7 % off `gzip -9`, fifteen only 0.1 % more at twice the time.
const ITERATIONS: u64 = 5;

/// `body` as gzip, as small as Zopfli makes it.
pub fn gzip(body: &[u8]) -> std::io::Result<Vec<u8>> {
    let options = zopfli::Options {
        iteration_count: NonZeroU64::new(ITERATIONS).unwrap_or(NonZeroU64::MIN),
        ..zopfli::Options::default()
    };
    let mut out = Vec::with_capacity(body.len() / 3);
    zopfli::compress(options, zopfli::Format::Gzip, body, &mut out)?;
    Ok(out)
}

/// A shell file as it was when compressed: its size and modification time, and its body's key.
#[derive(Debug, Clone, Copy, PartialEq)]
struct FileStamp {
    len: u64,
    modified: SystemTime,
}

impl FileStamp {
    fn of(meta: &std::fs::Metadata) -> Option<Self> {
        Some(Self {
            len: meta.len(),
            modified: meta.modified().ok()?,
        })
    }
}

/// Compressed bodies by [`BodyKey`], and the shell files compressed by name, shared by the
/// handlers and the thread that fills them.
#[derive(Clone, Default, Debug)]
pub struct Precompressed {
    bodies: Arc<RwLock<HashMap<BodyKey, Arc<[u8]>>>>,
    files: Arc<RwLock<HashMap<PathBuf, (FileStamp, BodyKey)>>>,
}

impl Precompressed {
    pub fn get(&self, key: &BodyKey) -> Option<Arc<[u8]>> {
        self.bodies.read().ok()?.get(key).cloned()
    }

    fn insert(&self, key: BodyKey, gz: Vec<u8>) {
        if let Ok(mut bodies) = self.bodies.write() {
            bodies.insert(key, gz.into());
        }
    }

    /// The key of the shell file at `path`, if it is still as it was when compressed.
    fn file_key(&self, path: &Path, meta: &std::fs::Metadata) -> Option<BodyKey> {
        let (stamp, key) = *self.files.read().ok()?.get(path)?;
        (FileStamp::of(meta)? == stamp).then_some(key)
    }

    /// Compresses the bodies a first page load asks for (the module's documentation), one at a
    /// time, in a thread of its own (one core at most, about a minute for this site); returns
    /// at once.
    pub fn compress_site_in_background(&self, pkg_dir: PathBuf, output_name: String) {
        let bodies = self.clone();
        let spawned = std::thread::Builder::new()
            .name("precompress".into())
            .spawn(move || {
                let started = std::time::Instant::now();
                let (done, failed) = bodies.compress_site(&pkg_dir, &output_name);
                tracing::info!(
                    bodies = done,
                    failed,
                    seconds = started.elapsed().as_secs(),
                    "site files precompressed"
                );
            });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "could not start precompressing the site; serving it compressed on the fly");
        }
    }

    /// Compresses the site's shell files and each manifest entry's bundle; returns how many
    /// bodies were compressed and how many could not be read. Files a build does not have (a
    /// debug build has no split loader, manifest or bundles) are not looked for.
    pub fn compress_site(&self, pkg_dir: &Path, output_name: &str) -> (usize, usize) {
        let mut done = 0;
        let mut failed = 0;
        for body in site_bodies(pkg_dir, output_name) {
            match body {
                Ok((file, body)) => {
                    let key = body_key(&body);
                    if let (Some((path, stamp)), Ok(mut files)) = (file, self.files.write()) {
                        files.insert(path, (stamp, key));
                    }
                    if self.get(&key).is_some() {
                        continue;
                    }
                    match gzip(&body) {
                        Ok(gz) => {
                            self.insert(key, gz);
                            done += 1;
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "precompressing a site file failed");
                            failed += 1;
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "reading a site file to precompress failed");
                    failed += 1;
                }
            }
        }
        (done, failed)
    }
}

/// A body to compress, with the shell file it was read from (and that file's stamp, taken
/// before reading, so a file rewritten meanwhile does not match) when it is one.
type SiteBody = (Option<(PathBuf, FileStamp)>, Vec<u8>);

/// The shell files, then every bundle the split manifest names (lazily read, one at a time).
fn site_bodies(
    pkg_dir: &Path,
    output_name: &str,
) -> impl Iterator<Item = std::io::Result<SiteBody>> {
    let mut shell: Vec<PathBuf> = ["wasm", "js", "css"]
        .iter()
        .map(|ext| pkg_dir.join(format!("{output_name}.{ext}")))
        .filter(|path| path.is_file())
        .collect();
    if let Ok(entries) = std::fs::read_dir(pkg_dir) {
        shell.extend(entries.flatten().map(|e| e.path()).filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("__wasm_split") && n.ends_with(".js"))
        }));
    }
    let bundles = manifest_bundles(pkg_dir);
    let pkg_dir = pkg_dir.to_path_buf();
    shell
        .into_iter()
        .map(|path| {
            let stamp = FileStamp::of(&std::fs::metadata(&path)?);
            let body = std::fs::read(&path)?;
            Ok((stamp.map(|stamp| (path, stamp)), body))
        })
        .chain(bundles.into_iter().filter_map(move |list| {
            let modules = super::bundles::parse_list(&format!("{list}.wasm"))?;
            super::bundles::read_bundle(&pkg_dir, &modules)
                .transpose()
                .map(|body| body.map(|body| (None, body)))
        }))
}

/// The bundle lists (`c12.c407.split_…`) the split manifest names, lazy routes first (a page's
/// first download), then the lazy functions fetched after hydration or on a click.
fn manifest_bundles(pkg_dir: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(pkg_dir.join("__wasm_split_manifest.json")) else {
        return Vec::new();
    };
    let Ok(manifest) = serde_json::from_str::<HashMap<String, Vec<String>>>(&text) else {
        tracing::warn!(
            "the split manifest is not a map of lists; its bundles are compressed on the fly"
        );
        return Vec::new();
    };
    let mut entries: Vec<(bool, String)> = manifest
        .into_iter()
        .flat_map(|(name, files)| {
            let route = name.contains("_route_view_");
            files
                .into_iter()
                .filter_map(|f| f.strip_prefix("bundle/").map(str::to_owned))
                .map(move |list| (!route, list))
        })
        .collect();
    entries.sort();
    entries.dedup();
    entries.into_iter().map(|(_, list)| list).collect()
}

/// Whether the request takes gzip (`Accept-Encoding: gzip`, not with `q=0`).
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

/// Whether `If-None-Match` names `etag`.
pub fn matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        })
}

/// A precompressed body as a response (or 304 when the browser has it), with the headers the
/// compression layer would have set, so it leaves the body alone.
pub fn gzip_response(
    request: &HeaderMap,
    gz: Arc<[u8]>,
    content_type: &'static str,
    etag: &str,
) -> Response {
    let mut response = if matches(request, etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        Body::from(axum::body::Bytes::from_owner(gz)).into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(value) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, value);
    }
    response
}

/// The content type of a shell file, by its extension; `None` for files not precompressed.
fn shell_type(name: &str) -> Option<&'static str> {
    let (_, ext) = name.rsplit_once('.')?;
    match ext {
        "wasm" => Some("application/wasm"),
        "js" => Some("text/javascript"),
        "css" => Some("text/css"),
        _ => None,
    }
}

/// The site's files under `/{pkg}/` answered from [`Precompressed`] when their body is there and
/// the browser takes gzip; anything else goes on to the next handler.
pub async fn serve_site_file(
    State(state): State<crate::state::AppState>,
    request: Request,
    next: Next,
) -> Response {
    let options = &state.leptos_options;
    let prefix = format!("/{}/", options.site_pkg_dir);
    let name = request
        .uri()
        .path()
        .strip_prefix(&prefix)
        .filter(|name| !name.is_empty() && !name.contains('/') && !name.contains(".."))
        .map(str::to_owned);
    let (Some(name), true) = (
        name,
        request.method() == Method::GET && accepts_gzip(request.headers()),
    ) else {
        return next.run(request).await;
    };
    let Some(content_type) = shell_type(&name) else {
        return next.run(request).await;
    };
    let path = PathBuf::from(options.site_root.as_ref())
        .join(options.site_pkg_dir.as_ref())
        .join(&name);
    let Ok(meta) = tokio::fs::metadata(&path).await else {
        return next.run(request).await;
    };
    let precompressed = &state.precompressed;
    match precompressed
        .file_key(&path, &meta)
        .and_then(|key| Some((precompressed.get(&key)?, key)))
    {
        Some((gz, key)) => gzip_response(request.headers(), gz, content_type, &etags(&key).1),
        None => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn headers(accept: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(accept).unwrap(),
        );
        h
    }

    #[test]
    fn gzip_is_read_back_by_a_gzip_reader() {
        let body: Vec<u8> = (0..50_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        let gz = gzip(&body).unwrap();
        assert!(gz.len() < body.len() / 2);
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, body);
    }

    #[test]
    fn accept_encoding_is_read_as_browsers_send_it() {
        assert!(accepts_gzip(&headers("gzip, deflate, br, zstd")));
        assert!(accepts_gzip(&headers("br;q=1.0, GZIP;q=0.5")));
        assert!(accepts_gzip(&headers("*")));
        assert!(!accepts_gzip(&headers("br, deflate")));
        assert!(!accepts_gzip(&headers("gzip;q=0, br")));
        assert!(!accepts_gzip(&headers("gzipx")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn the_site_is_compressed_by_content_and_a_changed_file_is_not_found() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("site.wasm"), b"\0asm wasm wasm wasm").unwrap();
        std::fs::write(dir.path().join("site.js"), b"export const a = 1;").unwrap();
        std::fs::write(dir.path().join("__wasm_split.abc.js"), b"loader();").unwrap();
        std::fs::write(dir.path().join("chunk_1.wasm"), b"\0asm one").unwrap();
        std::fs::write(dir.path().join("split_x_route_view_1.wasm"), b"\0asm two").unwrap();
        std::fs::write(
            dir.path().join("__wasm_split_manifest.json"),
            r#"{"__x_route_view_1": ["bundle/c1.split_x_route_view_1"], "missing_2": ["bundle/c9"]}"#,
        )
        .unwrap();
        let bodies = Precompressed::default();
        // Four bodies (no .css in this site); the bundle naming a missing chunk is skipped.
        assert_eq!(bodies.compress_site(dir.path(), "site"), (4, 0));
        let modules = super::super::bundles::parse_list("c1.split_x_route_view_1.wasm").unwrap();
        let bundle = super::super::bundles::read_bundle(dir.path(), &modules)
            .unwrap()
            .unwrap();
        for body in [&bundle[..], b"\0asm wasm wasm wasm", b"loader();"] {
            let gz = bodies.get(&body_key(body)).expect("compressed");
            let mut back = Vec::new();
            flate2::read::GzDecoder::new(&gz[..])
                .read_to_end(&mut back)
                .unwrap();
            assert_eq!(back, body);
        }
        assert!(bodies.get(&body_key(b"\0asm wasm wasm wasm!")).is_none());
        // Running again compresses nothing new.
        assert_eq!(bodies.compress_site(dir.path(), "site"), (0, 0));
    }
}
