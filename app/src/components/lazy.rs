//! Mounting a lazy split the first time it is needed, and keeping it mounted.
//!
//! A split that shows only sometimes (the lead list's bulk bar, a check's progress) is fetched
//! the first time it is wanted. It then stays mounted and shows or hides itself, as the code did
//! before it was a split: unmounting it each time it hides would dispose its signals while
//! effects notified by the same change (an action's outcome) still read them.

use leptos::prelude::*;

/// True from the first time `wanted` is true, for as long as the owner lives.
pub fn wanted_once(wanted: impl Fn() -> bool + Send + Sync + 'static) -> Memo<bool> {
    Memo::new(move |before: Option<&bool>| before.copied().unwrap_or(false) || wanted())
}
