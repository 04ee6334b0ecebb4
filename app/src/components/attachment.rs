//! The attachment picker shared by the reply box and the template editor: a paper-clip button whose
//! file goes up as soon as it is chosen (so a wrong type or size is said at once), a chip with
//! the file's name and size and a remove button, a spinner while the server checks it.

use crate::components::icons::Icon;
use leptos::prelude::*;
use shared::whatsapp::AttachmentDto;

/// What the file picker offers; the server checks the bytes whatever the browser lets through.
const ACCEPT: &str = ".pdf,.jpg,.jpeg,.png,.doc,.docx,application/pdf,image/jpeg,image/png,application/msword,application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// `1.2 MB`, `830 KB`.
pub fn file_size(bytes: u64) -> String {
    if bytes >= 1_048_576 {
        // Tenths of a megabyte, rounded, in integers: printing a float would bring the float
        // formatting code into every page with a reply box.
        let tenths = (bytes * 10 + 524_288) / 1_048_576;
        format!("{}.{} MB", tenths / 10, tenths % 10)
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

#[cfg(test)]
mod tests {
    use super::file_size;

    #[test]
    fn sizes_read_as_a_person_would() {
        assert_eq!(file_size(1), "1 KB");
        assert_eq!(file_size(1024), "1 KB");
        assert_eq!(file_size(1025), "2 KB");
        assert_eq!(file_size(850_000), "831 KB");
        assert_eq!(file_size(1_048_576), "1.0 MB");
        assert_eq!(file_size(1_258_291), "1.2 MB");
        assert_eq!(file_size(5 * 1_048_576 - 1), "5.0 MB");
        assert_eq!(file_size(1_101_005), "1.1 MB");
    }
}

/// The state a picker shares with its form: the checked file, and the name of one on its way.
#[derive(Clone, Copy)]
pub struct AttachmentState {
    pub file: RwSignal<Option<AttachmentDto>>,
    pub uploading: RwSignal<Option<String>>,
    pub error: RwSignal<Option<String>>,
}

impl AttachmentState {
    pub fn new(initial: Option<AttachmentDto>) -> Self {
        Self {
            file: RwSignal::new(initial),
            uploading: RwSignal::new(None),
            error: RwSignal::new(None),
        }
    }

    pub fn busy(self) -> bool {
        self.uploading.with(Option::is_some)
    }
}

/// The chip (or spinner, or error) for the chosen file; place it above the form's buttons.
#[component]
pub fn AttachmentChip(state: AttachmentState, error_id: &'static str) -> impl IntoView {
    view! {
        {move || state.uploading.get().map(|name| view! {
            <p class="attachment-chip attachment-busy" role="status">
                <span class="spinner" aria-hidden="true"></span>
                {format!("Checking {name}…")}
            </p>
        })}
        {move || state.file.get().map(|file| view! {
            <p class="attachment-chip">
                <Icon name="attach" />
                <span class="attachment-name">{file.file_name.clone()}</span>
                <span class="muted">{file_size(file.size_bytes)}</span>
                <button type="button" class="btn btn-link btn-small attachment-remove" aria-label=format!("Remove {}", file.file_name)
                    on:click=move |_| state.file.set(None)>"×"</button>
            </p>
        })}
        {move || state.error.get().map(|message| view! {
            <p class="field-error" id=error_id role="alert">{message}</p>
        })}
    }
}

/// The upload, made only once a file is chosen: a lazy split fetched then, never while a page
/// hydrates (docs/benchmarks.md, "What runs only on a click").
#[cfg(feature = "hydrate")]
#[lazy]
async fn upload_later(url: String, file: web_sys::File) -> Result<AttachmentDto, String> {
    crate::api::upload::post_file::<AttachmentDto>(&url, file).await
}

/// The paper-clip button: uploads the chosen file to `/w/{slug}/attachments`.
#[component]
pub fn AttachButton(state: AttachmentState, slug: String, error_id: &'static str) -> impl IntoView {
    let file_input = NodeRef::<leptos::html::Input>::new();
    let on_file = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let Some(input) = file_input.get() else {
                return;
            };
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            // The same file can be chosen again after a refusal.
            input.set_value("");
            state.error.set(None);
            state.file.set(None);
            state.uploading.set(Some(file.name()));
            let url = format!("/w/{slug}/attachments");
            leptos::task::spawn_local(async move {
                match upload_later(url, file).await {
                    Ok(file) => state.file.set(Some(file)),
                    Err(message) => state.error.set(Some(message)),
                }
                state.uploading.set(None);
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&slug, state);
    };
    view! {
        <label class="btn attach-button" title="PDF, JPG, PNG, DOC or DOCX, up to 5 MB">
            <input type="file" class="sr-only" name="file" node_ref=file_input
                accept=ACCEPT on:change=on_file aria-describedby=error_id />
            <Icon name="attach" />"Attach"
        </label>
    }
}
