//! Resources for the pages' data, with the JSON codec server functions use.
//!
//! A resource's value travels from the server to the browser in the page's HTML; a server
//! function's reply travels as a response body. Leptos decodes the first from a `&str` and the
//! second from bytes, and serde_json's decoder is generic over its input, so every type that is
//! both (a page's data is a server function's reply) had its JSON decoding compiled into the
//! wasm twice. Decoding both from bytes keeps one copy (docs/benchmarks.md, "Wasm bundle size").

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// JSON, decoded from bytes (see the module's documentation).
#[derive(Debug, Clone, Copy)]
pub struct Json;

impl<T: Serialize> Encoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(encoded: &str) -> Result<T, serde_json::Error> {
        serde_json::from_slice(encoded.as_bytes())
    }
}

/// `Resource::new` with [`Json`]: loads `fetcher(source())` again whenever `source` changes.
#[track_caller]
pub fn resource<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Resource<T, Json>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: PartialEq + Clone + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}
