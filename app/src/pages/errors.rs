//! The 404 and error pages. Under SSR they also set the response's HTTP status.

use crate::api::{ApiError, AppError};
use leptos::prelude::*;
use leptos_meta::Title;

fn set_status(code: u16) {
    #[cfg(feature = "ssr")]
    if let Some(options) = use_context::<leptos_axum::ResponseOptions>()
        && let Ok(status) = axum::http::StatusCode::from_u16(code)
    {
        options.set_status(status);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}

#[component]
pub fn NotFound() -> impl IntoView {
    set_status(404);
    view! {
        <Title text="Page not found" />
        <main class="error-page">
            <p class="error-code">"404"</p>
            <h1>"Page not found"</h1>
            <p>"The page you asked for does not exist, or you do not have access to it."</p>
            <a class="btn btn-primary" href="/">"Go to your dashboard"</a>
        </main>
    }
}

/// Shows an error from a page's data: 404 for missing things, the message for others.
#[component]
pub fn ErrorPage(error: ApiError) -> impl IntoView {
    match error.0 {
        AppError::NotFound => view! { <NotFound /> }.into_any(),
        other => {
            set_status(other.status_code());
            let title = if other.status_code() >= 500 {
                "Something went wrong"
            } else {
                "We could not show this page"
            };
            view! {
                <Title text=title />
                <main class="error-page">
                    <p class="error-code">{other.status_code()}</p>
                    <h1>{title}</h1>
                    <p>{other.to_string()}</p>
                    <a class="btn btn-primary" href="/">"Back to LeadLoom"</a>
                </main>
            }
            .into_any()
        }
    }
}
