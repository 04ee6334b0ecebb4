//! `/invite/:token`: what an invitation offers, and accepting it (after signing in or
//! registering with the invited address).

use crate::api::account::whoami;
use crate::api::resource::resource;
use crate::api::workspace::{AcceptInvitation, preview_invitation};
use crate::components::form::{FlatActionForm, FormAlert, form_error};
use crate::pages::auth::AuthCard;
use crate::pages::errors::ErrorPage;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn InvitePage() -> impl IntoView {
    let params = use_params_map();
    let token = Memo::new(move |_| params.read().get("token").unwrap_or_default());
    // One resource per server function, awaited together in the view.
    let preview = resource(move || token.get(), preview_invitation);
    let user = resource(|| (), |_| whoami());
    let accept = ServerAction::<AcceptInvitation>::new();
    view! {
        <Title text="Invitation" />
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let loaded = async { Ok::<_, crate::api::ApiError>((preview.await?, user.await?)) };
                let (invitation, user) = match loaded.await {
                    Ok(found) => found,
                    Err(e) => return view! { <ErrorPage error=e /> }.into_any(),
                };
                let next = format!("/invite/{}", token.get_untracked());
                let status = if invitation.accepted {
                    Some("This invitation has already been used.")
                } else if invitation.expired {
                    Some("This invitation has expired. Ask whoever invited you for a new one.")
                } else {
                    None
                };
                view! {
                    <AuthCard title=format!("Join {}", invitation.workspace_name)>
                            <p>
                                {invitation.invited_by.clone()} " invited " <strong>{invitation.email.clone()}</strong>
                                " to join as " <strong>{invitation.role.label()}</strong> "."
                            </p>
                            {match (status, user) {
                                (Some(message), _) => view! { <div class="alert alert-error" role="alert">{message}</div> }.into_any(),
                                (None, Some(user)) => view! {
                                    <FlatActionForm action=accept attr:class="form">
                                        <FormAlert message=form_error(accept.value()) />
                                        <input type="hidden" name="token" value=token.get_untracked() />
                                        <p class="muted">"Signed in as " {user.email}</p>
                                        <button type="submit" class="btn btn-primary">"Accept invitation"</button>
                                    </FlatActionForm>
                                }.into_any(),
                                (None, None) => view! {
                                    <div class="form-actions">
                                        <a class="btn btn-primary" href=format!("/register?next={next}")>"Create an account"</a>
                                        <a class="btn" href=format!("/login?next={next}")>"Sign in"</a>
                                    </div>
                                }.into_any(),
                            }}
                    </AuthCard>
                }.into_any()
            })}
        </Suspense>
    }
}
