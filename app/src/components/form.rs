//! Form building blocks: the form that calls a server function, the GET form that navigates,
//! a labelled field with its error message, and the alert for errors that belong to the whole
//! form.

use crate::api::ApiError;
use crate::components::show::show;
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
        {show(move || message.get().is_some(), move || view! {
            <div class="alert alert-error" role="alert">
                {move || message.get()}
            </div>
        }.into_any())}
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

/// Leptos's `ActionForm` for forms whose field names are the server function's arguments, with
/// no `a[b]` nesting. `ActionForm` reads the fields with serde_qs's decoder, which with the
/// B-tree maps it builds is about 20 KiB gzip of every page that has one; this reads them with
/// serde_urlencoded, which has only flat fields to handle (docs/architecture.md, "Forms read
/// their fields with serde_urlencoded, not `ActionForm`"). As `ActionForm`: a `<form method="post">` to the server
/// function's URL, so it posts on its own before hydration; once hydrated, a submit dispatches
/// `action` instead, and a form that cannot be read becomes the action's error.
#[component]
pub fn FlatActionForm<S>(action: ServerAction<S>, children: Children) -> impl IntoView
where
    S: server_fn::ServerFn<Error = ApiError>
        + serde::de::DeserializeOwned
        + Clone
        + Send
        + Sync
        + 'static,
    S::Output: Send + Sync + 'static,
{
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        if ev.default_prevented() {
            return;
        }
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        match read_fields::<S>(&ev) {
            Ok(input) => {
                action.dispatch(input);
            }
            Err(detail) => {
                leptos::logging::error!("{detail}");
                let error = shared::AppError::field(
                    "form",
                    "The form could not be read. Reload the page and try again.",
                );
                action.value().set(Some(Err(ApiError(error))));
                action.version().update(|n| *n += 1);
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, action);
    };
    view! {
        <form method="post" action=S::url() on:submit=on_submit>
            {children()}
        </form>
    }
}

/// The submitted form's fields (the submitting button's name and value included) as `S`.
#[cfg(feature = "hydrate")]
fn read_fields<S: serde::de::DeserializeOwned>(ev: &leptos::ev::SubmitEvent) -> Result<S, String> {
    let query = form_query(ev)?;
    serde_urlencoded::from_str(&query)
        .map_err(|e| format!("The form's fields could not be read: {e}"))
}

/// The submitted form's fields (the submitting button's name and value included) as a query
/// string, `a=1&b=two`, encoded by the browser as a GET form would encode them.
#[cfg(feature = "hydrate")]
fn form_query(ev: &leptos::ev::SubmitEvent) -> Result<String, String> {
    let data = leptos::form::form_data_from_event(ev).map_err(|e| e.to_string())?;
    Ok(
        leptos::web_sys::UrlSearchParams::new_with_str_sequence_sequence(&data)
            .map_err(|_| "The form's fields could not be read.".to_string())?
            .to_string()
            .as_string()
            .unwrap_or_default(),
    )
}

/// A `<form method="get">` to `action` that, once hydrated, goes there with the router
/// instead of reloading the page; before hydration the browser submits it itself. Leptos
/// router's `Form` does the same, but lower-cases its attributes with `str::to_lowercase`,
/// whose Unicode tables would sit in the wasm's data that every page downloads
/// (docs/benchmarks.md, "No Unicode case tables in the browser").
#[component]
pub fn GetForm(action: String, children: Children) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    let on_submit = {
        let navigate = leptos_router::hooks::use_navigate();
        let action = action.clone();
        move |ev: leptos::ev::SubmitEvent| {
            if ev.default_prevented() {
                return;
            }
            match form_query(&ev) {
                Ok(query) => {
                    ev.prevent_default();
                    navigate(&format!("{action}?{query}"), Default::default());
                }
                // The browser's own submission still works.
                Err(detail) => leptos::logging::error!("{detail}"),
            }
        }
    };
    #[cfg(not(feature = "hydrate"))]
    let on_submit = |_: leptos::ev::SubmitEvent| {};
    view! {
        <form method="get" action=action on:submit=on_submit>
            {children()}
        </form>
    }
}
