//! The account page: profile (name, e-mail, phone), verifying the phone with a one-time
//! WhatsApp code, and password change.

use super::use_shell;
use crate::api::account::{
    ChangePassword, ConfirmPhoneCode, SendPhoneCode, UpdateProfile, load_phone_verification,
};
use crate::api::resource::resource;
use crate::components::effect::effect;
use crate::components::form::{Field, FlatActionForm, FormAlert, Submit, field_error, form_error};
use crate::components::show::show;
use crate::components::toast::use_toaster;
use leptos::prelude::*;
use leptos_meta::Title;
use shared::accounts::PhoneVerificationDto;

#[component]
pub fn AccountPage() -> impl IntoView {
    let ctx = use_shell();
    let user = ctx.shell.user.clone();
    let toaster = use_toaster();
    let profile = ServerAction::<UpdateProfile>::new();
    let password = ServerAction::<ChangePassword>::new();
    effect(move || {
        if let Some(Ok(())) = profile.value().get() {
            toaster.success("Profile saved.");
            ctx.reload.run(());
        }
    });
    // A saved profile may have a new phone, which then needs verifying again.
    let verification = resource(
        move || profile.version().get(),
        |_| load_phone_verification(),
    );
    effect(move || {
        if let Some(Ok(())) = password.value().get() {
            toaster.success("Password changed.");
        }
    });
    view! {
        <Title text="Account" />
        <div class="page-header"><h1>"Account"</h1></div>
        <section class="card">
            <h2>"Profile"</h2>
            <FlatActionForm action=profile attr:class="form" attr:novalidate=true>
                <FormAlert message=form_error(profile.value()) />
                <Field label="Name" name="name" value=user.name.clone() autocomplete="name" maxlength=120
                    error=field_error(profile.value(), "name") />
                <Field label="Email" name="email" kind="email" value=user.email.clone() autocomplete="email"
                    maxlength=254 error=field_error(profile.value(), "email") />
                <Field label="Phone" name="phone" kind="tel" value=user.phone.clone().unwrap_or_default()
                    autocomplete="tel" maxlength=32 hint="Optional. With country code, e.g. +254 712 345 678."
                    error=field_error(profile.value(), "phone") />
                <Submit label="Save profile" busy_label="Saving…" pending=profile.pending() />
            </FlatActionForm>
        </section>
        <Transition fallback=|| view! { <section class="card"><p class="loading">"Loading…"</p></section> }>
            {move || Suspend::new(async move {
                match verification.await {
                    Ok(state) => view! { <PhoneVerificationCard initial=state /> }.into_any(),
                    Err(e) => view! { <section class="card"><p class="alert alert-error" role="alert">{e.to_string()}</p></section> }.into_any(),
                }
            })}
        </Transition>
        <section class="card">
            <h2>"Change password"</h2>
            <FlatActionForm action=password attr:class="form" attr:novalidate=true>
                <FormAlert message=form_error(password.value()) />
                <Field label="Current password" name="current_password" kind="password"
                    autocomplete="current-password" error=field_error(password.value(), "current_password") />
                <Field label="New password" name="new_password" kind="password" autocomplete="new-password"
                    hint="At least 10 characters; a phrase of unrelated words works well."
                    error=field_error(password.value(), "new_password") />
                <Submit label="Change password" busy_label="Changing…" pending=password.pending() />
            </FlatActionForm>
        </section>
    }
}

/// Seconds as `m:ss`.
fn clock(secs: u64) -> String {
    format!("{}:{:02}", secs / 60, secs % 60)
}

