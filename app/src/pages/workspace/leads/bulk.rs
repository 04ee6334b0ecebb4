//! Selecting leads and acting on them: the ticked rows (or every lead matching the filter),
//! and the bar of bulk actions — check WhatsApp numbers, verify websites, tag, untag, set
//! stage, delete (after a confirmation), export.
//!
//! The bar exists only once a lead is ticked: the server never renders it, so hydrating the
//! list never needs it. It is a lazy split ([`bulk_bar`]), and so are the server calls made from
//! it ([`bulk_later`]), fetched with the first tick, and the "select all matching" banner
//! ([`select_all_banner`]), fetched when a whole page is ticked (docs/benchmarks.md, "Served with Zopfli,
//! the split loader compacted").

use super::super::imports::grouped;
use crate::api::ApiResult;
use crate::api::leads::{BulkLeads, bulk_leads};
use crate::api::websites::start_website_check;
use crate::api::whatsapp::start_number_check;
use crate::components::confirm::ConfirmDialog;
use crate::components::lazy::wanted_once;
use crate::components::show::show;
use crate::components::toast::use_toaster;
use leptos::prelude::*;
use shared::leads::{BulkAction, BulkOutcome, LeadFilter, LeadSelection, Stage};
use shared::websites::{CheckScope, VerifyJobDto};
use shared::whatsapp::NumberCheckJobDto;
use std::collections::BTreeSet;
use uuid::Uuid;

/// The page's bulk action: the bar dispatches it, the page refreshes the list and toasts the
/// outcome when it ends.
pub type BulkRun = Action<BulkLeads, ApiResult<BulkOutcome>>;

/// A bulk action's server call, a lazy split fetched with the bar (the module's documentation).
#[lazy]
pub async fn bulk_later(input: BulkLeads) -> ApiResult<BulkOutcome> {
    bulk_leads(input.workspace, input.selection, input.action).await
}

/// Which leads are selected, shared by the rows, the header checkbox and the bar.
#[derive(Clone, Copy)]
pub struct Selection {
    /// Rows ticked by hand.
    pub ticked: RwSignal<BTreeSet<Uuid>>,
    /// Every lead matching the filter, on every page.
    pub all_matching: RwSignal<bool>,
    /// The rows on screen (first page and "Load more"), in order.
    pub visible: RwSignal<Vec<Uuid>>,
    /// Leads matching the filter.
    pub total: RwSignal<u64>,
}

impl Selection {
    pub fn new() -> Self {
        Self {
            ticked: RwSignal::new(BTreeSet::new()),
            all_matching: RwSignal::new(false),
            visible: RwSignal::new(Vec::new()),
            total: RwSignal::new(0),
        }
    }

    pub fn clear(&self) {
        self.ticked.set(BTreeSet::new());
        self.all_matching.set(false);
    }

    /// How many leads an action would touch.
    pub fn count(&self) -> u64 {
        if self.all_matching.get() {
            self.total.get()
        } else {
            self.ticked.with(|t| t.len() as u64)
        }
    }

    pub fn is_ticked(&self, id: Uuid) -> bool {
        self.all_matching.get() || self.ticked.with(|t| t.contains(&id))
    }

    pub fn set_ticked(&self, id: Uuid, on: bool) {
        self.ticked.update(|t| {
            if on {
                t.insert(id);
            } else {
                t.remove(&id);
            }
        });
    }

    /// Every row on screen is ticked.
    pub fn page_ticked(&self) -> bool {
        self.all_matching.get()
            || self
                .visible
                .with(|v| !v.is_empty() && self.ticked.with(|t| v.iter().all(|id| t.contains(id))))
    }

    pub fn tick_page(&self, on: bool) {
        let visible = self.visible.get_untracked();
        self.ticked.update(|t| {
            for id in visible {
                if on {
                    t.insert(id);
                } else {
                    t.remove(&id);
                }
            }
        });
        if !on {
            self.all_matching.set(false);
        }
    }

    /// The selection as the server takes it.
    pub fn wire_selection(&self, filter: LeadFilter) -> LeadSelection {
        if self.all_matching.get_untracked() {
            LeadSelection::Filter(filter)
        } else {
            LeadSelection::Ids(self.ticked.get_untracked().into_iter().collect())
        }
    }
}

/// The "select all N matching" offer once a whole page is ticked, and its undo. Nothing is
/// ticked when the list loads, so it is a lazy split fetched the first time a whole page is.
#[component]
pub fn SelectAllBanner(selection: Selection) -> impl IntoView {
    let wanted = wanted_once(move || offered(selection));
    show(
        move || wanted.get(),
        move || {
            view! { <Suspense>{Suspend::new(select_all_banner(selection))}</Suspense> }.into_any()
        },
    )
}

