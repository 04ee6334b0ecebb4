//! The live progress of a website check: a modal with the bar, counts per outcome so far,
//! checks per second and time left, which polls the job while it runs and can be closed (the
//! check goes on in the background) and reopened from a banner; pages reattach to a running
//! check when they load.

use super::super::imports::grouped;
use crate::api::ApiResult;
use crate::api::websites::{cancel_website_check, website_check};
use crate::components::effect::effect;
use crate::components::lazy::wanted_once;
use crate::components::show::show;
use crate::components::time::sleep_ms;
use crate::components::toast::{Toaster, use_toaster};
use leptos::prelude::*;
use shared::leads::WebsiteStatus;
use shared::websites::{VerifyJobDto, VerifyJobStatus};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use uuid::Uuid;

/// The check a page follows, and whether its modal is showing.
#[derive(Clone, Copy)]
pub struct CheckProgress {
    pub job: RwSignal<Option<VerifyJobDto>>,
    pub open: RwSignal<bool>,
}

impl Default for CheckProgress {
    fn default() -> Self {
        Self::new()
    }
}

impl CheckProgress {
    pub fn new() -> Self {
        Self {
            job: RwSignal::new(None),
            open: RwSignal::new(false),
        }
    }

    /// Follows `job`, opening the modal when it is still going (a page reattaching to it, or a
    /// check just started).
    pub fn follow(&self, job: VerifyJobDto) {
        self.open.set(job.status.is_active());
        self.job.set(Some(job));
    }

    fn active(&self) -> bool {
        self.job
            .with(|j| j.as_ref().is_some_and(|j| j.status.is_active()))
    }
}

/// "About 3 min left", from seconds.
pub fn time_left(seconds: u64) -> String {
    match seconds {
        0..=59 => "under a minute left".to_owned(),
        60..=3599 => format!("about {} min left", seconds.div_ceil(60)),
        _ => format!(
            "about {} h {} min left",
            seconds / 3600,
            (seconds % 3600) / 60
        ),
    }
}

/// The modal and its banner, once the page follows a check: until then (most page loads) they
/// are nothing, so their code is a lazy split fetched when a check is first followed, which stays
/// mounted (`components/lazy.rs`; docs/benchmarks.md, "Served with Zopfli, the split loader
/// compacted").
#[component]
pub fn CheckProgressModal(
    workspace: Uuid,
    progress: CheckProgress,
    /// `/w/{slug}/websites`.
    results_href: String,
    can_manage: bool,
    /// Runs once when a followed check ends (pages refresh what they show).
    #[prop(optional)]
    on_end: Option<Callback<VerifyJobDto>>,
) -> impl IntoView {
    let results_href = StoredValue::new(results_href);
    let wanted = wanted_once(move || progress.job.with(Option::is_some));
    view! {
        {show(move || wanted.get(), move || view! {
            {move || {
                let parts = ModalParts {
                    workspace,
                    progress,
                    results_href: results_href.get_value(),
                    can_manage,
                    on_end,
                };
                view! { <Suspense>{Suspend::new(check_progress(parts))}</Suspense> }
            }}
        }.into_any())}
    }
}

/// What the modal is made from, handed as one value through its lazy split.
struct ModalParts {
    workspace: Uuid,
    progress: CheckProgress,
    results_href: String,
    can_manage: bool,
    on_end: Option<Callback<VerifyJobDto>>,
}

/// How often a running check is asked for.
const POLL_MS: u32 = 1000;

/// Asks for a website check every `every_ms` until it has ended, handing each answer to
/// `on_each`, which stops the polling early by answering false. This modal and the lead page's
/// "Check now" both follow a job through it.
pub async fn poll_website_check(
    workspace: Uuid,
    mut job: VerifyJobDto,
    every_ms: u32,
    mut on_each: impl FnMut(&VerifyJobDto) -> bool,
) -> ApiResult<VerifyJobDto> {
    while job.status.is_active() {
        sleep_ms(every_ms).await;
        job = website_check(workspace, job.id).await?;
        if !on_each(&job) {
            break;
        }
    }
    Ok(job)
}

/// The toast for a check that has just ended: its outcome in numbers, or why it stopped.
fn announce_end(toaster: Toaster, job: &VerifyJobDto) {
    match job.status {
        VerifyJobStatus::Done => toaster.success(format!(
            "Website check finished: {} working, {} without a working site.",
            grouped(job.counts.working.into()),
            grouped(u64::from(job.counts.not_working) + u64::from(job.counts.no_website))
        )),
        VerifyJobStatus::Cancelled => toaster.info(format!(
            "Website check cancelled after {} of {} leads.",
            grouped(job.processed.into()),
            grouped(job.total.into())
        )),
        _ => toaster.error(
            job.failure
                .clone()
                .unwrap_or_else(|| "The website check stopped.".into()),
        ),
    }
}