/// Verifying the profile's phone: send a code over WhatsApp, type it in. Countdowns run on the
/// seconds the server gave, ticking in the browser (its clock is not trusted for dates).
#[component]
fn PhoneVerificationCard(initial: PhoneVerificationDto) -> impl IntoView {
    let ctx = use_shell();
    let toaster = use_toaster();
    let state = RwSignal::new(initial);
    // Seconds since `state` was read from the server.
    let elapsed = RwSignal::new(0u64);
    let send = ServerAction::<SendPhoneCode>::new();
    let confirm = ServerAction::<ConfirmPhoneCode>::new();
    let code = RwSignal::new(String::new());

    effect(move || {
        let handle = set_interval_with_handle(
            move || elapsed.update(|n| *n += 1),
            std::time::Duration::from_secs(1),
        );
        on_cleanup(move || {
            if let Ok(handle) = handle {
                handle.clear();
            }
        });
    });
    effect(move || match send.value().get() {
        Some(Ok(fresh)) => {
            if let Some(pending) = &fresh.pending {
                toaster.success(format!("Code sent to {} on WhatsApp.", pending.sent_to));
            }
            state.set(fresh);
            elapsed.set(0);
            code.set(String::new());
        }
        Some(Err(e)) => toaster.error(
            e.field_message("phone")
                .or_else(|| e.form_message())
                .unwrap_or_default(),
        ),
        None => {}
    });
    effect(move || match confirm.value().get() {
        Some(Ok(())) => {
            toaster.success("Phone verified.");
            state.update(|s| {
                s.verified = true;
                s.pending = None;
            });
            ctx.reload.run(());
        }
        // A wrong code took a try: show what is left.
        Some(Err(_)) => leptos::task::spawn_local(async move {
            if let Ok(fresh) = load_phone_verification().await {
                state.set(fresh);
                elapsed.set(0);
            }
        }),
        None => {}
    });

    let remaining = move || {
        state.with(|s| {
            s.pending
                .as_ref()
                .map(|p| p.expires_in_secs.saturating_sub(elapsed.get()))
        })
    };
    let resend_wait = move || {
        state
            .with(|s| s.resend_in_secs)
            .saturating_sub(elapsed.get())
    };
    let send_error = Signal::derive(move || {
        send.value().with(|r| match r {
            Some(Err(e)) => e.field_message("phone").or_else(|| e.form_message()),
            _ => None,
        })
    });
    let code_error = field_error(confirm.value(), "code");

    view! {
        <section class="card phone-verification" aria-labelledby="phone-verification-title">
            <h2 id="phone-verification-title">
                "Phone verification "
                {move || if state.with(|s| s.verified) {
                    view! { <span class="badge badge-ok">"Verified"</span> }.into_any()
                } else {
                    view! { <span class="badge badge-warn">"Not verified"</span> }.into_any()
                }}
            </h2>
            {move || {
                let s = state.get();
                match (s.phone.clone(), s.verified) {
                    (None, _) => view! { <p class="muted">"Add your phone to the profile above, then verify it here with a code sent over WhatsApp."</p> }.into_any(),
                    (Some(phone), true) => view! { <p>{format!("{phone} is verified: it received our code on WhatsApp.")}</p> }.into_any(),
                    (Some(phone), false) => view! {
                        <p class="muted">{format!("We send a 6-digit code to {phone} on WhatsApp. It works for 10 minutes.")}</p>
                    }.into_any(),
                }
            }}
            {show(move || state.with(|s| s.phone.is_some() && !s.verified), move || view! {
                {move || send_error.get().map(|message| view! { <p class="alert alert-error" role="alert">{message}</p> })}
                {move || remaining().map(|left| if left > 0 {
                    let (sent_to, tries) = state.with(|s| s.pending.as_ref().map(|p| (p.sent_to.clone(), p.tries_left)).unwrap_or_default());
                    view! {
                        <p class="code-status" role="status">
                            {format!("Code sent to {sent_to}. It expires in {}", clock(left))}
                            {format!(" · {tries} {} left.", if tries == 1 { "try" } else { "tries" })}
                        </p>
                    }.into_any()
                } else {
                    view! { <p class="code-status code-expired" role="status">"This code has expired — send a new code."</p> }.into_any()
                })}
                {move || remaining().is_none().then(|| code_error.get()).flatten().map(|message| view! {
                    <p class="alert alert-error" role="alert">{message}</p>
                })}
                <FlatActionForm action=confirm attr:class="form form-inline code-form" attr:novalidate=true>
                    {show(move || remaining().is_some_and(|left| left > 0), move || view! {
                        <div class="field" class:field-invalid=move || code_error.get().is_some()>
                            <label for="phone-code">"Code"</label>
                            <input id="phone-code" name="code" inputmode="numeric" autocomplete="one-time-code"
                                maxlength="7" pattern="[0-9 ]*" placeholder="123456"
                                aria-invalid=move || code_error.get().is_some().to_string()
                                aria-describedby="phone-code-error"
                                prop:value=move || code.get() on:input=move |ev| code.set(event_target_value(&ev)) />
                            <p class="field-error" id="phone-code-error">{move || code_error.get()}</p>
                        </div>
                        <button type="submit" class="btn btn-primary"
                            disabled=move || confirm.pending().get() || code.with(|c| c.trim().is_empty())>
                            {move || if confirm.pending().get() { "Checking…" } else { "Verify" }}
                        </button>
                    }.into_any())}
                    <button type="button" class="btn"
                        disabled=move || { send.pending().get() || resend_wait() > 0 }
                        on:click=move |_| { send.dispatch(SendPhoneCode {}); }>
                        {move || {
                            let wait = resend_wait();
                            let first = state.with(|s| s.pending.is_none());
                            if send.pending().get() {
                                "Sending…".to_owned()
                            } else if wait > 0 {
                                format!("Send a new code in {}", clock(wait))
                            } else if first {
                                "Send code on WhatsApp".to_owned()
                            } else {
                                "Send a new code".to_owned()
                            }
                        }}
                    </button>
                </FlatActionForm>
            }.into_any())}
        </section>
    }
}