/// Whether the banner shows: the whole page is ticked and more leads match than it shows.
fn offered(selection: Selection) -> bool {
    selection.page_ticked() && selection.total.get() > selection.visible.with(|v| v.len() as u64)
}

#[lazy]
fn select_all_banner(selection: Selection) -> AnyView {
    view! {
        {show(move || offered(selection), move || view! {
            <div class="select-all-banner" role="status">
                {move || if selection.all_matching.get() {
                    view! {
                        <span>{format!("All {} leads matching the filter are selected.", grouped(selection.total.get()))}</span>
                        <button type="button" class="btn btn-link btn-small" on:click=move |_| selection.clear()>"Clear selection"</button>
                    }.into_any()
                } else {
                    view! {
                        <span>{move || format!("All {} leads on screen are selected.", selection.visible.with(Vec::len))}</span>
                        <button type="button" class="btn btn-link btn-small" on:click=move |_| selection.all_matching.set(true)>
                            {move || format!("Select all {} leads matching the filter", grouped(selection.total.get()))}
                        </button>
                    }.into_any()
                }}
            </div>
        }.into_any())}
    }
    .into_any()
}

/// What the bar is made from, handed as one value through its lazy split.
pub struct BulkBarParts {
    pub workspace: Uuid,
    pub selection: Selection,
    /// The filter in the URL (what "all matching" means).
    pub filter: Signal<LeadFilter>,
    /// `/w/{slug}/leads/export`.
    pub export_base: String,
    /// The filter as a query string, for exporting every matching lead.
    pub query_string: Signal<String>,
    pub action: BulkRun,
    pub can_manage: bool,
    pub can_export: bool,
    /// Whether the person may send (and so check numbers).
    pub can_send: bool,
    /// Follows a website check the bar started.
    pub on_website_check: Callback<VerifyJobDto>,
    /// Follows a WhatsApp number check the bar started.
    pub on_number_check: Callback<NumberCheckJobDto>,
    /// `/w/{slug}/campaigns/new`, when the person may create campaigns.
    pub new_campaign: Option<String>,
}

