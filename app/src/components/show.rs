//! [`show`] and [`show_or`]: Leptos's `<Show>` without a copy of the rendering code per use.
//!
//! `<Show>` is generic over its condition and its children's view, so each use compiles its own
//! copy of the code that builds, hydrates and rebuilds it: about 2.3 KB of wasm before wasm-opt,
//! 162 KB over the app's 55 uses, downloaded with every page that had one (docs/benchmarks.md,
//! "What runs only on a click"). These take the condition and the children as shared functions,
//! the children returning an `AnyView`, so that code exists once and a use costs its closures. As with
//! `<Show>`, the condition is memoised: the children are built again only when it flips. A
//! condition that cannot change (a permission) needs neither: use `bool::then`.

use leptos::prelude::*;
use std::sync::Arc;

type Build = Arc<dyn Fn() -> AnyView + Send + Sync>;

/// `children` while `when` is true, nothing otherwise.
pub fn show(
    when: impl Fn() -> bool + Send + Sync + 'static,
    children: impl Fn() -> AnyView + Send + Sync + 'static,
) -> AnyView {
    shown(Arc::new(when), Arc::new(children), None)
}

/// `children` while `when` is true, `fallback` otherwise.
pub fn show_or(
    when: impl Fn() -> bool + Send + Sync + 'static,
    children: impl Fn() -> AnyView + Send + Sync + 'static,
    fallback: impl Fn() -> AnyView + Send + Sync + 'static,
) -> AnyView {
    shown(Arc::new(when), Arc::new(children), Some(Arc::new(fallback)))
}

// The condition is shared too, so even its memo is compiled once.
fn shown(
    when: Arc<dyn Fn() -> bool + Send + Sync>,
    children: Build,
    fallback: Option<Build>,
) -> AnyView {
    let when = Memo::new(move |_| when());
    (move || match (when.get(), &fallback) {
        (true, _) => children(),
        (false, Some(fallback)) => fallback(),
        (false, None) => ().into_any(),
    })
    .into_any()
}
