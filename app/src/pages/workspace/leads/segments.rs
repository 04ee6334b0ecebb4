//! The segments panel: saved filters with their live counts — click one to apply it, save the
//! current filter as a new one, rename or delete (after a confirmation).

use super::super::imports::grouped;
use crate::api::ApiResult;
use crate::api::segments::{
    CreateSegment, DeleteSegment, RenameSegment, create_segment, delete_segment, rename_segment,
};
use crate::components::confirm::ConfirmDialog;
use crate::components::effect::effect;
use crate::components::form::field_error;
use crate::components::lazy::wanted_once;
use crate::components::show::show;
use leptos::prelude::*;
use shared::leads::{LeadFilter, LeadQuery, LeadSort};
use shared::segments::{SegmentEntry, SegmentForm};
use uuid::Uuid;

/// The segment actions the page owns (it refetches the list when they finish).
#[derive(Clone, Copy)]
pub struct SegmentActions {
    pub create: Action<CreateSegment, ApiResult<()>>,
    pub rename: Action<RenameSegment, ApiResult<()>>,
    pub delete: Action<DeleteSegment, ApiResult<()>>,
}

impl SegmentActions {
    pub fn new() -> Self {
        Self {
            create: Action::new(|input: &CreateSegment| create_later(input.clone())),
            rename: Action::new(|input: &RenameSegment| rename_later(input.clone())),
            delete: Action::new(|input: &DeleteSegment| delete_later(input.clone())),
        }
    }
}

// Saving, renaming and deleting a segment happen on a click, never while the list hydrates, so
// their server calls are lazy splits fetched with the first (docs/benchmarks.md, "What runs only
// on a click").

#[lazy]
async fn create_later(input: CreateSegment) -> ApiResult<()> {
    // The list is read again after it (the page's segment version moves), so the saved
    // segment itself is not needed here.
    create_segment(input.workspace, input.form).await.map(drop)
}

#[lazy]
async fn rename_later(input: RenameSegment) -> ApiResult<()> {
    rename_segment(input.workspace, input.segment, input.name).await
}

#[lazy]
async fn delete_later(input: DeleteSegment) -> ApiResult<()> {
    delete_segment(input.workspace, input.segment).await
}

#[component]
pub fn SegmentsPanel(
    workspace: Uuid,
    segments: Vec<SegmentEntry>,
    /// `/w/{slug}/leads`.
    base: String,
    /// The filter and sort in the URL now. The panel is drawn again whenever they change (the
    /// page's resource reloads), so it reads them once.
    current: Signal<(LeadFilter, LeadSort)>,
    actions: SegmentActions,
    can_manage: bool,
) -> impl IntoView {
    let saving = RwSignal::new(false);
    let renaming = RwSignal::new(None::<(Uuid, String)>);
    let deleting = RwSignal::new(None::<(Uuid, String)>);
    let confirm_open = RwSignal::new(false);
    let editor_wanted = wanted_once(move || saving.get() || renaming.with(Option::is_some));
    // The filter shown now, as a segment's parameters are written: the segment it matches is
    // the active one.
    let (shown, sort) = current.with_untracked(|(filter, sort)| {
        (
            LeadQuery::from_filter(filter, LeadSort::default()).query_string(),
            *sort,
        )
    });
    let empty = segments.is_empty();
    let items = segments
        .into_iter()
        .map(|segment| {
            let SegmentEntry {
                id,
                name,
                count,
                query,
                summary,
            } = segment;
            let active = query == shown;
            let query = LeadQuery::with_sort(&query, sort);
            let href = if query.is_empty() {
                base.clone()
            } else {
                format!("{base}?{query}")
            };
            let actions = can_manage.then(|| {
                let rename_to = name.clone();
                let delete_name = name.clone();
                view! {
                    <span class="segment-actions">
                        <button type="button" class="btn btn-link btn-small" on:click=move |_| {
                            renaming.set(Some((id, rename_to.clone())));
                        }>"Rename"</button>
                        <button type="button" class="btn btn-link btn-small btn-danger" on:click=move |_| {
                            deleting.set(Some((id, delete_name.clone())));
                            confirm_open.set(true);
                        }>"Delete"</button>
                    </span>
                }
            });
            view! {
                <li class="segment" class:segment-active=active>
                    <a class="segment-link" href=href title=summary.clone()>
                        <span class="segment-name">{name}</span>
                        <span class="segment-count" aria-label="leads">{grouped(count)}</span>
                    </a>
                    <span class="segment-summary muted">{summary}</span>
                    {actions}
                </li>
            }
        })
        .collect_view();
    view! {
        <aside class="card segments" aria-labelledby="segments-title">
            <h2 id="segments-title">"Segments"</h2>
            {empty.then(|| view! { <p class="muted">"Save a filter to come back to it, with its count kept up to date."</p> })}
            <ul class="segment-list">{items}</ul>
            {can_manage.then(|| view! {
                {show(move || !saving.get(), move || view! {
                    <button type="button" class="btn btn-small segment-save-open" on:click=move |_| saving.set(true)>
                        "Save this filter as a segment…"
                    </button>
                }.into_any())}
                {show(move || editor_wanted.get(), move || {
                    let parts = EditorParts { workspace, current, actions, saving, renaming };
                    view! { <Suspense>{Suspend::new(segment_editor(parts))}</Suspense> }.into_any()
                })}
            })}
        </aside>
        <ConfirmDialog
            open=confirm_open
            title=Signal::derive(move || format!("Delete the segment \"{}\"?", deleting.with(|d| d.as_ref().map(|(_, n)| n.clone()).unwrap_or_default())))
            message=String::from("Only the saved filter goes; its leads stay.")
            confirm_label="Delete"
            on_confirm=Callback::new(move |()| {
                if let Some((segment, _)) = deleting.get_untracked() {
                    actions.delete.dispatch(DeleteSegment { workspace, segment });
                }
            })
        />
    }
}