/// The bar of bulk actions, a lazy split fetched with the first tick (the module's
/// documentation); it then stays mounted and shows itself while leads are selected
/// (`components/lazy.rs`).
#[lazy]
pub fn bulk_bar(parts: BulkBarParts) -> AnyView {
    let BulkBarParts {
        workspace,
        selection,
        filter,
        export_base,
        query_string,
        action,
        can_manage,
        can_export,
        can_send,
        on_website_check,
        on_number_check,
        new_campaign,
    } = parts;
    let toaster = use_toaster();
    let tag = RwSignal::new(String::new());
    let stage = RwSignal::new(Stage::Qualified.as_str().to_owned());
    let confirm_delete = RwSignal::new(false);
    let run = move |act: BulkAction| {
        action.dispatch(BulkLeads {
            workspace,
            selection: selection.wire_selection(filter.get_untracked()),
            action: act,
        });
    };
    // A check refused (a plan's limit, no sender) says why on a toast; the list stays.
    let refused = move |e: crate::api::ApiError| {
        toaster.error(
            e.field_message("selection")
                .unwrap_or_else(|| e.to_string()),
        )
    };
    let verify = move || {
        let scope = CheckScope::Selection(selection.wire_selection(filter.get_untracked()));
        leptos::task::spawn_local(async move {
            match start_website_check(workspace, scope).await {
                Ok(job) => on_website_check.run(job),
                Err(e) => refused(e),
            }
        });
    };
    let check_numbers = move || {
        let chosen = selection.wire_selection(filter.get_untracked());
        leptos::task::spawn_local(async move {
            match start_number_check(workspace, chosen).await {
                Ok(job) => on_number_check.run(job),
                Err(e) => refused(e),
            }
        });
    };
    let tag_error = Signal::derive(move || {
        action.value().with(|r| match r {
            Some(Err(e)) => e.field_message("tag"),
            _ => None,
        })
    });
    let export_base = StoredValue::new(export_base);
    let new_campaign = StoredValue::new(new_campaign);
    let ids = move || {
        selection
            .ticked
            .with(|t| t.iter().map(Uuid::to_string).collect::<Vec<_>>().join(","))
    };
    let count_text = move || {
        let n = selection.count();
        format!("{} selected", grouped(n))
    };
    view! {
        {show(move || selection.count() > 0, move || view! {
        <div class="bulk-bar card" role="region" aria-label="Bulk actions">
            <strong class="bulk-count">{count_text}</strong>
            {can_send.then(|| view! {
                <button type="button" class="btn btn-small btn-primary" on:click=move |_| check_numbers()>
                    "Check WhatsApp"
                </button>
            })}
            {new_campaign.get_value().map(|base| {
                let base = StoredValue::new(base);
                // The ticked ids ride in the URL (a page of them at most); "all matching"
                // passes the filter itself, which the wizard reads like the list does.
                let href = move || if selection.all_matching.get() {
                    format!("{}?audience=filter&{}", base.get_value(), query_string.get())
                } else {
                    format!("{}?leads={}", base.get_value(), ids())
                };
                view! { <a class="btn btn-small btn-primary" href=href>"Message in a campaign"</a> }
            })}
            {can_manage.then(|| view! {
                <button type="button" class="btn btn-small btn-primary" on:click=move |_| verify()>
                    "Verify websites"
                </button>
                <form class="bulk-group" on:submit=move |ev| {
                    ev.prevent_default();
                    run(BulkAction::Tag(tag.get_untracked()));
                }>
                    <label class="sr-only" for="bulk-tag">"Tag"</label>
                    <input id="bulk-tag" name="tag" type="text" placeholder="Tag" maxlength="60"
                        class:input-invalid=move || tag_error.get().is_some()
                        aria-invalid=move || tag_error.get().is_some().to_string()
                        prop:value=move || tag.get() on:input=move |ev| tag.set(event_target_value(&ev)) />
                    <button type="submit" class="btn btn-small" disabled=move || action.pending().get()>"Tag"</button>
                    <button type="button" class="btn btn-small" disabled=move || action.pending().get()
                        on:click=move |_| run(BulkAction::Untag(tag.get_untracked()))>"Untag"</button>
                </form>
                <form class="bulk-group" on:submit=move |ev| {
                    ev.prevent_default();
                    if let Some(s) = Stage::parse(&stage.get_untracked()) {
                        run(BulkAction::SetStage(s));
                    }
                }>
                    <label class="sr-only" for="bulk-stage">"Stage"</label>
                    <select id="bulk-stage" prop:value=move || stage.get() on:change=move |ev| stage.set(event_target_value(&ev))>
                        {Stage::ALL.into_iter().map(|s| view! { <option value=s.as_str()>{s.label()}</option> }).collect_view()}
                    </select>
                    <button type="submit" class="btn btn-small" disabled=move || action.pending().get()>"Set stage"</button>
                </form>
                <button type="button" class="btn btn-small btn-danger" disabled=move || action.pending().get()
                    on:click=move |_| confirm_delete.set(true)>"Delete"</button>
            })}
            {can_export.then(|| view! {
                {move || if selection.all_matching.get() {
                    view! {
                        <span class="bulk-group">
                            <a class="btn btn-small" download="" href=move || format!("{}/leads.csv?{}", export_base.get_value(), query_string.get())>"Export CSV"</a>
                            <a class="btn btn-small" download="" href=move || format!("{}/leads.xlsx?{}", export_base.get_value(), query_string.get())>"Export Excel"</a>
                        </span>
                    }.into_any()
                } else {
                    // A plain POST form: the browser downloads the file and stays on the page.
                    view! {
                        <form class="bulk-group" method="post" action=move || format!("{}/leads.csv", export_base.get_value())>
                            <input type="hidden" name="ids" prop:value=ids />
                            <button type="submit" class="btn btn-small">"Export CSV"</button>
                            <button type="submit" class="btn btn-small" formaction=move || format!("{}/leads.xlsx", export_base.get_value())>"Export Excel"</button>
                        </form>
                    }.into_any()
                }}
            })}
            <button type="button" class="btn btn-link btn-small" on:click=move |_| selection.clear()>"Clear selection"</button>
            <p class="field-error bulk-error" role="alert">{move || tag_error.get()}</p>
        </div>
        }.into_any())}
        <ConfirmDialog
            open=confirm_delete
            title=Signal::derive(move || {
                let n = selection.count();
                format!("Delete {} {}?", grouped(n), if n == 1 { "lead" } else { "leads" })
            })
            message=String::from("Their tags and timeline go with them. This cannot be undone.")
            confirm_label="Delete"
            on_confirm=Callback::new(move |()| run(BulkAction::Delete))
        />
    }
    .into_any()
}
