//! The message composer's tools, shared by the template editor and the campaign wizard's
//! Message step: variable chips and an emoji picker, each putting its text where the cursor is.

use crate::components::icons::Icon;
use crate::components::show::show;
use leptos::html::Textarea;
use leptos::prelude::*;

/// The emoji a business message uses most, by group, each with the name a screen reader says.
/// A short curated set rather than the whole Unicode list: it opens at once and stays out of
/// the bundle's way.
const EMOJI: [(&str, &[(&str, &str)]); 3] = [
    (
        "Friendly",
        &[
            ("👋", "waving hand"),
            ("😊", "smiling face"),
            ("🙂", "slightly smiling face"),
            ("😉", "winking face"),
            ("😄", "grinning face with smiling eyes"),
            ("🤝", "handshake"),
            ("🙏", "folded hands"),
            ("👍", "thumbs up"),
            ("👏", "clapping hands"),
            ("💪", "flexed biceps"),
            ("👉", "pointing right"),
            ("🎉", "party popper"),
        ],
    ),
    (
        "Business",
        &[
            ("📞", "telephone"),
            ("📱", "mobile phone"),
            ("💬", "speech balloon"),
            ("📧", "e-mail"),
            ("🌐", "globe"),
            ("💻", "laptop"),
            ("📈", "chart increasing"),
            ("🚀", "rocket"),
            ("💼", "briefcase"),
            ("🏪", "shop"),
            ("📍", "pin"),
            ("📅", "calendar"),
            ("⏰", "alarm clock"),
            ("💰", "money bag"),
            ("🎁", "gift"),
            ("🛒", "shopping cart"),
        ],
    ),
    (
        "Symbols",
        &[
            ("✅", "check mark"),
            ("⭐", "star"),
            ("✨", "sparkles"),
            ("🔥", "fire"),
            ("💯", "hundred points"),
            ("⚡", "high voltage"),
            ("🔔", "bell"),
            ("❤️", "red heart"),
            ("🆕", "new"),
            ("🆓", "free"),
        ],
    ),
];

/// Replaces the textarea's selection in `text` with `token` and hands the new text to `set`,
/// then puts the caret after the token. Without the textarea (not hydrated yet) the token is
/// appended.
pub fn insert_at_cursor(
    textarea: NodeRef<Textarea>,
    text: &str,
    token: &str,
    set: impl FnOnce(String),
) {
    let Some(area) = textarea.get_untracked() else {
        set(format!("{text}{token}"));
        return;
    };
    let (next, caret) = splice_utf16(
        text,
        area.selection_start().ok().flatten(),
        area.selection_end().ok().flatten(),
        token,
    );
    set(next);
    let _ = area.focus();
    let _ = area.set_selection_range(caret, caret);
}

/// `text` with the UTF-16 range `start..end` (the browser counts a selection in UTF-16 code
/// units, so an emoji is two of them) replaced by `token`, and the caret after it. Offsets past
/// the end or inside a character are clamped to a character boundary.
fn splice_utf16(text: &str, start: Option<u32>, end: Option<u32>, token: &str) -> (String, u32) {
    let units: Vec<u16> = text.encode_utf16().collect();
    let boundary = |at: usize| {
        let mut at = at.min(units.len());
        // A low surrogate starts no character: step back to its pair's start.
        while at > 0 && at < units.len() && (0xDC00..0xE000).contains(&units[at]) {
            at -= 1;
        }
        at
    };
    let from = boundary(start.map_or(units.len(), |s| s as usize));
    let to = boundary(end.map_or(from, |e| e as usize)).max(from);
    let mut next = String::from_utf16_lossy(&units[..from]);
    next.push_str(token);
    next.push_str(&String::from_utf16_lossy(&units[to..]));
    let caret = from + token.encode_utf16().count();
    (next, u32::try_from(caret).unwrap_or(u32::MAX))
}

/// The variable chips (`{name}`, …) and the emoji button above a message box; `insert` puts a
/// piece of text at the cursor.
#[component]
pub fn ComposerTools(
    /// Variable keys, without braces.
    chips: Vec<String>,
    /// Makes the emoji panel's id unique on the page.
    id: String,
    insert: Callback<String>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let panel_id = format!("{id}-emoji");
    view! {
        <div class="composer-tools">
            <div class="variable-chips" role="group" aria-label="Insert a variable">
                {chips.into_iter().map(|v| {
                    let token = format!("{{{v}}}");
                    let shown = token.clone();
                    view! { <button type="button" class="chip" on:click=move |_| insert.run(token.clone())>{shown}</button> }
                }).collect_view()}
            </div>
            <div class="emoji-picker"
                on:keydown=move |ev| if ev.key() == "Escape" { open.set(false); }>
                <button type="button" class="btn btn-small emoji-toggle" aria-controls=panel_id.clone()
                    aria-expanded=move || open.get().to_string() on:click=move |_| open.update(|o| *o = !*o)>
                    <Icon name="emoji" />"Emoji"
                </button>
                {show(move || open.get(), move || view! {
                    <div class="emoji-panel" id=panel_id.clone() role="group" aria-label="Insert an emoji">
                        {EMOJI.iter().map(|(group, items)| view! {
                            <p class="emoji-group">{*group}</p>
                            <div class="emoji-grid">
                                {items.iter().map(|(glyph, name)| view! {
                                    <button type="button" class="emoji" title=*name aria-label=*name
                                        on:click=move |_| insert.run((*glyph).to_owned())>{*glyph}</button>
                                }).collect_view()}
                            </div>
                        }).collect_view()}
                    </div>
                }.into_any())}
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::splice_utf16;

    #[test]
    fn inserts_at_the_selection_counted_in_utf16_units() {
        // "👋" is two UTF-16 units: a caret after "Hi 👋" is at 5, not 4.
        assert_eq!(
            splice_utf16("Hi 👋 there", Some(5), Some(5), "!"),
            ("Hi 👋! there".to_owned(), 6)
        );
        // A selection is replaced.
        assert_eq!(
            splice_utf16("Hi you", Some(3), Some(6), "{name}"),
            ("Hi {name}".to_owned(), 9)
        );
        // No caret: appended.
        assert_eq!(splice_utf16("Hi", None, None, "🙂"), ("Hi🙂".to_owned(), 4));
    }

    #[test]
    fn never_splits_a_character() {
        // Offsets inside the emoji's pair or past the end land on a boundary.
        assert_eq!(
            splice_utf16("a👋b", Some(2), Some(2), "x"),
            ("ax👋b".to_owned(), 2)
        );
        assert_eq!(
            splice_utf16("ab", Some(9), Some(12), "c"),
            ("abc".to_owned(), 3)
        );
        // An end before the start collapses to the start.
        assert_eq!(
            splice_utf16("abc", Some(2), Some(1), "-"),
            ("ab-c".to_owned(), 3)
        );
    }
}
