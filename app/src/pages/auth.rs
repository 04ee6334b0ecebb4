//! Sign-in and registration pages.

use crate::api::account::{Login, Register};
use crate::components::form::{Field, FlatActionForm, FormAlert, Submit, field_error, form_error};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The card that frames the signed-out pages: sign-in, registration, onboarding, invitations.
#[component]
pub fn AuthCard(#[prop(into)] title: String, children: Children) -> impl IntoView {
    view! {
        <main class="auth-page">
            <div class="auth-card">
                <a class="brand brand-large" href="/">
                    <span class="brand-mark">"L"</span>
                    "LeadLoom"
                </a>
                <h1>{title}</h1>
                {children()}
            </div>
            <p class="auth-tagline">
                "Find the leads with and without a working website, then reach them on WhatsApp — safely."
            </p>
        </main>
    }
}

fn next_param() -> Memo<Option<String>> {
    let query = use_query_map();
    Memo::new(move |_| query.read().get("next"))
}

fn with_next(base: &str, next: Option<String>) -> String {
    match next {
        Some(next) => format!("{base}?next={}", shared::url::encode_query_value(&next)),
        None => base.to_owned(),
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<Login>::new();
    let result = action.value();
    let next = next_param();
    view! {
        <Title text="Sign in" />
        <AuthCard title="Sign in">
            <FlatActionForm action=action attr:class="form" attr:novalidate=true>
                <FormAlert message=form_error(result) />
                <input type="hidden" name="next" value=move || next.get().unwrap_or_default() />
                <Field label="Email" name="email" kind="email" autocomplete="email" required=true
                    error=field_error(result, "email") />
                <Field label="Password" name="password" kind="password" autocomplete="current-password"
                    required=true error=field_error(result, "password") />
                <Submit label="Sign in" busy_label="Signing in…" pending=action.pending() />
            </FlatActionForm>
            <p class="auth-switch">
                "New to LeadLoom? "
                <a href=move || with_next("/register", next.get())>"Create an account"</a>
            </p>
        </AuthCard>
    }
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    let action = ServerAction::<Register>::new();
    let result = action.value();
    let next = next_param();
    view! {
        <Title text="Create your account" />
        <AuthCard title="Create your account">
            <FlatActionForm action=action attr:class="form" attr:novalidate=true>
                <FormAlert message=form_error(result) />
                <input type="hidden" name="next" value=move || next.get().unwrap_or_default() />
                <Field label="Name" name="name" autocomplete="name" required=true maxlength=120
                    error=field_error(result, "name") />
                <Field label="Email" name="email" kind="email" autocomplete="email" required=true
                    maxlength=254 error=field_error(result, "email") />
                <Field label="Password" name="password" kind="password" autocomplete="new-password"
                    required=true hint="At least 10 characters. A phrase of unrelated words works well."
                    error=field_error(result, "password") />
                <Submit label="Create account" busy_label="Creating your account…" pending=action.pending() />
            </FlatActionForm>
            <p class="auth-switch">
                "Already have an account? "
                <a href=move || with_next("/login", next.get())>"Sign in"</a>
            </p>
        </AuthCard>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_carried_between_sign_in_and_registration() {
        assert_eq!(with_next("/login", None), "/login");
        assert_eq!(
            with_next("/login", Some("/invite/ab cd".into())),
            "/login?next=/invite/ab%20cd"
        );
    }
}
