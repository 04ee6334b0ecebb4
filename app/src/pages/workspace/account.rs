//! The account page: profile (name, e-mail, phone) and password change.

use super::use_shell;
use crate::api::account::{ChangePassword, UpdateProfile};
use crate::components::form::{Field, FormAlert, Submit, field_error, form_error};
use crate::components::toast::use_toaster;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AccountPage() -> impl IntoView {
    let ctx = use_shell();
    let user = ctx.shell.user.clone();
    let toaster = use_toaster();
    let profile = ServerAction::<UpdateProfile>::new();
    let password = ServerAction::<ChangePassword>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = profile.value().get() {
            toaster.success("Profile saved.");
            ctx.reload.run(());
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = password.value().get() {
            toaster.success("Password changed.");
        }
    });
    view! {
        <Title text="Account" />
        <div class="page-header"><h1>"Account"</h1></div>
        <section class="card">
            <h2>"Profile"</h2>
            <ActionForm action=profile attr:class="form" attr:novalidate=true>
                <FormAlert message=form_error(profile.value()) />
                <Field label="Name" name="name" value=user.name.clone() autocomplete="name" maxlength=120
                    error=field_error(profile.value(), "name") />
                <Field label="Email" name="email" kind="email" value=user.email.clone() autocomplete="email"
                    maxlength=254 error=field_error(profile.value(), "email") />
                <Field label="Phone" name="phone" kind="tel" value=user.phone.clone().unwrap_or_default()
                    autocomplete="tel" maxlength=32 hint="Optional. With country code, e.g. +254 712 345 678."
                    error=field_error(profile.value(), "phone") />
                <Submit label="Save profile" busy_label="Saving…" pending=profile.pending() />
            </ActionForm>
        </section>
        <section class="card">
            <h2>"Change password"</h2>
            <ActionForm action=password attr:class="form" attr:novalidate=true>
                <FormAlert message=form_error(password.value()) />
                <Field label="Current password" name="current_password" kind="password"
                    autocomplete="current-password" error=field_error(password.value(), "current_password") />
                <Field label="New password" name="new_password" kind="password" autocomplete="new-password"
                    hint="At least 10 characters; a phrase of unrelated words works well."
                    error=field_error(password.value(), "new_password") />
                <Submit label="Change password" busy_label="Changing…" pending=password.pending() />
            </ActionForm>
        </section>
    }
}
