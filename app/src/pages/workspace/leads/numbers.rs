//! The WhatsApp number check's live progress on the lead list: a banner with a progress bar and
//! the counts so far, following the running check (started here, elsewhere, or before a
//! reload) until it ends, with Cancel.

use crate::api::whatsapp::{cancel_number_check, number_check};
use crate::components::lazy::wanted_once;
use crate::components::show::show;
use crate::components::toast::use_toaster;
use crate::pages::workspace::imports::grouped;
use leptos::prelude::*;
use shared::websites::VerifyJobStatus;
use shared::whatsapp::NumberCheckJobDto;
use uuid::Uuid;

/// How often the banner re-reads the check.
const POLL_MS: u32 = 1000;

/// The check being followed, shared by the page (which starts or finds it) and the banner.
#[derive(Clone, Copy)]
pub struct NumberCheckProgress {
    pub job: RwSignal<Option<NumberCheckJobDto>>,
    following: RwSignal<bool>,
}

impl NumberCheckProgress {
    pub fn new() -> Self {
        Self {
            job: RwSignal::new(None),
            following: RwSignal::new(false),
        }
    }

    /// Shows `job` and polls it until it ends; `on_end` runs once then (to refresh the list).
    pub fn follow(
        self,
        workspace: Uuid,
        job: NumberCheckJobDto,
        on_end: Callback<NumberCheckJobDto>,
    ) {
        let id = job.id;
        self.job.set(Some(job));
        if self.following.get_untracked() {
            return;
        }
        self.following.set(true);
        leptos::task::spawn_local(poll_number_check(self, workspace, id, on_end));
    }
}

/// Re-reads the followed check until it ends. A page follows a check only once one is started
/// or found running, after hydrating, so the polling (the server call and its reply's decoding)
/// is a lazy split fetched then (docs/benchmarks.md, "What runs only on a click").
#[lazy]
async fn poll_number_check(
    progress: NumberCheckProgress,
    workspace: Uuid,
    id: Uuid,
    on_end: Callback<NumberCheckJobDto>,
) {
    loop {
        crate::components::time::sleep_ms(POLL_MS).await;
        match number_check(workspace, id).await {
            Ok(fresh) => {
                let ended = !fresh.status.is_active();
                progress.job.set(Some(fresh.clone()));
                if ended {
                    on_end.run(fresh);
                    break;
                }
            }
            Err(_) => break,
        }
    }
    progress.following.set(false);
}

/// The followed check's banner; nothing until the page follows one (most page loads), so its
/// code is a lazy split fetched then, which stays mounted (`components/lazy.rs`;
/// docs/benchmarks.md, "Served with Zopfli, the split loader compacted").
#[component]
pub fn NumberCheckBanner(workspace: Uuid, progress: NumberCheckProgress) -> impl IntoView {
    let wanted = wanted_once(move || progress.job.with(Option::is_some));
    view! {
        {show(move || wanted.get(), move || view! {
            <Suspense>{Suspend::new(number_check_banner(workspace, progress))}</Suspense>
        }.into_any())}
    }
}

#[lazy]
fn number_check_banner(workspace: Uuid, progress: NumberCheckProgress) -> AnyView {
    let toaster = use_toaster();
    let cancelling = RwSignal::new(false);
    let cancel = move |id: Uuid| {
        cancelling.set(true);
        leptos::task::spawn_local(async move {
            if let Err(e) = cancel_number_check(workspace, id).await {
                toaster.error(e.to_string());
            }
            cancelling.set(false);
        });
    };
    view! {
        {move || progress.job.get().map(|job| {
            let active = job.status.is_active();
            let id = job.id;
            let percent = job.percent();
            let headline = match job.status {
                VerifyJobStatus::Queued => "WhatsApp check queued…".to_owned(),
                VerifyJobStatus::Running => format!("Checking WhatsApp numbers: {} of {}", grouped(u64::from(job.processed)), grouped(u64::from(job.total))),
                VerifyJobStatus::Done => format!(
                    "WhatsApp check finished: {} {}",
                    grouped(u64::from(job.total)),
                    if job.total == 1 { "number" } else { "numbers" }
                ),
                VerifyJobStatus::Cancelled => "WhatsApp check cancelled".to_owned(),
                VerifyJobStatus::Failed => "WhatsApp check stopped".to_owned(),
            };
            view! {
                <section class="card number-check" role="status" aria-live="polite">
                    <div class="number-check-head">
                        <strong>{headline}</strong>
                        {if active {
                            view! {
                                <button type="button" class="btn btn-small" disabled=move || cancelling.get()
                                    on:click=move |_| cancel(id)>"Cancel"</button>
                            }.into_any()
                        } else {
                            view! {
                                <button type="button" class="btn btn-small" on:click=move |_| progress.job.set(None)>"Dismiss"</button>
                            }.into_any()
                        }}
                    </div>
                    <div class="progress" role="progressbar" aria-label="Numbers checked"
                        aria-valuemin="0" aria-valuemax="100" aria-valuenow=percent>
                        <div class="progress-bar" style=format!("width: {percent}%")></div>
                    </div>
                    <p class="muted small">
                        {format!("{} on WhatsApp · {} not on WhatsApp · {} could not be checked · {} from the last 24 hours",
                            grouped(u64::from(job.on_whatsapp)), grouped(u64::from(job.not_on_whatsapp)),
                            grouped(u64::from(job.failed)), grouped(u64::from(job.cached)))}
                        {job.sender_name.clone().map(|n| format!(" · through {n}"))}
                    </p>
                    {job.failure.clone().map(|f| view! { <p class="alert alert-error">{f}</p> })}
                </section>
            }
        })}
    }
    .into_any()
}
