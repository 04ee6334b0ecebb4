//! A confirmation dialog for actions that cannot be undone (deleting leads or a segment): a
//! modal with the consequence spelled out, Cancel focused by default, Escape to close.

use crate::components::show::show;
use leptos::prelude::*;

#[component]
pub fn ConfirmDialog(
    /// Whether the dialog is showing; set to false when it closes either way.
    open: RwSignal<bool>,
    /// The question, e.g. "Delete 12 leads?".
    #[prop(into)]
    title: Signal<String>,
    /// What happens if the user confirms.
    #[prop(into)]
    message: Signal<String>,
    /// The confirming button's text, e.g. "Delete".
    confirm_label: &'static str,
    /// Runs when the user confirms.
    on_confirm: Callback<()>,
) -> impl IntoView {
    let close = move || open.set(false);
    view! {
        {show(move || open.get(), move || view! {
            <div class="dialog-scrim" on:click=move |_| close()></div>
            <div
                class="dialog"
                role="alertdialog"
                aria-modal="true"
                aria-labelledby="confirm-title"
                aria-describedby="confirm-message"
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        close();
                    }
                }
            >
                <h2 id="confirm-title">{move || title.get()}</h2>
                <p id="confirm-message">{move || message.get()}</p>
                <div class="form-actions">
                    <button type="button" class="btn" autofocus on:click=move |_| close()>"Cancel"</button>
                    <button
                        type="button"
                        class="btn btn-danger-solid"
                        on:click=move |_| {
                            close();
                            on_confirm.run(());
                        }
                    >
                        {confirm_label}
                    </button>
                </div>
            </div>
        }.into_any())}
    }
}
