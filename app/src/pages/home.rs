//! `/`: sends people where they belong — their last workspace, onboarding, or sign-in.

use crate::api::account::whoami;
use crate::api::resource::resource;
use crate::pages::errors::ErrorPage;
use leptos::prelude::*;
use leptos_router::components::Redirect;

#[component]
pub fn Home() -> impl IntoView {
    let user = resource(|| (), |_| whoami());
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(user)) => {
                        let path = match user.home_slug {
                            Some(slug) => format!("/w/{slug}"),
                            None => "/onboarding".to_owned(),
                        };
                        view! { <Redirect path=path /> }.into_any()
                    }
                    Ok(None) => view! { <Redirect path="/login" /> }.into_any(),
                    Err(e) => view! { <ErrorPage error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