/// What the segment editor is made from, handed as one value through its lazy split.
struct EditorParts {
    workspace: Uuid,
    current: Signal<(LeadFilter, LeadSort)>,
    actions: SegmentActions,
    /// "Save this filter" is open.
    saving: RwSignal<bool>,
    /// The segment being renamed, with its name then.
    renaming: RwSignal<Option<(Uuid, String)>>,
}

/// Saving the filter as a segment, and renaming one: forms opened by a click, so the server
/// never renders them and their code is a lazy split fetched with the first (it then stays
/// mounted, `components/lazy.rs`).
#[lazy]
fn segment_editor(parts: EditorParts) -> AnyView {
    let EditorParts {
        workspace,
        current,
        actions,
        saving,
        renaming,
    } = parts;
    let new_name = RwSignal::new(String::new());
    let edit_name = RwSignal::new(String::new());
    let create_error = field_error(actions.create.value(), "name");
    let rename_error = field_error(actions.rename.value(), "name");
    effect(move || {
        if let Some(Ok(_)) = actions.create.value().get() {
            new_name.set(String::new());
            saving.set(false);
        }
    });
    effect(move || {
        if let Some(Ok(_)) = actions.rename.value().get() {
            renaming.set(None);
        }
    });
    // Each rename starts from the segment's name.
    effect(move || {
        if let Some((_, name)) = renaming.get() {
            edit_name.set(name);
        }
    });
    let save = NameForm {
        class: "segment-save",
        id: "segment-name",
        label: Signal::derive(|| "Save this filter as".to_owned()),
        name: new_name,
        pending: actions.create.pending().into(),
        error: create_error,
        on_save: Callback::new(move |()| {
            actions.create.dispatch(CreateSegment {
                workspace,
                form: SegmentForm {
                    name: new_name.get_untracked(),
                    filter: current.get_untracked().0,
                },
            });
        }),
        on_cancel: Callback::new(move |()| saving.set(false)),
    };
    let rename = NameForm {
        class: "segment-rename",
        id: "segment-rename",
        label: Signal::derive(move || {
            renaming.with(|r| {
                r.as_ref()
                    .map(|(_, name)| format!("Rename \"{name}\" to"))
                    .unwrap_or_default()
            })
        }),
        name: edit_name,
        pending: actions.rename.pending().into(),
        error: rename_error,
        on_save: Callback::new(move |()| {
            if let Some((segment, _)) = renaming.get_untracked() {
                actions.rename.dispatch(RenameSegment {
                    workspace,
                    segment,
                    name: edit_name.get_untracked(),
                });
            }
        }),
        on_cancel: Callback::new(move |()| renaming.set(None)),
    };
    view! {
        {show(move || saving.get(), move || name_form(save))}
        {show(move || renaming.with(Option::is_some), move || name_form(rename))}
    }
    .into_any()
}

/// A segment name form: saving the filter and renaming differ only in these.
#[derive(Clone, Copy)]
struct NameForm {
    class: &'static str,
    id: &'static str,
    label: Signal<String>,
    /// The name typed.
    name: RwSignal<String>,
    /// "Save" is off while the call runs.
    pending: Signal<bool>,
    /// The server's message on `name`.
    error: Signal<Option<String>>,
    on_save: Callback<()>,
    on_cancel: Callback<()>,
}

fn name_form(form: NameForm) -> AnyView {
    let NameForm {
        class,
        id,
        label,
        name,
        pending,
        error,
        on_save,
        on_cancel,
    } = form;
    view! {
        <form class=class on:submit=move |ev| {
            ev.prevent_default();
            on_save.run(());
        }>
            <label for=id>{move || label.get()}</label>
            <div class="segment-save-row">
                <input id=id name="name" type="text" maxlength="80" placeholder="Segment name"
                    prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
                <button type="submit" class="btn btn-small btn-primary" disabled=move || pending.get()>"Save"</button>
                <button type="button" class="btn btn-small btn-link" on:click=move |_| on_cancel.run(())>"Cancel"</button>
            </div>
            <p class="field-error">{move || error.get()}</p>
        </form>
    }
    .into_any()
}
