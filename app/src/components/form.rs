//! Form building blocks: a labelled field with its error message, and the alert for errors
//! that belong to the whole form.

use crate::api::ApiError;
use leptos::prelude::*;

/// The error message for `field` from an action's latest result (`action.value()`).
pub fn field_error<S, T>(result: S, field: &'static str) -> Signal<Option<String>>
where
    S: With<Value = Option<Result<T, ApiError>>> + Copy + Send + Sync + 'static,
{
    Signal::derive(move || {
        result.with(|r| match r {
            Some(Err(e)) => e.field_message(field),
            _ => None,
        })
    })
}

/// The form-level error message (anything not tied to one field).
pub fn form_error<S, T>(result: S) -> Signal<Option<String>>
where
    S: With<Value = Option<Result<T, ApiError>>> + Copy + Send + Sync + 'static,
{
    Signal::derive(move || {
        result.with(|r| match r {
            Some(Err(e)) => e.form_message(),
            _ => None,
        })
    })
}

/// A labelled `<input>` with its error shown beneath and linked for screen readers.
#[component]
pub fn Field(
    /// The visible label; also the accessible name.
    label: &'static str,
    /// The input's `name` (the server function argument).
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional, into)] value: Option<String>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional)] maxlength: Option<usize>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let described = error_id.clone();
    view! {
        <div class="field" class:field-invalid=move || error.get().is_some()>
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=kind
                value=value
                autocomplete=autocomplete
                required=required
                maxlength=maxlength
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=described
            />
            {hint.map(|h| view! { <p class="field-hint">{h}</p> })}
            <p class="field-error" id=error_id>
                {move || error.get()}
            </p>
        </div>
    }
}

/// An alert with the form-level error, shown only when there is one.
#[component]
pub fn FormAlert(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <Show when=move || message.get().is_some()>
            <div class="alert alert-error" role="alert">
                {move || message.get()}
            </div>
        </Show>
    }
}

/// A submit button that shows progress while its action is pending.
#[component]
pub fn Submit(
    label: &'static str,
    #[prop(into)] pending: Signal<bool>,
    #[prop(optional)] busy_label: Option<&'static str>,
) -> impl IntoView {
    view! {
        <button type="submit" class="btn btn-primary" disabled=move || pending.get()>
            {move || if pending.get() { busy_label.unwrap_or("Working…") } else { label }}
        </button>
    }
}
