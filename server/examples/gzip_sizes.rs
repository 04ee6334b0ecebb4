//! Sizes of files as the server sends them to a browser that takes gzip: compressed with the
//! server's own Zopfli settings (`server/src/http/precompressed.rs`). `.ci/wasm-size.mjs` hands
//! it each page's shell files and chunk bundle and prints the served sizes beside `gzip -9`.
//!
//! `cargo run -p server --example gzip_sizes -- FILE…` prints `FILE<TAB>raw bytes<TAB>gzip bytes`.

use server::http::precompressed::gzip;

fn main() -> anyhow::Result<()> {
    for path in std::env::args().skip(1) {
        let body = std::fs::read(&path)?;
        let gz = gzip(&body)?;
        println!("{path}\t{}\t{}", body.len(), gz.len());
    }
    Ok(())
}