/// The followed check's banner and modal, polling it while it runs.
#[lazy]
fn check_progress(parts: ModalParts) -> AnyView {
    let ModalParts {
        workspace,
        progress,
        results_href,
        can_manage,
        on_end,
    } = parts;
    let toaster = use_toaster();
    // Poll while the job runs; stop once it has ended, or when the page follows another job
    // (the memo moves) or leaves (the effect is cleaned up).
    let running = Memo::new(move |_| {
        progress
            .job
            .with(|j| j.as_ref().filter(|j| j.status.is_active()).map(|j| j.id))
    });
    effect(move || {
        if running.get().is_none() {
            return;
        }
        let following = Arc::new(AtomicBool::new(true));
        on_cleanup({
            let following = following.clone();
            move || following.store(false, Ordering::Relaxed)
        });
        let on_each = move |fresh: &VerifyJobDto| {
            if !following.load(Ordering::Relaxed) {
                return false;
            }
            let was_active = progress
                .job
                .with_untracked(|j| j.as_ref().is_some_and(|j| j.status.is_active()));
            let ended = was_active && !fresh.status.is_active();
            progress.job.set(Some(fresh.clone()));
            if ended {
                announce_end(toaster, fresh);
                if let Some(on_end) = on_end {
                    on_end.run(fresh.clone());
                }
            }
            true
        };
        leptos::task::spawn_local(async move {
            // A failed request (the network, a restart) is asked again at the next tick.
            // `try_`: the page may be gone by the time a request answers.
            while let Some(job) = progress
                .job
                .try_get_untracked()
                .flatten()
                .filter(|j| j.status.is_active())
            {
                if poll_website_check(workspace, job, POLL_MS, on_each.clone())
                    .await
                    .is_ok()
                    || running.try_get_untracked().flatten().is_none()
                {
                    break;
                }
            }
        });
    });

    let cancelling = RwSignal::new(false);
    let cancel = move |_| {
        let Some(id) = progress.job.with_untracked(|j| j.as_ref().map(|j| j.id)) else {
            return;
        };
        cancelling.set(true);
        leptos::task::spawn_local(async move {
            match cancel_website_check(workspace, id).await {
                Ok(job) => {
                    toaster.info("Stopping the website check…");
                    progress.job.set(Some(job));
                }
                Err(e) => toaster.error(e.to_string()),
            }
            cancelling.set(false);
        });
    };
    let results_href = StoredValue::new(results_href);
    let close = move || progress.open.set(false);

    view! {
        // The banner: a running check whose modal was closed.
        {show(move || progress.active() && !progress.open.get(), move || view! {
            <div class="check-banner card" role="status">
                <span>
                    {move || progress.job.with(|j| j.as_ref().map(|j| format!(
                        "Checking websites: {} of {} ({}%)",
                        grouped(j.processed.into()), grouped(j.total.into()), j.percent()
                    )))}
                </span>
                <button type="button" class="btn btn-small" on:click=move |_| progress.open.set(true)>"Show progress"</button>
            </div>
        }.into_any())}
        {show(move || progress.open.get() && progress.job.with(Option::is_some), move || view! {
            <div class="dialog-scrim" on:click=move |_| close()></div>
            <div class="dialog check-dialog" role="dialog" aria-modal="true" aria-labelledby="check-title"
                on:keydown=move |ev| if ev.key() == "Escape" { close() }>
                {move || progress.job.get().map(|job| {
                    let percent = job.percent();
                    let active = job.status.is_active();
                    view! {
                        <h2 id="check-title">{if active { "Checking websites" } else { "Website check" }}</h2>
                        <p class="muted">{job.scope.clone()}</p>
                        <div class="progress" role="progressbar" aria-label="Websites checked"
                            aria-valuemin="0" aria-valuemax="100" aria-valuenow=percent.to_string()>
                            <div class="progress-bar" style=format!("width: {percent}%")></div>
                        </div>
                        <p class="check-numbers">
                            <strong>{format!("{} of {} checked", grouped(job.processed.into()), grouped(job.total.into()))}</strong>
                            {job.per_second.map(|r| format!(" · {r:.1} per second"))}
                            {job.eta_seconds.filter(|_| active).map(|s| format!(" · {}", time_left(s)))}
                        </p>
                        <ul class="check-counts">
                            {[WebsiteStatus::Working, WebsiteStatus::NotWorking, WebsiteStatus::NoWebsite, WebsiteStatus::Error]
                                .into_iter()
                                .map(|s| view! {
                                    <li class=format!("count-chip website-{}", s.as_str().to_ascii_lowercase())>
                                        <span class="count-value">{grouped(job.counts.get(s).into())}</span>
                                        <span class="count-label">{s.label()}</span>
                                    </li>
                                })
                                .collect_view()}
                        </ul>
                        <p class="muted small">
                            {match job.status {
                                VerifyJobStatus::Queued => "Waiting for a worker to start…".to_owned(),
                                VerifyJobStatus::Running if job.cancel_requested => "Stopping…".to_owned(),
                                VerifyJobStatus::Running => "The check goes on if you close this window or leave the page.".to_owned(),
                                other => other.label().to_owned(),
                            }}
                        </p>
                        <div class="form-actions">
                            {(active && can_manage && !job.cancel_requested).then(|| view! {
                                <button type="button" class="btn btn-danger" on:click=cancel disabled=move || cancelling.get()>"Cancel check"</button>
                            })}
                            <a class="btn" href=results_href.get_value()>"See results"</a>
                            <button type="button" class="btn btn-primary" autofocus on:click=move |_| close()>
                                {if active { "Run in background" } else { "Close" }}
                            </button>
                        </div>
                    }
                })}
            </div>
        }.into_any())}
    }
    .into_any()
}
