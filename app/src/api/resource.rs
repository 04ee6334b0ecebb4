//! The pages' resources: one Leptos resource type for the whole app, whatever a page loads.
//!
//! A Leptos resource is generic over its value, its source and its fetcher, so each page's
//! resource compiled its own copy of the async machinery behind it (the derived value, its
//! memo, its future, its hydration): about 10 KB of wasm per page before wasm-opt. Here every
//! page's resource is the same `Resource<Loaded, Erased>`: its source is a version number that
//! moves when the page's source does, its fetcher a boxed future, its value either the JSON the
//! server wrote into the page or the value fetched in this process. A page reads it as its own
//! type through [`PageData`], which decodes the JSON then, so what stays per page is its fetch
//! and its decoder (docs/benchmarks.md, "One resource type for the app").
//!
//! Values are decoded from bytes, as server functions' replies are: serde_json's decoder is
//! generic over its input, and one input type keeps one copy of each type's decoder.

use super::{ApiError, AppError};
use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::any::Any;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

/// What every page's resource holds.
#[derive(Clone)]
pub struct Loaded(Held);

#[derive(Clone)]
enum Held {
    /// The JSON the server wrote into the page, decoded when the page reads it.
    Json(Arc<str>),
    /// A value fetched in this process (on the server, or in the browser after a change).
    Fetched(Arc<dyn FetchedValue>),
}

/// A fetched value of any page's type: read back as that type, and on the server written into
/// the page as JSON. The browser never writes one, so its build has no encoder for them.
trait FetchedValue: Send + Sync {
    fn as_any(&self) -> &dyn Any;
    #[cfg(feature = "ssr")]
    fn to_json(&self) -> Result<String, serde_json::Error>;
}

impl<T: Serialize + Send + Sync + 'static> FetchedValue for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
    #[cfg(feature = "ssr")]
    fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }
}

/// The codec of [`Loaded`]: JSON in the page, kept as text until a page reads it.
#[derive(Debug, Clone, Copy)]
pub struct Erased;

impl Encoder<Loaded> for Erased {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &Loaded) -> Result<String, serde_json::Error> {
        match &value.0 {
            Held::Json(json) => Ok(json.to_string()),
            #[cfg(feature = "ssr")]
            Held::Fetched(value) => value.to_json(),
            // Only the server writes resources into a page.
            #[cfg(not(feature = "ssr"))]
            Held::Fetched(_) => Err(<serde_json::Error as serde::ser::Error>::custom(
                "only the server writes a page's data",
            )),
        }
    }
}

impl Decoder<Loaded> for Erased {
    type Error = std::convert::Infallible;
    type Encoded = str;

    fn decode(encoded: &str) -> Result<Loaded, Self::Error> {
        Ok(Loaded(Held::Json(Arc::from(encoded))))
    }
}

/// A page's data as the page gets it when what it holds cannot be read as the page's type
/// (the server and the browser built from different code): the page shows the error.
pub trait PageValue: Sized {
    fn unreadable() -> Self;
}

impl<T> PageValue for Result<T, ApiError> {
    fn unreadable() -> Self {
        Err(ApiError(AppError::Internal))
    }
}

impl<A: PageValue, B: PageValue, C: Default> PageValue for (A, B, C) {
    fn unreadable() -> Self {
        (A::unreadable(), B::unreadable(), C::default())
    }
}

type Fetch = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Loaded> + Send>> + Send + Sync>;

/// A page's resource, read as `T` by awaiting it.
pub struct PageData<T> {
    inner: Resource<Loaded, Erased>,
    value: PhantomData<fn() -> T>,
}

impl<T> Clone for PageData<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for PageData<T> {}

impl<T> PageData<T> {
    /// Loads the data again from the same source.
    pub fn refetch(&self) {
        self.inner.refetch();
    }
}

impl<T: DeserializeOwned + PageValue + Clone + 'static> PageData<T> {
    /// The data, once loaded (read reactively, as `Resource::get` is).
    pub fn get(&self) -> Option<T> {
        self.inner.get().map(|loaded| read(&loaded))
    }
}

impl<T> IntoFuture for PageData<T>
where
    T: DeserializeOwned + PageValue + Clone + Send + Sync + 'static,
{
    type Output = T;
    type IntoFuture = Pin<Box<dyn Future<Output = T> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        let inner = self.inner;
        Box::pin(async move { read(&inner.await) })
    }
}

fn read<T: DeserializeOwned + PageValue + Clone + 'static>(loaded: &Loaded) -> T {
    match &loaded.0 {
        Held::Json(json) => serde_json::from_slice(json.as_bytes()).unwrap_or_else(|e| {
            leptos::logging::error!("the page's data could not be read: {e}");
            T::unreadable()
        }),
        Held::Fetched(value) => value
            .as_any()
            .downcast_ref::<T>()
            .cloned()
            .unwrap_or_else(T::unreadable),
    }
}

/// A resource that loads `fetcher(source())`, again whenever `source` changes.
#[track_caller]
pub fn resource<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> PageData<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: PartialEq + Clone + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    let source = Memo::new(move |_| source());
    // Counts the source's changes: the one resource type's source. It reads the source (not
    // only subscribes to it), so the source is computed with it: a source computed for the first
    // time later would count as a change, and refetch what the page has just hydrated.
    let version = Memo::new(move |previous: Option<&u64>| {
        source.with(|_| ());
        previous.map_or(0, |v| v + 1)
    });
    let fetch: Fetch = Arc::new(move || {
        // Gone with its page: nothing will read what it would load.
        let Some(source) = source.try_get_untracked() else {
            return Box::pin(std::future::pending());
        };
        let fut = fetcher(source);
        Box::pin(async move { Loaded(Held::Fetched(Arc::new(fut.await))) })
    });
    PageData {
        inner: erased(version, fetch),
        value: PhantomData,
    }
}

/// The one resource, compiled once (see the module's documentation).
fn erased(version: Memo<u64>, fetch: Fetch) -> Resource<Loaded, Erased> {
    Resource::new_with_options(
        move || version.try_get().unwrap_or(u64::MAX),
        move |_| fetch(),
        false,
    )
}
