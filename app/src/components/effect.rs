//! [`effect`]: `Effect::new` compiled once for the whole app.
//!
//! `Effect::new` is generic over its function, so each use compiled its own copy of the code
//! that creates and runs the effect: about 800 bytes of wasm before wasm-opt per effect, in the
//! chunks of every page that had one. [`effect`] hands it one boxed function type instead, so
//! that code exists once and an effect costs its closure (docs/benchmarks.md, "What runs only
//! on a click"). Effects run in the browser only, after hydrating, as with `Effect::new`.

use leptos::prelude::*;

/// Runs `f` once the view has hydrated, and again whenever a signal it read changes.
pub fn effect(f: impl FnMut() + 'static) {
    run(Box::new(f));
}

fn run(mut f: Box<dyn FnMut()>) {
    Effect::new(move |_| f());
}
