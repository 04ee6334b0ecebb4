//! The hydrate entry point: wakes up the server-rendered page in the browser.

// Leptos views are deeply nested types; laying out their futures (release builds especially)
// needs a higher limit than the default 128.
#![recursion_limit = "512"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Pages are lazy routes (their code arrives in per-page wasm chunks), so hydration is async:
    // it waits for the current page's chunk. `App` marks the body once it is done.
    leptos::mount::hydrate_lazy(app::App);
}
